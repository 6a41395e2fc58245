//! Erlang B, Erlang C and Erlang A (M/M/N+M) metrics for one interval.
//!
//! Traffic `A = λ·AHT` Erlangs. Erlang B uses the recurrence `B(k) = A·B(k−1)/(k + A·B(k−1))`
//! (never factorials). Erlang C follows SPEC "Workforce formulas". Erlang A follows Garnett,
//! Mandelbaum & Reiman (2002) with the series written in log-scaled form: with
//! `x = N·μ/θ`, `y = λ/θ` the queue-length weights are `w_j = y^j / Π_{i=1..j}(x+i)`, summed
//! with a running scale so that A ≥ 2000 Erlangs and N = 2500 neither overflow nor give NaN.
//! The waiting-time distribution of a customer who finds all agents busy uses the density of
//! the offered wait `v(t) ∝ exp(λ(1−e^{−θt})/θ − Nμt)` (Baccelli & Hébuterne 1981), which
//! integrates to ratios of lower incomplete gamma functions, evaluated by the same series.

use crate::{Result, WfmError, check};

/// Offered traffic in Erlangs: `calls · aht_s / interval_s`.
pub fn traffic(calls: f64, interval_s: f64, aht_s: f64) -> Result<f64> {
    check("calls", calls, false)?;
    check("interval_s", interval_s, true)?;
    check("aht_s", aht_s, true)?;
    Ok(calls * aht_s / interval_s)
}

/// Erlang B blocking probability for `a` Erlangs offered to `n` servers.
///
/// Runs the recurrence on the inverse, `1/B(k) = 1 + (k/A)·1/B(k−1)` (a multiply-add per
/// step, no division); where the inverse would overflow (B below ~1e-300) it falls back to
/// the direct form `B(k) = A·B(k−1)/(k + A·B(k−1))`, which underflows gracefully.
pub fn erlang_b(a: f64, n: u32) -> f64 {
    if a <= 0.0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    match erlang_b_parts(a, n) {
        Ok(inv) => 1.0 / inv,
        Err(b) => b,
    }
}

/// `1 / B(a, n)` (infinite where B underflows), for scans that step the inverse.
pub(crate) fn erlang_b_inv(a: f64, n: u32) -> f64 {
    if a <= 0.0 {
        return if n == 0 { 1.0 } else { f64::INFINITY };
    }
    match erlang_b_parts(a, n) {
        Ok(inv) => inv,
        Err(b) => 1.0 / b,
    }
}

/// `Ok(1/B)` from the inverse recurrence, or `Err(B)` from the direct form once the
/// inverse would overflow. Requires `a > 0`.
fn erlang_b_parts(a: f64, n: u32) -> std::result::Result<f64, f64> {
    let inv_a = 1.0 / a;
    let mut inv = 1.0f64;
    let n = u64::from(n);
    let mut k = 1u64;
    // Four steps at a time: v ↦ α + β·v with α, β off the dependency chain.
    while k + 3 <= n {
        let c1 = (k as f64) * inv_a;
        let c2 = ((k + 1) as f64) * inv_a;
        let c3 = ((k + 2) as f64) * inv_a;
        let c4 = ((k + 3) as f64) * inv_a;
        let alpha = 1.0 + c4 * (1.0 + c3 * (1.0 + c2));
        let beta = c4 * c3 * c2 * c1;
        let next = alpha + beta * inv;
        if next.is_nan() || next > 1e250 {
            break; // finish one step at a time, switching form before overflow
        }
        inv = next;
        k += 4;
    }
    while k <= n {
        inv = 1.0 + (k as f64) * inv_a * inv;
        if inv > 1e300 {
            let mut b = 1.0 / inv;
            for j in k + 1..=n {
                let ab = a * b;
                b = ab / ((j as f64) + ab);
                if b == 0.0 {
                    break; // underflowed: it only falls further
                }
            }
            return Err(b);
        }
        k += 1;
    }
    Ok(inv)
}

/// Erlang B stepped one server at a time (for staffing scans).
#[derive(Debug, Clone, Copy)]
pub struct ErlangBStep {
    a: f64,
    n: u32,
    b: f64,
}

impl ErlangBStep {
    pub fn new(a: f64, n: u32) -> Self {
        ErlangBStep {
            a,
            n,
            b: erlang_b(a, n),
        }
    }
    pub fn agents(&self) -> u32 {
        self.n
    }
    pub fn b(&self) -> f64 {
        self.b
    }
    pub fn step(&mut self) {
        self.n += 1;
        let ab = self.a * self.b;
        self.b = ab / (f64::from(self.n) + ab);
    }
}

