//! The scenario file (YAML), and its translation into engine configuration.

use super::SimError;
use crate::{
    Channel, ExitAction, Overflow, QueueConfig, QueueId, RelaxOp, RelaxStep, Requirement, SkillId,
    Strategy,
};
use std::collections::BTreeMap;

/// A simulation scenario.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "one")]
    pub days: u32,
    #[serde(default = "thirty")]
    pub interval_minutes: u32,
    /// The local time zone the clock's 00:00 is in (informational: the simulator's clock is
    /// local time).
    #[serde(default = "utc")]
    pub time_zone: String,
    pub queues: Vec<QueueSpec>,
    #[serde(default)]
    pub arrivals: Vec<ArrivalSpec>,
    pub handle_time: Dist,
    /// Omitted: customers never abandon.
    pub patience: Option<Dist>,
    /// Default wrap-up for queues that do not set their own.
    #[serde(default)]
    pub wrap_up_s: f64,
    pub agents: Vec<AgentGroup>,
    /// Abandons within this many seconds are counted apart and left out of `offered`.
    pub short_abandon_s: Option<f64>,
    /// Contacts arriving in the first minutes are simulated but left out of the figures.
    #[serde(default)]
    pub warmup_minutes: u32,
}

fn one() -> u32 {
    1
}
fn thirty() -> u32 {
    30
}
fn utc() -> String {
    "UTC".into()
}

/// A probability distribution of a duration.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    Exponential {
        mean_s: f64,
    },
    Lognormal {
        mean_s: f64,
        sd_s: f64,
    },
    Fixed {
        #[serde(alias = "value_s")]
        mean_s: f64,
    },
}

impl Dist {
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::Exponential { mean_s }
            | Dist::Lognormal { mean_s, .. }
            | Dist::Fixed { mean_s } => mean_s,
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    #[serde(default = "sl_target")]
    pub target: f64,
    #[serde(default = "sl_t")]
    pub answer_within_s: f64,
}
fn sl_target() -> f64 {
    0.8
}
fn sl_t() -> f64 {
    20.0
}

/// A queue exit: `voicemail`, `callback`, `disconnect`, or `{overflow: QUEUE}`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitSpec {
    Voicemail,
    Callback,
    Disconnect,
    Overflow(String),
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaxWaitSpec {
    pub after_s: f64,
    pub exit: ExitSpec,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowSpec {
    pub after_s: f64,
    pub to: String,
}

/// A relaxation step: after `after_s`, lower every level to `max_level`, drop skills, or
/// replace the requirements.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RelaxSpec {
    pub after_s: f64,
    pub max_level: Option<u8>,
    #[serde(default)]
    pub drop: Vec<String>,
    pub replace: Option<BTreeMap<String, u8>>,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub id: String,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default = "voice")]
    pub channel: Channel,
    #[serde(default)]
    pub required_skills: BTreeMap<String, u8>,
    pub service_level: Option<ServiceLevel>,
    #[serde(default)]
    pub priority: i32,
    pub aging_per_min: Option<u32>,
    pub wrap_up_s: Option<f64>,
    pub max_wait: Option<MaxWaitSpec>,
    pub overflow: Option<OverflowSpec>,
    pub max_queue_length: Option<u32>,
    #[serde(default)]
    pub relaxation: Vec<RelaxSpec>,
}
fn voice() -> Channel {
    Channel::Voice
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalSpec {
    pub queue: String,
    /// Poisson arrivals at a constant rate per hour…
    pub rate_per_hour: Option<f64>,
    /// …or expected contacts in each interval of a day (one day's worth, repeated daily).
    pub per_interval: Option<Vec<f64>>,
    #[serde(default)]
    pub priority: i32,
    /// Fraction of these contacts that are VIP.
    #[serde(default)]
    pub vip_share: f64,
    /// Overrides the scenario's handle time for these contacts.
    pub handle_time: Option<Dist>,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    #[serde(default)]
    pub voice: u8,
    #[serde(default)]
    pub chat: u8,
    #[serde(default)]
    pub email: u8,
    #[serde(default)]
    pub task: u8,
}
impl Capacity {
    pub fn array(&self) -> [u8; crate::CHANNELS] {
        [self.voice, self.chat, self.email, self.task]
    }
}

/// `count` agents named NAME-1 … NAME-count.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    pub name: String,
    pub count: u32,
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    #[serde(default = "all_day")]
    pub shift: String,
    /// Default: one voice contact.
    pub capacity: Option<Capacity>,
}
fn all_day() -> String {
    "00:00-24:00".into()
}

pub(crate) struct Built {
    pub queues: Vec<QueueConfig>,
    pub queue_ids: BTreeMap<String, u32>,
    pub skills: BTreeMap<String, u16>,
}

