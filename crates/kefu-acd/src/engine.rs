//! The routing engine. See `ARCHITECTURE-acd.md` for the design; in short:
//!
//! - Idle agents are indexed per (skill, channel) in ordered sets keyed by the strategy's order
//!   (idle-since for longest idle; load for least occupied; id for round robin). A contact looks
//!   only at the smallest set among its required skills and takes the first agent that meets
//!   every requirement, so a decision touches a handful of entries, not every agent.
//! - Waiting contacts sit in one ordered set per queue under a key that is fixed while they wait:
//!   priority with aging is `base + rate·(now − arrived)`, so ordering by `base − rate·arrived`
//!   orders by effective priority at every `now`. An agent that frees up looks at the heads of
//!   the non-empty queues it can serve (a bitset of candidate queues per agent ∧ a bitset of
//!   non-empty queues).
//! - Every change marks the contacts and agents whose options grew as dirty; `settle` routes
//!   them before a command returns, so no contact waits while an eligible idle agent exists.

use crate::hash::IdBuild;
use crate::timers::Timers;
use crate::types::*;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

const AGENT_BITS: u32 = 20;
const AGENT_MASK: u64 = (1 << AGENT_BITS) - 1;
const MAX_HOPS: u8 = 8;
/// Effective priority is counted in points·ms/min so that aging stays integral.
const PRIO_SCALE: i64 = 60_000;

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct ReqSet {
    n: u8,
    r: [(u16, u8); MAX_REQUIREMENTS],
}

