//! Invariants P1–P8 of the routing engine (SPEC C5), as property tests over random command
//! sequences in a small world that uses every strategy, relaxation, overflow, max wait, queue
//! length, business hours, preference windows, VIP, ring-all, wrap-up and mixed channels.
//! Eligibility is judged by the test's own rule (`rule.rs`), not by the engine's.

use crate::rule::{self, Holding};
use kefu_acd::*;
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use std::collections::{BTreeMap, HashMap};

const S0: SkillId = SkillId(0);
const S1: SkillId = SkillId(1);
const S2: SkillId = SkillId(2);
const S3: SkillId = SkillId(3);

fn req(s: SkillId, l: u8) -> Requirement {
    Requirement::new(s, l)
}

/// The email queue (4) closes at minute 40 of every hour and opens again on the hour.
const CLOSING_MS: Time = 40 * 60_000;

/// Whether the email queue is open at `t` (its hours, restated).
fn email_open(t: Time) -> bool {
    t % 3_600_000 < CLOSING_MS
}

/// Business hours: the first 40 minutes of every hour (so closing happens within a run).
fn hours() -> std::sync::Arc<dyn Hours> {
    let mut h = WeeklyHours::daily(&[0, 1, 2, 3, 4, 5, 6], 0, 0);
    for d in 0..7 {
        h.open[d] = (0..24).map(|hr| (hr * 60, hr * 60 + 40)).collect();
    }
    std::sync::Arc::new(h)
}

pub fn queues() -> Vec<QueueConfig> {
    vec![
        QueueConfig {
            requirements: vec![req(S0, 2)],
            relaxation: vec![
                RelaxStep {
                    after_ms: 30_000,
                    op: RelaxOp::MaxLevel(1),
                },
                RelaxStep {
                    after_ms: 60_000,
                    op: RelaxOp::Drop(vec![S0]),
                },
            ],
            wrap_up_ms: 5_000,
            prefer_ms: 20_000,
            max_wait: Some((300_000, ExitAction::Overflow(QueueId(1)))),
            callback_offer_ewt_ms: Some(60_000),
            ..QueueConfig::default()
        },
        QueueConfig {
            channel: Channel::Chat,
            strategy: kefu_acd::Strategy::LeastOccupied,
            requirements: vec![req(S1, 1)],
            aging_per_min: 2,
            max_queue_len: Some(3),
            full_action: ExitAction::Voicemail,
            ..QueueConfig::default()
        },
        QueueConfig {
            strategy: kefu_acd::Strategy::RoundRobin,
            requirements: vec![req(S2, 1), req(S3, 1)],
            relaxation: vec![RelaxStep {
                after_ms: 20_000,
                op: RelaxOp::Replace(vec![req(S3, 1)]),
            }],
            overflow: Some(Overflow {
                after_ms: 45_000,
                to: QueueId(0),
            }),
            priority: 1,
            ..QueueConfig::default()
        },
        QueueConfig {
            strategy: kefu_acd::Strategy::RingAll,
            requirements: vec![req(S1, 1)],
            wrap_up_ms: 3_000,
            offer_timeout_ms: 10_000,
            ..QueueConfig::default()
        },
        QueueConfig {
            channel: Channel::Email,
            strategy: kefu_acd::Strategy::SkillsWeighted,
            requirements: vec![req(S0, 1), req(S2, 1)],
            max_wait: Some((120_000, ExitAction::Voicemail)),
            hours: Some(hours()),
            aging_per_min: 0,
            ..QueueConfig::default()
        },
    ]
}

#[derive(Debug, Clone)]
pub struct AgentSpec {
    skills: Vec<(u16, u8)>,
    chat: u8,
    mixed: bool,
}

fn agent_spec() -> impl proptest::strategy::Strategy<Value = AgentSpec> {
    (
        prop::collection::vec((0u16..4, 1u8..=3), 0..4),
        0u8..=2,
        any::<bool>(),
    )
        .prop_map(|(skills, chat, mixed)| AgentSpec {
            skills,
            chat,
            mixed,
        })
}

fn agent_config(s: &AgentSpec) -> AgentConfig {
    let skills: Vec<(SkillId, u8)> = s.skills.iter().map(|&(k, l)| (SkillId(k), l)).collect();
    let mut c = AgentConfig::new(&skills);
    c.capacity = [1, s.chat, 2, 1];
    if s.mixed {
        // Chat and email mix; nothing else while on voice, no voice while on anything.
        c.blocks = [0b1110, 0b0001, 0b0001, 0b0001];
    }
    c
}