impl Built {
    pub fn skill(&self, name: &str) -> SkillId {
        SkillId(self.skills[name])
    }
    pub fn queue(&self, name: &str) -> Result<u32, SimError> {
        self.queue_ids
            .get(name)
            .copied()
            .ok_or_else(|| SimError::Scenario(format!("unknown queue {name:?}")))
    }
}

fn ms(s: f64) -> u64 {
    (s * 1000.0).max(0.0).round() as u64
}

impl Scenario {
    pub fn from_yaml(text: &str) -> Result<Self, SimError> {
        serde_yaml_ng::from_str(text).map_err(|e| SimError::Scenario(e.to_string()))
    }

    pub(crate) fn build(&self) -> Result<Built, SimError> {
        let err = |m: String| SimError::Scenario(m);
        if self.days == 0 {
            return Err(err("days must be at least 1".into()));
        }
        if self.interval_minutes == 0 || 1440 % self.interval_minutes != 0 {
            return Err(err("interval_minutes must divide a day".into()));
        }
        let mut skills = BTreeMap::new();
        let mut names: Vec<&String> = Vec::new();
        for q in &self.queues {
            names.extend(q.required_skills.keys());
            for r in &q.relaxation {
                names.extend(&r.drop);
                names.extend(r.replace.iter().flat_map(|m| m.keys()));
            }
        }
        for a in &self.agents {
            names.extend(a.skills.keys());
        }
        for n in names {
            let next = skills.len() as u16;
            skills.entry(n.clone()).or_insert(next);
        }
        let mut queue_ids = BTreeMap::new();
        for (i, q) in self.queues.iter().enumerate() {
            if queue_ids.insert(q.id.clone(), i as u32).is_some() {
                return Err(err(format!("queue {:?} twice", q.id)));
            }
        }
        let qid = |n: &str| {
            queue_ids
                .get(n)
                .map(|&i| QueueId(i))
                .ok_or_else(|| err(format!("unknown queue {n:?}")))
        };
        let reqs = |m: &BTreeMap<String, u8>| -> Vec<Requirement> {
            m.iter()
                .map(|(k, &l)| Requirement::new(SkillId(skills[k]), l))
                .collect()
        };
        let exit = |e: &ExitSpec| -> Result<ExitAction, SimError> {
            Ok(match e {
                ExitSpec::Voicemail => ExitAction::Voicemail,
                ExitSpec::Callback => ExitAction::Callback,
                ExitSpec::Disconnect => ExitAction::Disconnect,
                ExitSpec::Overflow(q) => ExitAction::Overflow(qid(q)?),
            })
        };
        let mut queues = Vec::new();
        for q in &self.queues {
            let sl = q.service_level.clone().unwrap_or(ServiceLevel {
                target: 0.8,
                answer_within_s: 20.0,
            });
            let mut relaxation = Vec::new();
            for r in &q.relaxation {
                let after_ms = ms(r.after_s);
                if let Some(l) = r.max_level {
                    relaxation.push(RelaxStep {
                        after_ms,
                        op: RelaxOp::MaxLevel(l),
                    });
                }
                if !r.drop.is_empty() {
                    relaxation.push(RelaxStep {
                        after_ms,
                        op: RelaxOp::Drop(r.drop.iter().map(|d| SkillId(skills[d])).collect()),
                    });
                }
                if let Some(m) = &r.replace {
                    relaxation.push(RelaxStep {
                        after_ms,
                        op: RelaxOp::Replace(reqs(m)),
                    });
                }
            }
            queues.push(QueueConfig {
                channel: q.channel,
                strategy: q.strategy,
                requirements: reqs(&q.required_skills),
                relaxation,
                priority: q.priority,
                aging_per_min: q.aging_per_min.unwrap_or(1),
                sl_target: sl.target,
                sl_threshold_ms: ms(sl.answer_within_s),
                max_wait: q
                    .max_wait
                    .as_ref()
                    .map(|m| Ok::<_, SimError>((ms(m.after_s), exit(&m.exit)?)))
                    .transpose()?,
                overflow: q
                    .overflow
                    .as_ref()
                    .map(|o| {
                        Ok::<_, SimError>(Overflow {
                            after_ms: ms(o.after_s),
                            to: qid(&o.to)?,
                        })
                    })
                    .transpose()?,
                max_queue_len: q.max_queue_length,
                wrap_up_ms: ms(q.wrap_up_s.unwrap_or(self.wrap_up_s)),
                aht_ms: ms(self.handle_time.mean_s()),
                ..QueueConfig::default()
            });
        }
        Ok(Built {
            queues,
            queue_ids,
            skills,
        })
    }
}
