//! Staffing: the least number of agents meeting every target, then shrinkage.
//!
//! Erlang C (no patience given) searches upward from `floor(A) + 1`, the least N with a
//! stable queue (not `round(A + 1)`, which can skip it), stepping Erlang B one agent at a
//! time. Erlang A (patience given) can need fewer agents than A: it gallops and bisects over
//! N from 0 (service level, ASA and abandonment are monotone in N). Occupancy and shrinkage
//! bounds use exact decimal arithmetic ([`crate::exact`]).

use crate::erlang::{self, ErlangBStep};
use crate::exact::{Ratio, with_shrinkage};
use crate::{Result, WfmError, check};

/// What the staffing level must achieve; every given target must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Targets {
    /// Service level fraction (answered within `answer_within_s` / offered), e.g. 0.8.
    pub service_level: Option<f64>,
    /// Threshold `T` of the service level, seconds.
    pub answer_within_s: f64,
    /// Largest ASA, seconds: over all arrivals for Erlang C (where every arrival is
    /// answered), over answered contacts for Erlang A.
    pub asa_s: Option<f64>,
    /// Largest occupancy fraction.
    pub max_occupancy: Option<f64>,
    /// Largest abandonment probability (Erlang A only).
    pub max_abandon: Option<f64>,
    /// Erlang A only: hold the service-level target to answered within T / answered
    /// instead of the default answered within T / offered.
    pub sl_of_answered: bool,
}

/// One interval to staff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffInput {
    pub calls: f64,
    pub interval_s: f64,
    pub aht_s: f64,
    /// Mean patience; `Some` selects Erlang A.
    pub patience_s: Option<f64>,
    pub shrinkage: Option<f64>,
    pub targets: Targets,
}

/// The constraint that fixed the answer (the one failing at one agent fewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    ServiceLevel,
    Asa,
    MaxAbandon,
    MaxOccupancy,
    /// Erlang C needs N > A for a finite queue.
    Stability,
}

/// The staffing answer and the metrics at that level.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Staffing {
    pub agents: u32,
    pub agents_scheduled: u32,
    pub binding_constraint: Option<Binding>,
    pub traffic_erlangs: f64,
    pub service_level: f64,
    /// Mean wait over all arrivals, seconds (`None`: infinite).
    pub asa_s: Option<f64>,
    /// Erlang A only: mean wait of answered contacts (what an ASA target limits).
    pub asa_answered_s: Option<f64>,
    pub occupancy: f64,
    pub p_abandon: Option<f64>,
    pub p_wait: f64,
}

/// Searches stop here.
pub const MAX_AGENTS: u32 = 1_000_000;
const TOL: f64 = 1e-12;

#[derive(Debug, Clone, Copy)]
struct Metrics {
    service_level: f64,
    asa_s: Option<f64>,
    asa_answered_s: Option<f64>,
    occupancy: f64,
    p_abandon: Option<f64>,
    p_wait: f64,
}

fn check_targets(t: &Targets, erlang_a: bool) -> Result<()> {
    check("answer_within_s", t.answer_within_s, false)?;
    if let Some(sl) = t.service_level {
        check("target_sl", sl, false)?;
        if sl > 1.0 {
            return Err(WfmError::InvalidInput {
                name: "target_sl",
                value: sl,
                why: "must be a fraction ≤ 1",
            });
        }
    }
    if let Some(v) = t.asa_s {
        check("target_asa_s", v, false)?;
    }
    if let Some(v) = t.max_occupancy {
        check("max_occupancy", v, true)?;
    }
    if t.sl_of_answered && !erlang_a {
        return Err(WfmError::Conflict(
            "the answered-only service level needs Erlang A: give --patience-s".into(),
        ));
    }
    if let Some(v) = t.max_abandon {
        check("max_abandon", v, false)?;
        if !erlang_a {
            return Err(WfmError::Conflict(
                "a maximum abandon rate needs Erlang A: give --patience-s".into(),
            ));
        }
    }
    Ok(())
}

/// Which targets fail for these metrics, in reporting order.
fn failing(t: &Targets, m: &Metrics, occupancy_ok: bool) -> Option<Binding> {
    if let Some(sl) = t.service_level
        && m.service_level < sl - TOL
    {
        return Some(Binding::ServiceLevel);
    }
    if let Some(asa) = t.asa_s
        && m.asa_answered_s.or(m.asa_s).is_none_or(|v| v > asa + TOL)
    {
        return Some(Binding::Asa);
    }
    if let Some(ab) = t.max_abandon
        && m.p_abandon.is_some_and(|p| p > ab + TOL)
    {
        return Some(Binding::MaxAbandon);
    }
    if !occupancy_ok {
        return Some(Binding::MaxOccupancy);
    }
    None
}

