//! The settings of a live queue and a live agent as stored (one JSON document each) and sent
//! over the API, with their defaults and limits. The server turns them into `kefu_acd`'s
//! configuration.

use kefu_acd::{Channel, Strategy};
use kefu_model::ModelError;
use kefu_model::error::FieldProblem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest time setting, in seconds (a day).
pub const MAX_SECONDS: u32 = 86_400;
/// Most skills a queue requires (the engine's limit).
pub const MAX_SKILLS: usize = kefu_acd::MAX_REQUIREMENTS;

/// The service-level target: `target` of contacts answered within `threshold_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    pub target: f64,
    pub threshold_s: u32,
}

/// Where a contact goes when it leaves a queue without an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    Voicemail,
    Callback,
    Disconnect,
    /// Into another queue (its id), keeping the contact's arrival time and priority.
    Overflow(String),
}

/// Leave after `after_s` in the queue, by `exit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxWait {
    pub after_s: u32,
    pub exit: Exit,
}

/// Overflow to queue `queue` after `after_s` in this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowAfter {
    pub after_s: u32,
    pub queue: String,
}

/// A relaxation step: after `after_s` in the queue, accept lower levels (`max_level`) and/or
/// stop requiring the skills in `drop`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relax {
    pub after_s: u32,
    #[serde(default)]
    pub max_level: Option<u8>,
    #[serde(default)]
    pub drop: Vec<String>,
}

/// Everything a live queue is configured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueSettings {
    pub channel: Channel,
    pub strategy: Strategy,
    /// Base priority of its contacts (higher first).
    pub priority: i32,
    pub service_level: ServiceLevel,
    pub max_wait: Option<MaxWait>,
    pub overflow: Option<OverflowAfter>,
    /// Offer a callback to arrivals whose estimated wait is longer than this.
    pub callback_offer_ewt_s: Option<u32>,
    /// Contacts that may wait at once; arrivals beyond it take `full_exit`.
    pub max_length: Option<u32>,
    pub full_exit: Exit,
    /// Skill name → minimum level (1–5).
    pub required_skills: BTreeMap<String, u8>,
    pub relaxation: Vec<Relax>,
    pub wrap_up_s: u32,
    /// How long an offer rings before it times out.
    pub offer_timeout_s: u32,
    /// How long the customer's owner (认养) is waited for before anyone else is offered.
    pub prefer_owner_s: u32,
    /// Average handle time assumed for the estimated wait until the queue has its own.
    pub aht_s: u32,
    /// Extra priority of contacts of VIP customers.
    pub vip_boost: i32,
    /// Priority points a waiting contact gains per minute.
    pub aging_per_min: u32,
    /// The disposition codes an agent picks from at wrap-up (none: free text).
    pub dispositions: Vec<String>,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            channel: Channel::Voice,
            strategy: Strategy::LongestIdle,
            priority: 0,
            service_level: ServiceLevel {
                target: 0.8,
                threshold_s: 20,
            },
            max_wait: None,
            overflow: None,
            callback_offer_ewt_s: None,
            max_length: None,
            full_exit: Exit::Disconnect,
            required_skills: BTreeMap::new(),
            relaxation: Vec::new(),
            wrap_up_s: 0,
            offer_timeout_s: 15,
            prefer_owner_s: 0,
            aht_s: 180,
            vip_boost: 10,
            aging_per_min: 1,
            dispositions: Vec::new(),
        }
    }
}

fn bad(field: &str, reason: FieldProblem) -> ModelError {
    ModelError::InvalidField {
        field: field.into(),
        reason,
    }
}

fn seconds(field: &str, s: u32) -> Result<(), ModelError> {
    if s > MAX_SECONDS {
        return Err(bad(field, FieldProblem::Format));
    }
    Ok(())
}

fn skill_name(field: &str, s: &str) -> Result<(), ModelError> {
    kefu_model::validate::required(field, s, 100).map(|_| ())
}

