//! Complaint crisis detection (危机识别): is the number of complaints on one topic in the last
//! N hours significantly above that topic's baseline?
//!
//! The test: complaints on a topic are modelled as a Poisson process. The baseline rate is
//! estimated from the `baseline_hours` before the window as (count + ½) / baseline_hours (the
//! ½ keeps a topic never seen before from having rate zero, which would make any single
//! complaint infinitely surprising). Under the null hypothesis "the rate has not changed", the
//! window count K is Poisson with mean λ = rate × window_hours. The one-sided p-value is the
//! Poisson upper tail P(K ≥ k | λ) = 1 − Σ_{i<k} e^{−λ} λ^i / i!. A topic raises an alert when
//! k ≥ `min_count` and p < α, where α is divided by the number of topics tested when
//! `bonferroni` is set (family-wise error control across topics).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::KpiError;

/// One complaint, reduced to its topic and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintEvent {
    pub topic: String,
    pub at: DateTime<Utc>,
}

/// Detector settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrisisConfig {
    /// Length of the recent window N, hours.
    pub window_hours: u32,
    /// Length of the baseline before the window, hours.
    pub baseline_hours: u32,
    /// Significance level α.
    pub alpha: f64,
    /// Fewest complaints in the window for an alert (guards against tiny counts).
    pub min_count: u64,
    /// Divide α by the number of topics tested.
    pub bonferroni: bool,
}

impl Default for CrisisConfig {
    fn default() -> Self {
        CrisisConfig {
            window_hours: 6,
            baseline_hours: 7 * 24,
            alpha: 0.001,
            min_count: 3,
            bonferroni: true,
        }
    }
}

/// The test's result for one topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicTest {
    pub topic: String,
    /// Complaints in the window.
    pub observed: u64,
    /// Complaints in the baseline.
    pub baseline: u64,
    /// Expected window count λ under the baseline rate.
    pub expected: f64,
    /// P(K ≥ observed | λ).
    pub p_value: f64,
    /// Whether this topic is a crisis.
    pub alert: bool,
}

/// P(X ≥ k) for X ~ Poisson(λ). Above the mean the tail is summed directly (accurate for tiny
/// tails); at or below it, as one minus the lower sum (the tail is then at least about ½).
/// Terms are formed in log space so a large λ does not underflow e^{−λ}.
pub fn poisson_upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 || lambda.is_nan() {
        return 0.0;
    }
    let ln_pmf = |i: u64, ln_fact: f64| i as f64 * lambda.ln() - lambda - ln_fact;
    if (k as f64) <= lambda {
        let mut lower = 0.0;
        let mut ln_fact = 0.0;
        for i in 0..k {
            if i > 1 {
                ln_fact += (i as f64).ln();
            }
            lower += ln_pmf(i, ln_fact).exp();
        }
        return (1.0 - lower).clamp(0.0, 1.0);
    }
    let ln_fact: f64 = (2..=k).map(|i| (i as f64).ln()).sum();
    let mut term = ln_pmf(k, ln_fact).exp();
    let mut sum = 0.0;
    let mut i = k;
    // Terms fall by a factor λ/i < 1 from here on.
    while term > 0.0 && term >= sum * 1e-17 {
        sum += term;
        i += 1;
        term *= lambda / i as f64;
    }
    sum.min(1.0)
}

