//! The contact-center simulator: a discrete-event simulation that drives the routing engine
//! with a simulated clock and a seeded RNG. Same scenario, same seed: same result.
//!
//! Time 0 is 00:00 local time of the first day (the scenario's `time_zone` names that local
//! time; the simulator needs no calendar). Arrivals are Poisson (constant or piecewise-constant
//! per interval), or replayed from records of real contacts.

mod scenario;

pub use scenario::*;

use crate::{
    AgentConfig, AgentId, Arrival, Command, ContactId, Engine, EngineConfig, Event, QueueId,
    SkillId, Time,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Exp1, StandardNormal};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// A contact of a replay file (JSON Lines). Only `queue` and `offered_at_s` are required;
/// a line of `kefu sim --log` output is a valid replay line.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReplayContact {
    pub queue: String,
    pub offered_at_s: f64,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub vip: bool,
    /// Handle time; else `ended_at_s − answered_at_s`; else drawn from the scenario.
    pub handle_s: Option<f64>,
    /// Patience; else `abandoned_at_s − offered_at_s` for a contact that abandoned, none for
    /// one that was answered (it waited as long as it had to); else drawn from the scenario.
    pub patience_s: Option<f64>,
    pub answered_at_s: Option<f64>,
    pub abandoned_at_s: Option<f64>,
    pub ended_at_s: Option<f64>,
}

/// One line of the contact log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogRecord {
    pub id: u64,
    pub queue: String,
    pub priority: i32,
    pub offered_at_s: f64,
    pub answered_at_s: Option<f64>,
    pub abandoned_at_s: Option<f64>,
    pub ended_at_s: Option<f64>,
    pub agent: Option<String>,
}

/// Figures over a set of contacts (the whole run, a queue, or one interval of one queue).
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct Figures {
    /// Arrivals, less short abandons when the scenario sets `short_abandon_s`.
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    /// Left by a queue exit without overflow (max wait, full, closed): voicemail, callback…
    pub exited: u64,
    /// Still waiting when the simulation ended (nobody left to serve them).
    pub unresolved: u64,
    pub answered_within_threshold: u64,
    /// Answered within T / offered.
    pub service_level: Option<f64>,
    /// Average queue time of answered contacts.
    pub asa_s: Option<f64>,
    /// Average queue time over all offered contacts.
    pub average_queue_time_s: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub aht_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<f64>,
    #[serde(skip)]
    wait_answered_ms: u128,
    #[serde(skip)]
    wait_all_ms: u128,
    #[serde(skip)]
    handle_ms: u128,
}

impl Figures {
    fn finish(&mut self) {
        let off = self.offered as f64;
        let ans = self.answered as f64;
        self.service_level =
            (self.offered > 0).then(|| self.answered_within_threshold as f64 / off);
        self.asa_s = (self.answered > 0).then(|| self.wait_answered_ms as f64 / 1000.0 / ans);
        self.average_queue_time_s =
            (self.offered > 0).then(|| self.wait_all_ms as f64 / 1000.0 / off);
        self.abandon_rate = (self.offered > 0).then(|| self.abandoned as f64 / off);
        self.aht_s = (self.answered > 0).then(|| self.handle_ms as f64 / 1000.0 / ans);
    }
}

/// One queue's figures in one interval (by arrival time).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntervalFigures {
    pub queue: String,
    pub day: u32,
    pub interval: u32,
    /// Start of the interval as HH:MM local time.
    pub start: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueFigures {
    pub queue: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The simulator's report (what `kefu sim --json` prints).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub seed: u64,
    pub days: u32,
    pub contacts: u64,
    pub totals: Figures,
    pub queues: Vec<QueueFigures>,
    pub intervals: Vec<IntervalFigures>,
}

/// How to run a scenario.
#[derive(Default)]
pub struct Options<'a> {
    pub seed: u64,
    /// Keep the per-contact log.
    pub log: bool,
    /// Replay these contacts instead of generating arrivals.
    pub replay: Option<Vec<ReplayContact>>,
    /// Called now and then with the fraction of simulated time done.
    pub progress: Option<&'a mut dyn FnMut(f64)>,
    /// Leave out the per-interval figures (faster for long replications).
    pub no_intervals: bool,
}