impl ReqSet {
    fn from_slice(reqs: &[Requirement]) -> Result<Self, Error> {
        let mut s = ReqSet::default();
        for r in reqs {
            s.add(r.skill.0, r.level.max(1))?;
        }
        Ok(s)
    }
    fn items(&self) -> &[(u16, u8)] {
        &self.r[..usize::from(self.n)]
    }
    /// Adds a requirement; the same skill twice keeps the higher level.
    fn add(&mut self, skill: u16, level: u8) -> Result<(), Error> {
        for item in &mut self.r[..usize::from(self.n)] {
            if item.0 == skill {
                item.1 = item.1.max(level);
                return Ok(());
            }
        }
        if usize::from(self.n) == MAX_REQUIREMENTS {
            return Err(Error::TooManyRequirements);
        }
        self.r[usize::from(self.n)] = (skill, level);
        self.n += 1;
        Ok(())
    }
    fn apply(&mut self, op: &RelaxOp) {
        match op {
            RelaxOp::MaxLevel(l) => {
                let l = (*l).max(1);
                for item in &mut self.r[..usize::from(self.n)] {
                    item.1 = item.1.min(l);
                }
            }
            RelaxOp::Drop(skills) => {
                let kept: Vec<(u16, u8)> = self
                    .items()
                    .iter()
                    .copied()
                    .filter(|(s, _)| !skills.iter().any(|d| d.0 == *s))
                    .collect();
                *self = ReqSet::default();
                for (s, l) in kept {
                    let _ = self.add(s, l);
                }
            }
            RelaxOp::Replace(reqs) => {
                *self = ReqSet::default();
                for r in reqs.iter().take(MAX_REQUIREMENTS) {
                    let _ = self.add(r.skill.0, r.level.max(1));
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CState {
    Waiting,
    Offered { agent: u32, deadline: Time },
    Busy { agent: u32 },
    WrapUp { agent: u32 },
    Free,
}

#[derive(Clone, Debug)]
struct Contact {
    id: ContactId,
    generation: u32,
    queue: u32,
    ch: usize,
    epoch: u32,
    arrived: Time,
    queued_at: Time,
    answered_at: Time,
    extra_prio: i32,
    vip: bool,
    key: i64,
    aging: i64,
    seq: u64,
    extra: ReqSet,
    reqs: ReqSet,
    step: u8,
    preferred: Option<u32>,
    prefer_until: Time,
    excluded: Vec<u32>,
    ring: Vec<u32>,
    state: CState,
    offer_no: u32,
    callback: bool,
    ewt_memo: Option<(usize, Time)>,
    /// Waiting with exactly its queue's base requirements (no own skills, relaxation,
    /// exclusion or preference): every plain contact of a queue fits the same agents.
    plain: bool,
    /// Plain, waiting, and already found no agent: counted in `Queue::plain_settled`.
    settled: bool,
}

impl Contact {
    fn wkey(&self, slot: u32) -> WKey {
        (-self.key, self.arrived, self.seq, slot)
    }
    fn eff(&self, now: Time) -> i64 {
        self.key + self.aging * now as i64
    }
    fn ringing(&self) -> Vec<u32> {
        match self.state {
            CState::Offered { agent, .. } if self.ring.is_empty() => vec![agent],
            CState::Offered { .. } => self.ring.clone(),
            _ => Vec::new(),
        }
    }
}

/// Waiting-set key: (−static priority key, arrival, arrival sequence, slot).
type WKey = (i64, Time, u64, u32);

#[derive(Default, Clone, Debug)]
struct QueueStats {
    offered: u64,
    answered: u64,
    answered_within: u64,
    abandoned: u64,
    exited: u64,
    wait_answered_ms: u128,
}

#[derive(Debug)]
struct Queue {
    cfg: QueueConfig,
    ch: usize,
    base: ReqSet,
    /// Requirements of this queue at each relaxation step: an agent who meets none of them
    /// can never take one of its contacts (contacts' own skills only add).
    skill_sets: Vec<ReqSet>,
    waiting: BTreeSet<WKey>,
    /// Plain waiting contacts that found no agent: while there is one, no available agent
    /// fits a plain contact of this queue, so a new one need not search.
    plain_settled: u32,
    rr_cursor: Option<u32>,
    staffed: u64,
    stats: QueueStats,
    aht_ms: f64,
    handled: u64,
    les_ms: Option<Time>,
}

#[derive(Debug, Clone)]
struct Agent {
    presence: Presence,
    skills: Vec<(u16, u8)>,
    levels: Vec<u8>,
    capacity: [u8; CHANNELS],
    blocks: [u8; CHANNELS],
    load: [u8; CHANNELS],
    nz: u8,
    holds: Vec<u32>,
    wrapups: u16,
    idle_since: Time,
    missed_streak: u32,
    counters: AgentCounters,
    mask: Vec<u64>,
    /// Queues whose base requirements the agent meets.
    base_mask: Vec<u64>,
    indexed: [Option<(Time, u32)>; CHANNELS],
    state: AgentState,
    dirty: bool,
}

impl Agent {
    fn avail(&self, ch: usize) -> bool {
        self.presence == Presence::Available
            && self.wrapups == 0
            && self.load[ch] < self.capacity[ch]
            && self.nz & self.blocks[ch] == 0
    }
    fn avail_any(&self) -> bool {
        (0..CHANNELS).any(|c| self.avail(c))
    }
    fn level(&self, skill: u16) -> u8 {
        self.levels.get(usize::from(skill)).copied().unwrap_or(0)
    }
    fn meets(&self, reqs: &ReqSet) -> bool {
        reqs.items().iter().all(|&(s, l)| self.level(s) >= l)
    }
    fn occ(&self) -> u32 {
        (0..CHANNELS)
            .filter(|&c| self.capacity[c] > 0)
            .map(|c| u32::from(self.load[c]) * 1000 / u32::from(self.capacity[c]))
            .sum()
    }
    fn score(&self, reqs: &ReqSet) -> u64 {
        reqs.items()
            .iter()
            .map(|&(s, _)| u64::from(self.level(s)))
            .sum()
    }
    fn set_load(&mut self, ch: usize, delta: i8) {
        self.load[ch] = self.load[ch].wrapping_add_signed(delta);
        if self.load[ch] == 0 {
            self.nz &= !(1 << ch);
        } else {
            self.nz |= 1 << ch;
        }
    }
    fn mask_has(&self, q: usize) -> bool {
        self.mask
            .get(q / 64)
            .is_some_and(|w| w >> (q % 64) & 1 == 1)
    }
    fn base_has(&self, q: usize) -> bool {
        self.base_mask
            .get(q / 64)
            .is_some_and(|w| w >> (q % 64) & 1 == 1)
    }
}

#[derive(Default, Debug)]
struct ChanIndex {
    idle: BTreeSet<u64>,
    load: BTreeSet<(u32, u64)>,
    ids: BTreeSet<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Relax {
        slot: u32,
        generation: u32,
        epoch: u32,
        step: u8,
    },
    Overflow {
        slot: u32,
        generation: u32,
        epoch: u32,
    },
    MaxWait {
        slot: u32,
        generation: u32,
        epoch: u32,
    },
    PreferEnd {
        slot: u32,
        generation: u32,
        epoch: u32,
    },
    OfferTimeout {
        slot: u32,
        generation: u32,
        offer: u32,
    },
    WrapUp {
        slot: u32,
        generation: u32,
    },
}

/// What a contact is doing, for views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactState {
    Waiting,
    Offered {
        agents: Vec<AgentId>,
        expires_at: Time,
    },
    Busy {
        agent: AgentId,
    },
    WrapUp {
        agent: AgentId,
    },
}

/// A contact as seen from outside.
#[derive(Debug, Clone)]
pub struct ContactView {
    pub id: ContactId,
    pub queue: QueueId,
    pub channel: Channel,
    pub state: ContactState,
    pub requirements: Vec<Requirement>,
    /// Relaxation steps of the current queue applied so far.
    pub steps_applied: u8,
    pub arrived: Time,
    pub queued_at: Time,
    /// Effective priority now, in points (with aging).
    pub effective_priority: f64,
    pub callback: bool,
    pub preferred_agent: Option<AgentId>,
    pub excluded: Vec<AgentId>,
}

/// An agent as seen from outside.
#[derive(Debug, Clone)]
pub struct AgentView {
    pub id: AgentId,
    pub presence: Presence,
    pub state: AgentState,
    pub load: [u8; CHANNELS],
    pub capacity: [u8; CHANNELS],
    pub contacts: Vec<ContactId>,
    pub wrapping_up: u16,
    pub idle_since: Time,
    pub missed_streak: u32,
    pub counters: AgentCounters,
    /// Could take a new contact on each channel right now.
    pub available: [bool; CHANNELS],
}

/// Agents of a queue by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AgentsByState {
    pub logged_out: u32,
    pub available: u32,
    pub reserved: u32,
    pub busy: u32,
    pub wrap_up: u32,
    pub aux: u32,
}

/// Live state of one queue (the wallboard's row).
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueSnapshot {
    pub queue: u32,
    pub waiting: usize,
    pub longest_wait_ms: Time,
    /// Estimated wait of a contact arriving now (None: nobody staffs the queue).
    pub ewt_ms: Option<Time>,
    /// Agents who can serve the queue (have its skills), by state.
    pub agents: AgentsByState,
    pub offered: u64,
    pub answered: u64,
    pub answered_within_threshold: u64,
    pub abandoned: u64,
    pub exited: u64,
    /// Answered within the threshold / contacts whose outcome is known (None before any).
    pub service_level: Option<f64>,
    pub asa_ms: Option<f64>,
}

/// The routing engine: commands in, events out. Deterministic.
#[derive(Debug)]
pub struct Engine {
    cfg: EngineConfig,
    now: Time,
    queues: Vec<Option<Queue>>,
    agents: Vec<Option<Agent>>,
    /// Per agent, a bit for each skill below 64 it has: a dense pre-filter for scans.
    skill_bits: Vec<u64>,
    contacts: Vec<Contact>,
    free_slots: Vec<u32>,
    ids: HashMap<ContactId, u32, IdBuild>,
    index: Vec<[ChanIndex; CHANNELS]>,
    /// Highest level any agent has ever had per skill: a bound on a skills-weighted score.
    max_level: Vec<u8>,
    any_index: [ChanIndex; CHANNELS],
    nonempty: Vec<u64>,
    timers: Timers<Timer>,
    seq: u64,
    need_load: bool,
    need_ids: bool,
    /// Some queue (or contact) needs no skill: keep the all-agents index too.
    need_any: bool,
    dirty_c: Vec<(u32, u32)>,
    dirty_a: Vec<u32>,
    scratch: Vec<u32>,
    decisions: u64,
}

impl Engine {
    pub fn new(cfg: EngineConfig) -> Self {
        Engine {
            cfg,
            now: 0,
            queues: Vec::new(),
            agents: Vec::new(),
            skill_bits: Vec::new(),
            contacts: Vec::new(),
            free_slots: Vec::new(),
            ids: HashMap::default(),
            index: Vec::new(),
            max_level: Vec::new(),
            any_index: Default::default(),
            nonempty: Vec::new(),
            timers: Timers::new(),
            seq: 0,
            need_load: false,
            need_ids: false,
            need_any: false,
            dirty_c: Vec::new(),
            dirty_a: Vec::new(),
            scratch: Vec::new(),
            decisions: 0,
        }
    }

    /// The engine's clock: the latest time it was given.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Routing decisions (offers made) so far.
    pub fn decisions(&self) -> u64 {
        self.decisions
    }

    /// Applies a command at `now` (timers due by then fire first, each at its own time) and
    /// returns the events. A time earlier than the engine's clock counts as the clock.
    pub fn handle(&mut self, now: Time, cmd: Command) -> Result<Vec<Event>, Error> {
        let mut out = Vec::new();
        self.handle_into(now, cmd, &mut out)?;
        Ok(out)
    }

    /// [`Engine::handle`], appending to a caller's buffer (no allocation in steady state).
    /// On error nothing of the command was applied (timers due before `now` still fired).
    pub fn handle_into(
        &mut self,
        now: Time,
        cmd: Command,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        self.run_timers(now, out);
        self.now = self.now.max(now);
        let r = self.apply(cmd, out);
        self.settle(out);
        // Timers the command itself made due (e.g. a reconfigured queue's max wait).
        self.run_timers(self.now, out);
        #[cfg(debug_assertions)]
        self.check_plain();
        r
    }

    /// The next time a timer is due (relaxation, overflow, max wait, preference window, offer
    /// timeout, wrap-up), so the caller can send [`Command::Tick`] then.
    pub fn next_deadline(&mut self) -> Option<Time> {
        while let Some((at, t)) = self.timers.peek() {
            if self.timer_valid(&t) {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    // ----- commands -------------------------------------------------------------------------

    fn apply(&mut self, cmd: Command, out: &mut Vec<Event>) -> Result<(), Error> {
        match cmd {
            Command::UpsertQueue { id, config } => self.upsert_queue(id, config, out),
            Command::UpsertAgent { id, config } => self.upsert_agent(id, config, out),
            Command::Login { agent } | Command::SetAvailable { agent } => {
                self.set_presence(agent, Presence::Available, out)
            }
            Command::Logout { agent } => self.set_presence(agent, Presence::LoggedOut, out),
            Command::SetAux { agent, reason } => {
                self.set_presence(agent, Presence::Aux(reason), out)
            }
            Command::Arrive(a) => self.arrive(a, out),
            Command::Accept { contact, agent } => self.accept(contact, agent, out),
            Command::Reject { contact, agent } => self.reject(contact, agent, out),
            Command::Abandon { contact } => self.abandon(contact, out),
            Command::End { contact } => self.end(contact, out),
            Command::WrapUpDone { contact } => {
                let slot = self.slot_of(contact)?;
                match self.contacts[slot as usize].state {
                    CState::WrapUp { .. } => {
                        self.finish_wrap_up(slot, out);
                        Ok(())
                    }
                    _ => Err(Error::WrongState(contact)),
                }
            }
            Command::AcceptCallback { contact } => {
                let slot = self.slot_of(contact)?;
                let c = &mut self.contacts[slot as usize];
                match c.state {
                    CState::Waiting | CState::Offered { .. } => {
                        c.callback = true;
                        Ok(())
                    }
                    _ => Err(Error::WrongState(contact)),
                }
            }
            Command::Tick => Ok(()),
        }
    }

    fn slot_of(&self, id: ContactId) -> Result<u32, Error> {
        self.ids.get(&id).copied().ok_or(Error::UnknownContact(id))
    }

    fn agent_idx(&self, id: AgentId) -> Result<usize, Error> {
        let i = id.0 as usize;
        match self.agents.get(i) {
            Some(Some(_)) => Ok(i),
            _ => Err(Error::UnknownAgent(id)),
        }
    }

    fn upsert_queue(
        &mut self,
        id: QueueId,
        cfg: QueueConfig,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        if cfg.aging_per_min > 10_000 {
            return Err(Error::AgingTooFast);
        }
        let base = ReqSet::from_slice(&cfg.requirements)?;
        for step in &cfg.relaxation {
            if let RelaxOp::Replace(r) = &step.op {
                ReqSet::from_slice(r)?;
            }
        }
        let mut skill_sets = Vec::new();
        let mut cur = base;
        skill_sets.push(cur);
        for step in &cfg.relaxation {
            cur.apply(&step.op);
            skill_sets.push(cur);
        }
        let qi = id.0 as usize;
        if self.queues.len() <= qi {
            self.queues.resize_with(qi + 1, || None);
            self.nonempty.resize(self.queues.len().div_ceil(64), 0);
        }
        let ch = cfg.channel.idx();
        let (waiting, settled, stats, rr, aht, handled, les) = match self.queues[qi].take() {
            Some(q) => (
                q.waiting,
                q.plain_settled,
                q.stats,
                q.rr_cursor,
                q.aht_ms,
                q.handled,
                q.les_ms,
            ),
            None => (
                BTreeSet::new(),
                0,
                QueueStats::default(),
                None,
                cfg.aht_ms as f64,
                0,
                None,
            ),
        };
        self.queues[qi] = Some(Queue {
            ch,
            base,
            skill_sets,
            waiting,
            plain_settled: settled,
            rr_cursor: rr,
            staffed: 0,
            stats,
            aht_ms: aht,
            handled,
            les_ms: les,
            cfg,
        });
        // Candidate masks and staffing of this queue.
        let mut staffed = 0u64;
        for ai in 0..self.agents.len() {
            let Some(a) = self.agents[ai].as_mut() else {
                continue;
            };
            let words = self.queues.len().div_ceil(64);
            if a.mask.len() < words {
                a.mask.resize(words, 0);
                a.base_mask.resize(words, 0);
            }
            let q = self.queues[qi].as_ref().unwrap();
            if a.meets(&q.base) {
                a.base_mask[qi / 64] |= 1 << (qi % 64);
            } else {
                a.base_mask[qi / 64] &= !(1 << (qi % 64));
            }
            let cand = q.skill_sets.iter().any(|set| a.meets(set));
            if cand {
                a.mask[qi / 64] |= 1 << (qi % 64);
                if a.presence == Presence::Available {
                    staffed += u64::from(a.capacity[ch]);
                }
            } else {
                a.mask[qi / 64] &= !(1 << (qi % 64));
            }
        }
        self.queues[qi].as_mut().unwrap().staffed = staffed;
        let (need_load, need_ids, need_any) = self.needs();
        if (need_load && !self.need_load)
            || (need_ids && !self.need_ids)
            || (need_any && !self.need_any)
        {
            self.need_load |= need_load;
            self.need_ids |= need_ids;
            self.need_any |= need_any;
            self.rebuild_index();
        }
        // Requirements may have changed: re-route everything waiting here.
        // Its contacts (waiting or ringing) follow the new configuration from when they
        // entered the queue: requirements, priority, relaxation steps due, timers.
        let slots: Vec<u32> = (0..self.contacts.len() as u32)
            .filter(|&s| {
                let c = &self.contacts[s as usize];
                c.queue as usize == qi
                    && matches!(c.state, CState::Waiting | CState::Offered { .. })
            })
            .collect();
        for s in slots {
            self.rearm(s, out);
        }
        for ai in 0..self.agents.len() {
            if self.agents[ai]
                .as_ref()
                .is_some_and(|a| a.mask_has(qi) && a.avail_any())
            {
                self.mark_agent(ai as u32);
            }
        }
        Ok(())
    }

    fn needs(&self) -> (bool, bool, bool) {
        let mut l = false;
        let mut i = false;
        let mut any = false;
        for q in self.queues.iter().flatten() {
            l |= q.cfg.strategy == Strategy::LeastOccupied;
            i |= q.cfg.strategy == Strategy::RoundRobin;
            any |= q.skill_sets.iter().any(|r| r.n == 0);
        }
        (l, i, any)
    }

    fn rebuild_index(&mut self) {
        for s in &mut self.index {
            *s = Default::default();
        }
        self.any_index = Default::default();
        for ai in 0..self.agents.len() {
            if let Some(a) = self.agents[ai].as_mut() {
                a.indexed = [None; CHANNELS];
                self.reindex(ai);
            }
        }
    }

    fn upsert_agent(
        &mut self,
        id: AgentId,
        cfg: AgentConfig,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        if id.0 >= MAX_AGENTS {
            return Err(Error::AgentIdTooLarge(id));
        }
        let ai = id.0 as usize;
        if self.agents.len() <= ai {
            self.agents.resize_with(ai + 1, || None);
            self.skill_bits.resize(ai + 1, 0);
        }
        self.skill_bits[ai] = cfg
            .skills
            .iter()
            .filter(|s| s.1 > 0 && s.0.0 < 64)
            .fold(0, |b, s| b | 1 << s.0.0);
        let mut skills: Vec<(u16, u8)> = cfg
            .skills
            .iter()
            .filter(|s| s.1 > 0)
            .map(|s| (s.0.0, s.1))
            .collect();
        skills.sort_unstable();
        skills.dedup_by_key(|s| s.0);
        let max_skill = skills
            .iter()
            .map(|s| usize::from(s.0) + 1)
            .max()
            .unwrap_or(0);
        let mut levels = vec![0u8; max_skill];
        for &(s, l) in &skills {
            levels[usize::from(s)] = l;
        }
        if self.index.len() < max_skill {
            self.index.resize_with(max_skill, Default::default);
            self.max_level.resize(max_skill, 0);
        }
        for &(s, l) in &skills {
            let m = &mut self.max_level[usize::from(s)];
            *m = (*m).max(l);
        }
        let mut blocks = cfg.blocks;
        for (c, b) in blocks.iter_mut().enumerate() {
            *b &= !(1 << c);
        }
        let existed = self.agents[ai].is_some();
        if existed {
            // Take it out of the index under its old skills, and out of the staffing counts.
            self.unindex(ai);
            self.staff(ai, false);
            let a = self.agents[ai].as_mut().unwrap();
            a.skills = skills;
            a.levels = levels;
            a.capacity = cfg.capacity;
            a.blocks = blocks;
        } else {
            self.agents[ai] = Some(Agent {
                presence: Presence::LoggedOut,
                skills,
                levels,
                capacity: cfg.capacity,
                blocks,
                load: [0; CHANNELS],
                nz: 0,
                holds: Vec::with_capacity(4),
                wrapups: 0,
                idle_since: self.now,
                missed_streak: 0,
                counters: AgentCounters::default(),
                mask: Vec::new(),
                base_mask: Vec::new(),
                indexed: [None; CHANNELS],
                state: AgentState::LoggedOut,
                dirty: false,
            });
        }
        self.compute_mask(ai);
        self.staff(ai, true);
        if existed {
            self.reroute_preferring(ai);
        }
        self.touch(ai, out);
        Ok(())
    }

    fn compute_mask(&mut self, ai: usize) {
        let words = self.queues.len().div_ceil(64);
        let a = self.agents[ai].as_mut().unwrap();
        a.mask = vec![0; words];
        a.base_mask = vec![0; words];
        for (qi, q) in self.queues.iter().enumerate() {
            let Some(q) = q else { continue };
            if a.meets(&q.base) {
                a.base_mask[qi / 64] |= 1 << (qi % 64);
            }
            if q.skill_sets.iter().any(|set| a.meets(set)) {
                a.mask[qi / 64] |= 1 << (qi % 64);
            }
        }
    }

    /// Adds (or removes) the agent's capacity to the staffing count of its queues.
    fn staff(&mut self, ai: usize, add: bool) {
        let a = self.agents[ai].as_ref().unwrap();
        if a.presence != Presence::Available {
            return;
        }
        for (w, &bits) in a.mask.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let qi = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(q) = self.queues[qi].as_mut() {
                    let c = u64::from(a.capacity[q.ch]);
                    if add {
                        q.staffed += c;
                    } else {
                        q.staffed -= c;
                    }
                }
            }
        }
    }

    fn set_presence(
        &mut self,
        agent: AgentId,
        p: Presence,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        let ai = self.agent_idx(agent)?;
        let old = self.agents[ai].as_ref().unwrap().presence;
        if old == p {
            return Ok(());
        }
        self.staff(ai, false);
        {
            let now = self.now;
            let a = self.agents[ai].as_mut().unwrap();
            a.presence = p;
            if p == Presence::Available {
                a.missed_streak = 0;
                if a.nz == 0 && a.wrapups == 0 {
                    a.idle_since = now;
                }
            }
        }
        self.staff(ai, true);
        if p != Presence::Available {
            self.rescind_all_offers(ai, RescindReason::AgentLeft, out);
            self.reroute_preferring(ai);
        }
        self.touch(ai, out);
        Ok(())
    }

    /// Contacts waiting for this agent by preference may now go to anyone.
    fn reroute_preferring(&mut self, ai: usize) {
        let mut slots = Vec::new();
        for q in self.queues.iter().flatten() {
            for k in &q.waiting {
                let c = &self.contacts[k.3 as usize];
                if c.preferred == Some(ai as u32) {
                    slots.push(k.3);
                }
            }
        }
        for s in slots {
            self.mark_contact(s);
        }
    }

    fn rescind_all_offers(&mut self, ai: usize, reason: RescindReason, out: &mut Vec<Event>) {
        let holds = self.agents[ai].as_ref().unwrap().holds.clone();
        for slot in holds {
            if matches!(self.contacts[slot as usize].state, CState::Offered { .. }) {
                self.withdraw(slot, ai as u32, out);
                self.agents[ai].as_mut().unwrap().counters.rescinded += 1;
                out.push(Event::Rescinded {
                    contact: self.contacts[slot as usize].id,
                    agent: AgentId(ai as u32),
                    reason,
                });
            }
        }
    }

    fn arrive(&mut self, a: Arrival, out: &mut Vec<Event>) -> Result<(), Error> {
        if self.ids.contains_key(&a.id) {
            return Err(Error::DuplicateContact(a.id));
        }
        if self
            .queues
            .get(a.queue.0 as usize)
            .is_none_or(|q| q.is_none())
        {
            return Err(Error::UnknownQueue(a.queue));
        }
        let extra = ReqSet::from_slice(&a.skills)?;
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.contacts.push(Contact {
                    id: a.id,
                    generation: 0,
                    queue: 0,
                    ch: 0,
                    epoch: 0,
                    arrived: 0,
                    queued_at: 0,
                    answered_at: 0,
                    extra_prio: 0,
                    vip: false,
                    key: 0,
                    aging: 0,
                    seq: 0,
                    extra: ReqSet::default(),
                    reqs: ReqSet::default(),
                    step: 0,
                    preferred: None,
                    prefer_until: 0,
                    excluded: Vec::new(),
                    ring: Vec::new(),
                    state: CState::Free,
                    offer_no: 0,
                    callback: false,
                    ewt_memo: None,
                    plain: false,
                    settled: false,
                });
                (self.contacts.len() - 1) as u32
            }
        };
        self.seq += 1;
        let c = &mut self.contacts[slot as usize];
        c.id = a.id;
        c.arrived = self.now;
        c.extra_prio = a.priority;
        c.vip = a.vip;
        c.seq = self.seq;
        c.extra = extra;
        c.preferred = a.preferred_agent.map(|p| p.0);
        c.excluded.clear();
        c.ring.clear();
        c.callback = false;
        c.ewt_memo = None;
        c.offer_no = 0;
        c.state = CState::Waiting;
        self.ids.insert(a.id, slot);
        self.place(slot, a.queue.0, None, out);
        // A callback offer when the caller would wait long (after routing: EWT 0 if answered).
        if self.contacts[slot as usize].state == CState::Waiting {
            self.settle(out);
            let c = &self.contacts[slot as usize];
            if c.state == CState::Waiting && c.id == a.id {
                let q = self.queues[c.queue as usize].as_ref().unwrap();
                if let Some(th) = q.cfg.callback_offer_ewt_ms {
                    let ewt = self.ewt_slot(slot).unwrap_or(Time::MAX);
                    if ewt > th {
                        out.push(Event::CallbackOffered {
                            contact: a.id,
                            ewt_ms: ewt,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Puts a contact into queue `qi` (or through its exits), from `from` when moved.
    fn place(&mut self, slot: u32, mut qi: u32, mut from: Option<u32>, out: &mut Vec<Event>) {
        let mut hops = 0u8;
        loop {
            let id = self.contacts[slot as usize].id;
            if let Some(f) = from {
                out.push(Event::Overflowed {
                    contact: id,
                    from: QueueId(f),
                    to: QueueId(qi),
                });
            }
            let Some(q) = self.queues.get_mut(qi as usize).and_then(|q| q.as_mut()) else {
                out.push(Event::Exited {
                    contact: id,
                    queue: QueueId(from.unwrap_or(qi)),
                    reason: ExitReason::OverflowLoop,
                    action: ExitAction::Disconnect,
                });
                self.free_contact(slot);
                return;
            };
            q.stats.offered += 1;
            let closed = q.cfg.hours.as_ref().is_some_and(|h| !h.is_open(self.now));
            let full = q
                .cfg
                .max_queue_len
                .is_some_and(|m| q.waiting.len() as u64 >= u64::from(m));
            let exit = if closed {
                Some((ExitReason::Closed, q.cfg.closed_action))
            } else if full {
                Some((ExitReason::QueueFull, q.cfg.full_action))
            } else {
                None
            };
            match exit {
                None => {
                    self.enqueue(slot, qi);
                    out.push(Event::Queued {
                        contact: id,
                        queue: QueueId(qi),
                    });
                    return;
                }
                Some((reason, action)) => {
                    q.stats.exited += 1;
                    hops += 1;
                    let action = match action {
                        ExitAction::Overflow(_) if hops >= MAX_HOPS => {
                            out.push(Event::Exited {
                                contact: id,
                                queue: QueueId(qi),
                                reason: ExitReason::OverflowLoop,
                                action: ExitAction::Disconnect,
                            });
                            self.free_contact(slot);
                            return;
                        }
                        a => a,
                    };
                    out.push(Event::Exited {
                        contact: id,
                        queue: QueueId(qi),
                        reason,
                        action,
                    });
                    match action {
                        ExitAction::Overflow(to) => {
                            from = Some(qi);
                            qi = to.0;
                        }
                        _ => {
                            self.free_contact(slot);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn enqueue(&mut self, slot: u32, qi: u32) {
        let now = self.now;
        let q = self.queues[qi as usize].as_mut().unwrap();
        let c = &mut self.contacts[slot as usize];
        c.queue = qi;
        c.ch = q.ch;
        c.epoch = c.epoch.wrapping_add(1);
        c.queued_at = now;
        c.reqs = q.base;
        for &(s, l) in c.extra.items() {
            let _ = c.reqs.add(s, l);
        }
        c.step = 0;
        c.state = CState::Waiting;
        c.ewt_memo = None;
        let base = i64::from(q.cfg.priority)
            + i64::from(c.extra_prio)
            + if c.vip { i64::from(q.cfg.vip_boost) } else { 0 };
        c.aging = i64::from(q.cfg.aging_per_min);
        c.key = base * PRIO_SCALE - c.aging * c.arrived as i64;
        c.prefer_until = if c.preferred.is_some() {
            now + q.cfg.prefer_ms
        } else {
            0
        };
        let (generation, epoch) = (c.generation, c.epoch);
        let mut timers = Vec::new();
        if let Some(step) = q.cfg.relaxation.first() {
            timers.push((
                now + step.after_ms,
                Timer::Relax {
                    slot,
                    generation,
                    epoch,
                    step: 0,
                },
            ));
        }
        if let Some(o) = q.cfg.overflow {
            timers.push((
                now + o.after_ms,
                Timer::Overflow {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        if let Some((w, _)) = q.cfg.max_wait {
            timers.push((
                now + w,
                Timer::MaxWait {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        if c.preferred.is_some() && q.cfg.prefer_ms > 0 {
            timers.push((
                c.prefer_until,
                Timer::PreferEnd {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        for (at, t) in timers {
            self.push_timer(at, t);
        }
        self.waiting_insert(slot);
        self.mark_contact(slot);
    }

    /// Re-applies the contact's queue configuration (after the queue was reconfigured).
    fn rearm(&mut self, slot: u32, out: &mut Vec<Event>) {
        let waiting = self.contacts[slot as usize].state == CState::Waiting;
        if waiting {
            self.remove_waiting(slot);
        }
        let now = self.now;
        let c = &mut self.contacts[slot as usize];
        let q = self.queues[c.queue as usize].as_ref().unwrap();
        c.epoch = c.epoch.wrapping_add(1);
        c.reqs = q.base;
        for &(s, l) in c.extra.items() {
            let _ = c.reqs.add(s, l);
        }
        let base = i64::from(q.cfg.priority)
            + i64::from(c.extra_prio)
            + if c.vip { i64::from(q.cfg.vip_boost) } else { 0 };
        c.aging = i64::from(q.cfg.aging_per_min);
        c.key = base * PRIO_SCALE - c.aging * c.arrived as i64;
        c.step = 0;
        let waited = now - c.queued_at;
        for (k, step) in q.cfg.relaxation.iter().enumerate() {
            if step.after_ms > waited {
                break;
            }
            c.reqs.apply(&step.op);
            c.step = k as u8 + 1;
            out.push(Event::Relaxed {
                contact: c.id,
                queue: QueueId(c.queue),
                step: k as u8,
            });
        }
        let (generation, epoch, queued_at) = (c.generation, c.epoch, c.queued_at);
        let mut timers = Vec::new();
        if let Some(step) = q.cfg.relaxation.get(usize::from(c.step)) {
            let step_no = c.step;
            timers.push((
                queued_at + step.after_ms,
                Timer::Relax {
                    slot,
                    generation,
                    epoch,
                    step: step_no,
                },
            ));
        }
        if let Some(o) = q.cfg.overflow {
            timers.push((
                (queued_at + o.after_ms).max(now),
                Timer::Overflow {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        if let Some((w, _)) = q.cfg.max_wait {
            timers.push((
                (queued_at + w).max(now),
                Timer::MaxWait {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        if c.preferred.is_some() && c.prefer_until > now {
            timers.push((
                c.prefer_until,
                Timer::PreferEnd {
                    slot,
                    generation,
                    epoch,
                },
            ));
        }
        for (at, t) in timers {
            self.push_timer(at, t);
        }
        if waiting {
            self.waiting_insert(slot);
            self.mark_contact(slot);
        }
    }

    fn waiting_insert(&mut self, slot: u32) {
        let c = &mut self.contacts[slot as usize];
        let qi = c.queue as usize;
        let base = &self.queues[qi].as_ref().unwrap().base;
        c.plain = c.reqs == *base && c.excluded.is_empty() && c.preferred.is_none();
        c.settled = false;
        self.queues[qi]
            .as_mut()
            .unwrap()
            .waiting
            .insert(c.wkey(slot));
        self.nonempty[qi / 64] |= 1 << (qi % 64);
    }

    /// A plain contact found no agent.
    fn settle_plain(&mut self, slot: u32) {
        let c = &mut self.contacts[slot as usize];
        if c.plain && !c.settled {
            c.settled = true;
            self.queues[c.queue as usize]
                .as_mut()
                .unwrap()
                .plain_settled += 1;
        }
    }

    /// The contact stops being plain (or settled) while waiting.
    fn unsettle(&mut self, slot: u32) {
        let c = &mut self.contacts[slot as usize];
        if c.settled {
            c.settled = false;
            self.queues[c.queue as usize]
                .as_mut()
                .unwrap()
                .plain_settled -= 1;
        }
    }

    fn push_timer(&mut self, at: Time, t: Timer) {
        self.timers.push(self.now, at, t);
    }

    fn remove_waiting(&mut self, slot: u32) {
        self.unsettle(slot);
        let c = &self.contacts[slot as usize];
        let qi = c.queue as usize;
        let q = self.queues[qi].as_mut().unwrap();
        q.waiting.remove(&c.wkey(slot));
        if q.waiting.is_empty() {
            self.nonempty[qi / 64] &= !(1 << (qi % 64));
        }
    }

    fn requeue(&mut self, slot: u32) {
        let c = &mut self.contacts[slot as usize];
        c.state = CState::Waiting;
        c.ring.clear();
        self.waiting_insert(slot);
        self.mark_contact(slot);
    }

    fn free_contact(&mut self, slot: u32) {
        let c = &mut self.contacts[slot as usize];
        self.ids.remove(&c.id);
        c.state = CState::Free;
        c.generation = c.generation.wrapping_add(1);
        c.excluded.clear();
        c.ring.clear();
        self.free_slots.push(slot);
    }

    fn accept(
        &mut self,
        contact: ContactId,
        agent: AgentId,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        let slot = self.slot_of(contact)?;
        let c = &self.contacts[slot as usize];
        let single = matches!(c.state, CState::Offered { agent: a, .. } if a == agent.0)
            && c.ring.is_empty();
        let ringing = if single { Vec::new() } else { c.ringing() };
        if !single && !ringing.contains(&agent.0) {
            return Err(Error::NotOffered { contact, agent });
        }
        for other in ringing.into_iter().filter(|&o| o != agent.0) {
            self.withdraw(slot, other, out);
            self.agents[other as usize]
                .as_mut()
                .unwrap()
                .counters
                .rescinded += 1;
            out.push(Event::Rescinded {
                contact,
                agent: AgentId(other),
                reason: RescindReason::AnsweredElsewhere,
            });
        }
        let now = self.now;
        let c = &mut self.contacts[slot as usize];
        c.ring.clear();
        c.state = CState::Busy { agent: agent.0 };
        c.answered_at = now;
        let wait = now - c.arrived;
        let q = self.queues[c.queue as usize].as_mut().unwrap();
        q.stats.answered += 1;
        if wait <= q.cfg.sl_threshold_ms {
            q.stats.answered_within += 1;
        }
        q.stats.wait_answered_ms += u128::from(wait);
        q.les_ms = Some(wait);
        let queue = QueueId(c.queue);
        let a = self.agents[agent.0 as usize].as_mut().unwrap();
        a.counters.answers += 1;
        a.missed_streak = 0;
        out.push(Event::Answered {
            contact,
            agent,
            queue,
            wait_ms: wait,
        });
        self.touch(agent.0 as usize, out);
        Ok(())
    }

    /// Takes one agent's reservation of an offered contact away (the contact stays offered to
    /// the others, or goes back to waiting when none is left).
    fn withdraw(&mut self, slot: u32, agent: u32, out: &mut Vec<Event>) {
        let ch = self.contacts[slot as usize].ch;
        let a = self.agents[agent as usize].as_mut().unwrap();
        if let Some(pos) = a.holds.iter().position(|&s| s == slot) {
            a.holds.swap_remove(pos);
            a.set_load(ch, -1);
        }
        let c = &mut self.contacts[slot as usize];
        let left = if c.ring.is_empty() {
            0
        } else {
            c.ring.retain(|&x| x != agent);
            if let (
                CState::Offered {
                    agent: first,
                    deadline,
                },
                Some(&next),
            ) = (c.state, c.ring.first())
                && first == agent
            {
                c.state = CState::Offered {
                    agent: next,
                    deadline,
                };
            }
            c.ring.len()
        };
        if left == 0 {
            // Waiting again (the caller frees it instead when the customer left).
            self.requeue(slot);
        }
        self.touch(agent as usize, out);
    }

    fn reject(
        &mut self,
        contact: ContactId,
        agent: AgentId,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        let slot = self.slot_of(contact)?;
        if !self.contacts[slot as usize].ringing().contains(&agent.0) {
            return Err(Error::NotOffered { contact, agent });
        }
        self.contacts[slot as usize].excluded.push(agent.0);
        self.agents[agent.0 as usize]
            .as_mut()
            .unwrap()
            .counters
            .rejects += 1;
        out.push(Event::Rejected { contact, agent });
        self.withdraw(slot, agent.0, out);
        Ok(())
    }

    fn abandon(&mut self, contact: ContactId, out: &mut Vec<Event>) -> Result<(), Error> {
        let slot = self.slot_of(contact)?;
        match self.contacts[slot as usize].state {
            CState::Waiting => self.remove_waiting(slot),
            CState::Offered { .. } => {
                for a in self.contacts[slot as usize].ringing() {
                    self.withdraw(slot, a, out);
                    self.agents[a as usize].as_mut().unwrap().counters.rescinded += 1;
                    out.push(Event::Rescinded {
                        contact,
                        agent: AgentId(a),
                        reason: RescindReason::CustomerLeft,
                    });
                }
                // withdraw put it back in the queue: take it out again.
                self.remove_waiting(slot);
            }
            _ => return Err(Error::WrongState(contact)),
        }
        let c = &self.contacts[slot as usize];
        let wait = self.now - c.arrived;
        let queue = c.queue;
        self.queues[queue as usize]
            .as_mut()
            .unwrap()
            .stats
            .abandoned += 1;
        out.push(Event::Abandoned {
            contact,
            queue: QueueId(queue),
            wait_ms: wait,
        });
        self.free_contact(slot);
        Ok(())
    }

    fn end(&mut self, contact: ContactId, out: &mut Vec<Event>) -> Result<(), Error> {
        let slot = self.slot_of(contact)?;
        let CState::Busy { agent } = self.contacts[slot as usize].state else {
            return Err(Error::WrongState(contact));
        };
        let now = self.now;
        let c = &mut self.contacts[slot as usize];
        let handle = (now - c.answered_at) as f64;
        let (ch, generation) = (c.ch, c.generation);
        let q = self.queues[c.queue as usize].as_mut().unwrap();
        q.handled += 1;
        let alpha = (1.0 / q.handled as f64).max(0.02);
        q.aht_ms += alpha * (handle - q.aht_ms);
        let wrap = q.cfg.wrap_up_ms;
        let a = self.agents[agent as usize].as_mut().unwrap();
        a.set_load(ch, -1);
        a.counters.handled += 1;
        out.push(Event::Ended {
            contact,
            agent: AgentId(agent),
        });
        if wrap > 0 {
            a.wrapups += 1;
            c.state = CState::WrapUp { agent };
            self.push_timer(now + wrap, Timer::WrapUp { slot, generation });
            self.touch(agent as usize, out);
        } else {
            if let Some(p) = a.holds.iter().position(|&s| s == slot) {
                a.holds.swap_remove(p);
            }
            if a.nz == 0 && a.wrapups == 0 {
                a.idle_since = now;
            }
            self.free_contact(slot);
            self.touch(agent as usize, out);
        }
        Ok(())
    }

    fn finish_wrap_up(&mut self, slot: u32, out: &mut Vec<Event>) {
        let CState::WrapUp { agent } = self.contacts[slot as usize].state else {
            return;
        };
        let now = self.now;
        let a = self.agents[agent as usize].as_mut().unwrap();
        a.wrapups -= 1;
        if let Some(p) = a.holds.iter().position(|&s| s == slot) {
            a.holds.swap_remove(p);
        }
        if a.nz == 0 && a.wrapups == 0 {
            a.idle_since = now;
        }
        out.push(Event::WrapUpEnded {
            contact: self.contacts[slot as usize].id,
            agent: AgentId(agent),
        });
        self.free_contact(slot);
        self.touch(agent as usize, out);
    }

    // ----- timers ---------------------------------------------------------------------------

    fn timer_valid(&self, t: &Timer) -> bool {
        let live = |slot: u32, generation: u32| {
            let c = &self.contacts[slot as usize];
            c.generation == generation && c.state != CState::Free
        };
        match *t {
            Timer::Relax {
                slot,
                generation,
                epoch,
                step,
            } => {
                let c = &self.contacts[slot as usize];
                live(slot, generation)
                    && c.epoch == epoch
                    && c.step == step
                    && matches!(c.state, CState::Waiting | CState::Offered { .. })
            }
            Timer::Overflow {
                slot,
                generation,
                epoch,
            }
            | Timer::MaxWait {
                slot,
                generation,
                epoch,
            }
            | Timer::PreferEnd {
                slot,
                generation,
                epoch,
            } => {
                let c = &self.contacts[slot as usize];
                live(slot, generation)
                    && c.epoch == epoch
                    && matches!(c.state, CState::Waiting | CState::Offered { .. })
            }
            Timer::OfferTimeout {
                slot,
                generation,
                offer,
            } => {
                let c = &self.contacts[slot as usize];
                live(slot, generation)
                    && c.offer_no == offer
                    && matches!(c.state, CState::Offered { .. })
            }
            Timer::WrapUp { slot, generation } => {
                live(slot, generation)
                    && matches!(self.contacts[slot as usize].state, CState::WrapUp { .. })
            }
        }
    }

    fn run_timers(&mut self, until: Time, out: &mut Vec<Event>) {
        while let Some((at, t)) = self.timers.peek() {
            if at > until {
                break;
            }
            self.timers.pop();
            if !self.timer_valid(&t) {
                continue;
            }
            self.now = self.now.max(at);
            self.fire(t, out);
            self.settle(out);
        }
    }

    fn fire(&mut self, t: Timer, out: &mut Vec<Event>) {
        match t {
            Timer::Relax { slot, step, .. } => {
                let c = &mut self.contacts[slot as usize];
                let q = self.queues[c.queue as usize].as_ref().unwrap();
                let Some(s) = q.cfg.relaxation.get(usize::from(step)) else {
                    return;
                };
                c.reqs.apply(&s.op);
                // Extras stay unless a Replace dropped the whole set.
                if !matches!(s.op, RelaxOp::Replace(_)) {
                    // (Drop and MaxLevel already acted on extras too: they are in `reqs`.)
                }
                c.step = step + 1;
                c.plain = false;
                out.push(Event::Relaxed {
                    contact: c.id,
                    queue: QueueId(c.queue),
                    step,
                });
                if let Some(next) = q.cfg.relaxation.get(usize::from(step) + 1) {
                    let at = c.queued_at + next.after_ms;
                    let (generation, epoch) = (c.generation, c.epoch);
                    self.push_timer(
                        at.max(self.now),
                        Timer::Relax {
                            slot,
                            generation,
                            epoch,
                            step: step + 1,
                        },
                    );
                }
                self.unsettle(slot);
                if self.contacts[slot as usize].state == CState::Waiting {
                    self.mark_contact(slot);
                }
            }
            Timer::Overflow {
                slot,
                generation,
                epoch,
            } => {
                if let CState::Offered { deadline, .. } = self.contacts[slot as usize].state {
                    self.push_timer(
                        deadline,
                        Timer::Overflow {
                            slot,
                            generation,
                            epoch,
                        },
                    );
                    return;
                }
                let c = &self.contacts[slot as usize];
                let from = c.queue;
                // The queue may have been reconfigured without overflow since.
                let Some(o) = self.queues[from as usize].as_ref().unwrap().cfg.overflow else {
                    return;
                };
                let to = o.to;
                self.remove_waiting(slot);
                self.place(slot, to.0, Some(from), out);
            }
            Timer::MaxWait {
                slot,
                generation,
                epoch,
            } => {
                let c = &self.contacts[slot as usize];
                if c.callback {
                    return;
                }
                if let CState::Offered { deadline, .. } = c.state {
                    self.push_timer(
                        deadline,
                        Timer::MaxWait {
                            slot,
                            generation,
                            epoch,
                        },
                    );
                    return;
                }
                let (qi, id) = (c.queue, c.id);
                let q = self.queues[qi as usize].as_mut().unwrap();
                let Some((_, action)) = q.cfg.max_wait else {
                    return;
                };
                q.stats.exited += 1;
                self.remove_waiting(slot);
                out.push(Event::Exited {
                    contact: id,
                    queue: QueueId(qi),
                    reason: ExitReason::MaxWait,
                    action,
                });
                match action {
                    ExitAction::Overflow(to) => self.place(slot, to.0, Some(qi), out),
                    _ => self.free_contact(slot),
                }
            }
            Timer::PreferEnd { slot, .. } => {
                if self.contacts[slot as usize].state == CState::Waiting {
                    self.mark_contact(slot);
                }
            }
            Timer::OfferTimeout { slot, .. } => {
                let id = self.contacts[slot as usize].id;
                let max = self.cfg.max_missed_offers;
                for a in self.contacts[slot as usize].ringing() {
                    {
                        let ag = self.agents[a as usize].as_mut().unwrap();
                        ag.counters.missed += 1;
                        ag.missed_streak += 1;
                    }
                    out.push(Event::OfferTimedOut {
                        contact: id,
                        agent: AgentId(a),
                    });
                    self.withdraw(slot, a, out);
                    let ag = self.agents[a as usize].as_ref().unwrap();
                    if ag.missed_streak >= max && ag.presence == Presence::Available {
                        let _ =
                            self.set_presence(AgentId(a), Presence::Aux(AuxReason::NoAnswer), out);
                        self.agents[a as usize].as_mut().unwrap().missed_streak = 0;
                    }
                }
            }
            Timer::WrapUp { slot, .. } => self.finish_wrap_up(slot, out),
        }
    }

    // ----- routing --------------------------------------------------------------------------

    fn mark_contact(&mut self, slot: u32) {
        let generation = self.contacts[slot as usize].generation;
        self.dirty_c.push((slot, generation));
    }

    fn mark_agent(&mut self, ai: u32) {
        let a = self.agents[ai as usize].as_mut().unwrap();
        if !a.dirty {
            a.dirty = true;
            self.dirty_a.push(ai);
        }
    }

    /// Re-indexes an agent after a change, reports a state change, and marks it for routing
    /// if it can take contacts.
    fn touch(&mut self, ai: usize, out: &mut Vec<Event>) {
        self.reindex(ai);
        let st = self.derive_state(ai);
        let a = self.agents[ai].as_mut().unwrap();
        if st != a.state {
            a.state = st;
            out.push(Event::AgentStateChanged {
                agent: AgentId(ai as u32),
                state: st,
            });
        }
        if self.agents[ai].as_ref().unwrap().avail_any() {
            self.mark_agent(ai as u32);
        }
    }

    fn derive_state(&self, ai: usize) -> AgentState {
        let a = self.agents[ai].as_ref().unwrap();
        if a.wrapups > 0 {
            return AgentState::WrapUp;
        }
        let mut busy = false;
        let mut reserved = false;
        for &s in &a.holds {
            match self.contacts[s as usize].state {
                CState::Busy { .. } => busy = true,
                CState::Offered { .. } => reserved = true,
                _ => {}
            }
        }
        if busy {
            AgentState::Busy
        } else if reserved {
            AgentState::Reserved
        } else {
            match a.presence {
                Presence::LoggedOut => AgentState::LoggedOut,
                Presence::Available => AgentState::Available,
                Presence::Aux(r) => AgentState::Aux(r),
            }
        }
    }

    fn reindex(&mut self, ai: usize) {
        if self.cfg.naive {
            return;
        }
        let Engine {
            agents,
            index,
            any_index,
            need_load,
            need_ids,
            need_any,
            ..
        } = self;
        let a = agents[ai].as_mut().unwrap();
        for ch in 0..CHANNELS {
            let new = if a.avail(ch) {
                Some((a.idle_since, a.occ()))
            } else {
                None
            };
            let old = a.indexed[ch];
            if new == old {
                continue;
            }
            let id = ai as u64;
            if let Some((idle, occ)) = old {
                let k = idle << AGENT_BITS | id;
                for i in 0..a.skills.len() + usize::from(*need_any) {
                    let set = match a.skills.get(i) {
                        Some(s) => &mut index[usize::from(s.0)][ch],
                        None => &mut any_index[ch],
                    };
                    set.idle.remove(&k);
                    if *need_load {
                        set.load.remove(&(occ, k));
                    }
                    if *need_ids {
                        set.ids.remove(&(ai as u32));
                    }
                }
            }
            if let Some((idle, occ)) = new {
                let k = idle << AGENT_BITS | id;
                for i in 0..a.skills.len() + usize::from(*need_any) {
                    let set = match a.skills.get(i) {
                        Some(s) => &mut index[usize::from(s.0)][ch],
                        None => &mut any_index[ch],
                    };
                    set.idle.insert(k);
                    if *need_load {
                        set.load.insert((occ, k));
                    }
                    if *need_ids {
                        set.ids.insert(ai as u32);
                    }
                }
            }
            a.indexed[ch] = new;
        }
    }

    fn unindex(&mut self, ai: usize) {
        let saved = {
            let a = self.agents[ai].as_mut().unwrap();
            let p = a.presence;
            a.presence = Presence::LoggedOut;
            p
        };
        self.reindex(ai);
        self.agents[ai].as_mut().unwrap().presence = saved;
    }

    /// The preferred agent a contact is waiting for, if its window is open and that agent is
    /// present and qualified.
    fn pref_target(&self, c: &Contact) -> Option<u32> {
        let p = c.preferred?;
        if self.now >= c.prefer_until {
            return None;
        }
        let a = self.agents.get(p as usize)?.as_ref()?;
        (a.presence == Presence::Available && a.meets(&c.reqs) && !c.excluded.contains(&p))
            .then_some(p)
    }

    fn eligible(&self, a: &Agent, ai: u32, c: &Contact) -> bool {
        a.meets(&c.reqs) && !c.excluded.contains(&ai)
    }

    /// The oracle: can this agent take this contact right now? (Used by the naive router and
    /// by tests; the indexed router must agree with it.)
    fn can_take_slot(&self, ai: u32, slot: u32) -> bool {
        let c = &self.contacts[slot as usize];
        if c.state != CState::Waiting {
            return false;
        }
        let Some(Some(a)) = self.agents.get(ai as usize) else {
            return false;
        };
        if !a.avail(c.ch) || !self.eligible(a, ai, c) {
            return false;
        }
        self.pref_target(c).is_none_or(|p| p == ai)
    }

    /// Agents to offer a waiting contact to (several for ring-all), into `out`.
    fn find_agents(&self, slot: u32, out: &mut Vec<u32>) {
        out.clear();
        let c = &self.contacts[slot as usize];
        if let Some(p) = self.pref_target(c) {
            if self.can_take_slot(p, slot) {
                out.push(p);
            }
            return;
        }
        let q = self.queues[c.queue as usize].as_ref().unwrap();
        let strategy = q.cfg.strategy;
        let ch = c.ch;
        if self.cfg.naive {
            let mut best: Option<((u64, u64, u64), u32)> = None;
            for (ai, a) in self.agents.iter().enumerate() {
                let Some(a) = a else { continue };
                let ai = ai as u32;
                if !a.avail(ch) || !self.eligible(a, ai, c) {
                    continue;
                }
                let rank = match strategy {
                    Strategy::LongestIdle | Strategy::RingAll => (a.idle_since, u64::from(ai), 0),
                    Strategy::LeastOccupied => (u64::from(a.occ()), a.idle_since, u64::from(ai)),
                    Strategy::RoundRobin => (
                        u64::from(q.rr_cursor.is_some_and(|r| ai <= r)),
                        u64::from(ai),
                        0,
                    ),
                    Strategy::SkillsWeighted => {
                        (u64::MAX - a.score(&c.reqs), a.idle_since, u64::from(ai))
                    }
                };
                if strategy == Strategy::RingAll {
                    out.push(ai);
                }
                if best.is_none_or(|(b, _)| rank < b) {
                    best = Some((rank, ai));
                }
            }
            if strategy == Strategy::RingAll {
                out.sort_by_key(|&ai| (self.agents[ai as usize].as_ref().unwrap().idle_since, ai));
            } else if let Some((_, ai)) = best {
                out.push(ai);
            }
            return;
        }
        // Indexed: the smallest set among the required skills.
        let set = if c.reqs.n == 0 {
            &self.any_index[ch]
        } else {
            let mut best: Option<&ChanIndex> = None;
            for &(s, _) in c.reqs.items() {
                let Some(ix) = self.index.get(usize::from(s)) else {
                    return;
                };
                let cand = &ix[ch];
                if best.is_none_or(|b| cand.idle.len() < b.idle.len()) {
                    best = Some(cand);
                }
            }
            best.unwrap()
        };
        // Skills below 64 the contact needs: agents lacking one are skipped on a dense bitmap.
        let need: u64 = c
            .reqs
            .items()
            .iter()
            .filter(|r| r.0 < 64)
            .fold(0, |b, r| b | 1 << r.0);
        let ok = |ai: u32| {
            if need & !self.skill_bits[ai as usize] != 0 {
                return false;
            }
            let a = self.agents[ai as usize].as_ref().unwrap();
            self.eligible(a, ai, c)
        };
        match strategy {
            Strategy::LongestIdle => {
                if let Some(ai) = set
                    .idle
                    .iter()
                    .map(|k| (k & AGENT_MASK) as u32)
                    .find(|&ai| ok(ai))
                {
                    out.push(ai);
                }
            }
            Strategy::LeastOccupied => {
                if let Some(ai) = set
                    .load
                    .iter()
                    .map(|k| (k.1 & AGENT_MASK) as u32)
                    .find(|&ai| ok(ai))
                {
                    out.push(ai);
                }
            }
            Strategy::RoundRobin => {
                let found = match q.rr_cursor {
                    Some(r) => set
                        .ids
                        .range(r + 1..)
                        .chain(set.ids.range(..=r))
                        .copied()
                        .find(|&ai| ok(ai)),
                    None => set.ids.iter().copied().find(|&ai| ok(ai)),
                };
                if let Some(ai) = found {
                    out.push(ai);
                }
            }
            Strategy::SkillsWeighted => {
                // No agent can score above the sum of the highest levels: stop at it.
                let bound: u64 = c
                    .reqs
                    .items()
                    .iter()
                    .map(|&(s, _)| {
                        u64::from(self.max_level.get(usize::from(s)).copied().unwrap_or(0))
                    })
                    .sum();
                let mut best: Option<(u64, u32)> = None;
                for ai in set.idle.iter().map(|k| (k & AGENT_MASK) as u32) {
                    if !ok(ai) {
                        continue;
                    }
                    let sc = self.agents[ai as usize].as_ref().unwrap().score(&c.reqs);
                    if best.is_none_or(|(b, _)| sc > b) {
                        best = Some((sc, ai));
                        if sc >= bound {
                            break;
                        }
                    }
                }
                if let Some((_, ai)) = best {
                    out.push(ai);
                }
            }
            Strategy::RingAll => {
                out.extend(
                    set.idle
                        .iter()
                        .map(|k| (k & AGENT_MASK) as u32)
                        .filter(|&ai| ok(ai)),
                );
            }
        }
    }

    /// The best waiting contact for an agent: highest effective priority across the queues it
    /// can serve, then earliest arrival.
    fn find_contact(&self, ai: u32) -> Option<u32> {
        let a = self.agents[ai as usize].as_ref()?;
        let mut best: Option<(i64, Time, u64, u32)> = None;
        let consider = |qi: usize, best: &mut Option<(i64, Time, u64, u32)>| {
            let Some(q) = self.queues[qi].as_ref() else {
                return;
            };
            if !a.avail(q.ch) {
                return;
            }
            if let Some(k) = q.waiting.first() {
                let c = &self.contacts[k.3 as usize];
                if c.plain && a.base_has(qi) {
                    let cand = (c.eff(self.now), c.arrived, c.seq, k.3);
                    if best.is_none_or(|b| {
                        cand.0 > b.0 || (cand.0 == b.0 && (cand.1, cand.2) < (b.1, b.2))
                    }) {
                        *best = Some(cand);
                    }
                    return;
                }
            }
            for k in &q.waiting {
                let slot = k.3;
                if self.can_take_slot(ai, slot) {
                    let c = &self.contacts[slot as usize];
                    let cand = (c.eff(self.now), c.arrived, c.seq, slot);
                    if best.is_none_or(|b| {
                        cand.0 > b.0 || (cand.0 == b.0 && (cand.1, cand.2) < (b.1, b.2))
                    }) {
                        *best = Some(cand);
                    }
                    return;
                }
            }
        };
        if self.cfg.naive {
            for qi in 0..self.queues.len() {
                consider(qi, &mut best);
            }
        } else {
            for (w, &ne) in self.nonempty.iter().enumerate() {
                let mut bits = ne & a.mask.get(w).copied().unwrap_or(0);
                while bits != 0 {
                    let qi = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    consider(qi, &mut best);
                }
            }
        }
        best.map(|b| b.3)
    }

    /// Routes every agent and contact whose options grew, until nothing more can be matched.
    /// Agents first: a freed agent takes the best waiting contact across its queues (priority,
    /// then arrival), so a contact that just came back cannot jump a better one elsewhere;
    /// then each new or changed contact, best first, takes an idle agent by its queue's
    /// strategy.
    fn settle(&mut self, out: &mut Vec<Event>) {
        loop {
            if !self.dirty_a.is_empty() {
                let mut da = std::mem::take(&mut self.dirty_a);
                for &ai in &da {
                    self.agents[ai as usize].as_mut().unwrap().dirty = false;
                    while self.agents[ai as usize].as_ref().unwrap().avail_any() {
                        let Some(slot) = self.find_contact(ai) else {
                            break;
                        };
                        self.offer(slot, &[ai], out);
                    }
                }
                da.clear();
                if self.dirty_a.is_empty() {
                    self.dirty_a = da;
                }
                continue;
            }
            if self.dirty_c.is_empty() {
                break;
            }
            let mut dc = std::mem::take(&mut self.dirty_c);
            let now = self.now;
            dc.retain(|&(s, g)| {
                let c = &self.contacts[s as usize];
                c.generation == g && c.state == CState::Waiting
            });
            // Best first, so simultaneous re-routes keep priority and FIFO order.
            dc.sort_by_key(|&(s, _)| {
                let c = &self.contacts[s as usize];
                (Reverse(c.eff(now)), c.arrived, c.seq)
            });
            dc.dedup();
            let mut agents = std::mem::take(&mut self.scratch);
            for &(slot, generation) in &dc {
                let c = &self.contacts[slot as usize];
                if c.generation != generation || c.state != CState::Waiting {
                    continue;
                }
                if !self.cfg.naive
                    && c.plain
                    && !c.settled
                    && self.queues[c.queue as usize]
                        .as_ref()
                        .unwrap()
                        .plain_settled
                        > 0
                {
                    // Another plain contact of this queue waits having found no agent: no
                    // available agent fits this one either (agents freed since are dirty and
                    // were routed before this loop).
                    self.settle_plain(slot);
                    continue;
                }
                self.find_agents(slot, &mut agents);
                if agents.is_empty() {
                    self.settle_plain(slot);
                } else {
                    self.offer(slot, &agents, out);
                }
            }
            self.scratch = agents;
            dc.clear();
            if self.dirty_c.is_empty() {
                self.dirty_c = dc;
            }
        }
    }

    #[cfg(debug_assertions)]
    fn check_plain(&self) {
        for q in self.queues.iter().flatten() {
            let n = q
                .waiting
                .iter()
                .filter(|k| self.contacts[k.3 as usize].settled)
                .count() as u32;
            assert_eq!(n, q.plain_settled, "plain_settled drifted");
        }
    }

    fn offer(&mut self, slot: u32, agents: &[u32], out: &mut Vec<Event>) {
        self.remove_waiting(slot);
        let now = self.now;
        let c = &mut self.contacts[slot as usize];
        let q = self.queues[c.queue as usize].as_mut().unwrap();
        let deadline = now + q.cfg.offer_timeout_ms;
        c.offer_no = c.offer_no.wrapping_add(1);
        c.state = CState::Offered {
            agent: agents[0],
            deadline,
        };
        c.ring.clear();
        if agents.len() > 1 {
            c.ring.extend_from_slice(agents);
        }
        if q.cfg.strategy == Strategy::RoundRobin {
            q.rr_cursor = Some(agents[0]);
        }
        let (id, queue, ch, generation, offer) =
            (c.id, QueueId(c.queue), c.ch, c.generation, c.offer_no);
        self.push_timer(
            deadline,
            Timer::OfferTimeout {
                slot,
                generation,
                offer,
            },
        );
        self.decisions += 1;
        for &ai in agents {
            let a = self.agents[ai as usize].as_mut().unwrap();
            a.set_load(ch, 1);
            a.holds.push(slot);
            a.counters.offers += 1;
            out.push(Event::Offered {
                contact: id,
                agent: AgentId(ai),
                queue,
                expires_at: deadline,
            });
            self.touch(ai as usize, out);
        }
    }

    // ----- queries --------------------------------------------------------------------------

    /// Whether `agent` could be offered `contact` right now (the routing oracle: a waiting
    /// contact, an available agent with room on its channel, all requirements met, not
    /// excluded, and no open preference for another agent).
    pub fn can_take(&self, agent: AgentId, contact: ContactId) -> bool {
        self.ids
            .get(&contact)
            .is_some_and(|&s| self.can_take_slot(agent.0, s))
    }

    pub fn agent_ids(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.agents
            .iter()
            .enumerate()
            .filter(|a| a.1.is_some())
            .map(|a| AgentId(a.0 as u32))
    }

    pub fn queue_ids(&self) -> impl Iterator<Item = QueueId> + '_ {
        self.queues
            .iter()
            .enumerate()
            .filter(|q| q.1.is_some())
            .map(|q| QueueId(q.0 as u32))
    }

    /// All contacts the engine holds (waiting, ringing, busy, wrapping up).
    pub fn contact_ids(&self) -> Vec<ContactId> {
        let mut v: Vec<ContactId> = self.ids.keys().copied().collect();
        v.sort();
        v
    }

    /// How many contacts wait in a queue.
    pub fn waiting_len(&self, queue: QueueId) -> usize {
        self.queues
            .get(queue.0 as usize)
            .and_then(|q| q.as_ref())
            .map_or(0, |q| q.waiting.len())
    }

    /// Waiting contacts of a queue, in the order they will be offered.
    pub fn waiting(&self, queue: QueueId) -> Vec<ContactId> {
        self.queues
            .get(queue.0 as usize)
            .and_then(|q| q.as_ref())
            .map(|q| {
                q.waiting
                    .iter()
                    .map(|k| self.contacts[k.3 as usize].id)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn agent(&self, id: AgentId) -> Option<AgentView> {
        let a = self.agents.get(id.0 as usize)?.as_ref()?;
        Some(AgentView {
            id,
            presence: a.presence,
            state: self.derive_state(id.0 as usize),
            load: a.load,
            capacity: a.capacity,
            contacts: a
                .holds
                .iter()
                .map(|&s| self.contacts[s as usize].id)
                .collect(),
            wrapping_up: a.wrapups,
            idle_since: a.idle_since,
            missed_streak: a.missed_streak,
            counters: a.counters,
            available: std::array::from_fn(|c| a.avail(c)),
        })
    }

    pub fn contact(&self, id: ContactId) -> Option<ContactView> {
        let &slot = self.ids.get(&id)?;
        let c = &self.contacts[slot as usize];
        let state = match c.state {
            CState::Waiting => ContactState::Waiting,
            CState::Offered { deadline, .. } => ContactState::Offered {
                agents: c.ringing().into_iter().map(AgentId).collect(),
                expires_at: deadline,
            },
            CState::Busy { agent } => ContactState::Busy {
                agent: AgentId(agent),
            },
            CState::WrapUp { agent } => ContactState::WrapUp {
                agent: AgentId(agent),
            },
            CState::Free => return None,
        };
        Some(ContactView {
            id,
            queue: QueueId(c.queue),
            channel: Channel::ALL[c.ch],
            state,
            requirements: c
                .reqs
                .items()
                .iter()
                .map(|&(s, l)| Requirement {
                    skill: SkillId(s),
                    level: l,
                })
                .collect(),
            steps_applied: c.step,
            arrived: c.arrived,
            queued_at: c.queued_at,
            effective_priority: c.eff(self.now) as f64 / PRIO_SCALE as f64,
            callback: c.callback,
            preferred_agent: c.preferred.map(AgentId),
            excluded: c.excluded.iter().map(|&a| AgentId(a)).collect(),
        })
    }

    /// Estimated wait (ms from now) of a waiting contact: the queue-length estimate
    /// (position+1)·AHT/servers over the agents who can serve the queue, blended half and half
    /// with the head-of-line estimate (the wait of the last contact to be answered, scaled by
    /// position). Never rises while the contact moves up. `Some(0)` once offered or answered;
    /// `None` when nobody staffs the queue.
    pub fn ewt(&mut self, contact: ContactId) -> Option<Time> {
        let slot = *self.ids.get(&contact)?;
        self.ewt_slot(slot)
    }

    fn ewt_slot(&mut self, slot: u32) -> Option<Time> {
        let c = &self.contacts[slot as usize];
        if c.state != CState::Waiting {
            return Some(0);
        }
        let q = self.queues[c.queue as usize].as_ref().unwrap();
        let pos = q.waiting.range(..c.wkey(slot)).count();
        let raw = Self::ewt_at(q, pos, q.waiting.len())?;
        let c = &mut self.contacts[slot as usize];
        let est = match c.ewt_memo {
            Some((p, last)) if pos <= p => raw.min(last),
            _ => raw,
        };
        c.ewt_memo = Some((pos, est));
        Some(est)
    }

    fn ewt_at(q: &Queue, pos: usize, len: usize) -> Option<Time> {
        if q.staffed == 0 {
            return None;
        }
        let ql = (pos as f64 + 1.0) * q.aht_ms / q.staffed as f64;
        let est = match q.les_ms {
            Some(les) => {
                0.5 * ql + 0.5 * les as f64 * (pos as f64 + 1.0) / (len.max(pos + 1) as f64)
            }
            None => ql,
        };
        Some(est.max(0.0).round() as Time)
    }

    /// The live state of a queue.
    pub fn snapshot(&self, queue: QueueId) -> Option<QueueSnapshot> {
        let qi = queue.0 as usize;
        let q = self.queues.get(qi)?.as_ref()?;
        let longest = q
            .waiting
            .iter()
            .map(|k| self.now - self.contacts[k.3 as usize].arrived)
            .max()
            .unwrap_or(0);
        let mut agents = AgentsByState::default();
        for (ai, a) in self.agents.iter().enumerate() {
            let Some(a) = a else { continue };
            if !a.mask_has(qi) {
                continue;
            }
            match self.derive_state(ai) {
                AgentState::LoggedOut => agents.logged_out += 1,
                AgentState::Available => agents.available += 1,
                AgentState::Reserved => agents.reserved += 1,
                AgentState::Busy => agents.busy += 1,
                AgentState::WrapUp => agents.wrap_up += 1,
                AgentState::Aux(_) => agents.aux += 1,
            }
        }
        let s = &q.stats;
        let done = s.answered + s.abandoned + s.exited;
        Some(QueueSnapshot {
            queue: queue.0,
            waiting: q.waiting.len(),
            longest_wait_ms: longest,
            ewt_ms: if agents.available > 0 && q.waiting.is_empty() {
                Some(0)
            } else {
                Self::ewt_at(q, q.waiting.len(), q.waiting.len() + 1)
            },
            agents,
            offered: s.offered,
            answered: s.answered,
            answered_within_threshold: s.answered_within,
            abandoned: s.abandoned,
            exited: s.exited,
            service_level: (done > 0).then(|| s.answered_within as f64 / done as f64),
            asa_ms: (s.answered > 0).then(|| s.wait_answered_ms as f64 / s.answered as f64),
        })
    }
}