/// Tests every topic seen in the window against its baseline. `now` is the end of the window
/// (exclusive); the window is `[now − window, now)`, the baseline the `baseline_hours` before.
/// Results are sorted by p-value, then topic.
pub fn detect(
    events: &[ComplaintEvent],
    now: DateTime<Utc>,
    cfg: &CrisisConfig,
) -> Result<Vec<TopicTest>, KpiError> {
    if cfg.window_hours == 0 || cfg.baseline_hours == 0 {
        return Err(KpiError::BadOption {
            name: "window_hours/baseline_hours",
            what: "must be at least 1".into(),
        });
    }
    if !(cfg.alpha > 0.0 && cfg.alpha < 1.0) {
        return Err(KpiError::BadOption {
            name: "alpha",
            what: format!("must be in (0, 1), got {}", cfg.alpha),
        });
    }
    let w_start = now - Duration::hours(i64::from(cfg.window_hours));
    let b_start = w_start - Duration::hours(i64::from(cfg.baseline_hours));
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for e in events {
        if e.at >= w_start && e.at < now {
            counts.entry(&e.topic).or_default().0 += 1;
        } else if e.at >= b_start && e.at < w_start {
            counts.entry(&e.topic).or_default().1 += 1;
        }
    }
    let tested = counts.values().filter(|c| c.0 > 0).count().max(1);
    let alpha = if cfg.bonferroni {
        cfg.alpha / tested as f64
    } else {
        cfg.alpha
    };
    let mut out: Vec<TopicTest> = counts
        .into_iter()
        .filter(|(_, c)| c.0 > 0)
        .map(|(topic, (observed, baseline))| {
            let expected = (baseline as f64 + 0.5) / f64::from(cfg.baseline_hours)
                * f64::from(cfg.window_hours);
            let p_value = poisson_upper_tail(observed, expected);
            TopicTest {
                topic: topic.to_string(),
                observed,
                baseline,
                expected,
                p_value,
                alert: observed >= cfg.min_count && p_value < alpha,
            }
        })
        .collect();
    out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.topic.cmp(&b.topic)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_tail_matches_hand_sum() {
        // λ = 2, k = 6: 1 − e^−2 (1 + 2 + 2 + 4/3 + 2/3 + 4/15) = 1 − e^−2 · 7.2666… = 0.016563608
        let want = 1.0 - (-2.0f64).exp() * (1.0 + 2.0 + 2.0 + 4.0 / 3.0 + 2.0 / 3.0 + 4.0 / 15.0);
        assert!((poisson_upper_tail(6, 2.0) - want).abs() < 1e-12);
        assert!((want - 0.016_563_608).abs() < 1e-8);
        // k = 1: 1 − e^−λ.
        assert!((poisson_upper_tail(1, 0.5) - (1.0 - (-0.5f64).exp())).abs() < 1e-15);
        assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
        // A tail far beyond the mean: P(X ≥ 30 | 1) ≈ e^−1/30! · (1 + 1/31 + …) ≈ 1.38e−33,
        // far below what 1 − lower sum could resolve.
        let p = poisson_upper_tail(30, 1.0);
        let first = (-1.0f64).exp() / (1..=30).map(f64::from).product::<f64>();
        assert!(p > first && p < first * 1.04, "{p} vs {first}");
        // Below the mean the tail is large: P(X ≥ 5 | 50) is essentially 1.
        assert!(poisson_upper_tail(5, 50.0) > 0.999_999);
    }

    fn ev(topic: &str, at: &str) -> ComplaintEvent {
        ComplaintEvent {
            topic: topic.into(),
            at: at.parse().unwrap(),
        }
    }

    #[test]
    fn surge_alerts_and_steady_topic_does_not() {
        let now: DateTime<Utc> = "2026-06-08T00:00:00Z".parse().unwrap();
        let mut events = Vec::new();
        // "billing": 168 complaints in the 168-hour baseline (one an hour), 6 in the last 6 h:
        // λ = 168.5/168·6 ≈ 6.018, P(K ≥ 6) ≈ 0.55 → no alert.
        for h in 0..168 {
            let t = now - Duration::hours(6) - Duration::hours(h) - Duration::minutes(30);
            events.push(ComplaintEvent {
                topic: "billing".into(),
                at: t,
            });
        }
        for h in 0..6 {
            events.push(ComplaintEvent {
                topic: "billing".into(),
                at: now - Duration::hours(h) - Duration::minutes(1),
            });
        }
        // "battery": 2 in the baseline, 9 in the window: λ = 2.5/168·6 = 0.0893,
        // P(K ≥ 9) ≈ e^−λ λ^9/9! ≈ 7.1e−16 → alert (α/2 = 0.0005).
        events.push(ev("battery", "2026-06-02T00:00:00Z"));
        events.push(ev("battery", "2026-06-03T00:00:00Z"));
        for m in 0..9 {
            events.push(ComplaintEvent {
                topic: "battery".into(),
                at: now - Duration::minutes(10 + 20 * m),
            });
        }
        // Outside both windows: ignored.
        events.push(ev("battery", "2026-05-01T00:00:00Z"));
        let r = detect(&events, now, &CrisisConfig::default()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].topic, "battery");
        assert_eq!((r[0].observed, r[0].baseline), (9, 2));
        let lambda = 2.5 / 168.0 * 6.0;
        assert!((r[0].expected - lambda).abs() < 1e-12);
        let approx = (-lambda).exp() * lambda.powi(9) / 362_880.0;
        assert!((r[0].p_value / approx - 1.0).abs() < 0.02);
        assert!(r[0].alert);
        assert_eq!(r[1].topic, "billing");
        assert_eq!((r[1].observed, r[1].baseline), (6, 168));
        assert!(r[1].p_value > 0.4 && r[1].p_value < 0.7, "{}", r[1].p_value);
        assert!(!r[1].alert);
    }

    #[test]
    fn min_count_guards_small_numbers() {
        let now: DateTime<Utc> = "2026-06-08T00:00:00Z".parse().unwrap();
        // A brand-new topic with 2 complaints is very unlikely (λ = 0.5/168·6) but below
        // min_count 3.
        let events = vec![
            ev("new", "2026-06-07T23:00:00Z"),
            ev("new", "2026-06-07T22:00:00Z"),
        ];
        let r = detect(&events, now, &CrisisConfig::default()).unwrap();
        assert!(r[0].p_value < 0.001);
        assert!(!r[0].alert);
        let bad = CrisisConfig {
            alpha: 0.0,
            ..CrisisConfig::default()
        };
        assert!(detect(&events, now, &bad).is_err());
    }
}