/// Erlang C metrics. `asa_s` is `None` when the queue is unstable (N ≤ A): infinite.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ErlangC {
    pub traffic_erlangs: f64,
    pub agents: u32,
    pub p_wait: f64,
    /// Answered within `T` / offered.
    pub service_level: f64,
    /// Mean wait over all arrivals (zero waits included), seconds.
    pub asa_s: Option<f64>,
    pub occupancy: f64,
}

/// Erlang C from traffic `a`, `n` agents, AHT and the service-level threshold `t_s`.
pub fn erlang_c(a: f64, n: u32, aht_s: f64, t_s: f64) -> Result<ErlangC> {
    check("traffic", a, false)?;
    check("aht_s", aht_s, true)?;
    check("answer_within_s", t_s, false)?;
    Ok(erlang_c_with_b(a, n, aht_s, t_s, erlang_b(a, n)))
}

/// Erlang C when Erlang B for (a, n) is already known.
pub fn erlang_c_with_b(a: f64, n: u32, aht_s: f64, t_s: f64, b: f64) -> ErlangC {
    let nf = f64::from(n);
    if a == 0.0 {
        return ErlangC {
            traffic_erlangs: a,
            agents: n,
            p_wait: 0.0,
            service_level: 1.0,
            asa_s: Some(0.0),
            occupancy: 0.0,
        };
    }
    if nf <= a {
        return ErlangC {
            traffic_erlangs: a,
            agents: n,
            p_wait: 1.0,
            service_level: 0.0,
            asa_s: None,
            occupancy: 1.0,
        };
    }
    let p_wait = (nf * b / (nf - a * (1.0 - b))).clamp(0.0, 1.0);
    let service_level = (1.0 - p_wait * (-(nf - a) * t_s / aht_s).exp()).clamp(0.0, 1.0);
    ErlangC {
        traffic_erlangs: a,
        agents: n,
        p_wait,
        service_level,
        asa_s: Some(p_wait * aht_s / (nf - a)),
        occupancy: a / nf,
    }
}

/// Erlang A (M/M/N+M) metrics, each labelled by what it counts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ErlangA {
    pub traffic_erlangs: f64,
    pub agents: u32,
    /// Probability an arrival finds all agents busy.
    pub p_wait: f64,
    /// Probability an arrival abandons before being answered.
    pub p_abandon: f64,
    /// Answered within `T` / offered (every arrival): kefu's default.
    pub service_level: f64,
    /// Answered within `T` / answered.
    pub service_level_answered: f64,
    /// Mean time in queue over all arrivals (abandoners count their wait until they leave).
    pub asa_s: f64,
    /// Mean wait of answered contacts; `None` when nobody is answered.
    pub asa_answered_s: Option<f64>,
    /// Carried load per agent: `A·(1 − P(abandon)) / N`.
    pub occupancy: f64,
}

/// Log-scaled sums over `w_j = y^j / Π_{i=1..j}(x+i)`, `j ≥ 0`; every field is the sum
/// divided by `exp(log_scale)`.
#[derive(Debug, Clone, Copy)]
struct Sums {
    log_scale: f64,
    /// Σ w_j (= x·S(x, y)).
    s0: f64,
    /// Σ w_j · x/(x+j+1): served given j ahead.
    served: f64,
    /// Σ w_j · (j+1)/(x+j+1): abandons given j ahead.
    abandoned: f64,
    /// Σ w_j · x/(x+j+1) · Σ_{i=0..j} 1/(x+i+1): θ·E[wait·1{served}] given j ahead.
    served_wait: f64,
}

const SCALE_AT: f64 = 1e250;
/// Largest `y − x` (queue length at the series peak) Erlang A evaluates.
const MAX_SERIES_PEAK: f64 = 5e7;

fn queue_sums(x: f64, y: f64) -> Sums {
    let mut s = Sums {
        log_scale: 0.0,
        s0: 0.0,
        served: 0.0,
        abandoned: 0.0,
        served_wait: 0.0,
    };
    let mut w = 1.0f64;
    let mut h = 0.0f64;
    let mut j = 0.0f64;
    loop {
        let inv_d = 1.0 / (x + j + 1.0);
        h += inv_d;
        let wx = w * x * inv_d;
        s.s0 += w;
        s.served += wx;
        s.abandoned += w * (j + 1.0) * inv_d;
        s.served_wait += wx * h;
        let ratio = y * inv_d;
        w *= ratio;
        if w > SCALE_AT {
            let f = 1.0 / SCALE_AT;
            w *= f;
            s.s0 *= f;
            s.served *= f;
            s.abandoned *= f;
            s.served_wait *= f;
            s.log_scale += SCALE_AT.ln();
        }
        j += 1.0;
        // Past the peak the remaining terms are bounded by a geometric tail.
        if ratio < 1.0 && (w * ratio / (1.0 - ratio) < 1e-17 * s.s0 || w == 0.0) {
            break;
        }
    }
    s
}

