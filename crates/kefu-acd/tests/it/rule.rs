//! The routing engine's eligibility rule ("which agent may take which contact right now"),
//! written again for the property tests from its definition in ARCHITECTURE.md (Behaviour:
//! eligibility, requirements and relaxation, reservations, wrap-up, preference). It reads only
//! the configuration the test gave the engine and facts the engine reports (presence, who
//! holds which contact, the queue a contact is in and since when), never the engine's own
//! answer, so a fault in the engine's eligibility shows up as a disagreement.
//!
//! A [`World`] is read from the engine before a command and then follows that command's
//! events one by one, so every offer can be judged in the state it was made in.

use kefu_acd::*;
use std::collections::BTreeMap;

/// Where a contact is, as far as eligibility cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    Waiting,
    /// Offered and ringing at these agents (several only for ring-all).
    Ringing(Vec<AgentId>),
    Busy(AgentId),
    WrapUp(AgentId),
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub queue: QueueId,
    /// When it entered its current queue: relaxation steps and the preference window count
    /// from here.
    pub queued_at: Time,
    pub holding: Holding,
    /// Its own requirements (`Arrival::skills`), on top of the queue's.
    pub own: Vec<Requirement>,
    pub preferred: Option<AgentId>,
    /// Agents who rejected it.
    pub rejected_by: Vec<AgentId>,
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub config: AgentConfig,
    pub presence: Presence,
    /// Offers timed out in a row (for the move to aux `no_answer`).
    pub missed: u32,
}

/// An agent configuration may list a skill twice at different levels; the rule does not say
/// which level counts, so checks use one reading or the other: a claim "must be eligible"
/// holds under both, "may be eligible" under either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Lowest,
    Highest,
}

/// Timeouts in a row after which the engine puts an agent in aux `no_answer`
/// (`EngineConfig::max_missed_offers`, default).
const MAX_MISSED: u32 = 3;

#[derive(Debug, Clone)]
pub struct World {
    pub now: Time,
    pub queues: Vec<QueueConfig>,
    pub agents: Vec<Agent>,
    pub contacts: BTreeMap<ContactId, Contact>,
    /// Arrivals of the command being followed, until their `Queued` event.
    arriving: Vec<Arrival>,
}

/// The requirements of a contact that has waited `waited` ms in `queue`: the queue's plus its
/// own, then every relaxation step due by then, one after the other (a step falls due only
/// after the one before it). A list, not a set: a skill required twice must be met at both
/// levels, that is at the higher.
pub fn requirements(queue: &QueueConfig, own: &[Requirement], waited: Time) -> Vec<Requirement> {
    let mut reqs: Vec<Requirement> = queue.requirements.iter().chain(own).copied().collect();
    for step in queue.relaxation.iter().take_while(|s| s.after_ms <= waited) {
        match &step.op {
            RelaxOp::MaxLevel(l) => {
                for r in &mut reqs {
                    r.level = r.level.min((*l).max(1));
                }
            }
            RelaxOp::Drop(skills) => reqs.retain(|r| !skills.contains(&r.skill)),
            RelaxOp::Replace(new) => reqs = new.clone(),
        }
    }
    reqs
}

/// An agent's level in a skill (0: does not have it; 1 is the lowest level).
pub fn level(agent: &AgentConfig, skill: SkillId, reading: Reading) -> u8 {
    let levels = agent
        .skills
        .iter()
        .filter(|s| s.0 == skill && s.1 > 0)
        .map(|s| s.1);
    match reading {
        Reading::Lowest => levels.min(),
        Reading::Highest => levels.max(),
    }
    .unwrap_or(0)
}

/// Every requirement met at its level or above.
pub fn meets(agent: &AgentConfig, reqs: &[Requirement], reading: Reading) -> bool {
    reqs.iter()
        .all(|r| level(agent, r.skill, reading) >= r.level.max(1))
}

impl World {
    pub fn new(
        now: Time,
        queues: Vec<QueueConfig>,
        agents: Vec<Agent>,
        contacts: BTreeMap<ContactId, Contact>,
    ) -> Self {
        World {
            now,
            queues,
            agents,
            contacts,
            arriving: Vec::new(),
        }
    }

    fn queue(&self, q: QueueId) -> &QueueConfig {
        &self.queues[q.0 as usize]
    }

    /// The contact's requirements now.
    pub fn reqs(&self, c: &Contact) -> Vec<Requirement> {
        requirements(self.queue(c.queue), &c.own, self.now - c.queued_at)
    }

    /// Contacts the agent holds per channel: ringing at it or answered by it.
    pub fn load(&self, a: AgentId) -> [u8; CHANNELS] {
        let mut load = [0; CHANNELS];
        for c in self.contacts.values() {
            let holds = match &c.holding {
                Holding::Ringing(agents) => agents.contains(&a),
                Holding::Busy(b) => *b == a,
                _ => false,
            };
            if holds {
                load[self.queue(c.queue).channel.idx()] += 1;
            }
        }
        load
    }

