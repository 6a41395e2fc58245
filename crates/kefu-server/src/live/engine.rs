//! The routing engine of a workspace, live: a `kefu_acd::Engine` behind the workspace's
//! names (queue and user ids, skill names, interaction ids), fed by [`Cmd`]s.
//!
//! Every command the engine accepts, and every timer tick that changed something, is logged
//! (`live_log`) in the same transaction as what it did; the engine is deterministic, so
//! replaying the log at the logged times rebuilds it exactly after a restart or `kill -9`
//! (waiting contacts in the same order with their wait kept, offers ringing until they time
//! out, agents in their states). The dense engine ids are given out in the order the log names
//! things, so a replay gives out the same ones.

use chrono::{DateTime, TimeZone, Utc};
use kefu_acd::{
    AgentConfig, AgentId, Arrival, AuxReason, Channel, Command, ContactId, ContactState, Engine,
    EngineConfig, Event, ExitAction, Overflow, QueueConfig, QueueId, RelaxOp, RelaxStep,
    Requirement, SkillId, Time,
};
use kefu_model::InteractionOutcome;
use kefu_store::live::settings::{AgentSettings, Exit, QueueSettings};
use kefu_store::live::{ContactPatch, Effect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// A command to a workspace's engine, in the workspace's names (as logged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Cmd {
    /// Creates or changes a queue.
    Queue {
        id: String,
        settings: QueueSettings,
    },
    /// A deleted queue takes no more contacts (it holds none when deleted).
    DeleteQueue {
        id: String,
    },
    /// Creates or changes an agent.
    Agent {
        user_id: String,
        skills: BTreeMap<String, u8>,
        settings: AgentSettings,
    },
    Login {
        user_id: String,
    },
    Ready {
        user_id: String,
    },
    Aux {
        user_id: String,
        reason: AuxReason,
    },
    Logout {
        user_id: String,
    },
    Arrive {
        contact: String,
        queue: String,
        channel: Channel,
        customer_id: Option<String>,
        priority: i32,
        vip: bool,
        preferred: Option<String>,
    },
    Accept {
        contact: String,
        user_id: String,
    },
    Reject {
        contact: String,
        user_id: String,
    },
    Abandon {
        contact: String,
    },
    End {
        contact: String,
    },
    WrapUpDone {
        contact: String,
    },
    /// The agent found who an unknown caller is (the screen pop's search or new customer).
    Identify {
        contact: String,
        customer_id: String,
    },
    /// Timers due by now fired and changed something.
    Tick,
}

impl Cmd {
    /// The audit action and entity of the command.
    pub fn audit(&self) -> (&'static str, &'static str, String) {
        match self {
            Cmd::Queue { id, .. } => ("configured", "live_queue", id.clone()),
            Cmd::DeleteQueue { id } => ("closed", "live_queue", id.clone()),
            Cmd::Agent { user_id, .. } => ("configured", "agent", user_id.clone()),
            Cmd::Login { user_id } => ("login", "agent", user_id.clone()),
            Cmd::Ready { user_id } => ("ready", "agent", user_id.clone()),
            Cmd::Aux { user_id, .. } => ("aux", "agent", user_id.clone()),
            Cmd::Logout { user_id } => ("logout", "agent", user_id.clone()),
            Cmd::Arrive { contact, .. } => ("arrive", "contact", contact.clone()),
            Cmd::Accept { contact, .. } => ("accept", "contact", contact.clone()),
            Cmd::Reject { contact, .. } => ("reject", "contact", contact.clone()),
            Cmd::Abandon { contact } => ("abandon", "contact", contact.clone()),
            Cmd::End { contact } => ("end", "contact", contact.clone()),
            Cmd::WrapUpDone { contact } => ("wrap_up_done", "contact", contact.clone()),
            Cmd::Identify { contact, .. } => ("identify", "contact", contact.clone()),
            Cmd::Tick => ("tick", "live", String::new()),
        }
    }
}