#[derive(Debug, Clone)]
pub enum Op {
    Login(u8),
    Logout(u8),
    Aux(u8),
    Available(u8),
    Arrive {
        q: u8,
        prio: i8,
        vip: bool,
        pref: Option<u8>,
        extra: Option<(u16, u8)>,
    },
    Accept(u8),
    Reject(u8),
    Abandon(u8),
    End(u8),
    WrapUpDone(u8),
    Callback(u8),
    Advance(u32),
    Reskill(u8, Vec<(u16, u8)>),
    /// Reconfigure a queue: its own config, or a variant with other requirements and none of
    /// its timers.
    Reconfigure(u8, bool),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Login),
        1 => any::<u8>().prop_map(Op::Logout),
        1 => any::<u8>().prop_map(Op::Aux),
        2 => any::<u8>().prop_map(Op::Available),
        6 => (0u8..5, -2i8..3, any::<bool>(), prop::option::of(any::<u8>()), prop::option::weighted(0.2, (0u16..4, 1u8..=2)))
            .prop_map(|(q, prio, vip, pref, extra)| Op::Arrive { q, prio, vip, pref, extra }),
        5 => any::<u8>().prop_map(Op::Accept),
        1 => any::<u8>().prop_map(Op::Reject),
        1 => any::<u8>().prop_map(Op::Abandon),
        4 => any::<u8>().prop_map(Op::End),
        1 => any::<u8>().prop_map(Op::WrapUpDone),
        1 => any::<u8>().prop_map(Op::Callback),
        4 => (0u32..90_000).prop_map(Op::Advance),
        1 => (any::<u8>(), prop::collection::vec((0u16..4, 1u8..=3), 0..4)).prop_map(|(a, s)| Op::Reskill(a, s)),
        1 => (0u8..5, any::<bool>()).prop_map(|(q, v)| Op::Reconfigure(q, v)),
    ]
}

/// Agents and ops. Three runs in four start at a time chosen so that the email queue's closing
/// at minute 40 falls inside the run, at a random fraction of the time its ops advance (an
/// `Advance` op in front); the others start at 0, in open hours throughout unless they are
/// long. (The start is drawn after the agents and ops, so the saved regression seeds still
/// give the agents and ops they failed with.)
pub fn world() -> impl proptest::strategy::Strategy<Value = (Vec<AgentSpec>, Vec<Op>)> {
    (
        prop::collection::vec(agent_spec(), 2..7),
        prop::collection::vec(op(), 1..90),
        prop::option::weighted(0.75, 1u64..1000),
    )
        .prop_map(|(agents, mut ops, closing_at)| {
            if let Some(permille) = closing_at {
                ops.insert(0, Op::Advance(start_before_closing(&ops, permille)));
            }
            (agents, ops)
        })
}

/// A start time such that the email queue closes after `permille`/1000 of the time the ops
/// advance (at least 1 ms after the start).
fn start_before_closing(ops: &[Op], permille: u64) -> u32 {
    let span: u64 = ops
        .iter()
        .map(|o| match o {
            Op::Advance(ms) => u64::from(*ms),
            _ => 0,
        })
        .sum();
    (CLOSING_MS - (span * permille / 1000).clamp(1, CLOSING_MS)) as u32
}

/// Runs a world, calling `check` after every step with the events of that step.
pub struct Run {
    pub e: Engine,
    /// The queues' current configurations.
    pub configs: Vec<QueueConfig>,
    /// The agents' current configurations.
    pub agents: Vec<AgentConfig>,
    /// Per contact, its own requirements and preferred agent, as it arrived.
    arrivals: HashMap<ContactId, (Vec<Requirement>, Option<AgentId>)>,
    /// Per contact, the agents who rejected it.
    rejected: HashMap<ContactId, Vec<AgentId>>,
    pub now: Time,
    next_id: u64,
    n_agents: usize,
    pub events: Vec<Event>,
}

impl Run {
    pub fn new(agents: &[AgentSpec], naive: bool) -> Self {
        let mut e = Engine::new(EngineConfig {
            naive,
            ..EngineConfig::default()
        });
        for (i, q) in queues().into_iter().enumerate() {
            e.handle(
                0,
                Command::UpsertQueue {
                    id: QueueId(i as u32),
                    config: q,
                },
            )
            .unwrap();
        }
        for (i, a) in agents.iter().enumerate() {
            e.handle(
                0,
                Command::UpsertAgent {
                    id: AgentId(i as u32),
                    config: agent_config(a),
                },
            )
            .unwrap();
        }
        Run {
            e,
            configs: queues(),
            agents: agents.iter().map(agent_config).collect(),
            arrivals: HashMap::new(),
            rejected: HashMap::new(),
            now: 0,
            next_id: 0,
            n_agents: agents.len(),
            events: Vec::new(),
        }
    }

