//! Routing at 10k agents, 1k queues, 50 skills: decisions per second and the latency of one
//! decision, for the indexed router and for the naive one that scans every agent and queue.
//!
//! Steady state: agents are ~90% busy; each cycle one random busy contact ends (its agent
//! takes the best waiting contact, if any) and one contact arrives in a random queue (an idle
//! eligible agent takes it, if any). Offers are accepted at once. A decision is an offer.
//!
//! Outside `cargo bench` it is a smoke test that also judges every decision of both routers
//! by the eligibility rule restated here ([`Judge`]), not by the engine's own.

use criterion::Criterion;
use kefu_acd::*;
use std::collections::HashMap;
use std::time::Instant;

const AGENTS: u32 = 10_000;
const QUEUES: u32 = 1_000;
const SKILLS: u16 = 50;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The eligibility rule for this world, restated from its definition (ARCHITECTURE.md,
/// Behaviour): every agent is logged in and available with room for one voice contact, and
/// there is no wrap-up, preference or rejection, so an agent may take a waiting contact when it
/// holds no contact and has every skill the contact's queue requires at that level or above.
struct Judge {
    /// Per queue, its requirements.
    reqs: Vec<Vec<Requirement>>,
    /// Per agent, its skills.
    skills: Vec<Vec<(SkillId, u8)>>,
    /// Per agent, the contact it holds (ringing or answered).
    holds: Vec<Option<ContactId>>,
    /// Waiting contacts and their queues.
    waiting: HashMap<ContactId, QueueId>,
    decisions: u64,
}

impl Judge {
    fn may_take(&self, a: AgentId, q: QueueId) -> bool {
        let skills = &self.skills[a.0 as usize];
        self.holds[a.0 as usize].is_none()
            && self.reqs[q.0 as usize]
                .iter()
                .all(|r| skills.iter().any(|&(s, l)| s == r.skill && l >= r.level))
    }

    /// Follows a command's events; panics on an offer the rule does not allow.
    fn follow(&mut self, events: &[Event]) {
        for e in events {
            match *e {
                Event::Queued { contact, queue } => {
                    self.waiting.insert(contact, queue);
                }
                Event::Offered { contact, agent, .. } => {
                    let q = self
                        .waiting
                        .remove(&contact)
                        .expect("offered while waiting");
                    assert!(
                        self.may_take(agent, q),
                        "{contact:?} of {q:?} offered to {agent:?}, which the rule does not allow"
                    );
                    self.holds[agent.0 as usize] = Some(contact);
                    self.decisions += 1;
                }
                Event::Ended { contact, agent } => {
                    assert_eq!(self.holds[agent.0 as usize], Some(contact));
                    self.holds[agent.0 as usize] = None;
                }
                _ => {}
            }
        }
    }

    /// After a command: the contact that arrived, if it waits, has no agent the rule lets
    /// take it, and the agent that was freed, if still free, has no waiting contact it may
    /// take (they are the only options the command opened).
    fn settled(&self, arrived: Option<ContactId>, freed: Option<AgentId>) {
        if let Some(q) = arrived.and_then(|c| self.waiting.get(&c)) {
            let n = self.skills.len() as u32;
            let idle = (0..n).map(AgentId).find(|&a| self.may_take(a, *q));
            assert!(
                idle.is_none(),
                "{arrived:?} waits in {q:?} while {idle:?} is free for it"
            );
        }
        if let Some(a) = freed {
            let c = self.waiting.iter().find(|(_, q)| self.may_take(a, **q));
            assert!(c.is_none(), "{a:?} stays free while {c:?} waits for it");
        }
    }
}

struct World {
    e: Engine,
    rng: Rng,
    busy: Vec<ContactId>,
    next: u64,
    now: Time,
    out: Vec<Event>,
    judge: Option<Judge>,
}

/// The world; with `judge`, every decision is checked against [`Judge`] (slow: smoke test).
fn world(naive: bool, mixed: bool, judge: bool) -> World {
    let mut e = Engine::new(EngineConfig {
        naive,
        ..EngineConfig::default()
    });
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut j = Judge {
        reqs: Vec::new(),
        skills: Vec::new(),
        holds: vec![None; AGENTS as usize],
        waiting: HashMap::new(),
        decisions: 0,
    };
    for q in 0..QUEUES {
        let n = if rng.below(10) < 7 { 1 } else { 2 };
        let mut reqs: Vec<Requirement> = Vec::new();
        while reqs.len() < n {
            let s = SkillId(rng.below(u64::from(SKILLS)) as u16);
            if !reqs.iter().any(|r| r.skill == s) {
                reqs.push(Requirement::new(s, 1 + rng.below(2) as u8));
            }
        }
        let strategy = if mixed {
            [
                Strategy::LongestIdle,
                Strategy::LeastOccupied,
                Strategy::RoundRobin,
                Strategy::SkillsWeighted,
            ][(q % 4) as usize]
        } else {
            Strategy::LongestIdle
        };
        j.reqs.push(reqs.clone());
        let cfg = QueueConfig {
            requirements: reqs,
            strategy,
            ..QueueConfig::default()
        };
        e.handle(
            0,
            Command::UpsertQueue {
                id: QueueId(q),
                config: cfg,
            },
        )
        .unwrap();
    }
    for a in 0..AGENTS {
        let mut skills: Vec<(SkillId, u8)> = Vec::new();
        while skills.len() < 3 {
            let s = SkillId(rng.below(u64::from(SKILLS)) as u16);
            if !skills.iter().any(|x| x.0 == s) {
                skills.push((s, 1 + rng.below(5) as u8));
            }
        }
        j.skills.push(skills.clone());
        e.handle(
            0,
            Command::UpsertAgent {
                id: AgentId(a),
                config: AgentConfig::voice(&skills),
            },
        )
        .unwrap();
        e.handle(0, Command::Login { agent: AgentId(a) }).unwrap();
    }
    let mut w = World {
        e,
        rng,
        busy: Vec::new(),
        next: 0,
        now: 1,
        out: Vec::new(),
        judge: judge.then_some(j),
    };
    // Fill to ~90% busy.
    let mut tries = 0;
    while w.busy.len() < (AGENTS as usize * 9) / 10 && tries < 200_000 {
        tries += 1;
        arrive(&mut w);
    }
    w
}

fn accept_offers(w: &mut World) -> u32 {
    if let Some(j) = w.judge.as_mut() {
        j.follow(&w.out);
    }
    let mut n = 0;
    let offers: Vec<(ContactId, AgentId)> = w
        .out
        .iter()
        .filter_map(|e| match e {
            Event::Offered { contact, agent, .. } => Some((*contact, *agent)),
            _ => None,
        })
        .collect();
    for (contact, agent) in offers {
        n += 1;
        w.e.handle_into(w.now, Command::Accept { contact, agent }, &mut w.out)
            .unwrap();
        w.busy.push(contact);
    }
    n
}

/// One arrival; returns (decisions, ns of the routing command). The queue is drawn at random,
/// drawn again (up to 8 times) if it already has 3 waiting, so backlogs stay bounded and the
/// world stays in the same steady state however long the run.
fn arrive(w: &mut World) -> (u32, u64) {
    w.next += 1;
    let mut q = QueueId(w.rng.below(u64::from(QUEUES)) as u32);
    for _ in 0..8 {
        if w.e.waiting_len(q) < 3 {
            break;
        }
        q = QueueId(w.rng.below(u64::from(QUEUES)) as u32);
    }
    w.out.clear();
    let t = Instant::now();
    w.e.handle_into(
        w.now,
        Command::Arrive(Arrival::new(ContactId(w.next), q)),
        &mut w.out,
    )
    .unwrap();
    let ns = t.elapsed().as_nanos() as u64;
    let d = accept_offers(w);
    if let Some(j) = &w.judge {
        j.settled(Some(ContactId(w.next)), None);
    }
    (d, ns)
}

/// One contact ends; returns (decisions, ns of the routing command).
fn end_one(w: &mut World) -> (u32, u64) {
    if w.busy.is_empty() {
        return (0, 0);
    }
    let i = w.rng.below(w.busy.len() as u64) as usize;
    let c = w.busy.swap_remove(i);
    w.out.clear();
    let t = Instant::now();
    w.e.handle_into(w.now, Command::End { contact: c }, &mut w.out)
        .unwrap();
    let ns = t.elapsed().as_nanos() as u64;
    let d = accept_offers(w);
    if let Some(j) = &w.judge {
        let freed = w.out.iter().find_map(|e| match *e {
            Event::Ended { agent, .. } => Some(agent),
            _ => None,
        });
        j.settled(None, freed);
    }
    (d, ns)
}

fn cycle(w: &mut World) {
    w.now += 10;
    end_one(w);
    arrive(w);
}

/// CPU time this thread has run, in seconds (Linux); wall-clock figures on a shared machine
/// swing with the load, CPU time much less.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// Measures decisions per second and per-decision latency over `cycles` cycles.
fn measure(name: &str, w: &mut World, cycles: u32) -> f64 {
    let mut lat: Vec<u64> = Vec::with_capacity(2 * cycles as usize);
    let d0 = w.e.decisions();
    let mut routing_ns = 0u64;
    let cpu0 = cpu_secs();
    let t = Instant::now();
    for _ in 0..cycles {
        w.now += 10;
        let (d, ns) = end_one(w);
        if d > 0 {
            lat.push(ns / u64::from(d));
            routing_ns += ns;
        }
        let (d, ns) = arrive(w);
        if d > 0 {
            lat.push(ns / u64::from(d));
            routing_ns += ns;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs().zip(cpu0).map(|(b, a)| b - a);
    let decisions = w.e.decisions() - d0;
    lat.sort_unstable();
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0)
    };
    let rate = decisions as f64 / secs;
    let routing_secs = routing_ns as f64 / 1e9;
    let deciding: u64 = lat.len() as u64;
    let waiting: usize = (0..QUEUES)
        .map(|q| w.e.snapshot(QueueId(q)).unwrap().waiting)
        .sum();
    println!(
        "routing {name}: {} busy, {waiting} waiting; {decisions} decisions in {secs:.3} s = {rate:.0} decisions/s (with the end/accept commands around them); \
         latency of a deciding command p50 {} ns, p99 {} ns, max {} ns",
        w.busy.len(),
        p(0.5),
        p(0.99),
        lat.last().copied().unwrap_or(0),
    );
    println!(
        "routing {name}: routing alone (the deciding commands, {deciding} of them): {:.0} decisions/s; per CPU second, whole cycle: {}",
        decisions as f64 / routing_secs,
        cpu.map_or("-".to_string(), |c| format!(
            "{:.0} decisions/s",
            decisions as f64 / c
        )),
    );
    rate
}

fn main() {
    // `cargo bench` passes --bench; without it (cargo test --benches) run a smoke test only.
    if !std::env::args().any(|a| a == "--bench") {
        // Both routers, every decision judged by the rule restated here.
        for naive in [false, true] {
            let mut w = world(naive, true, true);
            for _ in 0..1_000 {
                cycle(&mut w);
            }
            assert!(w.e.decisions() > 1_000);
            assert_eq!(w.judge.as_ref().unwrap().decisions, w.e.decisions());
        }
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let cycles = if quick { 50_000 } else { 1_000_000 };
    // The ratio: both routers from the same start for the same cycles (the naive one is slow).
    let short = cycles / 50;
    let r_idx = measure(
        "indexed, longest_idle (short)",
        &mut world(false, false, false),
        short,
    );
    let mut naive = world(true, false, false);
    let r_naive = measure("naive scan, longest_idle (short)", &mut naive, short);
    println!("routing: indexed / naive = {:.0}x", r_idx / r_naive);
    let mut idx = world(false, false, false);
    measure("indexed, longest_idle", &mut idx, cycles);
    let mut mixed = world(false, true, false);
    measure("indexed, mixed strategies", &mut mixed, cycles);

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("routing_cycle_indexed_10k_agents", |b| {
        b.iter(|| cycle(&mut idx))
    });
    c.bench_function("routing_cycle_indexed_mixed_10k_agents", |b| {
        b.iter(|| cycle(&mut mixed))
    });
    c.bench_function("routing_cycle_naive_10k_agents", |b| {
        b.iter(|| cycle(&mut naive))
    });
    c.final_summary();
}