/// Why the engine refused a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownQueue,
    UnknownAgent,
    UnknownContact,
    Duplicate,
    NotOffered,
    WrongState,
    TooManySkills,
}

impl From<kefu_acd::Error> for Refusal {
    fn from(e: kefu_acd::Error) -> Self {
        use kefu_acd::Error as E;
        match e {
            E::UnknownQueue(_) => Refusal::UnknownQueue,
            E::UnknownAgent(_) | E::AgentIdTooLarge(_) => Refusal::UnknownAgent,
            E::UnknownContact(_) => Refusal::UnknownContact,
            E::DuplicateContact(_) => Refusal::Duplicate,
            E::NotOffered { .. } => Refusal::NotOffered,
            E::WrongState(_) => Refusal::WrongState,
            E::TooManyRequirements | E::AgingTooFast => Refusal::TooManySkills,
        }
    }
}

/// Names ↔ dense engine ids, given out in order of first use.
#[derive(Debug)]
struct Names<I> {
    ids: HashMap<String, I>,
    names: Vec<String>,
}

impl<I> Default for Names<I> {
    fn default() -> Self {
        Names {
            ids: HashMap::new(),
            names: Vec::new(),
        }
    }
}

impl<I: Copy> Names<I> {
    fn get(&self, name: &str) -> Option<I> {
        self.ids.get(name).copied()
    }
    fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
    fn intern(&mut self, name: &str, make: impl Fn(usize) -> I) -> I {
        if let Some(i) = self.ids.get(name) {
            return *i;
        }
        let i = make(self.names.len());
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), i);
        i
    }
}

/// A queue's counts over some minutes (the wallboard's "today" and "last 30 minutes").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Contacts that entered the queue (arrivals and overflows into it).
    pub offered: u64,
    pub answered: u64,
    /// Answered within the queue's service-level threshold.
    pub answered_within: u64,
    pub abandoned: u64,
    /// Left without an agent by max wait, a full queue or overflow out.
    pub exited: u64,
    pub wait_answered_ms: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.answered_within += o.answered_within;
        self.abandoned += o.abandoned;
        self.exited += o.exited;
        self.wait_answered_ms += o.wait_answered_ms;
    }
    /// Answered within the threshold / contacts whose outcome is known.
    pub fn service_level(&self) -> Option<f64> {
        let done = self.answered + self.abandoned + self.exited;
        (done > 0).then(|| self.answered_within as f64 / done as f64)
    }
    /// Average speed of answer, seconds.
    pub fn asa_s(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_answered_ms as f64 / 1000.0 / self.answered as f64)
    }
}

/// How long per-minute tallies are kept (two days: "today" in any zone).
const TALLY_KEEP_MS: Time = 48 * 3_600_000;

/// What the engine keeps of a contact besides its routing state.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: String,
    pub channel: Channel,
    pub customer_id: Option<String>,
}

/// A workspace's engine with its names.
pub struct Live {
    pub engine: Engine,
    queues: Names<QueueId>,
    agents: Names<AgentId>,
    skills: Names<SkillId>,
    contacts: HashMap<String, ContactId>,
    meta: HashMap<ContactId, Meta>,
    next_contact: u64,
    settings: HashMap<QueueId, QueueSettings>,
    closed: Vec<QueueId>,
    /// When each agent's state last changed (engine time).
    since: HashMap<AgentId, Time>,
    /// Contacts let go of since [`Live::begin_step`], to name their last events.
    forgotten: HashMap<ContactId, String>,
    /// Per (queue, minute of engine time): what happened, for today's figures.
    tallies: std::collections::BTreeMap<(u32, u64), Tally>,
}

/// Engine time of a wall-clock instant.
pub fn ms(t: DateTime<Utc>) -> Time {
    t.timestamp_millis().max(0) as Time
}

/// The instant of an engine time.
pub fn instant(t: Time) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(t as i64)
        .single()
        .unwrap_or_default()
}