/// Float rounding can only mislead a floor or ceiling next to an integer; elsewhere the
/// float answer is the exact one and the rational path is skipped.
fn near_integer(x: f64) -> bool {
    (x - crate::exact::round_pos(x)).abs() <= 1e-9 * x.abs().max(1.0)
}

/// Traffic as an exact rational when the inputs are short decimals.
fn exact_traffic(input: &StaffInput) -> Option<Ratio> {
    Ratio::from_f64(input.calls)?
        .checked_mul(Ratio::from_f64(input.aht_s)?)?
        .checked_div(Ratio::from_f64(input.interval_s)?)
}

/// Least N with `A / N ≤ max_occupancy`: `ceil(A / max_occupancy)`, exact for decimals
/// (8.5 / 0.85 is 10, not the float 10.000000000000002 whose ceiling is 11).
fn least_for_occupancy(input: &StaffInput, a: f64, occ: f64) -> u32 {
    let q = a / occ;
    if !near_integer(q) {
        return q.ceil().min(f64::from(MAX_AGENTS)) as u32;
    }
    let exact = exact_traffic(input)
        .zip(Ratio::from_f64(occ))
        .and_then(|(a, o)| a.checked_div(o))
        .map(|q| q.ceil() as f64);
    let n = exact.unwrap_or_else(|| {
        let q = a / occ;
        let r = q.round();
        if (q - r).abs() <= 1e-9 * q.max(1.0) {
            r
        } else {
            q.ceil()
        }
    });
    n.min(f64::from(MAX_AGENTS)) as u32
}

/// Least N > A exactly (floor(A) + 1), exact for decimal inputs.
fn least_stable(input: &StaffInput, a: f64) -> u32 {
    let floor = if near_integer(a) {
        exact_traffic(input)
            .map(|r| r.floor() as f64)
            .unwrap_or(a.floor())
    } else {
        a.floor()
    };
    (floor + 1.0).min(f64::from(MAX_AGENTS)) as u32
}

/// Staffs one interval.
pub fn staff(input: &StaffInput) -> Result<Staffing> {
    let a = erlang::traffic(input.calls, input.interval_s, input.aht_s)?;
    let t = &input.targets;
    if let Some(p) = input.patience_s {
        check("patience_s", p, true)?;
    }
    check_targets(t, input.patience_s.is_some())?;
    if let Some(s) = input.shrinkage {
        check("shrinkage", s, false)?;
        if s >= 1.0 {
            return Err(WfmError::InvalidInput {
                name: "shrinkage",
                value: s,
                why: "must be < 1",
            });
        }
    }
    if a >= f64::from(MAX_AGENTS) {
        return Err(WfmError::Unreachable { limit: MAX_AGENTS });
    }
    let (n, binding, m) = if a == 0.0 {
        let m = Metrics {
            service_level: 1.0,
            asa_s: Some(0.0),
            asa_answered_s: input.patience_s.map(|_| 0.0),
            occupancy: 0.0,
            p_abandon: input.patience_s.map(|_| 0.0),
            p_wait: 0.0,
        };
        (0, None, m)
    } else if let Some(patience) = input.patience_s {
        staff_a(input, a, patience)?
    } else {
        staff_c(input, a)?
    };
    let agents_scheduled = match input.shrinkage {
        Some(s) => with_shrinkage(n, s).ok_or(WfmError::Unreachable { limit: u32::MAX })?,
        None => n,
    };
    Ok(Staffing {
        agents: n,
        agents_scheduled,
        binding_constraint: binding,
        traffic_erlangs: a,
        service_level: m.service_level,
        asa_s: m.asa_s,
        asa_answered_s: m.asa_answered_s,
        occupancy: m.occupancy,
        p_abandon: m.p_abandon,
        p_wait: m.p_wait,
    })
}