/// The result of a run.
pub struct Outcome {
    pub report: Report,
    pub log: Vec<LogRecord>,
    /// Engine routing decisions made.
    pub decisions: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("scenario: {0}")]
    Scenario(String),
    #[error("engine: {0}")]
    Engine(#[from] crate::Error),
}

const NONE: Time = Time::MAX;

#[derive(Clone)]
struct Rec {
    queue: u32,
    priority: i32,
    offered_at: Time,
    answered_at: Time,
    abandoned_at: Time,
    ended_at: Time,
    exited_at: Time,
    agent: u32,
    handle: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Login(u32),
    Logout(u32),
    Arrival(u32),
    Replay(u32),
    Abandon(u32),
    End(u32),
}

struct Stream {
    queue: u32,
    priority: i32,
    vip_share: f64,
    /// Rate per ms for each interval of a day (constant: one entry).
    rates: Vec<f64>,
    interval_ms: f64,
    t: f64,
    handle: Option<Dist>,
}

impl Stream {
    /// Next arrival after `self.t` (ms), or None past the horizon.
    fn next(&mut self, rng: &mut ChaCha8Rng, horizon: f64) -> Option<f64> {
        let mut e: f64 = rng.sample(Exp1);
        let mut t = self.t;
        loop {
            if t >= horizon {
                return None;
            }
            let (rate, end) = if self.rates.len() == 1 {
                (self.rates[0], horizon)
            } else {
                let i = (t / self.interval_ms).floor();
                let idx = (i as usize) % self.rates.len();
                (self.rates[idx], ((i + 1.0) * self.interval_ms).min(horizon))
            };
            if rate > 0.0 && e <= rate * (end - t) {
                t += e / rate;
                self.t = t;
                return Some(t);
            }
            e -= rate * (end - t);
            t = end;
        }
    }
}

fn draw(d: &Dist, rng: &mut ChaCha8Rng) -> f64 {
    let ms = match *d {
        Dist::Exponential { mean_s } => mean_s * 1000.0 * rng.sample::<f64, _>(Exp1),
        Dist::Lognormal { mean_s, sd_s } => {
            let s2 = (1.0 + (sd_s / mean_s).powi(2)).ln();
            let mu = mean_s.ln() - s2 / 2.0;
            (mu + s2.sqrt() * rng.sample::<f64, _>(StandardNormal)).exp() * 1000.0
        }
        Dist::Fixed { mean_s } => mean_s * 1000.0,
    };
    ms.max(0.0)
}