    pub fn wrapping_up(&self, a: AgentId) -> bool {
        self.contacts
            .values()
            .any(|c| c.holding == Holding::WrapUp(a))
    }

    /// Presence `available`, no wrap-up in progress, room on the channel, and no contact held
    /// on another channel that blocks this one.
    pub fn has_room(&self, a: AgentId, channel: Channel) -> bool {
        let agent = &self.agents[a.0 as usize];
        let load = self.load(a);
        let ch = channel.idx();
        agent.presence == Presence::Available
            && !self.wrapping_up(a)
            && load[ch] < agent.config.capacity[ch]
            && (0..CHANNELS)
                .filter(|&other| other != ch && load[other] > 0)
                .all(|other| agent.config.blocks[ch] & (1 << other) == 0)
    }

    /// The agent the contact is waiting for by preference: its window (`prefer_ms` of the
    /// queue from entry) is open and that agent is present (`available`, even if busy),
    /// qualified and has not rejected it.
    pub fn preference(&self, c: &Contact, reading: Reading) -> Option<AgentId> {
        let p = c.preferred?;
        let open = self.now < c.queued_at + self.queue(c.queue).prefer_ms;
        let agent = &self.agents[p.0 as usize];
        (open
            && agent.presence == Presence::Available
            && meets(&agent.config, &self.reqs(c), reading)
            && !c.rejected_by.contains(&p))
        .then_some(p)
    }

    /// The rule: a waiting contact, an agent with room on its channel who meets every
    /// requirement, has not rejected it, and no open preference for another agent.
    pub fn may_take(&self, a: AgentId, c: &Contact, reading: Reading) -> bool {
        let room = self.has_room(a, self.queue(c.queue).channel);
        self.may_take_with(a, c, reading, room, &self.reqs(c))
    }

    /// [`World::may_take`], given whether the agent has room and the contact's requirements.
    fn may_take_with(
        &self,
        a: AgentId,
        c: &Contact,
        reading: Reading,
        room: bool,
        reqs: &[Requirement],
    ) -> bool {
        c.holding == Holding::Waiting
            && room
            && meets(&self.agents[a.0 as usize].config, reqs, reading)
            && !c.rejected_by.contains(&a)
            && self.preference(c, reading).is_none_or(|p| p == a)
    }

    /// Eligible whichever level of a skill listed twice counts.
    pub fn must_take(&self, a: AgentId, c: &Contact) -> bool {
        self.may_take(a, c, Reading::Lowest) && self.may_take(a, c, Reading::Highest)
    }

    /// Eligible under at least one reading.
    pub fn could_take(&self, a: AgentId, c: &Contact) -> bool {
        self.may_take(a, c, Reading::Lowest) || self.may_take(a, c, Reading::Highest)
    }

    /// A waiting contact and an agent the rule says must take it, if any.
    pub fn idle_match(&self) -> Option<(ContactId, AgentId)> {
        let agents: Vec<AgentId> = (0..self.agents.len() as u32).map(AgentId).collect();
        let room: Vec<[bool; CHANNELS]> = agents
            .iter()
            .map(|&a| Channel::ALL.map(|ch| self.has_room(a, ch)))
            .collect();
        let waiting = self
            .contacts
            .iter()
            .filter(|(_, c)| c.holding == Holding::Waiting);
        for (&id, c) in waiting {
            let reqs = self.reqs(c);
            let ch = self.queue(c.queue).channel.idx();
            for &a in &agents {
                let r = room[a.0 as usize][ch];
                if self.may_take_with(a, c, Reading::Lowest, r, &reqs)
                    && self.may_take_with(a, c, Reading::Highest, r, &reqs)
                {
                    return Some((id, a));
                }
            }
        }
        None
    }

    /// What a command does before the engine decides anything: presence, rejections, the
    /// contact arriving. (Configuration changes are in `queues` and `agents` already.)
    pub fn command(&mut self, cmd: &Command) {
        let mut presence = |a: &AgentId, p: Presence| {
            let agent = &mut self.agents[a.0 as usize];
            if agent.presence != p {
                agent.presence = p;
                if p == Presence::Available {
                    agent.missed = 0;
                }
            }
        };
        match cmd {
            Command::Login { agent } | Command::SetAvailable { agent } => {
                presence(agent, Presence::Available)
            }
            Command::Logout { agent } => presence(agent, Presence::LoggedOut),
            Command::SetAux { agent, reason } => presence(agent, Presence::Aux(*reason)),
            Command::Arrive(a) => self.arriving.push(a.clone()),
            Command::Reject { contact, agent } => self.reject(*contact, *agent),
            _ => {}
        }
    }

    fn reject(&mut self, contact: ContactId, agent: AgentId) {
        if let Some(c) = self.contacts.get_mut(&contact)
            && !c.rejected_by.contains(&agent)
        {
            c.rejected_by.push(agent);
        }
    }