fn staff_c(input: &StaffInput, a: f64) -> Result<(u32, Option<Binding>, Metrics)> {
    let t = &input.targets;
    let n_stable = least_stable(input, a);
    let n_occ = t
        .max_occupancy
        .map_or(0, |o| least_for_occupancy(input, a, o));
    let start = n_stable.max(n_occ);
    let metrics = |step: &ErlangBStep| {
        let n = step.agents();
        let c = erlang::erlang_c_with_b(a, n, input.aht_s, t.answer_within_s, step.b());
        Metrics {
            service_level: c.service_level,
            asa_s: c.asa_s,
            asa_answered_s: None,
            occupancy: c.occupancy,
            p_abandon: None,
            p_wait: c.p_wait,
        }
    };
    // What fails one below the start decides the binding constraint if the start works.
    let mut step = ErlangBStep::new(a, start.saturating_sub(1));
    let mut prev_fail = if start > n_stable {
        failing(t, &metrics(&step), false).unwrap_or(Binding::MaxOccupancy)
    } else {
        Binding::Stability
    };
    if start > 0 {
        step.step();
    }
    // Scan upward. Per step only Erlang B, P(wait) and, for the service level, the decay
    // factor exp(−(N−A)·T/AHT), kept as a running product.
    let decay_step = (-t.answer_within_s / input.aht_s).exp();
    let mut decay = (-(f64::from(start) - a) * t.answer_within_s / input.aht_s).exp();
    loop {
        let n = f64::from(step.agents());
        let b = step.b();
        let p_wait = (n * b / (n - a * (1.0 - b))).clamp(0.0, 1.0);
        let quick = Metrics {
            service_level: (1.0 - p_wait * decay).clamp(0.0, 1.0),
            asa_s: Some(p_wait * input.aht_s / (n - a)),
            asa_answered_s: None,
            occupancy: a / n,
            p_abandon: None,
            p_wait,
        };
        match failing(t, &quick, step.agents() >= n_occ) {
            None => return Ok((step.agents(), Some(prev_fail), quick)),
            Some(b) => prev_fail = b,
        }
        if step.agents() >= MAX_AGENTS {
            return Err(WfmError::Unreachable { limit: MAX_AGENTS });
        }
        step.step();
        decay *= decay_step;
    }
}

fn metrics_a(input: &StaffInput, a: f64, n: u32, patience: f64) -> Result<(Metrics, bool)> {
    let e = erlang::erlang_a(a, n, input.aht_s, patience, input.targets.answer_within_s)?;
    let occ_ok = input
        .targets
        .max_occupancy
        .is_none_or(|o| e.occupancy <= o + TOL);
    Ok((
        Metrics {
            service_level: if input.targets.sl_of_answered {
                e.service_level_answered
            } else {
                e.service_level
            },
            asa_s: Some(e.asa_s),
            asa_answered_s: e.asa_answered_s,
            occupancy: e.occupancy,
            p_abandon: Some(e.p_abandon),
            p_wait: e.p_wait,
        },
        occ_ok,
    ))
}

