//! The engine's vocabulary: ids, configuration, commands in, events out.

use crate::hours::Hours;
use std::sync::Arc;

/// Engine time: milliseconds since an epoch the caller chooses (Unix epoch live, scenario start
/// in the simulator). The engine only compares and subtracts times.
pub type Time = u64;

/// An agent, dense (the engine keeps a vector indexed by it): at most [`MAX_AGENTS`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct AgentId(pub u32);
/// A queue, dense.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct QueueId(pub u32);
/// A skill, dense.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SkillId(pub u16);
/// A contact: any id of the caller's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ContactId(pub u64);

/// Agent ids must be below this (they are packed into index keys).
pub const MAX_AGENTS: u32 = 1 << 20;
/// A contact requires at most this many skills at once.
pub const MAX_REQUIREMENTS: usize = 8;

/// The media a contact arrives on; each agent has a capacity per channel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice = 0,
    Chat = 1,
    Email = 2,
    /// Other work items (tickets, callbacks, social messages).
    Task = 3,
}
pub const CHANNELS: usize = 4;
impl Channel {
    pub const ALL: [Channel; CHANNELS] =
        [Channel::Voice, Channel::Chat, Channel::Email, Channel::Task];
    pub fn idx(self) -> usize {
        self as usize
    }
}

/// How a queue picks among eligible idle agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent idle longest (since their last contact ended, or since they became available).
    #[default]
    LongestIdle,
    /// The agent with the lowest load relative to capacity (sum over channels), then longest idle.
    LeastOccupied,
    /// The next agent after the last one this queue offered to, in agent-id order.
    RoundRobin,
    /// The agent with the highest total proficiency in the required skills, then longest idle.
    SkillsWeighted,
    /// Every eligible idle agent rings; the first to accept takes it (small teams).
    RingAll,
}

/// A required skill at a minimum proficiency level (1 = lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub skill: SkillId,
    pub level: u8,
}
impl Requirement {
    pub fn new(skill: SkillId, level: u8) -> Self {
        Requirement {
            skill,
            level: level.max(1),
        }
    }
}

/// One relaxation step's change to a contact's requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelaxOp {
    /// Lower every required level to at most this (e.g. 1: "accept level ≥ 1").
    MaxLevel(u8),
    /// Drop these skills from the requirements.
    Drop(Vec<SkillId>),
    /// Replace the requirements (e.g. widen to an overflow group's skill).
    Replace(Vec<Requirement>),
}

/// A relaxation step: after `after_ms` in the queue, apply `op`. Steps apply in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaxStep {
    pub after_ms: Time,
    pub op: RelaxOp,
}

/// Where a contact goes when it leaves a queue without an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitAction {
    /// Into another queue (keeping its arrival time and priority).
    Overflow(QueueId),
    Voicemail,
    Callback,
    Disconnect,
}

/// Why a contact left a queue without an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    MaxWait,
    QueueFull,
    Closed,
    /// Too many overflow hops in a row.
    OverflowLoop,
}

/// Overflow to another queue after a delay in this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    pub after_ms: Time,
    pub to: QueueId,
}

/// A queue's configuration.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub channel: Channel,
    pub strategy: Strategy,
    pub requirements: Vec<Requirement>,
    pub relaxation: Vec<RelaxStep>,
    /// Base priority of its contacts (higher is served first).
    pub priority: i32,
    /// Priority points a waiting contact gains per minute (aging: no starvation). At most 10 000.
    pub aging_per_min: u32,
    /// Extra priority for VIP contacts.
    pub vip_boost: i32,
    /// Service-level target (fraction) and threshold.
    pub sl_target: f64,
    pub sl_threshold_ms: Time,
    /// Leave after this long in the queue, by this exit.
    pub max_wait: Option<(Time, ExitAction)>,
    pub overflow: Option<Overflow>,
    pub max_queue_len: Option<u32>,
    pub full_action: ExitAction,
    pub hours: Option<Arc<dyn Hours>>,
    pub closed_action: ExitAction,
    pub wrap_up_ms: Time,
    /// How long an offer rings before it times out.
    pub offer_timeout_ms: Time,
    /// How long a contact's preferred agent (owner, last agent) is waited for.
    pub prefer_ms: Time,
    /// Offer a callback to arrivals whose estimated wait exceeds this.
    pub callback_offer_ewt_ms: Option<Time>,
    /// Prior average handle time for EWT until handled contacts teach the queue its own.
    pub aht_ms: Time,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            channel: Channel::Voice,
            strategy: Strategy::LongestIdle,
            requirements: Vec::new(),
            relaxation: Vec::new(),
            priority: 0,
            aging_per_min: 1,
            vip_boost: 10,
            sl_target: 0.8,
            sl_threshold_ms: 20_000,
            max_wait: None,
            overflow: None,
            max_queue_len: None,
            full_action: ExitAction::Disconnect,
            hours: None,
            closed_action: ExitAction::Voicemail,
            wrap_up_ms: 0,
            offer_timeout_ms: 15_000,
            prefer_ms: 0,
            callback_offer_ewt_ms: None,
            aht_ms: 180_000,
        }
    }
}