    fn offers(&self) -> Vec<(ContactId, AgentId)> {
        let mut v = Vec::new();
        for c in self.e.contact_ids() {
            if let Some(ContactView {
                state: ContactState::Offered { agents, .. },
                ..
            }) = self.e.contact(c)
            {
                v.extend(agents.into_iter().map(|a| (c, a)));
            }
        }
        v
    }

    fn with_state(&self, f: impl Fn(&ContactState) -> bool) -> Vec<ContactId> {
        self.e
            .contact_ids()
            .into_iter()
            .filter(|&c| f(&self.e.contact(c).unwrap().state))
            .collect()
    }

    /// The command an op stands for in the current state (None: nothing to do). Advances the
    /// clock for `Advance`; what the command changes is recorded by [`Run::note`] when it is
    /// handled.
    pub fn command(&mut self, op: &Op) -> Option<Command> {
        let a = |i: u8| AgentId(u32::from(i) % self.n_agents as u32);
        let pick = |v: Vec<ContactId>, i: u8| (!v.is_empty()).then(|| v[usize::from(i) % v.len()]);
        Some(match op {
            Op::Login(i) => Command::Login { agent: a(*i) },
            Op::Logout(i) => Command::Logout { agent: a(*i) },
            Op::Aux(i) => Command::SetAux {
                agent: a(*i),
                reason: AuxReason::Break,
            },
            Op::Available(i) => Command::SetAvailable { agent: a(*i) },
            Op::Arrive {
                q,
                prio,
                vip,
                pref,
                extra,
            } => {
                self.next_id += 1;
                let mut arr = Arrival::new(ContactId(self.next_id), QueueId(u32::from(*q)));
                arr.priority = i32::from(*prio);
                arr.vip = *vip;
                arr.preferred_agent = pref.map(a);
                arr.skills = extra.iter().map(|&(s, l)| req(SkillId(s), l)).collect();
                Command::Arrive(arr)
            }
            Op::Accept(i) | Op::Reject(i) => {
                let o = self.offers();
                if o.is_empty() {
                    return None;
                }
                let (contact, agent) = o[usize::from(*i) % o.len()];
                if matches!(op, Op::Accept(_)) {
                    Command::Accept { contact, agent }
                } else {
                    Command::Reject { contact, agent }
                }
            }
            Op::Abandon(i) => Command::Abandon {
                contact: pick(
                    self.with_state(|s| {
                        matches!(s, ContactState::Waiting | ContactState::Offered { .. })
                    }),
                    *i,
                )?,
            },
            Op::End(i) => Command::End {
                contact: pick(
                    self.with_state(|s| matches!(s, ContactState::Busy { .. })),
                    *i,
                )?,
            },
            Op::WrapUpDone(i) => Command::WrapUpDone {
                contact: pick(
                    self.with_state(|s| matches!(s, ContactState::WrapUp { .. })),
                    *i,
                )?,
            },
            Op::Callback(i) => Command::AcceptCallback {
                contact: pick(self.with_state(|s| matches!(s, ContactState::Waiting)), *i)?,
            },
            Op::Advance(ms) => {
                self.now += u64::from(*ms);
                Command::Tick
            }
            Op::Reconfigure(q, variant) => {
                let mut config = queues().swap_remove(usize::from(*q));
                if *variant {
                    config.requirements = vec![req(S3, 2), req(S0, 1)];
                    config.relaxation = vec![RelaxStep {
                        after_ms: 10_000,
                        op: RelaxOp::MaxLevel(1),
                    }];
                    config.overflow = None;
                    config.max_wait = None;
                }
                Command::UpsertQueue {
                    id: QueueId(u32::from(*q)),
                    config,
                }
            }
            Op::Reskill(i, skills) => Command::UpsertAgent {
                id: a(*i),
                config: agent_config(&AgentSpec {
                    skills: skills.clone(),
                    chat: 2,
                    mixed: false,
                }),
            },
        })
    }