impl QueueSettings {
    /// Checks ranges and names; the queue ids it names are checked by the store.
    pub fn validate(&self) -> Result<(), ModelError> {
        let sl = &self.service_level;
        if !(sl.target > 0.0 && sl.target <= 1.0) {
            return Err(bad("service_level.target", FieldProblem::Format));
        }
        if sl.threshold_s == 0 {
            return Err(bad("service_level.threshold_s", FieldProblem::Format));
        }
        seconds("service_level.threshold_s", sl.threshold_s)?;
        if let Some(m) = &self.max_wait {
            seconds("max_wait.after_s", m.after_s)?;
        }
        if let Some(o) = &self.overflow {
            seconds("overflow.after_s", o.after_s)?;
        }
        if let Some(s) = self.callback_offer_ewt_s {
            seconds("callback_offer_ewt_s", s)?;
        }
        if self.required_skills.len() > MAX_SKILLS {
            return Err(bad("required_skills", FieldProblem::TooMany));
        }
        for (name, level) in &self.required_skills {
            skill_name("required_skills", name)?;
            if !(1..=5).contains(level) {
                return Err(bad("required_skills", FieldProblem::Format));
            }
        }
        if self.relaxation.len() > 10 {
            return Err(bad("relaxation", FieldProblem::TooMany));
        }
        for r in &self.relaxation {
            seconds("relaxation.after_s", r.after_s)?;
            if r.max_level.is_some_and(|l| !(1..=5).contains(&l)) {
                return Err(bad("relaxation.max_level", FieldProblem::Format));
            }
            for d in &r.drop {
                skill_name("relaxation.drop", d)?;
            }
        }
        seconds("wrap_up_s", self.wrap_up_s)?;
        if !(1..=600).contains(&self.offer_timeout_s) {
            return Err(bad("offer_timeout_s", FieldProblem::Format));
        }
        seconds("prefer_owner_s", self.prefer_owner_s)?;
        if self.aht_s == 0 {
            return Err(bad("aht_s", FieldProblem::Format));
        }
        seconds("aht_s", self.aht_s)?;
        if self.aging_per_min > 10_000 {
            return Err(bad("aging_per_min", FieldProblem::Format));
        }
        if self.vip_boost.unsigned_abs() > 1_000_000 || self.priority.unsigned_abs() > 1_000_000 {
            return Err(bad("priority", FieldProblem::Format));
        }
        if self.dispositions.len() > 100 {
            return Err(bad("dispositions", FieldProblem::TooMany));
        }
        for d in &self.dispositions {
            kefu_model::validate::required("dispositions", d, 100)?;
        }
        Ok(())
    }

    /// The queue ids these settings name (overflow targets).
    pub fn queues_named(&self) -> Vec<&str> {
        let mut v = vec![];
        if let Some(MaxWait {
            exit: Exit::Overflow(q),
            ..
        }) = &self.max_wait
        {
            v.push(q.as_str());
        }
        if let Exit::Overflow(q) = &self.full_exit {
            v.push(q.as_str());
        }
        if let Some(o) = &self.overflow {
            v.push(o.queue.as_str());
        }
        v
    }
}

/// Contacts an agent holds at once per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Capacity {
    pub voice: u8,
    pub chat: u8,
    pub email: u8,
    pub task: u8,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            voice: 1,
            chat: 3,
            email: 5,
            task: 1,
        }
    }
}

/// An agent's settings besides their skills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSettings {
    pub capacity: Capacity,
    /// `false` (the default): a contact on one channel keeps the agent from taking contacts
    /// on the others (one call, or up to three chats, or up to five e-mails). `true`: channels
    /// mix up to each one's capacity.
    pub mixed_channels: bool,
}

impl AgentSettings {
    pub fn validate(&self) -> Result<(), ModelError> {
        let c = &self.capacity;
        for (name, v) in [
            ("capacity.voice", c.voice),
            ("capacity.chat", c.chat),
            ("capacity.email", c.email),
            ("capacity.task", c.task),
        ] {
            if v > 50 {
                return Err(bad(name, FieldProblem::Format));
            }
        }
        Ok(())
    }
}