/// An agent's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Skills with proficiency (1 = lowest).
    pub skills: Vec<(SkillId, u8)>,
    /// Contacts held at once per channel (index by [`Channel::idx`]).
    pub capacity: [u8; CHANNELS],
    /// `blocks[c]`: channels whose contacts keep the agent from taking a new `c` contact
    /// (a bit per channel). The default makes channels exclusive: one call, or up to 3 chats,
    /// or up to 5 emails, never mixed.
    pub blocks: [u8; CHANNELS],
}

impl AgentConfig {
    pub const DEFAULT_CAPACITY: [u8; CHANNELS] = [1, 3, 5, 1];
    /// Every channel blocks the others.
    pub const EXCLUSIVE: [u8; CHANNELS] = [0b1110, 0b1101, 0b1011, 0b0111];

    pub fn new(skills: &[(SkillId, u8)]) -> Self {
        AgentConfig {
            skills: skills.to_vec(),
            capacity: Self::DEFAULT_CAPACITY,
            blocks: Self::EXCLUSIVE,
        }
    }
    /// Voice only.
    pub fn voice(skills: &[(SkillId, u8)]) -> Self {
        AgentConfig {
            capacity: [1, 0, 0, 0],
            ..Self::new(skills)
        }
    }
    /// Adds a rule "no new `then` contact while holding a `while_on` contact".
    pub fn block(mut self, while_on: Channel, then: Channel) -> Self {
        self.blocks[then.idx()] |= 1 << while_on.idx();
        self
    }
}

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// After this many missed (timed-out) offers in a row an agent goes to aux `no_answer`.
    pub max_missed_offers: u32,
    /// Route by scanning every agent and queue instead of the indexes (benchmark baseline and
    /// test oracle; same decisions, much slower).
    pub naive: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_missed_offers: 3,
            naive: false,
        }
    }
}

/// A new contact entering a queue.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub id: ContactId,
    pub queue: QueueId,
    /// Added to the queue's base priority.
    pub priority: i32,
    pub vip: bool,
    /// Owner (C1) or last agent: preferred for the queue's `prefer_ms`.
    pub preferred_agent: Option<AgentId>,
    /// Requirements of this contact on top of the queue's (e.g. a language).
    pub skills: Vec<Requirement>,
}

impl Arrival {
    pub fn new(id: ContactId, queue: QueueId) -> Self {
        Arrival {
            id,
            queue,
            priority: 0,
            vip: false,
            preferred_agent: None,
            skills: Vec::new(),
        }
    }
}

/// Why an agent is not taking contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuxReason {
    Break,
    Lunch,
    Training,
    Meeting,
    /// Set by the engine after too many missed offers.
    NoAnswer,
    Other,
}

/// What the agent said they are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    LoggedOut,
    Available,
    Aux(AuxReason),
}

/// An agent's state as a wallboard shows it (derived from presence and held contacts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    LoggedOut,
    Available,
    /// An offer is ringing.
    Reserved,
    Busy,
    WrapUp,
    Aux(AuxReason),
}