    /// Records what a command about to be handled tells the engine.
    pub fn note(&mut self, cmd: &Command) {
        match cmd {
            Command::UpsertQueue { id, config } => self.configs[id.0 as usize] = config.clone(),
            Command::UpsertAgent { id, config } => self.agents[id.0 as usize] = config.clone(),
            Command::Arrive(a) => {
                self.arrivals
                    .insert(a.id, (a.skills.clone(), a.preferred_agent));
            }
            Command::Reject { contact, agent } => {
                self.rejected.entry(*contact).or_default().push(*agent)
            }
            _ => {}
        }
    }

    /// Applies an op; returns the events of this step.
    pub fn step(&mut self, op: &Op) -> Vec<Event> {
        let Some(cmd) = self.command(op) else {
            return Vec::new();
        };
        self.note(&cmd);
        let ev = self.e.handle(self.now, cmd).expect("valid command");
        self.events.extend(ev.iter().cloned());
        ev
    }

    /// The state as the test's eligibility rule sees it at `now`: the configuration given
    /// to the engine, and the facts it reports.
    pub fn rule_world(&self, now: Time) -> rule::World {
        let agents = self
            .agents
            .iter()
            .enumerate()
            .map(|(i, config)| {
                let v = self.e.agent(AgentId(i as u32)).unwrap();
                rule::Agent {
                    config: config.clone(),
                    presence: v.presence,
                    missed: v.missed_streak,
                }
            })
            .collect();
        let contacts: BTreeMap<ContactId, rule::Contact> = self
            .e
            .contact_ids()
            .into_iter()
            .map(|id| {
                let v = self.e.contact(id).unwrap();
                let (own, preferred) = self.arrivals[&id].clone();
                let c = rule::Contact {
                    queue: v.queue,
                    queued_at: v.queued_at,
                    holding: holding(&v.state),
                    own,
                    preferred,
                    rejected_by: self.rejected.get(&id).cloned().unwrap_or_default(),
                };
                (id, c)
            })
            .collect();
        rule::World::new(now, self.configs.clone(), agents, contacts)
    }

    /// Applies an op one engine call per instant: the timers due by the op's time, one
    /// instant at a time (`Tick` at each deadline), then the command. Before each call the
    /// rule's view is read from the engine; it then follows the call's events, judging each
    /// offer in the state it was made in. After each call the view must match the engine's
    /// (contacts, their queues and holders, presence) and no waiting contact may have an
    /// agent the rule says must take it.
    pub fn step_judged(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let Some(cmd) = self.command(op) else {
            return Ok(());
        };
        while let Some(t) = self.e.next_deadline().filter(|&t| t <= self.now) {
            self.judged_call(t.max(self.e.now()), Command::Tick)?;
        }
        self.note(&cmd);
        self.judged_call(self.now, cmd)
    }

    fn judged_call(&mut self, t: Time, cmd: Command) -> Result<(), TestCaseError> {
        let mut w = self.rule_world(t);
        w.command(&cmd);
        let ev = self.e.handle(t, cmd).expect("valid command");
        self.events.extend(ev.iter().cloned());
        w.follow(&ev).map_err(TestCaseError::fail)?;
        let engine = self.rule_world(t);
        let summary = |w: &rule::World| -> Vec<_> {
            w.contacts
                .iter()
                .map(|(id, c)| {
                    let mut h = c.holding.clone();
                    if let Holding::Ringing(a) = &mut h {
                        a.sort();
                    }
                    (*id, c.queue, c.queued_at, h)
                })
                .collect()
        };
        prop_assert_eq!(summary(&w), summary(&engine), "events followed: {:?}", ev);
        for (i, (a, b)) in w.agents.iter().zip(&engine.agents).enumerate() {
            prop_assert_eq!(a.presence, b.presence, "agent {}; events {:?}", i, ev);
        }
        if let Some((c, a)) = w.idle_match() {
            prop_assert!(
                false,
                "{:?} waits while the rule says {:?} must take it: {:?}",
                c,
                a,
                w
            );
        }
        Ok(())
    }
}