fn aux_str(r: AuxReason) -> &'static str {
    match r {
        AuxReason::Break => "break",
        AuxReason::Lunch => "lunch",
        AuxReason::Training => "training",
        AuxReason::Meeting => "meeting",
        AuxReason::NoAnswer => "no_answer",
        AuxReason::Other => "other",
    }
}

/// The state and aux reason of an agent state, as stored and sent.
pub fn state_str(s: kefu_acd::AgentState) -> (&'static str, Option<&'static str>) {
    use kefu_acd::AgentState as S;
    match s {
        S::LoggedOut => ("logged_out", None),
        S::Available => ("available", None),
        S::Reserved => ("reserved", None),
        S::Busy => ("busy", None),
        S::WrapUp => ("wrap_up", None),
        S::Aux(r) => ("aux", Some(aux_str(r))),
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    pub fn new() -> Live {
        Live {
            engine: Engine::new(EngineConfig::default()),
            queues: Names::default(),
            agents: Names::default(),
            skills: Names::default(),
            contacts: HashMap::new(),
            meta: HashMap::new(),
            next_contact: 1,
            settings: HashMap::new(),
            closed: Vec::new(),
            since: HashMap::new(),
            forgotten: HashMap::new(),
            tallies: std::collections::BTreeMap::new(),
        }
    }

    pub fn queue_id(&self, id: &str) -> Option<QueueId> {
        self.queues.get(id).filter(|q| !self.closed.contains(q))
    }
    pub fn queue_name(&self, q: QueueId) -> &str {
        self.queues.name(q.0 as usize)
    }
    pub fn agent_id(&self, user_id: &str) -> Option<AgentId> {
        self.agents.get(user_id)
    }
    pub fn user_of(&self, a: AgentId) -> &str {
        self.agents.name(a.0 as usize)
    }
    pub fn contact_id(&self, id: &str) -> Option<ContactId> {
        self.contacts.get(id).copied()
    }
    pub fn meta(&self, c: ContactId) -> Option<&Meta> {
        self.meta.get(&c)
    }
    pub fn settings(&self, q: QueueId) -> Option<&QueueSettings> {
        self.settings.get(&q)
    }
    /// The contacts the engine holds, with their names.
    pub fn contacts(&self) -> impl Iterator<Item = (ContactId, &Meta)> {
        self.meta.iter().map(|(c, m)| (*c, m))
    }

    fn skill(&mut self, name: &str) -> SkillId {
        self.skills
            .intern(name, |i| SkillId(i.min(u16::MAX as usize) as u16))
    }

    fn queue_config(&mut self, s: &QueueSettings) -> Result<QueueConfig, Refusal> {
        let target = |live: &Live, id: &str| live.queue_id(id).ok_or(Refusal::UnknownQueue);
        let exit = |live: &Live, e: &Exit| -> Result<ExitAction, Refusal> {
            Ok(match e {
                Exit::Voicemail => ExitAction::Voicemail,
                Exit::Callback => ExitAction::Callback,
                Exit::Disconnect => ExitAction::Disconnect,
                Exit::Overflow(q) => ExitAction::Overflow(target(live, q)?),
            })
        };
        let requirements = s
            .required_skills
            .iter()
            .map(|(n, l)| Requirement::new(self.skill(n), *l))
            .collect();
        let mut relaxation = vec![];
        for r in &s.relaxation {
            if let Some(l) = r.max_level {
                relaxation.push(RelaxStep {
                    after_ms: r.after_s as Time * 1000,
                    op: RelaxOp::MaxLevel(l),
                });
            }
            if !r.drop.is_empty() {
                let drop = r.drop.iter().map(|d| self.skill(d)).collect();
                relaxation.push(RelaxStep {
                    after_ms: r.after_s as Time * 1000,
                    op: RelaxOp::Drop(drop),
                });
            }
        }
        Ok(QueueConfig {
            channel: s.channel,
            strategy: s.strategy,
            requirements,
            relaxation,
            priority: s.priority,
            aging_per_min: s.aging_per_min,
            vip_boost: s.vip_boost,
            sl_target: s.service_level.target,
            sl_threshold_ms: s.service_level.threshold_s as Time * 1000,
            max_wait: match &s.max_wait {
                Some(m) => Some((m.after_s as Time * 1000, exit(self, &m.exit)?)),
                None => None,
            },
            overflow: match &s.overflow {
                Some(o) => Some(Overflow {
                    after_ms: o.after_s as Time * 1000,
                    to: target(self, &o.queue)?,
                }),
                None => None,
            },
            max_queue_len: s.max_length,
            full_action: exit(self, &s.full_exit)?,
            hours: None,
            closed_action: ExitAction::Voicemail,
            wrap_up_ms: s.wrap_up_s as Time * 1000,
            offer_timeout_ms: s.offer_timeout_s as Time * 1000,
            prefer_ms: s.prefer_owner_s as Time * 1000,
            callback_offer_ewt_ms: s.callback_offer_ewt_s.map(|x| x as Time * 1000),
            aht_ms: s.aht_s as Time * 1000,
        })
    }

    fn agent_config(&mut self, skills: &BTreeMap<String, u8>, s: &AgentSettings) -> AgentConfig {
        let skills: Vec<(SkillId, u8)> = skills.iter().map(|(n, l)| (self.skill(n), *l)).collect();
        let c = s.capacity;
        AgentConfig {
            skills,
            capacity: [c.voice, c.chat, c.email, c.task],
            blocks: if s.mixed_channels {
                [0; kefu_acd::CHANNELS]
            } else {
                AgentConfig::EXCLUSIVE
            },
        }
    }

    fn known_agent(&self, user_id: &str) -> Result<AgentId, Refusal> {
        self.agents.get(user_id).ok_or(Refusal::UnknownAgent)
    }
    fn known_contact(&self, id: &str) -> Result<ContactId, Refusal> {
        self.contact_id(id).ok_or(Refusal::UnknownContact)
    }

    /// Applies `cmd` at engine time `now`; the events it caused (also when refused: timers
    /// due by `now` fire first) go to `out`.
    pub fn apply(&mut self, now: Time, cmd: &Cmd, out: &mut Vec<Event>) -> Result<(), Refusal> {
        let start = out.len();
        let r = self.apply_inner(now, cmd, out);
        self.forget_finished(start, out);
        r
    }

    fn apply_inner(&mut self, now: Time, cmd: &Cmd, out: &mut Vec<Event>) -> Result<(), Refusal> {
        let command = match cmd {
            Cmd::Queue { id, settings } => {
                let config = self.queue_config(settings)?;
                let q = self
                    .queues
                    .intern(id, |i| QueueId(i.min(u32::MAX as usize) as u32));
                self.settings.insert(q, settings.clone());
                Command::UpsertQueue { id: q, config }
            }
            Cmd::DeleteQueue { id } => {
                let q = self.queue_id(id).ok_or(Refusal::UnknownQueue)?;
                self.closed.push(q);
                let config = QueueConfig {
                    max_queue_len: Some(0),
                    full_action: ExitAction::Disconnect,
                    ..QueueConfig::default()
                };
                Command::UpsertQueue { id: q, config }
            }
            Cmd::Agent {
                user_id,
                skills,
                settings,
            } => {
                let config = self.agent_config(skills, settings);
                let a = self
                    .agents
                    .intern(user_id, |i| AgentId(i.min(u32::MAX as usize) as u32));
                Command::UpsertAgent { id: a, config }
            }
            Cmd::Login { user_id } => Command::Login {
                agent: self.known_agent(user_id)?,
            },
            Cmd::Ready { user_id } => Command::SetAvailable {
                agent: self.known_agent(user_id)?,
            },
            Cmd::Aux { user_id, reason } => Command::SetAux {
                agent: self.known_agent(user_id)?,
                reason: *reason,
            },
            Cmd::Logout { user_id } => Command::Logout {
                agent: self.known_agent(user_id)?,
            },
            Cmd::Arrive {
                contact,
                queue,
                channel,
                customer_id,
                priority,
                vip,
                preferred,
            } => {
                if self.contacts.contains_key(contact) {
                    return Err(Refusal::Duplicate);
                }
                let q = self.queue_id(queue).ok_or(Refusal::UnknownQueue)?;
                let c = ContactId(self.next_contact);
                let mut a = Arrival::new(c, q);
                a.priority = *priority;
                a.vip = *vip;
                a.preferred_agent = preferred.as_deref().and_then(|p| self.agents.get(p));
                let r = self.engine.handle_into(now, Command::Arrive(a), out);
                r?;
                self.next_contact += 1;
                self.contacts.insert(contact.clone(), c);
                self.meta.insert(
                    c,
                    Meta {
                        id: contact.clone(),
                        channel: *channel,
                        customer_id: customer_id.clone(),
                    },
                );
                return Ok(());
            }
            Cmd::Accept { contact, user_id } => Command::Accept {
                contact: self.known_contact(contact)?,
                agent: self.known_agent(user_id)?,
            },
            Cmd::Reject { contact, user_id } => Command::Reject {
                contact: self.known_contact(contact)?,
                agent: self.known_agent(user_id)?,
            },
            Cmd::Abandon { contact } => Command::Abandon {
                contact: self.known_contact(contact)?,
            },
            Cmd::End { contact } => Command::End {
                contact: self.known_contact(contact)?,
            },
            Cmd::WrapUpDone { contact } => Command::WrapUpDone {
                contact: self.known_contact(contact)?,
            },
            Cmd::Identify {
                contact,
                customer_id,
            } => {
                let c = self.known_contact(contact)?;
                if let Some(m) = self.meta.get_mut(&c) {
                    m.customer_id = Some(customer_id.clone());
                }
                return Ok(());
            }
            Cmd::Tick => Command::Tick,
        };
        Ok(self.engine.handle_into(now, command, out)?)
    }

    /// When agent `a`'s state last changed (engine time).
    pub fn since(&self, a: AgentId) -> Option<Time> {
        self.since.get(&a).copied()
    }

    /// Every agent's id and user id.
    pub fn agents(&self) -> impl Iterator<Item = (AgentId, &str)> {
        self.agents
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (AgentId(i as u32), n.as_str()))
    }

    /// After a command whose events are `out[start..]`: drops the names of contacts the
    /// engine no longer holds, notes when agents' states changed, and tallies the queues.
    fn forget_finished(&mut self, start: usize, out: &[Event]) {
        let events = &out[start.min(out.len())..];
        let now = self.engine.now();
        let minute = now / 60_000;
        for e in events {
            let (q, t) = match e {
                Event::AgentStateChanged { agent, .. } => {
                    self.since.insert(*agent, now);
                    continue;
                }
                Event::Queued { queue, .. } => (
                    *queue,
                    Tally {
                        offered: 1,
                        ..Tally::default()
                    },
                ),
                Event::Answered { queue, wait_ms, .. } => {
                    let threshold = self
                        .settings
                        .get(queue)
                        .map_or(20_000, |s| s.service_level.threshold_s as Time * 1000);
                    (
                        *queue,
                        Tally {
                            answered: 1,
                            answered_within: (*wait_ms <= threshold) as u64,
                            wait_answered_ms: *wait_ms,
                            ..Tally::default()
                        },
                    )
                }
                Event::Abandoned { queue, .. } => (
                    *queue,
                    Tally {
                        abandoned: 1,
                        ..Tally::default()
                    },
                ),
                Event::Exited { queue, .. } => (
                    *queue,
                    Tally {
                        exited: 1,
                        ..Tally::default()
                    },
                ),
                _ => continue,
            };
            self.tallies.entry((q.0, minute)).or_default().add(&t);
        }
        if let Some(&(_, first)) = self.tallies.keys().next()
            && minute.saturating_sub(first) * 60_000 > TALLY_KEEP_MS
        {
            let keep = minute.saturating_sub(TALLY_KEEP_MS / 60_000);
            self.tallies.retain(|(_, m), _| *m >= keep);
        }
        for e in events {
            let c = match e {
                Event::WrapUpEnded { contact, .. }
                | Event::Abandoned { contact, .. }
                | Event::Exited { contact, .. }
                | Event::Ended { contact, .. } => *contact,
                _ => continue,
            };
            if self.engine.contact(c).is_none()
                && let Some(m) = self.meta.remove(&c)
            {
                self.contacts.remove(&m.id);
                self.forgotten.insert(c, m.id);
            }
        }
    }

    /// Queue `q`'s tally from engine time `from` on (whole minutes: the minute holding `from`
    /// counts).
    pub fn tally(&self, q: QueueId, from: Time) -> Tally {
        let mut t = Tally::default();
        for (_, x) in self.tallies.range((q.0, from / 60_000)..=(q.0, u64::MAX)) {
            t.add(x);
        }
        t
    }

    /// Starts a step: forgets the names of contacts let go of before it.
    pub fn begin_step(&mut self) {
        self.forgotten.clear();
    }

    /// What `events` (of the step since [`Live::begin_step`]) change in the store, in order.
    pub fn effects(&self, at: DateTime<Utc>, events: &[Event]) -> Vec<Effect> {
        let name = |c: &ContactId| {
            self.meta
                .get(c)
                .map(|m| &m.id)
                .or_else(|| self.forgotten.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let user = |a: &AgentId| self.user_of(*a).to_owned();
        let mut out = vec![];
        let contact_of = |c: &ContactId, action, patch, detail| Effect::Contact {
            id: name(c),
            action,
            patch,
            detail,
        };
        for e in events {
            let effect = match e {
                Event::Queued { contact: c, queue } => contact_of(
                    c,
                    "queued",
                    ContactPatch {
                        queue: Some(self.queue_name(*queue).to_owned()),
                        ..Default::default()
                    },
                    json!({}),
                ),
                Event::Offered {
                    contact: c,
                    agent,
                    expires_at,
                    ..
                } => contact_of(
                    c,
                    "offered",
                    ContactPatch {
                        ringing_at: Some(at),
                        ..Default::default()
                    },
                    json!({"agent_id": user(agent), "expires_at": instant(*expires_at)}),
                ),
                Event::Answered {
                    contact: c,
                    agent,
                    wait_ms,
                    ..
                } => contact_of(
                    c,
                    "answered",
                    ContactPatch {
                        agent_id: Some(user(agent)),
                        answered_at: Some(at),
                        ..Default::default()
                    },
                    json!({"agent_id": user(agent), "wait_ms": wait_ms}),
                ),
                Event::Rejected { contact: c, agent } => contact_of(
                    c,
                    "rejected",
                    ContactPatch::default(),
                    json!({"agent_id": user(agent)}),
                ),
                Event::OfferTimedOut { contact: c, agent } => contact_of(
                    c,
                    "offer_timed_out",
                    ContactPatch::default(),
                    json!({"agent_id": user(agent)}),
                ),
                Event::Rescinded {
                    contact: c,
                    agent,
                    reason,
                } => contact_of(
                    c,
                    "offer_withdrawn",
                    ContactPatch::default(),
                    json!({"agent_id": user(agent), "reason": reason}),
                ),
                Event::Ended { contact: c, agent } => {
                    // A queue without wrap-up lets go of the contact as it ends.
                    let done = !self.meta.contains_key(c);
                    contact_of(
                        c,
                        "ended",
                        ContactPatch {
                            ended_at: Some(at),
                            wrap_up_ended_at: done.then_some(at),
                            outcome: done.then_some(InteractionOutcome::Handled),
                            ..Default::default()
                        },
                        json!({"agent_id": user(agent)}),
                    )
                }
                Event::WrapUpEnded { contact: c, agent } => contact_of(
                    c,
                    "wrapped_up",
                    ContactPatch {
                        wrap_up_ended_at: Some(at),
                        outcome: Some(InteractionOutcome::Handled),
                        ..Default::default()
                    },
                    json!({"agent_id": user(agent)}),
                ),
                Event::Abandoned {
                    contact: c,
                    wait_ms,
                    ..
                } => contact_of(
                    c,
                    "abandoned",
                    ContactPatch {
                        abandoned_at: Some(at),
                        outcome: Some(InteractionOutcome::Abandoned),
                        ..Default::default()
                    },
                    json!({"wait_ms": wait_ms}),
                ),
                Event::Relaxed {
                    contact: c, step, ..
                } => contact_of(c, "relaxed", ContactPatch::default(), json!({"step": step})),
                Event::Overflowed { contact: c, to, .. } => contact_of(
                    c,
                    "overflowed",
                    ContactPatch {
                        queue: Some(self.queue_name(*to).to_owned()),
                        ..Default::default()
                    },
                    json!({"to": self.queue_name(*to)}),
                ),
                Event::Exited {
                    contact: c,
                    reason,
                    action,
                    ..
                } => {
                    let outcome = match action {
                        ExitAction::Overflow(_) => None,
                        ExitAction::Voicemail => Some(InteractionOutcome::Voicemail),
                        ExitAction::Callback => Some(InteractionOutcome::Callback),
                        ExitAction::Disconnect => Some(InteractionOutcome::Abandoned),
                    };
                    let ended = outcome.is_some().then_some(at);
                    contact_of(
                        c,
                        "exited",
                        ContactPatch {
                            ended_at: ended,
                            abandoned_at: if outcome == Some(InteractionOutcome::Abandoned) {
                                ended
                            } else {
                                None
                            },
                            outcome,
                            ..Default::default()
                        },
                        json!({"reason": reason, "action": action}),
                    )
                }
                Event::CallbackOffered { contact: c, ewt_ms } => contact_of(
                    c,
                    "callback_offered",
                    ContactPatch::default(),
                    json!({"ewt_ms": ewt_ms}),
                ),
                Event::AgentStateChanged { agent, state } => {
                    let (state, reason) = state_str(*state);
                    Effect::AgentState {
                        user_id: user(agent),
                        state,
                        reason,
                    }
                }
            };
            out.push(effect);
        }
        out
    }

    /// The contacts ringing for agent `a`, with their expiry.
    pub fn offers_of(&self, a: AgentId) -> Vec<(ContactId, Time)> {
        let mut v: Vec<(ContactId, Time)> = self
            .meta
            .keys()
            .filter_map(|c| match self.engine.contact(*c)?.state {
                ContactState::Offered { agents, expires_at } if agents.contains(&a) => {
                    Some((*c, expires_at))
                }
                _ => None,
            })
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(skills: &[(&str, u8)]) -> QueueSettings {
        QueueSettings {
            required_skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
            ..QueueSettings::default()
        }
    }

    fn run(live: &mut Live, now: Time, cmds: &[Cmd]) -> Vec<Event> {
        let mut out = vec![];
        for c in cmds {
            live.apply(now, c, &mut out).unwrap();
        }
        out
    }

    /// Replaying the same commands at the same times gives the same engine: same offers,
    /// same waiting order, same agent states.
    #[test]
    fn a_replay_rebuilds_the_same_engine() {
        let agent = |u: &str| Cmd::Agent {
            user_id: u.into(),
            skills: [("billing".to_string(), 3)].into(),
            settings: AgentSettings::default(),
        };
        let arrive = |c: &str| Cmd::Arrive {
            contact: c.into(),
            queue: "q".into(),
            channel: Channel::Voice,
            customer_id: None,
            priority: 0,
            vip: false,
            preferred: None,
        };
        let log: Vec<(Time, Cmd)> = vec![
            (
                1_000,
                Cmd::Queue {
                    id: "q".into(),
                    settings: queue(&[("billing", 2)]),
                },
            ),
            (1_000, agent("u1")),
            (1_000, agent("u2")),
            (
                2_000,
                Cmd::Login {
                    user_id: "u1".into(),
                },
            ),
            (
                3_000,
                Cmd::Login {
                    user_id: "u2".into(),
                },
            ),
            (4_000, arrive("c1")),
            (5_000, arrive("c2")),
            (6_000, arrive("c3")),
            (7_000, arrive("c4")),
            (
                8_000,
                Cmd::Accept {
                    contact: "c1".into(),
                    user_id: "u1".into(),
                },
            ),
        ];
        let mut a = Live::new();
        let mut events = vec![];
        for (t, c) in &log {
            events.extend(run(&mut a, *t, std::slice::from_ref(c)));
        }
        // c1 went to u1 (idle longest), c2 to u2; c3, c4 wait in order.
        assert!(events.contains(&Event::Offered {
            contact: ContactId(1),
            agent: AgentId(0),
            queue: QueueId(0),
            expires_at: 19_000,
        }));
        let mut b = Live::new();
        for (t, c) in &log {
            run(&mut b, *t, std::slice::from_ref(c));
        }
        for l in [&a, &b] {
            assert_eq!(l.engine.waiting(QueueId(0)), [ContactId(3), ContactId(4)]);
            assert_eq!(l.offers_of(AgentId(1)), [(ContactId(2), 20_000)]);
            assert_eq!(
                l.engine.agent(AgentId(0)).unwrap().state,
                kefu_acd::AgentState::Busy
            );
        }
        // u2's offer times out at 20 s in both, at the same time.
        let ta = run(&mut a, 20_000, &[Cmd::Tick]);
        let tb = run(&mut b, 20_000, &[Cmd::Tick]);
        assert_eq!(ta, tb);
        assert!(ta.contains(&Event::OfferTimedOut {
            contact: ContactId(2),
            agent: AgentId(1)
        }));
    }

    #[test]
    fn finished_contacts_are_forgotten_and_named_in_their_effects() {
        let mut l = Live::new();
        run(
            &mut l,
            0,
            &[
                Cmd::Queue {
                    id: "q".into(),
                    settings: queue(&[]),
                },
                Cmd::Agent {
                    user_id: "u".into(),
                    skills: BTreeMap::new(),
                    settings: AgentSettings::default(),
                },
                Cmd::Login {
                    user_id: "u".into(),
                },
                Cmd::Arrive {
                    contact: "c".into(),
                    queue: "q".into(),
                    channel: Channel::Voice,
                    customer_id: Some("cust".into()),
                    priority: 0,
                    vip: false,
                    preferred: None,
                },
                Cmd::Accept {
                    contact: "c".into(),
                    user_id: "u".into(),
                },
            ],
        );
        l.begin_step();
        let ev = run(
            &mut l,
            60_000,
            &[Cmd::End {
                contact: "c".into(),
            }],
        );
        assert!(
            l.contact_id("c").is_none(),
            "no wrap-up: the contact is done"
        );
        let fx = l.effects(instant(60_000), &ev);
        let ended: Vec<_> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::Contact {
                    id, action, patch, ..
                } if id == "c" => Some((*action, patch.outcome, patch.wrap_up_ended_at)),
                _ => None,
            })
            .collect();
        assert_eq!(
            ended,
            [(
                "ended",
                Some(InteractionOutcome::Handled),
                Some(instant(60_000))
            )]
        );
    }
}