/// `ln S(a, z)` with `S(a, z) = Σ_k z^k / Π_{i=0..k}(a+i)`, so that the lower incomplete
/// gamma function is `γ(a, z) = z^a e^{−z} S(a, z)`. Requires `a > 0`.
fn ln_s(a: f64, z: f64) -> f64 {
    let mut t = 1.0 / a;
    let mut sum = 0.0;
    let mut scale = 0.0;
    let mut k = 0.0;
    loop {
        sum += t;
        let ratio = z / (a + k + 1.0);
        t *= ratio;
        if t > SCALE_AT {
            t /= SCALE_AT;
            sum /= SCALE_AT;
            scale += SCALE_AT.ln();
        }
        k += 1.0;
        if ratio < 1.0 && (t * ratio / (1.0 - ratio) < 1e-17 * sum || t == 0.0) {
            break;
        }
    }
    sum.ln() + scale
}

/// Erlang A for traffic `a`, `n` agents, AHT, mean patience and threshold `t_s`.
pub fn erlang_a(a: f64, n: u32, aht_s: f64, patience_s: f64, t_s: f64) -> Result<ErlangA> {
    check("traffic", a, false)?;
    check("aht_s", aht_s, true)?;
    check("patience_s", patience_s, true)?;
    check("answer_within_s", t_s, false)?;
    let nf = f64::from(n);
    if a == 0.0 {
        return Ok(ErlangA {
            traffic_erlangs: a,
            agents: n,
            p_wait: 0.0,
            p_abandon: 0.0,
            service_level: 1.0,
            service_level_answered: 1.0,
            asa_s: 0.0,
            asa_answered_s: Some(0.0),
            occupancy: 0.0,
        });
    }
    if n == 0 {
        return Ok(ErlangA {
            traffic_erlangs: a,
            agents: 0,
            p_wait: 1.0,
            p_abandon: 1.0,
            service_level: 0.0,
            service_level_answered: 0.0,
            asa_s: patience_s,
            asa_answered_s: None,
            occupancy: 0.0,
        });
    }
    let mu = 1.0 / aht_s;
    let theta = 1.0 / patience_s;
    let lambda = a * mu;
    let x = nf * mu / theta;
    let y = lambda / theta;
    // The series peaks near j = y − x; past ~5e7 terms the model is far outside any
    // contact centre (patience millions of times the AHT under overload).
    if y - x > MAX_SERIES_PEAK {
        return Err(WfmError::InvalidInput {
            name: "patience_s",
            value: patience_s,
            why: "too long for Erlang A at this overload; use Erlang C or more agents",
        });
    }
    let sums = queue_sums(x, y);
    // Σ_{k<N} π_k / π_N = 1/E_B − 1 with E_B = Erlang B for (a, N).
    let eb = erlang_b(a, n);
    let ln_below = if eb >= 1.0 {
        f64::NEG_INFINITY
    } else {
        (1.0 - eb).ln() - eb.ln()
    };
    let ln_queue = sums.s0.ln() + sums.log_scale;
    // P(wait) = Q / (below + Q), computed as 1 / (1 + below/Q).
    let p_wait = 1.0 / (1.0 + (ln_below - ln_queue).exp());
    let served_given_wait = sums.served / sums.s0;
    let p_abandon = p_wait * sums.abandoned / sums.s0;
    // Answered within T among those who wait: ∫_0^T v(t)e^{−θt}dt, i.e.
    // served_given_wait · (1 − γ(x+1, z)/γ(x+1, y)), z = y·e^{−θT}.
    let within_given_wait = if t_s == 0.0 {
        0.0
    } else {
        let z = y * (-theta * t_s).exp();
        // S(x+1, y) = Σ w_j·x/(x+j+1) / x: already summed as `served`.
        let ln_s_y = sums.served.ln() + sums.log_scale - x.ln();
        let ln_r = -theta * t_s * (x + 1.0) + (y - z) + ln_s(x + 1.0, z) - ln_s_y;
        served_given_wait * (1.0 - ln_r.exp()).clamp(0.0, 1.0)
    };
    let answered_within = (1.0 - p_wait) + p_wait * within_given_wait;
    let answered = 1.0 - p_abandon;
    let served_wait = p_wait * sums.served_wait / sums.s0 / theta;
    Ok(ErlangA {
        traffic_erlangs: a,
        agents: n,
        p_wait,
        p_abandon,
        service_level: answered_within.clamp(0.0, 1.0),
        service_level_answered: if answered > 0.0 {
            (answered_within / answered).clamp(0.0, 1.0)
        } else {
            0.0
        },
        asa_s: p_abandon / theta,
        asa_answered_s: (answered > 0.0).then(|| served_wait / answered),
        occupancy: (a * answered / nf).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_table() {
        // Published Erlang B table: A = 5, N = 10 → 1.84 %; A = 10, N = 15 → 3.65 %.
        assert!((erlang_b(5.0, 10) - 0.018385).abs() < 1e-5);
        assert!((erlang_b(10.0, 15) - 0.036496).abs() < 1e-5);
        assert_eq!(erlang_b(3.0, 0), 1.0);
        // A = 1, N = 1: 1/2.
        assert!((erlang_b(1.0, 1) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn erlang_b_forms_agree() {
        // Blocked (4-step) inverse recurrence against the plain direct recurrence.
        let direct = |a: f64, n: u32| {
            let mut b = 1.0f64;
            for k in 1..=n {
                b = a * b / (f64::from(k) + a * b);
            }
            b
        };
        for &(a, n) in &[
            (0.5, 7),
            (5.0, 10),
            (71.4, 84),
            (2000.0, 2500),
            (0.01, 300),
            (1e-3, 3000),
        ] {
            let (x, y) = (erlang_b(a, n), direct(a, n));
            assert!(
                (x - y).abs() <= 1e-12 * y.max(f64::MIN_POSITIVE) || (x == 0.0 && y < 1e-300),
                "A={a} N={n}: {x} vs {y}"
            );
        }
    }

    #[test]
    fn spec_example() {
        let a = traffic(100.0, 1800.0, 180.0).unwrap();
        assert!((a - 10.0).abs() < 1e-12);
        let c14 = erlang_c(a, 14, 180.0, 20.0).unwrap();
        assert!((c14.p_wait - 0.1741).abs() < 5e-4, "{c14:?}");
        assert!((c14.service_level - 0.888).abs() < 1e-3);
        assert!((c14.asa_s.unwrap() - 7.8).abs() < 0.05);
        let c13 = erlang_c(a, 13, 180.0, 20.0).unwrap();
        assert!((c13.service_level - 0.796).abs() < 1e-3);
    }

    #[test]
    fn huge_agent_counts_stay_quick() {
        // B underflows to 0 long before four billion steps.
        assert_eq!(erlang_b(10.0, u32::MAX), 0.0);
    }

    #[test]
    fn unstable_erlang_c() {
        let c = erlang_c(10.0, 10, 180.0, 20.0).unwrap();
        assert_eq!((c.p_wait, c.service_level, c.asa_s), (1.0, 0.0, None));
    }

    #[test]
    fn erlang_a_approaches_c_with_infinite_patience() {
        let c = erlang_c(10.0, 14, 180.0, 20.0).unwrap();
        let a = erlang_a(10.0, 14, 180.0, 1e9, 20.0).unwrap();
        assert!((a.p_wait - c.p_wait).abs() < 1e-5, "{a:?} {c:?}");
        assert!((a.service_level - c.service_level).abs() < 1e-5);
        assert!((a.asa_answered_s.unwrap() - c.asa_s.unwrap()).abs() < 1e-3);
        assert!(a.p_abandon < 1e-6);
    }

    #[test]
    fn erlang_a_large_is_finite() {
        for (a, n) in [(2000.0, 2500), (2000.0, 1900), (2500.0, 2000), (0.5, 2500)] {
            let m = erlang_a(a, n, 180.0, 180.0, 20.0).unwrap();
            for v in [m.p_wait, m.p_abandon, m.service_level, m.asa_s, m.occupancy] {
                assert!(v.is_finite() && (0.0..=f64::MAX).contains(&v), "{m:?}");
            }
        }
        // Absurd patience under overload is refused instead of summing forever.
        assert!(erlang_a(2000.0, 1000, 60.0, 1e12, 20.0).is_err());
        // Long patience, heavy overload: many series terms, still finite.
        let m = erlang_a(2000.0, 1500, 60.0, 3600.0, 20.0).unwrap();
        assert!(m.p_abandon > 0.2 && m.p_abandon < 0.3, "{m:?}");
    }
}