    /// The contact stops ringing at `agent`; with nobody left ringing it waits again.
    fn unring(&mut self, contact: ContactId, agent: AgentId) {
        if let Some(c) = self.contacts.get_mut(&contact)
            && let Holding::Ringing(agents) = &mut c.holding
        {
            agents.retain(|&x| x != agent);
            if agents.is_empty() {
                c.holding = Holding::Waiting;
            }
        }
    }

    /// Follows a command's events in order. Each offer is checked against the rule in the
    /// state just before it (a ring-all offer is one decision: every agent it rings is judged
    /// with the contact still waiting). Err describes an offer the rule forbids.
    pub fn follow(&mut self, events: &[Event]) -> Result<(), String> {
        // The contact of the offer being made (ring-all: several `Offered` in a row).
        let mut offering: Option<ContactId> = None;
        for ev in events {
            match ev {
                Event::Offered { contact, agent, .. } => {
                    let c = self
                        .contacts
                        .get(contact)
                        .ok_or(format!("offer of unknown {contact:?}"))?;
                    let waiting = Contact {
                        holding: Holding::Waiting,
                        ..c.clone()
                    };
                    let ok = match &c.holding {
                        Holding::Waiting => true,
                        Holding::Ringing(_) => offering == Some(*contact),
                        _ => false,
                    };
                    if !ok {
                        return Err(format!("{contact:?} offered to {agent:?} while {c:?}"));
                    }
                    if !self.could_take(*agent, &waiting) {
                        return Err(format!(
                            "{contact:?} offered to {agent:?}, which the rule does not allow at \
                             {}: {c:?}, requirements {:?}, {:?}, load {:?}",
                            self.now,
                            self.reqs(c),
                            self.agents[agent.0 as usize],
                            self.load(*agent),
                        ));
                    }
                    let c = self.contacts.get_mut(contact).unwrap();
                    match &mut c.holding {
                        Holding::Ringing(agents) => agents.push(*agent),
                        h => *h = Holding::Ringing(vec![*agent]),
                    }
                    offering = Some(*contact);
                    continue;
                }
                Event::AgentStateChanged { .. } => continue,
                Event::Queued { contact, queue } => {
                    let now = self.now;
                    if let Some(c) = self.contacts.get_mut(contact) {
                        c.queue = *queue;
                        c.queued_at = now;
                        c.holding = Holding::Waiting;
                    } else {
                        let i = self
                            .arriving
                            .iter()
                            .position(|a| a.id == *contact)
                            .ok_or(format!("{contact:?} queued without arriving"))?;
                        let a = self.arriving.swap_remove(i);
                        self.contacts.insert(
                            *contact,
                            Contact {
                                queue: *queue,
                                queued_at: now,
                                holding: Holding::Waiting,
                                own: a.skills,
                                preferred: a.preferred_agent,
                                rejected_by: Vec::new(),
                            },
                        );
                    }
                }
                Event::Answered { contact, agent, .. } => {
                    if let Some(c) = self.contacts.get_mut(contact) {
                        c.holding = Holding::Busy(*agent);
                    }
                    self.agents[agent.0 as usize].missed = 0;
                }
                Event::Rejected { contact, agent } => {
                    self.reject(*contact, *agent);
                    self.unring(*contact, *agent);
                }
                Event::OfferTimedOut { contact, agent } => {
                    self.unring(*contact, *agent);
                    let a = &mut self.agents[agent.0 as usize];
                    a.missed += 1;
                    if a.missed >= MAX_MISSED && a.presence == Presence::Available {
                        a.presence = Presence::Aux(AuxReason::NoAnswer);
                        a.missed = 0;
                    }
                }
                Event::Rescinded { contact, agent, .. } => self.unring(*contact, *agent),
                Event::Ended { contact, agent } => {
                    let wrap = self
                        .contacts
                        .get(contact)
                        .is_some_and(|c| self.queue(c.queue).wrap_up_ms > 0);
                    if wrap {
                        self.contacts.get_mut(contact).unwrap().holding = Holding::WrapUp(*agent);
                    } else {
                        self.contacts.remove(contact);
                    }
                }
                Event::WrapUpEnded { contact, .. } | Event::Abandoned { contact, .. } => {
                    self.contacts.remove(contact);
                }
                Event::Exited {
                    contact, action, ..
                } => {
                    // An overflow goes on with `Overflowed` and `Queued` (or another exit).
                    if !matches!(action, ExitAction::Overflow(_)) {
                        self.contacts.remove(contact);
                        self.arriving.retain(|a| a.id != *contact);
                    }
                }
                Event::Relaxed { .. }
                | Event::Overflowed { .. }
                | Event::CallbackOffered { .. } => {}
            }
            offering = None;
        }
        Ok(())
    }
}