/// Per-agent counters: each event counted exactly once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AgentCounters {
    pub offers: u64,
    pub answers: u64,
    pub rejects: u64,
    pub missed: u64,
    /// Offers withdrawn before an answer (customer hung up, answered elsewhere, agent left).
    pub rescinded: u64,
    pub handled: u64,
}

/// Commands: everything that changes the engine.
#[derive(Debug, Clone)]
pub enum Command {
    /// Creates or replaces a queue.
    UpsertQueue {
        id: QueueId,
        config: QueueConfig,
    },
    /// Creates an agent (logged out) or changes its skills and capacity.
    UpsertAgent {
        id: AgentId,
        config: AgentConfig,
    },
    Login {
        agent: AgentId,
    },
    /// No new offers; ringing offers go back to the queue; held contacts finish.
    Logout {
        agent: AgentId,
    },
    SetAux {
        agent: AgentId,
        reason: AuxReason,
    },
    SetAvailable {
        agent: AgentId,
    },
    Arrive(Arrival),
    Accept {
        contact: ContactId,
        agent: AgentId,
    },
    Reject {
        contact: ContactId,
        agent: AgentId,
    },
    /// The customer left before being answered (waiting or ringing).
    Abandon {
        contact: ContactId,
    },
    /// An answered contact ended; the agent goes to wrap-up (if the queue has one).
    End {
        contact: ContactId,
    },
    /// The agent finished wrap-up of this contact early.
    WrapUpDone {
        contact: ContactId,
    },
    /// The customer took the callback offer: keeps their place, no longer abandons.
    AcceptCallback {
        contact: ContactId,
    },
    /// Nothing but the passage of time (timers due by `now`).
    Tick,
}

/// Why an offer was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RescindReason {
    AnsweredElsewhere,
    CustomerLeft,
    AgentLeft,
}

/// Decisions and happenings, in the order they occurred.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Queued {
        contact: ContactId,
        queue: QueueId,
    },
    Offered {
        contact: ContactId,
        agent: AgentId,
        queue: QueueId,
        expires_at: Time,
    },
    Answered {
        contact: ContactId,
        agent: AgentId,
        queue: QueueId,
        wait_ms: Time,
    },
    Rejected {
        contact: ContactId,
        agent: AgentId,
    },
    OfferTimedOut {
        contact: ContactId,
        agent: AgentId,
    },
    Rescinded {
        contact: ContactId,
        agent: AgentId,
        reason: RescindReason,
    },
    Ended {
        contact: ContactId,
        agent: AgentId,
    },
    WrapUpEnded {
        contact: ContactId,
        agent: AgentId,
    },
    Abandoned {
        contact: ContactId,
        queue: QueueId,
        wait_ms: Time,
    },
    /// Relaxation step `step` (0-based) of the contact's current queue was applied.
    Relaxed {
        contact: ContactId,
        queue: QueueId,
        step: u8,
    },
    Overflowed {
        contact: ContactId,
        from: QueueId,
        to: QueueId,
    },
    /// Left the queue without an agent. With `ExitAction::Overflow` it is queued elsewhere
    /// (an `Overflowed` event follows).
    Exited {
        contact: ContactId,
        queue: QueueId,
        reason: ExitReason,
        action: ExitAction,
    },
    CallbackOffered {
        contact: ContactId,
        ewt_ms: Time,
    },
    AgentStateChanged {
        agent: AgentId,
        state: AgentState,
    },
}

/// Commands the engine refuses (the state is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("unknown queue {0:?}")]
    UnknownQueue(QueueId),
    #[error("unknown agent {0:?}")]
    UnknownAgent(AgentId),
    #[error("unknown contact {0:?}")]
    UnknownContact(ContactId),
    #[error("contact {0:?} already exists")]
    DuplicateContact(ContactId),
    #[error("agent id {0:?} is too large")]
    AgentIdTooLarge(AgentId),
    #[error("too many requirements (at most {MAX_REQUIREMENTS})")]
    TooManyRequirements,
    #[error("contact {contact:?} is not offered to agent {agent:?}")]
    NotOffered { contact: ContactId, agent: AgentId },
    #[error("contact {0:?} is not in that state for this command")]
    WrongState(ContactId),
    #[error("aging_per_min is at most 10000")]
    AgingTooFast,
}