/// Runs a scenario.
pub fn simulate(sc: &Scenario, mut opts: Options<'_>) -> Result<Outcome, SimError> {
    let built = sc.build()?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let day_ms = 86_400_000.0;
    let horizon = f64::from(sc.days) * day_ms;
    let interval_ms = f64::from(sc.interval_minutes) * 60_000.0;

    let mut engine = Engine::new(EngineConfig::default());
    for (i, q) in built.queues.iter().enumerate() {
        engine.handle(
            0,
            Command::UpsertQueue {
                id: QueueId(i as u32),
                config: q.clone(),
            },
        )?;
    }
    let mut agent_names = Vec::new();
    let mut heap: BinaryHeap<Reverse<(Time, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<(Time, u64, Ev)>>, t: Time, ev: Ev| {
        seq += 1;
        heap.push(Reverse((t, seq, ev)));
    };
    let mut staffed_ms: f64 = 0.0;
    for group in &sc.agents {
        let skills: Vec<(SkillId, u8)> = group
            .skills
            .iter()
            .map(|(name, &l)| (built.skill(name), l))
            .collect();
        let mut cfg = AgentConfig::new(&skills);
        cfg.capacity = group.capacity.as_ref().map_or([1, 0, 0, 0], |c| c.array());
        let (start, end) = parse_shift(&group.shift).map_err(SimError::Scenario)?;
        for k in 1..=group.count {
            let id = agent_names.len() as u32;
            agent_names.push(format!("{}-{}", group.name, k));
            engine.handle(
                0,
                Command::UpsertAgent {
                    id: AgentId(id),
                    config: cfg.clone(),
                },
            )?;
            if start == 0 && end >= 1440 {
                push(&mut heap, 0, Ev::Login(id));
                staffed_ms += horizon;
            } else {
                for d in 0..sc.days {
                    let base = u64::from(d) * 86_400_000;
                    let s = base + u64::from(start) * 60_000;
                    let e = base + u64::from(if end > start { end } else { end + 1440 }) * 60_000;
                    push(&mut heap, s, Ev::Login(id));
                    push(&mut heap, e, Ev::Logout(id));
                    staffed_ms += (e - s) as f64;
                }
            }
        }
    }

    let mut recs: Vec<Rec> = Vec::new();
    let mut handles: Vec<Option<f64>> = Vec::new();
    let mut patiences: Vec<Option<f64>> = Vec::new();
    let mut streams: Vec<Stream> = Vec::new();
    let replay = opts.replay.take();
    if let Some(rep) = &replay {
        for (i, r) in rep.iter().enumerate() {
            let t = (r.offered_at_s * 1000.0).max(0.0).round() as Time;
            push(&mut heap, t, Ev::Replay(i as u32));
        }
    } else {
        for a in &sc.arrivals {
            let queue = built.queue(&a.queue)?;
            let rates = match (&a.rate_per_hour, &a.per_interval) {
                (Some(r), None) => vec![r / 3_600_000.0],
                (None, Some(v)) => {
                    if v.len() as u32 * sc.interval_minutes != 1440 {
                        return Err(SimError::Scenario(format!(
                            "per_interval of {} has {} rates; a day has {} intervals",
                            a.queue,
                            v.len(),
                            1440 / sc.interval_minutes
                        )));
                    }
                    v.iter().map(|r| r / interval_ms).collect()
                }
                _ => {
                    return Err(SimError::Scenario(format!(
                        "arrivals of {}: give rate_per_hour or per_interval",
                        a.queue
                    )));
                }
            };
            streams.push(Stream {
                queue,
                priority: a.priority,
                vip_share: a.vip_share,
                rates,
                interval_ms,
                t: 0.0,
                handle: a.handle_time.clone(),
            });
        }
        for (i, s) in streams.iter_mut().enumerate() {
            if let Some(t) = s.next(&mut rng, horizon) {
                push(&mut heap, t as Time, Ev::Arrival(i as u32));
            }
        }
    }

    let mut out: Vec<Event> = Vec::with_capacity(64);
    let mut offers: Vec<(ContactId, AgentId)> = Vec::new();
    let mut steps = 0u64;
    let wrap: Vec<Time> = built.queues.iter().map(|q| q.wrap_up_ms).collect();
    loop {
        let next_sim = heap.peek().map(|r| r.0.0);
        let next_eng = engine.next_deadline();
        let (t, ev) = match (next_sim, next_eng) {
            (None, None) => break,
            (Some(s), Some(e)) if e <= s => (e, None),
            (None, Some(e)) => (e, None),
            _ => {
                let Reverse((t, _, ev)) = heap.pop().unwrap();
                (t, Some(ev))
            }
        };
        steps += 1;
        if steps & 0xFFFF == 0
            && let Some(p) = opts.progress.as_mut()
        {
            p((t as f64 / horizon).min(1.0));
        }
        out.clear();
        // A new contact: its patience runs only if it has to wait (scheduled below).
        let mut arrived: Option<u32> = None;
        let cmd = match ev {
            None => Command::Tick,
            Some(Ev::Login(a)) => Command::Login { agent: AgentId(a) },
            Some(Ev::Logout(a)) => Command::Logout { agent: AgentId(a) },
            Some(Ev::Arrival(si)) => {
                let s = &mut streams[si as usize];
                let id = recs.len() as u64;
                let vip = s.vip_share > 0.0 && rng.random::<f64>() < s.vip_share;
                let (queue, priority) = (s.queue, s.priority);
                let hd = s.handle.clone();
                recs.push(Rec::new(queue, priority, t));
                handles.push(Some(draw(hd.as_ref().unwrap_or(&sc.handle_time), &mut rng)));
                patiences.push(sc.patience.as_ref().map(|p| draw(p, &mut rng)));
                if let Some(next) = streams[si as usize].next(&mut rng, horizon) {
                    push(&mut heap, next as Time, Ev::Arrival(si));
                }
                arrived = Some(id as u32);
                let mut a = Arrival::new(ContactId(id), QueueId(queue));
                a.priority = priority;
                a.vip = vip;
                Command::Arrive(a)
            }
            Some(Ev::Replay(i)) => {
                let r = &replay.as_ref().unwrap()[i as usize];
                let queue = built.queue(&r.queue)?;
                let id = recs.len() as u64;
                recs.push(Rec::new(queue, r.priority, t));
                let handle = r
                    .handle_s
                    .or(match (r.answered_at_s, r.ended_at_s) {
                        (Some(a), Some(e)) => Some(e - a),
                        _ => None,
                    })
                    .map(|h| h * 1000.0)
                    .unwrap_or_else(|| draw(&sc.handle_time, &mut rng));
                handles.push(Some(handle));
                let patience = match (r.patience_s, r.abandoned_at_s, r.answered_at_s) {
                    (Some(p), _, _) => Some(p * 1000.0),
                    (None, Some(ab), _) => Some((ab - r.offered_at_s) * 1000.0),
                    (None, None, Some(_)) => None,
                    _ => sc.patience.as_ref().map(|p| draw(p, &mut rng)),
                };
                patiences.push(patience);
                arrived = Some(id as u32);
                let mut a = Arrival::new(ContactId(id), QueueId(queue));
                a.priority = r.priority;
                a.vip = r.vip;
                Command::Arrive(a)
            }
            Some(Ev::Abandon(c)) => {
                let r = &recs[c as usize];
                if r.answered_at != NONE || r.abandoned_at != NONE || r.exited_at != NONE {
                    continue;
                }
                Command::Abandon {
                    contact: ContactId(u64::from(c)),
                }
            }
            Some(Ev::End(c)) => Command::End {
                contact: ContactId(u64::from(c)),
            },
        };
        engine.handle_into(t, cmd, &mut out)?;
        // Simulated agents answer at once.
        loop {
            offers.clear();
            for e in &out {
                match *e {
                    Event::Offered { contact, agent, .. } => offers.push((contact, agent)),
                    Event::Answered { contact, agent, .. } => {
                        let c = contact.0 as usize;
                        recs[c].answered_at = t;
                        recs[c].agent = agent.0;
                        let h = handles[c].take().unwrap_or(0.0).round() as Time;
                        recs[c].handle = h;
                        push(&mut heap, t + h, Ev::End(contact.0 as u32));
                    }
                    Event::Abandoned { contact, .. } => recs[contact.0 as usize].abandoned_at = t,
                    Event::Ended { contact, .. } => recs[contact.0 as usize].ended_at = t,
                    Event::Exited {
                        contact, action, ..
                    } if !matches!(action, crate::ExitAction::Overflow(_)) => {
                        recs[contact.0 as usize].exited_at = engine.now();
                    }
                    Event::Overflowed { contact, to, .. } => recs[contact.0 as usize].queue = to.0,
                    _ => {}
                }
            }
            if offers.is_empty() {
                break;
            }
            out.clear();
            for &(contact, agent) in &offers {
                engine.handle_into(t, Command::Accept { contact, agent }, &mut out)?;
            }
        }
        if let Some(c) = arrived {
            let r = &recs[c as usize];
            let waiting = r.answered_at == NONE && r.abandoned_at == NONE && r.exited_at == NONE;
            if let (true, Some(p)) = (waiting, patiences[c as usize]) {
                push(&mut heap, t + p.max(0.0).round() as Time, Ev::Abandon(c));
            }
        }
    }
    if let Some(p) = opts.progress.as_mut() {
        p(1.0);
    }

    // Figures.
    let nq = built.queues.len();
    let per_day = (1440 / sc.interval_minutes) as usize;
    let warmup = Time::from(sc.warmup_minutes) * 60_000;
    let short = sc.short_abandon_s.map(|s| (s * 1000.0).round() as Time);
    let mut totals = Figures::default();
    let mut queues = vec![Figures::default(); nq];
    let mut intervals: HashMap<(u32, u32, u32), Figures> = HashMap::new();
    for r in &recs {
        if r.offered_at < warmup {
            continue;
        }
        let q = r.queue as usize;
        let threshold = built.queues[q].sl_threshold_ms;
        let day = (r.offered_at / 86_400_000) as u32;
        let iv = ((r.offered_at % 86_400_000) / (u64::from(sc.interval_minutes) * 60_000)) as u32;
        let add = |f: &mut Figures| {
            if r.abandoned_at != NONE && short.is_some_and(|s| r.abandoned_at - r.offered_at < s) {
                f.short_abandoned += 1;
                return;
            }
            f.offered += 1;
            if r.answered_at != NONE {
                let w = r.answered_at - r.offered_at;
                f.answered += 1;
                f.wait_answered_ms += u128::from(w);
                f.wait_all_ms += u128::from(w);
                f.handle_ms += u128::from(r.handle);
                if w <= threshold {
                    f.answered_within_threshold += 1;
                }
            } else if r.abandoned_at != NONE {
                f.abandoned += 1;
                f.wait_all_ms += u128::from(r.abandoned_at - r.offered_at);
            } else if r.exited_at != NONE {
                f.exited += 1;
                f.wait_all_ms += u128::from(r.exited_at - r.offered_at);
            } else {
                f.unresolved += 1;
            }
        };
        add(&mut totals);
        add(&mut queues[q]);
        if !opts.no_intervals {
            add(intervals.entry((r.queue, day, iv)).or_default());
        }
    }
    let busy_ms: f64 = recs
        .iter()
        .filter(|r| r.ended_at != NONE)
        .map(|r| r.handle as f64 + wrap[r.queue as usize] as f64)
        .sum();
    totals.finish();
    totals.occupancy = (staffed_ms > 0.0).then(|| busy_ms / staffed_ms);
    let queue_names: Vec<String> = sc.queues.iter().map(|q| q.id.clone()).collect();
    let mut iv: Vec<_> = intervals.into_iter().collect();
    iv.sort_by_key(|e| e.0);
    let _ = per_day;
    let report = Report {
        seed: opts.seed,
        days: sc.days,
        contacts: recs.len() as u64,
        totals,
        queues: queues
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                f.finish();
                QueueFigures {
                    queue: queue_names[i].clone(),
                    figures: f,
                }
            })
            .collect(),
        intervals: iv
            .into_iter()
            .map(|((q, day, i), mut f)| {
                f.finish();
                let m = i * sc.interval_minutes;
                IntervalFigures {
                    queue: queue_names[q as usize].clone(),
                    day: day + 1,
                    interval: i,
                    start: format!("{:02}:{:02}", m / 60, m % 60),
                    figures: f,
                }
            })
            .collect(),
    };
    let log = if opts.log {
        let s = |t: Time| (t != NONE).then(|| t as f64 / 1000.0);
        recs.iter()
            .enumerate()
            .map(|(i, r)| LogRecord {
                id: i as u64,
                queue: queue_names[r.queue as usize].clone(),
                priority: r.priority,
                offered_at_s: r.offered_at as f64 / 1000.0,
                answered_at_s: s(r.answered_at),
                abandoned_at_s: s(r.abandoned_at),
                ended_at_s: s(r.ended_at),
                agent: (r.agent != u32::MAX).then(|| agent_names[r.agent as usize].clone()),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Outcome {
        report,
        log,
        decisions: engine.decisions(),
    })
}

impl Rec {
    fn new(queue: u32, priority: i32, t: Time) -> Self {
        Rec {
            queue,
            priority,
            offered_at: t,
            answered_at: NONE,
            abandoned_at: NONE,
            ended_at: NONE,
            exited_at: NONE,
            agent: u32::MAX,
            handle: 0,
        }
    }
}

/// "HH:MM-HH:MM" as minutes of the day (end may be 24:00, or before start for a night shift).
fn parse_shift(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("shift {s:?}: expected HH:MM-HH:MM");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let m = |x: &str| -> Result<u32, String> {
        let (h, mi) = x.trim().split_once(':').ok_or_else(bad)?;
        let h: u32 = h.parse().map_err(|_| bad())?;
        let mi: u32 = mi.parse().map_err(|_| bad())?;
        if h > 24 || mi > 59 || (h == 24 && mi > 0) {
            return Err(bad());
        }
        Ok(h * 60 + mi)
    };
    Ok((m(a)?, m(b)?))
}
