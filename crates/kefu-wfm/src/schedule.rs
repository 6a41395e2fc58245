//! Shift scheduling: choose how many of each shift to run on each day so that the
//! per-interval requirement is covered at least cost (or least weighted under-/over-staffing),
//! then hand the chosen shifts to named agents.
//!
//! Shift templates expand to concrete shift types (start × length × break placement); a
//! shift covers the intervals it spans except those of its breaks. The integer program
//! `min Σ cost·x + w_under·Σ under + w_over·Σ over` is solved by its LP relaxation (good_lp
//! with the pure-Rust microlp backend), a dive to an integral point (round up, re-optimise
//! from the current basis), greedy repair, drop and swap moves, then fix-and-optimise by day:
//! with the other days fixed, each day's columns are re-optimised by a small branch and
//! bound ([`POLISH_NODES`] nodes at most); optionally microlp's branch and bound over the
//! whole program polishes the plan to a given gap.
//! The LP value is a lower bound, so the reported gap bounds the distance to the optimum.
//!
//! **Queues and skills.** The requirement may be given per queue (or skill group): then a
//! column is (day, shift type, queue) and covers only that queue's requirement — an agent on
//! shift serves one queue at a time, so each queue's requirement is covered on its own,
//! never pooled. A template with `skill` serves only that queue. Assignment hands a
//! (shift, queue) to an agent whose `skills` include the queue (an agent with no skills
//! listed serves any queue); a multi-skill agent may take any of his queues, chosen per
//! shift. Each day is a maximum bipartite matching of shifts to eligible agents, so a
//! multi-skill agent is not spent on a queue others could have served. The supply of
//! skilled agents is not a constraint of the program: shifts nobody can take are reported
//! as unfilled.
//!
//! **Cyclic horizons.** With `cyclic: true` (the default when the horizon is whole weeks)
//! the horizon repeats: a shift running past its end (22:00–06:00 on the last day) covers
//! the first intervals of the horizon, and consecutive working days wrap around too.
//! Otherwise shifts may not run past the end of the horizon.

use crate::{Result, WfmError};
use good_lp::{
    Expression, ProblemVariables, Solution as _, SolverModel, Variable, WithInitialSolution,
    WithMipGap, microlp, variable,
};
use serde::Deserialize;

/// A break inside a shift, placed anywhere from `earliest_after_minutes` to
/// `latest_after_minutes` after the shift starts, in steps of `every_minutes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakRule {
    pub minutes: u32,
    #[serde(default)]
    pub paid: bool,
    pub earliest_after_minutes: u32,
    pub latest_after_minutes: u32,
    pub every_minutes: Option<u32>,
}

/// A family of shifts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTemplate {
    pub name: String,
    /// Explicit start times `HH:MM`.
    #[serde(default)]
    pub starts: Vec<String>,
    /// Or a range of starts `start_from..=start_to` every `start_every_minutes`.
    pub start_from: Option<String>,
    pub start_to: Option<String>,
    pub start_every_minutes: Option<u32>,
    pub lengths_minutes: Vec<u32>,
    #[serde(default)]
    pub breaks: Vec<BreakRule>,
    /// Cost of one shift; default: paid hours.
    pub cost: Option<f64>,
    /// Days (0-based within the horizon, modulo 7) on which it may run; default all.
    pub days: Option<Vec<usize>>,
    pub skill: Option<String>,
}

/// Objective weights. `under_weight: None` makes coverage a hard constraint.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub under_weight: Option<f64>,
    #[serde(default)]
    pub over_weight: f64,
    /// Weight of shift cost (0 for a pure |coverage − requirement| objective).
    #[serde(default = "one")]
    pub cost_weight: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            under_weight: None,
            over_weight: 0.0,
            cost_weight: 1.0,
        }
    }
}

/// Rules for assigning shifts to agents.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default = "five")]
    pub max_consecutive_days: usize,
    #[serde(default = "two")]
    pub days_off_per_week: usize,
}

fn five() -> usize {
    5
}
fn two() -> usize {
    2
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            max_consecutive_days: 5,
            days_off_per_week: 2,
        }
    }
}

/// A named agent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub name: String,
    /// Days (0-based, modulo 7) the agent never works.
    #[serde(default)]
    pub days_off: Vec<usize>,
    /// Days (0-based within the horizon) the agent is unavailable (leave).
    #[serde(default)]
    pub unavailable: Vec<usize>,
    pub earliest_start: Option<String>,
    pub latest_end: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
}

/// The SHIFTS.yaml document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    #[serde(default = "fifteen")]
    pub interval_minutes: u32,
    pub shifts: Vec<ShiftTemplate>,
    #[serde(default)]
    pub objective: Objective,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub agents: Vec<Agent>,
    /// The horizon repeats (default: when it is whole weeks).
    pub cyclic: Option<bool>,
}

impl ScheduleSpec {
    /// Whether a horizon of `days` days is cyclic under this spec.
    pub fn is_cyclic(&self, days: usize) -> bool {
        self.cyclic.unwrap_or(days > 0 && days.is_multiple_of(7))
    }
}

fn fifteen() -> u32 {
    15
}