fn staff_a(input: &StaffInput, a: f64, patience: f64) -> Result<(u32, Option<Binding>, Metrics)> {
    let t = &input.targets;
    let ok = |n: u32| -> Result<Option<Binding>> {
        let (m, occ) = metrics_a(input, a, n, patience)?;
        Ok(failing(t, &m, occ))
    };
    // With no target at all, nobody is needed beyond serving someone: one agent.
    if ok(0)?.is_none() {
        let (m, _) = metrics_a(input, a, 0, patience)?;
        return Ok((0, None, m));
    }
    // Bracket from N = ceil(A) in steps of about √A (the answer is usually within a few
    // of those), then bisect. Every metric is monotone in N.
    let step = (a.sqrt().ceil() as u32).max(1);
    let mut hi = (a.ceil().min(f64::from(MAX_AGENTS)) as u32).max(1);
    let mut lo; // infeasible
    if ok(hi)?.is_none() {
        lo = 0; // ok(0) failed above
        loop {
            let cand = hi.saturating_sub(step);
            if cand == 0 {
                break;
            }
            if ok(cand)?.is_none() {
                hi = cand;
            } else {
                lo = cand;
                break;
            }
        }
    } else {
        let mut jump = step;
        loop {
            lo = hi;
            if hi >= MAX_AGENTS {
                return Err(WfmError::Unreachable { limit: MAX_AGENTS });
            }
            hi = hi.saturating_add(jump).min(MAX_AGENTS);
            jump = jump.saturating_mul(2);
            if ok(hi)?.is_none() {
                break;
            }
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid)?.is_some() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let binding = ok(hi - 1)?;
    let (m, _) = metrics_a(input, a, hi, patience)?;
    Ok((hi, binding, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(calls: f64, aht: f64) -> StaffInput {
        StaffInput {
            calls,
            interval_s: 1800.0,
            aht_s: aht,
            patience_s: None,
            shrinkage: None,
            targets: Targets {
                service_level: Some(0.8),
                answer_within_s: 20.0,
                ..Targets::default()
            },
        }
    }

    #[test]
    fn spec_example_needs_14() {
        let s = staff(&input(100.0, 180.0)).unwrap();
        assert_eq!(s.agents, 14);
        assert_eq!(s.binding_constraint, Some(Binding::ServiceLevel));
        assert!((s.service_level - 0.888).abs() < 1e-3);
    }

    #[test]
    fn zero_volume_needs_nobody() {
        let s = staff(&input(0.0, 180.0)).unwrap();
        assert_eq!((s.agents, s.agents_scheduled), (0, 0));
    }

    #[test]
    fn search_starts_at_floor_a_plus_one() {
        // A = 10.6: round(A + 1) = 12 would skip 11. A target of SL 0 is met by any
        // stable N, so the answer is 11 (stability binding).
        let mut i = input(106.0, 180.0);
        i.targets.service_level = Some(0.0);
        let s = staff(&i).unwrap();
        assert_eq!(s.agents, 11);
        assert_eq!(s.binding_constraint, Some(Binding::Stability));
        // A = 10.4: round(A+1) = 11 is right, floor+1 = 11 too.
        i.calls = 104.0;
        assert_eq!(staff(&i).unwrap().agents, 11);
    }

    #[test]
    fn shrinkage_exact() {
        // A = 17 Erlangs (170 calls · 180 s / 1800 s); SL 80/20 needs 21 agents (Erlang C,
        // SL 82.9 % at 21, 72.4 % at 20).
        let mut i = input(170.0, 180.0);
        i.shrinkage = Some(0.3);
        let s = staff(&i).unwrap();
        assert_eq!(s.agents, 21);
        assert_eq!(s.agents_scheduled, 30);
    }

    #[test]
    fn occupancy_cap_exact() {
        // A = 8.5; 8.5 / 0.85 = 10 exactly (the float quotient is 10.000000000000002).
        let mut i = input(85.0, 180.0);
        i.targets = Targets {
            max_occupancy: Some(0.85),
            ..Targets::default()
        };
        let s = staff(&i).unwrap();
        assert_eq!(s.agents, 10);
        assert_eq!(s.binding_constraint, Some(Binding::MaxOccupancy));
    }

    #[test]
    fn occupancy_cap_exact_at_scale() {
        // 357 calls × 180 s / 900 s = 71.4 Erlangs; 71.4 / 0.85 = 84 exactly, while the float
        // quotient 84.00000000000001 has ceiling 85 (pyworkforce answers 85).
        let i = StaffInput {
            calls: 357.0,
            interval_s: 900.0,
            aht_s: 180.0,
            patience_s: None,
            shrinkage: None,
            targets: Targets {
                service_level: Some(0.8),
                answer_within_s: 20.0,
                max_occupancy: Some(0.85),
                ..Targets::default()
            },
        };
        let (a, occ) = std::hint::black_box((71.4f64, 0.85f64));
        assert_eq!((a / occ).ceil(), 85.0);
        let s = staff(&i).unwrap();
        assert_eq!(s.agents, 84);
        assert_eq!(s.binding_constraint, Some(Binding::MaxOccupancy));
        assert!((s.occupancy - 0.85).abs() < 1e-12);
    }

    #[test]
    fn erlang_a_can_staff_below_traffic() {
        // A = 500 Erlangs, patience 180 s, 80/20: fewer than 500 agents.
        let i = StaffInput {
            calls: 5000.0,
            interval_s: 1800.0,
            aht_s: 180.0,
            patience_s: Some(180.0),
            ..input(0.0, 180.0)
        };
        let s = staff(&i).unwrap();
        assert!(s.agents < 500, "{s:?}");
        assert!(s.service_level >= 0.8);
        let below = erlang::erlang_a(500.0, s.agents - 1, 180.0, 180.0, 20.0).unwrap();
        assert!(below.service_level < 0.8);
    }

    #[test]
    fn answered_only_service_level_needs_no_more_agents() {
        // Answered within T / answered ≥ answered within T / offered, so a target on the
        // answered-only variant is met with at most as many agents.
        let mut i = StaffInput {
            calls: 400.0,
            patience_s: Some(60.0),
            ..input(0.0, 180.0)
        };
        let offered = staff(&i).unwrap();
        i.targets.sl_of_answered = true;
        let answered = staff(&i).unwrap();
        assert!(answered.agents <= offered.agents);
        let e = erlang::erlang_a(40.0, answered.agents, 180.0, 60.0, 20.0).unwrap();
        assert!(e.service_level_answered >= 0.8);
        let below = erlang::erlang_a(40.0, answered.agents - 1, 180.0, 60.0, 20.0).unwrap();
        assert!(below.service_level_answered < 0.8);
        i.patience_s = None;
        assert!(staff(&i).is_err());
    }

    #[test]
    fn max_abandon_needs_patience() {
        let mut i = input(100.0, 180.0);
        i.targets.max_abandon = Some(0.05);
        assert!(matches!(staff(&i), Err(WfmError::Conflict(_))));
        i.patience_s = Some(120.0);
        let s = staff(&i).unwrap();
        assert!(s.p_abandon.unwrap() <= 0.05);
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut i = input(-1.0, 180.0);
        assert!(staff(&i).is_err());
        i.calls = f64::NAN;
        assert!(staff(&i).is_err());
        i.calls = 10.0;
        i.shrinkage = Some(1.0);
        assert!(staff(&i).is_err());
    }
}