fn holding(s: &ContactState) -> Holding {
    match s {
        ContactState::Waiting => Holding::Waiting,
        ContactState::Offered { agents, .. } => Holding::Ringing(agents.clone()),
        ContactState::Busy { agent } => Holding::Busy(*agent),
        ContactState::WrapUp { agent } => Holding::WrapUp(*agent),
    }
}

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cfg())]

    /// P1: an agent never holds more contacts than capacity on any channel; a contact never
    /// has two agents.
    #[test]
    fn p1_capacity_never_exceeded((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        for op in &ops {
            r.step(op);
            let mut handler: HashMap<ContactId, AgentId> = HashMap::new();
            for id in r.e.agent_ids().collect::<Vec<_>>() {
                let v = r.e.agent(id).unwrap();
                for c in 0..CHANNELS {
                    prop_assert!(v.load[c] <= v.capacity[c], "agent {id:?} channel {c}: {:?} > {:?}", v.load, v.capacity);
                }
                for c in &v.contacts {
                    let cv = r.e.contact(*c).unwrap();
                    if matches!(cv.state, ContactState::Busy { .. } | ContactState::WrapUp { .. }) {
                        prop_assert!(handler.insert(*c, id).is_none(), "contact {c:?} has two agents");
                    }
                }
            }
            for c in r.e.contact_ids() {
                match r.e.contact(c).unwrap().state {
                    ContactState::Busy { agent } | ContactState::WrapUp { agent } => prop_assert_eq!(handler.get(&c), Some(&agent)),
                    ContactState::Offered { agents, .. } => {
                        let mut a = agents.clone();
                        a.dedup();
                        prop_assert_eq!(a.len(), agents.len());
                        // Only ring-all rings several agents.
                        if agents.len() > 1 { prop_assert_eq!(r.e.contact(c).unwrap().queue, QueueId(3)); }
                    }
                    ContactState::Waiting => prop_assert!(!handler.contains_key(&c)),
                }
            }
        }
    }

    /// P2: no offer to an agent in wrap_up, aux or logged_out.
    #[test]
    fn p2_no_offer_to_agent_in_wrap_up_aux_or_logged_out((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        let mut state: HashMap<AgentId, AgentState> = HashMap::new();
        for op in &ops {
            let ev = r.step(op);
            for e in &ev {
                match e {
                    Event::AgentStateChanged { agent, state: s } => { state.insert(*agent, *s); }
                    Event::Offered { agent, .. } => {
                        let s = state.get(agent).copied().unwrap_or(AgentState::LoggedOut);
                        prop_assert!(
                            matches!(s, AgentState::Available | AgentState::Reserved | AgentState::Busy),
                            "offer to {agent:?} in state {s:?}"
                        );
                        prop_assert_eq!(r.e.agent(*agent).unwrap().wrapping_up, 0);
                    }
                    _ => {}
                }
            }
            for id in r.e.agent_ids().collect::<Vec<_>>() {
                prop_assert_eq!(state.get(&id).copied().unwrap_or(AgentState::LoggedOut), r.e.agent(id).unwrap().state);
            }
            // Everyone ringing right now was offered while present (presence only leaves
            // Available by rescinding every ringing offer).
            for (_, a) in r.offers() {
                prop_assert_eq!(r.e.agent(a).unwrap().presence, Presence::Available);
            }
        }
    }

    /// P3: no contact waits while an eligible idle agent exists (after each step), by the
    /// engine's oracle and by the test's own rule.
    #[test]
    fn p3_no_contact_waits_while_an_eligible_agent_is_idle((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        for op in &ops {
            r.step(op);
            let w = r.rule_world(r.now);
            for c in r.e.contact_ids() {
                let cv = r.e.contact(c).unwrap();
                if cv.state != ContactState::Waiting { continue; }
                for a in r.e.agent_ids().collect::<Vec<_>>() {
                    prop_assert!(!r.e.can_take(a, c), "{c:?} waits while {a:?} could take it: {:?} {:?}", cv, r.e.agent(a));
                    prop_assert!(!w.must_take(a, &w.contacts[&c]),
                        "{c:?} waits while the rule says {a:?} must take it: {:?} {:?}; requirements {:?}",
                        cv, r.e.agent(a), w.reqs(&w.contacts[&c]));
                }
            }
            r.events.clear();
        }
    }

    /// P3, the other half, for both routers: every offer goes to an agent the rule allows,
    /// judged in the state just before the offer; and after every engine call no waiting
    /// contact has an agent the rule says must take it.
    #[test]
    fn p3_every_offer_goes_to_an_agent_the_rule_allows((agents, ops) in world()) {
        for naive in [false, true] {
            let mut r = Run::new(&agents, naive);
            for op in &ops {
                r.step_judged(op)?;
            }
        }
    }

    /// Business hours: an arrival at the email queue while it is closed (minutes 40–59 of the
    /// hour) leaves at once by the closed action (voicemail) and is never queued; while it
    /// is open it is queued.
    #[test]
    fn arrivals_at_a_closed_queue_leave_by_its_closed_action((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        for op in &ops {
            let ev = r.step(op);
            if !matches!(op, Op::Arrive { q: 4, .. }) { continue; }
            let id = ContactId(r.next_id);
            let queued = ev.iter().any(|e| matches!(e, Event::Queued { contact, .. } if *contact == id));
            let exits: Vec<_> = ev.iter().filter(|e| matches!(e, Event::Exited { contact, .. } if *contact == id)).collect();
            if email_open(r.now) {
                prop_assert!(queued && exits.is_empty(), "at {}: {:?}", r.now, ev);
            } else {
                prop_assert!(!queued, "at {}: {:?}", r.now, ev);
                let closed = Event::Exited {
                    contact: id,
                    queue: QueueId(4),
                    reason: ExitReason::Closed,
                    action: ExitAction::Voicemail,
                };
                prop_assert_eq!(exits, vec![&closed]);
                prop_assert!(r.e.contact(id).is_none());
            }
        }
    }

    /// The index-based router decides exactly like the naive scan of every agent.
    #[test]
    fn indexed_and_naive_routers_decide_alike((agents, ops) in world()) {
        let mut a = Run::new(&agents, false);
        let mut b = Run::new(&agents, true);
        for op in &ops {
            let ea = a.step(op);
            let eb = b.step(op);
            prop_assert_eq!(ea, eb);
        }
    }

    /// P5: per-agent counters count each event exactly once.
    #[test]
    fn p5_agent_counters_count_each_event_once((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        for op in &ops {
            r.step(op);
        }
        let mut want: HashMap<AgentId, AgentCounters> = HashMap::new();
        for e in &r.events {
            match e {
                Event::Offered { agent, .. } => want.entry(*agent).or_default().offers += 1,
                Event::Answered { agent, .. } => want.entry(*agent).or_default().answers += 1,
                Event::Rejected { agent, .. } => want.entry(*agent).or_default().rejects += 1,
                Event::OfferTimedOut { agent, .. } => want.entry(*agent).or_default().missed += 1,
                Event::Rescinded { agent, .. } => want.entry(*agent).or_default().rescinded += 1,
                Event::Ended { agent, .. } => want.entry(*agent).or_default().handled += 1,
                _ => {}
            }
        }
        let ringing = r.offers();
        for id in r.e.agent_ids().collect::<Vec<_>>() {
            let got = r.e.agent(id).unwrap().counters;
            prop_assert_eq!(got, want.get(&id).copied().unwrap_or_default());
            let open = ringing.iter().filter(|x| x.1 == id).count() as u64;
            prop_assert_eq!(got.offers, got.answers + got.rejects + got.missed + got.rescinded + open);
        }
    }

    /// P6: relaxation steps apply in order and never skip.
    #[test]
    fn p6_relaxation_steps_apply_in_order((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        // Per contact: the queue it is in and the next step expected there.
        let mut next: HashMap<ContactId, (QueueId, u8)> = HashMap::new();
        for op in &ops {
            if let Op::Reconfigure(q, _) = op {
                // A reconfigured queue's contacts start its (new) steps over.
                for n in next.values_mut().filter(|n| n.0 == QueueId(u32::from(*q))) {
                    n.1 = 0;
                }
            }
            for e in r.step(op) {
                match e {
                    Event::Queued { contact, queue } => { next.insert(contact, (queue, 0)); }
                    Event::Relaxed { contact, queue, step } => {
                        let n = next.get_mut(&contact).expect("queued first");
                        prop_assert_eq!(n.0, queue);
                        prop_assert_eq!(step, n.1, "step skipped or repeated");
                        n.1 += 1;
                    }
                    _ => {}
                }
            }
            for c in r.e.contact_ids() {
                let cv = r.e.contact(c).unwrap();
                if !matches!(cv.state, ContactState::Waiting | ContactState::Offered { .. }) { continue; }
                let q = &r.configs[cv.queue.0 as usize];
                prop_assert_eq!(next[&c], (cv.queue, cv.steps_applied));
                // Steps due by now have all been applied, and no later one.
                let waited = r.now - cv.queued_at;
                let due = q.relaxation.iter().filter(|s| s.after_ms <= waited).count() as u8;
                prop_assert_eq!(cv.steps_applied, due, "waited {} ms", waited);
            }
        }
    }

    /// P7: every agent can always return to available: no stuck reserved/busy/wrap-up after
    /// any sequence of rejects, timeouts and hang-ups.
    #[test]
    fn p7_every_agent_can_return_to_available((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        for op in &ops {
            r.step(op);
        }
        // Customers leave, agents finish what they hold and come back.
        for c in r.e.contact_ids() {
            match r.e.contact(c).unwrap().state {
                ContactState::Waiting | ContactState::Offered { .. } => { r.e.handle(r.now, Command::Abandon { contact: c }).unwrap(); }
                _ => {}
            }
        }
        for c in r.e.contact_ids() {
            if let ContactState::Busy { .. } = r.e.contact(c).unwrap().state {
                r.e.handle(r.now, Command::End { contact: c }).unwrap();
            }
        }
        r.now += 600_000;
        r.e.handle(r.now, Command::Tick).unwrap();
        for id in r.e.agent_ids().collect::<Vec<_>>() {
            r.e.handle(r.now, Command::SetAvailable { agent: id }).unwrap();
            let v = r.e.agent(id).unwrap();
            prop_assert_eq!(v.state, AgentState::Available);
            prop_assert_eq!(v.load, [0; CHANNELS]);
            prop_assert!(v.contacts.is_empty());
        }
        prop_assert!(r.e.contact_ids().is_empty());
    }

    /// P8: EWT ≥ 0 and non-increasing while the contact moves up.
    #[test]
    fn p8_ewt_non_negative_and_non_increasing_while_moving_up((agents, ops) in world()) {
        let mut r = Run::new(&agents, false);
        // Per contact: (queue, position, EWT) when last seen; an overflow starts afresh.
        let mut last: HashMap<ContactId, (QueueId, usize, Time)> = HashMap::new();
        for op in &ops {
            r.step(op);
            for q in r.e.queue_ids().collect::<Vec<_>>() {
                for (pos, c) in r.e.waiting(q).into_iter().enumerate() {
                    let Some(ewt) = r.e.ewt(c) else { last.remove(&c); continue };
                    // (Time is unsigned: ≥ 0 by type; check it is finite and sane.)
                    prop_assert!(ewt < 1_000_000_000);
                    if let Some(&(q0, p0, e0)) = last.get(&c)
                        && q0 == q && pos <= p0 {
                            prop_assert!(ewt <= e0, "{c:?} moved {p0}→{pos} but EWT rose {e0}→{ewt}");
                        }
                    last.insert(c, (q, pos, ewt));
                }
            }
        }
    }
}

/// The generated runs do cross the email queue's closing at minute 40, so the property about
/// closing sees both sides: counted over 500 generated worlds, most runs have steps before
/// and after the closing, a good share send a contact to the email queue while it is closed,
/// and some send one while it is open and another while it is closed.
#[test]
fn generated_runs_cross_the_closing_of_the_email_queue() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let n = 500;
    let (mut crossing, mut closed, mut both_sides) = (0, 0, 0);
    for _ in 0..n {
        let (_, ops) =
            proptest::strategy::ValueTree::current(&world().new_tree(&mut runner).unwrap());
        let (mut now, mut before, mut after) = (0u64, false, false);
        let (mut open_arrival, mut closed_arrival) = (false, false);
        for (i, op) in ops.iter().enumerate() {
            if let Op::Advance(ms) = *op {
                now += u64::from(ms);
            }
            if i > 0 {
                before |= now < CLOSING_MS;
                after |= now >= CLOSING_MS;
            }
            if let Op::Arrive { q: 4, .. } = op {
                open_arrival |= email_open(now);
                closed_arrival |= !email_open(now);
            }
        }
        crossing += usize::from(before && after);
        closed += usize::from(closed_arrival);
        both_sides += usize::from(open_arrival && closed_arrival);
    }
    assert!(
        crossing >= n * 6 / 10,
        "{crossing} of {n} runs cross minute 40"
    );
    assert!(
        closed >= n / 4,
        "{closed} of {n} runs send email while it is closed"
    );
    assert!(
        both_sides >= n / 10,
        "{both_sides} of {n} runs send email both open and closed"
    );
}

/// P4 world: one queue, everyone qualified; priorities 0 or 1 with aging.
fn p4_engine(agents: usize, aging: u32) -> Engine {
    let mut e = Engine::new(EngineConfig::default());
    let q = QueueConfig {
        aging_per_min: aging,
        requirements: vec![req(S0, 1)],
        ..QueueConfig::default()
    };
    e.handle(
        0,
        Command::UpsertQueue {
            id: QueueId(0),
            config: q,
        },
    )
    .unwrap();
    for i in 0..agents {
        e.handle(
            0,
            Command::UpsertAgent {
                id: AgentId(i as u32),
                config: AgentConfig::voice(&[(S0, 1)]),
            },
        )
        .unwrap();
        e.handle(
            0,
            Command::Login {
                agent: AgentId(i as u32),
            },
        )
        .unwrap();
    }
    e
}

proptest! {
    #![proptest_config(cfg())]

    /// P4: within a queue and equal effective priority, contacts are offered FIFO (each offer
    /// goes to the best waiting contact: highest effective priority, then earliest arrival);
    /// with aging every contact is eventually offered (no starvation).
    #[test]
    fn p4_fifo_within_equal_priority_and_no_starvation(
        agents in 1usize..4,
        steps in prop::collection::vec((0u8..3, 0i32..2, 0u32..40_000), 1..120),
    ) {
        let mut e = p4_engine(agents, 1);
        let mut now = 0;
        let mut id = 0;
        for (kind, prio, dt) in steps {
            now += u64::from(dt);
            let before: Vec<ContactView> = e.waiting(QueueId(0)).into_iter().map(|c| e.contact(c).unwrap()).collect();
            let ev = match kind {
                0 | 1 => {
                    id += 1;
                    let mut a = Arrival::new(ContactId(id), QueueId(0));
                    a.priority = prio;
                    e.handle(now, Command::Arrive(a)).unwrap()
                }
                _ => {
                    let busy: Vec<ContactId> = e.contact_ids().into_iter()
                        .filter(|c| matches!(e.contact(*c).unwrap().state, ContactState::Busy { .. })).collect();
                    match busy.first() { Some(&c) => e.handle(now, Command::End { contact: c }).unwrap(), None => e.handle(now, Command::Tick).unwrap() }
                }
            };
            // Every offer of this step took the best of those waiting before it.
            let mut waiting = before;
            for x in &ev {
                if let Event::Offered { contact, .. } = x {
                    let Some(pos) = waiting.iter().position(|w| w.id == *contact) else { continue }; // a new arrival
                    let got = waiting.remove(pos);
                    for other in &waiting {
                        let (ge, go) = (got.effective_priority, other.effective_priority);
                        prop_assert!(ge > go || (ge == go && got.arrived <= other.arrived),
                            "offered {:?} (eff {ge}, arrived {}) before {:?} (eff {go}, arrived {})", got.id, got.arrived, other.id, other.arrived);
                    }
                }
                if let Event::Answered { .. } = x { unreachable!() }
            }
            for x in ev {
                if let Event::Offered { contact, agent, .. } = x {
                    e.handle(now, Command::Accept { contact, agent }).unwrap();
                }
            }
        }
    }
}

/// P4, starvation: a low-priority contact under a stream of high-priority arrivals that keeps
/// the only agent busy is still offered once aging has lifted it above the newcomers.
#[test]
fn p4_no_starvation_under_a_stream_of_higher_priority() {
    let mut e = p4_engine(1, 2); // 2 points per minute
    let mut now = 0;
    let mut a = Arrival::new(ContactId(1), QueueId(0));
    a.priority = 0;
    let low = ContactId(1);
    // Occupy the agent first.
    let mut first = Arrival::new(ContactId(0), QueueId(0));
    first.priority = 5;
    for ev in e.handle(now, Command::Arrive(first)).unwrap() {
        if let Event::Offered { contact, agent, .. } = ev {
            e.handle(now, Command::Accept { contact, agent }).unwrap();
        }
    }
    e.handle(now, Command::Arrive(a)).unwrap();
    let mut next = 2;
    let mut offered_at = None;
    // Every 10 s a priority-5 contact arrives; every 30 s the agent finishes one.
    while now < 3_600_000 && offered_at.is_none() {
        now += 10_000;
        let mut h = Arrival::new(ContactId(next), QueueId(0));
        h.priority = 5;
        next += 1;
        let mut ev = e.handle(now, Command::Arrive(h)).unwrap();
        if now % 30_000 == 0 {
            let busy = e
                .contact_ids()
                .into_iter()
                .find(|c| matches!(e.contact(*c).unwrap().state, ContactState::Busy { .. }));
            if let Some(c) = busy {
                ev.extend(e.handle(now, Command::End { contact: c }).unwrap());
            }
        }
        for x in ev {
            if let Event::Offered { contact, agent, .. } = x {
                if contact == low {
                    offered_at = Some(now);
                }
                e.handle(now, Command::Accept { contact, agent }).unwrap();
            }
        }
    }
    // 5 points at 2/min: after 2.5 min it ties the newest arrivals, and wins ties as the
    // earlier arrival; the queue ahead of it drains at one per 30 s.
    let t = offered_at.expect("the low-priority contact was never offered");
    assert!(t <= 10 * 60_000, "offered only at {t} ms");
}