/// A concrete shift type.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShiftType {
    pub name: String,
    pub template: String,
    pub start_min: u32,
    pub length_min: u32,
    /// (offset from start, minutes, paid).
    pub breaks: Vec<(u32, u32, bool)>,
    pub cost: f64,
    /// Allowed days modulo 7.
    pub days: Vec<usize>,
    pub skill: Option<String>,
}

/// Parses `HH:MM` into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Result<u32> {
    let bad = || WfmError::Data(format!("bad time {s:?}: expected HH:MM"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 47 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn fmt_hhmm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Largest number of shift types a spec may expand to.
pub const MAX_SHIFT_TYPES: usize = 200_000;

impl ScheduleSpec {
    /// Expands the templates into concrete shift types.
    pub fn shift_types(&self) -> Result<Vec<ShiftType>> {
        let iv = self.interval_minutes;
        if iv == 0 || 1440 % iv != 0 {
            return Err(WfmError::Data(format!(
                "interval_minutes {iv} must divide a day"
            )));
        }
        let mut out = Vec::new();
        for t in &self.shifts {
            let mut starts: Vec<u32> = t
                .starts
                .iter()
                .map(|s| parse_hhmm(s))
                .collect::<Result<_>>()?;
            match (&t.start_from, &t.start_to) {
                (Some(a), Some(b)) => {
                    let (a, b) = (parse_hhmm(a)?, parse_hhmm(b)?);
                    let step = t.start_every_minutes.unwrap_or(iv);
                    if step == 0 || a > b {
                        return Err(WfmError::Data(format!("shift {}: bad start range", t.name)));
                    }
                    starts.extend((a..=b).step_by(step as usize));
                }
                (None, None) => {}
                _ => {
                    return Err(WfmError::Data(format!(
                        "shift {}: give both start_from and start_to",
                        t.name
                    )));
                }
            }
            if starts.is_empty() || t.lengths_minutes.is_empty() {
                return Err(WfmError::Data(format!(
                    "shift {}: needs starts and lengths_minutes",
                    t.name
                )));
            }
            for &s in &starts {
                if s % iv != 0 || s >= 1440 {
                    return Err(WfmError::Data(format!(
                        "shift {}: start {} is not on an interval boundary of the day",
                        t.name,
                        fmt_hhmm(s)
                    )));
                }
            }
            let days = t.days.clone().unwrap_or_else(|| (0..7).collect());
            for &len in &t.lengths_minutes {
                if len == 0 || len % iv != 0 {
                    return Err(WfmError::Data(format!(
                        "shift {}: length {len} is not a positive multiple of {iv} minutes",
                        t.name
                    )));
                }
                for placement in break_placements(t, len, iv)? {
                    let unpaid: u32 = placement.iter().filter(|b| !b.2).map(|b| b.1).sum();
                    let cost = t
                        .cost
                        .unwrap_or(f64::from(len.saturating_sub(unpaid)) / 60.0);
                    if !cost.is_finite() || cost < 0.0 {
                        return Err(WfmError::Data(format!("shift {}: bad cost", t.name)));
                    }
                    for &s in &starts {
                        let mut name = format!("{} {}+{}", t.name, fmt_hhmm(s), len);
                        for b in &placement {
                            name.push_str(&format!(" b{}", fmt_hhmm(s + b.0)));
                        }
                        out.push(ShiftType {
                            name,
                            template: t.name.clone(),
                            start_min: s,
                            length_min: len,
                            breaks: placement.clone(),
                            cost,
                            days: days.clone(),
                            skill: t.skill.clone(),
                        });
                        if out.len() > MAX_SHIFT_TYPES {
                            return Err(WfmError::Data(format!(
                                "more than {MAX_SHIFT_TYPES} shift types: narrow the templates"
                            )));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Every non-overlapping, ordered placement of a template's breaks in a shift of `len`.
fn break_placements(t: &ShiftTemplate, len: u32, iv: u32) -> Result<Vec<Vec<(u32, u32, bool)>>> {
    let mut acc: Vec<Vec<(u32, u32, bool)>> = vec![Vec::new()];
    for b in &t.breaks {
        let step = b.every_minutes.unwrap_or(iv);
        if b.minutes == 0
            || b.minutes % iv != 0
            || step == 0
            || b.earliest_after_minutes % iv != 0
            || step % iv != 0
            || b.earliest_after_minutes > b.latest_after_minutes
        {
            return Err(WfmError::Data(format!(
                "shift {}: breaks must be whole intervals with earliest ≤ latest",
                t.name
            )));
        }
        let mut next = Vec::new();
        for p in &acc {
            let after = p.last().map(|l| l.0 + l.1).unwrap_or(0);
            for off in (b.earliest_after_minutes..=b.latest_after_minutes).step_by(step as usize) {
                if off >= after && off + b.minutes <= len {
                    let mut q = p.clone();
                    q.push((off, b.minutes, b.paid));
                    next.push(q);
                }
            }
        }
        acc = next;
        if acc.len() > MAX_SHIFT_TYPES {
            return Err(WfmError::Data(format!(
                "shift {}: too many break placements",
                t.name
            )));
        }
    }
    if acc.is_empty() {
        return Err(WfmError::Data(format!(
            "shift {}: its breaks do not fit in {len} minutes",
            t.name
        )));
    }
    Ok(acc)
}

/// The requirement: agents needed per interval (and queue) over `days` days.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Requirement {
    pub interval_min: u32,
    pub days: usize,
    /// Queue or skill-group names; empty: one pooled requirement.
    pub queues: Vec<String>,
    /// `max(1, queues) × days × (1440 / interval_min)` values: queue-major, then day-major.
    pub required: Vec<u32>,
    /// The horizon repeats ([`ScheduleSpec::is_cyclic`]).
    pub cyclic: bool,
}

impl Requirement {
    /// One pooled requirement, not cyclic.
    pub fn pooled(interval_min: u32, days: usize, required: Vec<u32>) -> Requirement {
        Requirement {
            interval_min,
            days,
            queues: Vec::new(),
            required,
            cyclic: false,
        }
    }
    pub fn slots_per_day(&self) -> usize {
        (1440 / self.interval_min) as usize
    }
    /// Intervals in the horizon (per queue).
    pub fn horizon(&self) -> usize {
        self.days * self.slots_per_day()
    }
    /// Number of queues the requirement is split into (1 when pooled).
    pub fn queue_count(&self) -> usize {
        self.queues.len().max(1)
    }
}

/// A column of the program: one shift type on one day serving one queue.
#[derive(Debug, Clone)]
struct Column {
    day: usize,
    shift: usize,
    queue: usize,
    cost: f64,
    /// Rows covered (`queue × horizon + interval`), sorted.
    slots: Vec<usize>,
}

/// The chosen shifts and the resulting coverage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    /// (day, shift type index, queue index, count) with count > 0.
    pub shifts: Vec<(usize, usize, usize, u32)>,
    /// Scheduled agents per row of the requirement (queue-major, like `required`).
    pub coverage: Vec<i64>,
    pub objective: f64,
    pub cost: f64,
    pub under: i64,
    pub over: i64,
    /// LP relaxation value: no integer plan can do better.
    pub lower_bound: f64,
    /// `(objective − lower_bound) / lower_bound`.
    pub gap: f64,
    pub variables: usize,
}

/// How hard to work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOptions {
    /// Run microlp's branch and bound from the heuristic plan down to this relative gap.
    pub mip_gap: Option<f64>,
}

/// The queues a shift type may serve: its `skill`'s queue, or every queue.
fn shift_queues(req: &Requirement, s: &ShiftType) -> Vec<usize> {
    match &s.skill {
        Some(skill) if !req.queues.is_empty() => req
            .queues
            .iter()
            .position(|q| q == skill)
            .into_iter()
            .collect(),
        _ => (0..req.queue_count()).collect(),
    }
}

fn columns(req: &Requirement, types: &[ShiftType]) -> Vec<Column> {
    let spd = req.slots_per_day();
    let iv = req.interval_min;
    let horizon = req.horizon();
    let mut cols = Vec::new();
    for (i, s) in types.iter().enumerate() {
        let queues = shift_queues(req, s);
        for day in 0..req.days {
            if !s.days.contains(&(day % 7)) {
                continue;
            }
            let first = day * spd + (s.start_min / iv) as usize;
            let n = (s.length_min / iv) as usize;
            if !req.cyclic && first + n > horizon {
                continue; // would run past the end of a non-cyclic horizon
            }
            let mut slots: Vec<usize> = (0..n)
                .filter(|&k| {
                    let m = k as u32 * iv;
                    !s.breaks.iter().any(|b| m >= b.0 && m < b.0 + b.1)
                })
                .map(|k| (first + k) % horizon)
                .collect();
            slots.sort_unstable();
            slots.dedup();
            if slots.is_empty() {
                continue;
            }
            for &q in &queues {
                cols.push(Column {
                    day,
                    shift: i,
                    queue: q,
                    cost: s.cost,
                    slots: slots.iter().map(|t| q * horizon + t).collect(),
                });
            }
        }
    }
    cols
}

struct State<'a> {
    cols: &'a [Column],
    req: &'a [u32],
    obj: Objective,
    x: Vec<u32>,
    cov: Vec<i64>,
}

impl State<'_> {
    fn slot_penalty(&self, cov: i64, r: i64) -> f64 {
        if cov < r {
            match self.obj.under_weight {
                Some(w) => w * (r - cov) as f64,
                None => f64::INFINITY,
            }
        } else {
            self.obj.over_weight * (cov - r) as f64
        }
    }
    /// Change of the objective when column `j` changes by `d` (±1).
    fn delta(&self, j: usize, d: i64) -> f64 {
        let c = &self.cols[j];
        let mut v = self.obj.cost_weight * c.cost * d as f64;
        for &t in &c.slots {
            let r = i64::from(self.req[t]);
            v += self.slot_penalty(self.cov[t] + d, r) - self.slot_penalty(self.cov[t], r);
        }
        v
    }
    /// Change of the objective when one unit of `j` is replaced by one of `k`.
    fn swap_delta(&self, j: usize, k: usize) -> f64 {
        let (a, b) = (&self.cols[j], &self.cols[k]);
        let mut v = self.obj.cost_weight * (b.cost - a.cost);
        for &t in &a.slots {
            if b.slots.binary_search(&t).is_err() {
                let r = i64::from(self.req[t]);
                v += self.slot_penalty(self.cov[t] - 1, r) - self.slot_penalty(self.cov[t], r);
            }
        }
        for &t in &b.slots {
            if a.slots.binary_search(&t).is_err() {
                let r = i64::from(self.req[t]);
                v += self.slot_penalty(self.cov[t] + 1, r) - self.slot_penalty(self.cov[t], r);
            }
        }
        v
    }
    fn apply(&mut self, j: usize, d: i64) {
        self.x[j] = (i64::from(self.x[j]) + d) as u32;
        for &t in &self.cols[j].slots {
            self.cov[t] += d;
        }
    }
    fn objective(&self) -> f64 {
        let cost: f64 = self
            .x
            .iter()
            .zip(self.cols)
            .map(|(&x, c)| f64::from(x) * c.cost)
            .sum();
        let pen: f64 = self
            .cov
            .iter()
            .zip(self.req)
            .map(|(&c, &r)| self.slot_penalty(c, i64::from(r)))
            .sum();
        self.obj.cost_weight * cost + pen
    }
    /// Gain per unit cost of adding `j` while some slot is short (hard coverage repair).
    fn repair_score(&self, j: usize) -> f64 {
        let c = &self.cols[j];
        let short = c
            .slots
            .iter()
            .filter(|&&t| self.cov[t] < i64::from(self.req[t]))
            .count() as f64;
        if short == 0.0 {
            return f64::NEG_INFINITY;
        }
        let over = c.slots.len() as f64 - short;
        short / (self.obj.cost_weight * c.cost + self.obj.over_weight * over + 1e-9)
    }
}

/// Solves the covering program for `req` with `types`.
pub fn solve(
    req: &Requirement,
    types: &[ShiftType],
    obj: Objective,
    opts: SolveOptions,
) -> Result<Plan> {
    let spd = req.slots_per_day();
    if req.days == 0 || req.required.len() != req.queue_count() * req.days * spd {
        return Err(WfmError::Data(format!(
            "requirement has {} values, expected {} queue(s) × {} days × {spd}",
            req.required.len(),
            req.queue_count(),
            req.days
        )));
    }
    for w in [
        Some(obj.over_weight),
        obj.under_weight,
        Some(obj.cost_weight),
    ]
    .into_iter()
    .flatten()
    {
        if !w.is_finite() || w < 0.0 {
            return Err(WfmError::Data("objective weights must be ≥ 0".into()));
        }
    }
    let cols = columns(req, types);
    let horizon = req.required.len();
    // Hard coverage must be possible at all.
    if obj.under_weight.is_none() {
        let mut covered = vec![false; horizon];
        for c in &cols {
            for &t in &c.slots {
                covered[t] = true;
            }
        }
        if let Some(t) = (0..horizon).find(|&t| req.required[t] > 0 && !covered[t]) {
            let queue = match req.queues.get(t / req.horizon()) {
                Some(q) => format!(" of queue {q}"),
                None => String::new(),
            };
            let within = t % req.horizon();
            return Err(WfmError::Data(format!(
                "no shift covers day {} {}{queue} where {} agents are required",
                within / spd,
                fmt_hhmm((within % spd) as u32 * req.interval_min),
                req.required[t]
            )));
        }
    }

    // LP relaxation, then a dive: round the most fractional-up variable up, re-optimise
    // from the current basis, until the LP solution is integral.
    let dive = lp_dive(&cols, req, obj)?;
    let lower_bound = dive.lower_bound;
    // The dive's end point (integral unless the dive ran out of steps), rounded down and
    // repaired, improved by local moves. (Rounding the first LP at fixed thresholds did no
    // better once the days are re-optimised below, and cost more time than the dive.)
    let mut st = State {
        cols: &cols,
        req: &req.required,
        obj,
        x: vec![0; cols.len()],
        cov: vec![0; horizon],
    };
    for (j, v) in dive.last.iter().enumerate() {
        let k = (v + 1e-6).floor().max(0.0) as i64;
        if k > 0 {
            st.apply(j, k);
        }
    }
    // An integral point at the LP bound is optimal: nothing to improve.
    if st.objective() > lower_bound + 1e-6 {
        improve(&mut st);
        // Fix and optimise, one day at a time.
        for _ in 0..POLISH_PASSES {
            if !polish_days(&mut st, req.days, lower_bound)? {
                break;
            }
            improve(&mut st);
            if st.objective() <= lower_bound + 1e-6 {
                break;
            }
        }
    }
    if let Some(gap) = opts.mip_gap {
        let start: Vec<f64> = st.x.iter().map(|&v| f64::from(v)).collect();
        let mip_x = branch_and_bound(&cols, req, obj, gap, &start)?;
        let mut st2 = State {
            cols: &cols,
            req: &req.required,
            obj,
            x: vec![0; cols.len()],
            cov: vec![0; horizon],
        };
        for (j, v) in mip_x.iter().enumerate() {
            let k = v.round().max(0.0) as i64;
            if k > 0 {
                st2.apply(j, k);
            }
        }
        improve(&mut st2);
        if st2.objective() < st.objective() {
            st = st2;
        }
    }
    let objective = st.objective();
    Ok(summarize(&st, &cols, req, lower_bound, objective))
}

/// The plan of an integer point: shifts, coverage, cost, under/over and the gap to `lower_bound`.
fn summarize(
    st: &State,
    cols: &[Column],
    req: &Requirement,
    lower_bound: f64,
    objective: f64,
) -> Plan {
    let cost: f64 =
        st.x.iter()
            .zip(cols)
            .map(|(&v, c)| f64::from(v) * c.cost)
            .sum();
    let mut under = 0;
    let mut over = 0;
    for (t, &c) in st.cov.iter().enumerate() {
        let r = i64::from(req.required[t]);
        under += (r - c).max(0);
        over += (c - r).max(0);
    }
    let shifts =
        st.x.iter()
            .enumerate()
            .filter(|(_, v)| **v > 0)
            .map(|(j, &v)| (cols[j].day, cols[j].shift, cols[j].queue, v))
            .collect();
    Plan {
        shifts,
        coverage: st.cov.clone(),
        objective,
        cost,
        under,
        over,
        lower_bound,
        gap: if lower_bound > 1e-9 {
            ((objective - lower_bound) / lower_bound).max(0.0)
        } else if objective <= 1e-9 {
            0.0
        } else {
            f64::INFINITY
        },
        variables: cols.len(),
    }
}

/// Greedy repair/add, then drop and swap moves until nothing improves.
fn improve(st: &mut State) {
    let n = st.cols.len();
    // Hard coverage: add the column covering most short slots per unit cost.
    if st.obj.under_weight.is_none() {
        while st.cov.iter().zip(st.req).any(|(&c, &r)| c < i64::from(r)) {
            let best = (0..n)
                .map(|j| (st.repair_score(j), j))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            match best {
                Some((s, j)) if s.is_finite() => st.apply(j, 1),
                _ => break,
            }
        }
    }
    loop {
        let mut changed = false;
        // Add any column that lowers the objective (soft coverage).
        loop {
            let best = (0..n)
                .map(|j| (st.delta(j, 1), j))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            match best {
                Some((d, j)) if d < -1e-9 => {
                    st.apply(j, 1);
                    changed = true;
                }
                _ => break,
            }
        }
        // Drop units that do not pay.
        for j in 0..n {
            while st.x[j] > 0 && st.delta(j, -1) < -1e-9 {
                st.apply(j, -1);
                changed = true;
            }
        }
        // Swap one unit of a used column for one of another column on the same day.
        for j in 0..n {
            if st.x[j] == 0 {
                continue;
            }
            let (day, queue) = (st.cols[j].day, st.cols[j].queue);
            let mut best = (-1e-9, j);
            for k in 0..n {
                if k != j && st.cols[k].day == day && st.cols[k].queue == queue {
                    let d = st.swap_delta(j, k);
                    if d < best.0 {
                        best = (d, k);
                    }
                }
            }
            if best.1 != j {
                st.apply(j, -1);
                st.apply(best.1, 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

struct Dive {
    last: Vec<f64>,
    lower_bound: f64,
}

/// Most rounding steps a dive takes before handing over to threshold rounding.
const MAX_DIVE_STEPS: usize = 400;

/// LP relaxation with microlp, then diving: each step adds `x_j ≥ ceil(x_j)` for the
/// variable with the largest fractional part and re-optimises with the dual simplex from
/// the current basis. Rounding up keeps the covering program feasible.
fn lp_dive(cols: &[Column], req: &Requirement, obj: Objective) -> Result<Dive> {
    use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem};
    let horizon = req.required.len();
    let mut p = Problem::new(OptimizationDirection::Minimize);
    let xs: Vec<microlp::Variable> = cols
        .iter()
        .map(|c| p.add_var(obj.cost_weight * c.cost, (0.0, f64::INFINITY)))
        .collect();
    let mut rows: Vec<LinearExpr> = (0..horizon).map(|_| LinearExpr::empty()).collect();
    for (c, &x) in cols.iter().zip(&xs) {
        for &t in &c.slots {
            rows[t].add(x, 1.0);
        }
    }
    for (t, mut row) in rows.into_iter().enumerate() {
        let r = f64::from(req.required[t]);
        if let Some(w) = obj.under_weight {
            row.add(p.add_var(w, (0.0, f64::INFINITY)), 1.0);
        }
        if obj.over_weight > 0.0 {
            row.add(p.add_var(obj.over_weight, (0.0, f64::INFINITY)), -1.0);
            p.add_constraint(row, ComparisonOp::Eq, r);
        } else if r > 0.0 {
            p.add_constraint(row, ComparisonOp::Ge, r);
        }
    }
    let solver_err = |e: microlp::Error| WfmError::Solver(e.to_string());
    let interrupted = |_| WfmError::Solver("LP interrupted".into());
    let mut sol = p
        .solve()
        .map_err(solver_err)?
        .into_solution()
        .map_err(interrupted)?;
    let lower_bound = sol.objective();
    let values = |s: &microlp::Solution| xs.iter().map(|&x| s.var_value(x)).collect::<Vec<_>>();
    let mut last = values(&sol);
    for _ in 0..MAX_DIVE_STEPS {
        let fracs = last
            .iter()
            .enumerate()
            .map(|(j, v)| (v - v.floor(), j))
            .filter(|(f, _)| *f > 1e-6 && *f < 1.0 - 1e-6);
        let pick = fracs.max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        let Some((_, j)) = pick else { break };
        let mut e = LinearExpr::empty();
        e.add(xs[j], 1.0);
        sol = sol
            .add_constraint(e, ComparisonOp::Ge, last[j].ceil())
            .map_err(solver_err)?
            .into_solution()
            .map_err(interrupted)?;
        last = values(&sol);
    }
    Ok(Dive { last, lower_bound })
}

/// Branch-and-bound nodes each day's re-optimisation may use (a deterministic budget).
pub const POLISH_NODES: u64 = 1000;

/// Most passes over the days while re-optimising still improves the plan.
pub const POLISH_PASSES: usize = 2;

/// Fix and re-optimise, one day at a time: with every other day's shifts fixed, the
/// columns starting on `day` form a small integer program over the residual requirement
/// of the rows they touch, solved by microlp's branch and bound (warm-started from the
/// current plan, at most [`POLISH_NODES`] nodes). Its result replaces the day's shifts when
/// it lowers the objective. Stops at the LP bound. Returns whether any day improved.
fn polish_days(st: &mut State, days: usize, lower_bound: f64) -> Result<bool> {
    use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem};
    let obj = st.obj;
    let mut improved = false;
    for day in 0..days {
        if st.objective() <= lower_bound + 1e-6 {
            break; // at the LP bound: optimal
        }
        let js: Vec<usize> = (0..st.cols.len())
            .filter(|&j| st.cols[j].day == day)
            .collect();
        if js.is_empty() {
            continue;
        }
        // Coverage by the other days' shifts.
        let mut other = st.cov.clone();
        for &j in &js {
            for &t in &st.cols[j].slots {
                other[t] -= i64::from(st.x[j]);
            }
        }
        let mut rows: Vec<usize> = js
            .iter()
            .flat_map(|&j| st.cols[j].slots.iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let xs: Vec<microlp::Variable> = js
            .iter()
            .map(|&j| p.add_integer_var(obj.cost_weight * st.cols[j].cost, (0, 100_000)))
            .collect();
        let mut exprs: Vec<LinearExpr> = rows.iter().map(|_| LinearExpr::empty()).collect();
        for (k, &j) in js.iter().enumerate() {
            for &t in &st.cols[j].slots {
                let r = rows.binary_search(&t).expect("row of a day column");
                exprs[r].add(xs[k], 1.0);
            }
        }
        for (r, mut e) in exprs.into_iter().enumerate() {
            let t = rows[r];
            let rhs = i64::from(st.req[t]) - other[t];
            if let Some(w) = obj.under_weight {
                e.add(p.add_var(w, (0.0, f64::INFINITY)), 1.0);
            }
            if obj.over_weight > 0.0 {
                e.add(p.add_var(obj.over_weight, (0.0, f64::INFINITY)), -1.0);
                p.add_constraint(e, ComparisonOp::Eq, rhs as f64);
            } else if rhs > 0 {
                p.add_constraint(e, ComparisonOp::Ge, rhs as f64);
            }
        }
        let mut options = microlp::SolveOptions::default();
        options.node_limit = Some(POLISH_NODES);
        options.warm_start = Some(
            js.iter()
                .zip(&xs)
                .map(|(&j, &x)| (x, f64::from(st.x[j])))
                .collect(),
        );
        let Ok(outcome) = p.solve_with(options) else {
            continue;
        };
        let Some(sol) = outcome.solution() else {
            continue;
        };
        let before = st.objective();
        let old: Vec<u32> = js.iter().map(|&j| st.x[j]).collect();
        for (k, &j) in js.iter().enumerate() {
            let v = sol.var_value(xs[k]).round().max(0.0) as i64;
            st.apply(j, v - i64::from(st.x[j]));
        }
        if st.objective() < before - 1e-9 {
            improved = true;
        } else {
            for (k, &j) in js.iter().enumerate() {
                st.apply(j, i64::from(old[k]) - i64::from(st.x[j]));
            }
        }
    }
    Ok(improved)
}

/// microlp branch and bound from a known integer plan down to relative `gap`.
fn branch_and_bound(
    cols: &[Column],
    req: &Requirement,
    obj: Objective,
    gap: f64,
    start: &[f64],
) -> Result<Vec<f64>> {
    let horizon = req.required.len();
    let mut vars = ProblemVariables::new();
    let xs: Vec<Variable> = cols
        .iter()
        .map(|_| {
            let v = variable().min(0.0);
            vars.add(v.integer())
        })
        .collect();
    let under: Vec<Option<Variable>> = (0..horizon)
        .map(|_| obj.under_weight.map(|_| vars.add(variable().min(0.0))))
        .collect();
    let over: Vec<Option<Variable>> = (0..horizon)
        .map(|_| (obj.over_weight > 0.0).then(|| vars.add(variable().min(0.0))))
        .collect();
    let mut objective = Expression::with_capacity(cols.len() + 2 * horizon);
    for (c, &x) in cols.iter().zip(&xs) {
        objective.add_mul(obj.cost_weight * c.cost, x);
    }
    for t in 0..horizon {
        if let (Some(u), Some(w)) = (under[t], obj.under_weight) {
            objective.add_mul(w, u);
        }
        if let Some(o) = over[t] {
            objective.add_mul(obj.over_weight, o);
        }
    }
    let mut rows: Vec<Expression> = (0..horizon)
        .map(|_| Expression::with_capacity(64))
        .collect();
    for (c, &x) in cols.iter().zip(&xs) {
        for &t in &c.slots {
            rows[t].add_mul(1.0, x);
        }
    }
    let mut model = vars.minimise(objective).using(microlp);
    for (t, mut row) in rows.into_iter().enumerate() {
        let r = f64::from(req.required[t]);
        if let Some(u) = under[t] {
            row.add_mul(1.0, u);
        }
        match over[t] {
            Some(o) => {
                row.add_mul(-1.0, o);
                model.add_constraint(row.eq(r));
            }
            None => {
                if r > 0.0 {
                    model.add_constraint(row.geq(r));
                }
            }
        }
    }
    model = model
        .with_mip_gap(gap as f32)
        .map_err(|e| WfmError::Solver(format!("{e:?}")))?;
    model = model.with_initial_solution(xs.iter().copied().zip(start.iter().copied()));
    let sol = model.solve().map_err(|e| WfmError::Solver(e.to_string()))?;
    Ok(xs.iter().map(|&v| sol.value(v)).collect())
}

/// One agent's week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AgentSchedule {
    pub agent: String,
    /// (day, shift type index, queue index).
    pub shifts: Vec<(usize, usize, usize)>,
}

/// Shifts handed to agents, and those nobody could take.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assignment {
    pub agents: Vec<AgentSchedule>,
    /// (day, shift type index, queue index).
    pub unfilled: Vec<(usize, usize, usize)>,
}

/// Assigns the plan's shifts to agents: availability, time windows, skills (the shift's
/// queue, and its template's `skill`), at least `days_off_per_week` days off in every 7 and
/// at most `max_consecutive_days` in a row (wrapping around a cyclic horizon).
///
/// Day by day, a maximum bipartite matching of the day's shifts to eligible agents
/// (augmenting paths), each shift trying its agents in preference order: the least slack
/// (fewest working days left to give compared with the days still ahead) first, then the
/// one whose last start was nearest, then by name. A multi-skill agent is thus moved to
/// another of his queues when that lets a single-skill colleague take a shift.
pub fn assign(
    plan: &Plan,
    types: &[ShiftType],
    agents: &[Agent],
    rules: Rules,
    req: &Requirement,
) -> Result<Assignment> {
    let days = req.days;
    let windows: Vec<(u32, u32)> = agents
        .iter()
        .map(|a| {
            Ok((
                a.earliest_start
                    .as_deref()
                    .map(parse_hhmm)
                    .transpose()?
                    .unwrap_or(0),
                a.latest_end
                    .as_deref()
                    .map(parse_hhmm)
                    .transpose()?
                    .unwrap_or(48 * 60),
            ))
        })
        .collect::<Result<_>>()?;
    let max_per_week = 7usize.saturating_sub(rules.days_off_per_week);
    let mut worked: Vec<Vec<bool>> = vec![vec![false; days]; agents.len()];
    let mut last_start: Vec<Option<u32>> = vec![None; agents.len()];
    let mut out: Vec<AgentSchedule> = agents
        .iter()
        .map(|a| AgentSchedule {
            agent: a.name.clone(),
            shifts: Vec::new(),
        })
        .collect();
    let mut unfilled = Vec::new();
    let available = |i: usize, d: usize| {
        !agents[i].days_off.contains(&(d % 7)) && !agents[i].unavailable.contains(&d)
    };
    // Consecutive working days through `day` if agent `i` works it (wrapping when cyclic).
    let run_with = |worked: &[bool], day: usize| {
        let at = |d: isize| -> bool {
            if d >= 0 && (d as usize) < days {
                worked[d as usize]
            } else if req.cyclic {
                worked[d.rem_euclid(days as isize) as usize]
            } else {
                false
            }
        };
        let d = day as isize;
        let before = (1..days as isize).take_while(|k| at(d - k)).count();
        let after = (1..days as isize).take_while(|k| at(d + k)).count();
        (before + 1 + after).min(days)
    };
    for day in 0..days {
        let mut todays: Vec<(usize, usize)> = Vec::new();
        for &(d, s, q, n) in &plan.shifts {
            if d == day {
                todays.extend(std::iter::repeat_n((s, q), n as usize));
            }
        }
        todays.sort_by_key(|&(s, q)| (types[s].start_min, types[s].length_min, s, q));
        // Eligible agents of each shift, best first.
        let candidates: Vec<Vec<usize>> = todays
            .iter()
            .map(|&(s, q)| {
                let st = &types[s];
                let mut keyed: Vec<((i64, u32, &str), usize)> = Vec::new();
                for i in 0..agents.len() {
                    if !available(i, day) {
                        continue;
                    }
                    if windows[i].0 > st.start_min || windows[i].1 < st.start_min + st.length_min {
                        continue;
                    }
                    let skills = &agents[i].skills;
                    if let Some(skill) = &st.skill
                        && !skills.contains(skill)
                    {
                        continue;
                    }
                    if let Some(queue) = req.queues.get(q)
                        && !skills.is_empty()
                        && !skills.contains(queue)
                    {
                        continue;
                    }
                    // Days worked in the 7-day window ending today.
                    let lo = (day + 1).saturating_sub(7);
                    if worked[i][lo..day].iter().filter(|w| **w).count() + 1 > max_per_week {
                        continue;
                    }
                    if run_with(&worked[i], day) > rules.max_consecutive_days {
                        continue;
                    }
                    let week_start = day - day % 7;
                    let week_end = (week_start + 7).min(days);
                    let used = worked[i][week_start..day].iter().filter(|w| **w).count();
                    let ahead = (day..week_end).filter(|&d| available(i, d)).count();
                    let slack = ahead as i64 - (max_per_week.saturating_sub(used)) as i64;
                    let near = last_start[i].map_or(1440, |p| p.abs_diff(st.start_min));
                    keyed.push(((slack, near, agents[i].name.as_str()), i));
                }
                keyed.sort();
                keyed.into_iter().map(|(_, i)| i).collect()
            })
            .collect();
        // Kuhn's augmenting paths: shift k → agent.
        let mut holder: Vec<Option<usize>> = vec![None; agents.len()];
        fn augment(
            k: usize,
            candidates: &[Vec<usize>],
            holder: &mut [Option<usize>],
            seen: &mut [bool],
        ) -> bool {
            for &i in &candidates[k] {
                if seen[i] {
                    continue;
                }
                seen[i] = true;
                if holder[i].is_none_or(|other| augment(other, candidates, holder, seen)) {
                    holder[i] = Some(k);
                    return true;
                }
            }
            false
        }
        let matched: Vec<bool> = (0..todays.len())
            .map(|k| augment(k, &candidates, &mut holder, &mut vec![false; agents.len()]))
            .collect();
        for (i, h) in holder.iter().enumerate() {
            if let Some(k) = *h {
                let (s, q) = todays[k];
                worked[i][day] = true;
                last_start[i] = Some(types[s].start_min);
                out[i].shifts.push((day, s, q));
            }
        }
        for (k, m) in matched.iter().enumerate() {
            if !m {
                let (s, q) = todays[k];
                unfilled.push((day, s, q));
            }
        }
    }
    Ok(Assignment {
        agents: out,
        unfilled,
    })
}

/// HiGHS on the same integer program (`--features highs`): the reference our solver is
/// measured against. `mip_rel_gap` is HiGHS's relative gap; the returned plan's
/// `lower_bound` is HiGHS's MIP dual bound.
#[cfg(feature = "highs")]
pub fn solve_highs(
    req: &Requirement,
    types: &[ShiftType],
    obj: Objective,
    mip_rel_gap: f64,
) -> Result<Plan> {
    use highs::{ColProblem, HighsModelStatus, Sense};
    let cols = columns(req, types);
    let horizon = req.required.len();
    let mut p = ColProblem::new();
    let rows: Vec<highs::Row> = req
        .required
        .iter()
        .map(|&r| {
            let r = f64::from(r);
            if obj.over_weight > 0.0 {
                p.add_row(r..=r)
            } else {
                p.add_row(r..)
            }
        })
        .collect();
    for c in &cols {
        let entries: Vec<(highs::Row, f64)> = c.slots.iter().map(|&t| (rows[t], 1.0)).collect();
        p.add_integer_column(obj.cost_weight * c.cost, 0.0.., entries);
    }
    for &row in &rows {
        if let Some(w) = obj.under_weight {
            p.add_column(w, 0.0.., [(row, 1.0)]);
        }
        if obj.over_weight > 0.0 {
            p.add_column(obj.over_weight, 0.0.., [(row, -1.0)]);
        }
    }
    let mut model = p.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("mip_rel_gap", mip_rel_gap);
    model.set_option("time_limit", 300.0);
    let solved = model
        .try_solve()
        .map_err(|e| WfmError::Solver(format!("HiGHS: {e:?}")))?;
    if solved.status() != HighsModelStatus::Optimal {
        return Err(WfmError::Solver(format!("HiGHS: {:?}", solved.status())));
    }
    let values = solved.get_solution().columns().to_vec();
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .unwrap_or(f64::NAN);
    let mut st = State {
        cols: &cols,
        req: &req.required,
        obj,
        x: vec![0; cols.len()],
        cov: vec![0; horizon],
    };
    for (j, v) in values.iter().take(cols.len()).enumerate() {
        let k = v.round().max(0.0) as i64;
        if k > 0 {
            st.apply(j, k);
        }
    }
    let objective = st.objective();
    Ok(summarize(&st, &cols, req, bound, objective))
}
