//! Validation of the simulator against queueing theory: for one queue with Poisson arrivals
//! and exponential handle times, the simulated service level and ASA agree with Erlang C (no
//! abandonment) and Erlang A (exponential patience) within sampling error — a confidence
//! interval over independent replications (different seeds) must contain the formula's value.
//!
//! The formulas are computed here, from SPEC.md's "Workforce formulas" (a local helper: the
//! simulator must not be checked against itself).

use kefu_acd::sim::{Options, Scenario, simulate};

/// Erlang C per SPEC.md: (P(wait), SL(T), ASA) for arrival rate `lambda` per second, handle
/// time `aht` seconds, `n` agents, threshold `t` seconds.
pub fn erlang_c(lambda: f64, aht: f64, n: u32, t: f64) -> (f64, f64, f64) {
    let a = lambda * aht;
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    let nf = f64::from(n);
    let pw = nf * b / (nf - a * (1.0 - b));
    let sl = 1.0 - pw * (-(nf - a) * t / aht).exp();
    let asa = pw * aht / (nf - a);
    (pw, sl, asa)
}

/// Erlang A (M/M/n+M, Garnett–Mandelbaum–Reiman) computed exactly from its birth–death chain:
/// returns (SL(T) = answered within T / offered, ASA over answered, P(abandon)).
///
/// An arrival that finds `n + j − 1` in the system waits at position `j`; it moves up at rate
/// `n·μ + (k−1)·θ` from position `k` (a service ends, or someone ahead abandons) and abandons
/// at rate θ. P(served within T) comes from uniformization of that chain; the expected wait of
/// the served from the expected time spent at each position.
pub fn erlang_a(lambda: f64, aht: f64, n: u32, patience: f64, t: f64) -> (f64, f64, f64) {
    let mu = 1.0 / aht;
    let theta = 1.0 / patience;
    let nf = f64::from(n);
    // Stationary distribution, truncated where it is negligible.
    let mut p = vec![1.0f64];
    loop {
        let k = p.len() as f64;
        let death = k.min(nf) * mu + (k - nf).max(0.0) * theta;
        let next = p[p.len() - 1] * lambda / death;
        p.push(next);
        if k > nf + 10.0 && next < 1e-16 * p.iter().sum::<f64>() {
            break;
        }
    }
    let total: f64 = p.iter().sum();
    for x in &mut p {
        *x /= total;
    }
    let n_us = n as usize;
    let p_nowait: f64 = p[..n_us].iter().sum();
    let jmax = p.len() - n_us; // positions 1..=jmax
    let r = |k: usize| nf * mu + (k as f64 - 1.0) * theta; // rate of moving up from position k
    // s[k]: P(served | at position k).
    let mut s = vec![1.0f64; jmax + 1];
    for k in 1..=jmax {
        s[k] = s[k - 1] * r(k) / (r(k) + theta);
    }
    let mut p_served = p_nowait;
    let mut wait_served = 0.0;
    for j in 1..=jmax {
        let w = p[n_us + j - 1];
        p_served += w * s[j];
        // Σ_k P(reach k from j)/(r_k+θ) · s[k]; P(reach k from j) = s[j]/s[k].
        let e: f64 = (1..=j).map(|k| (s[j] / s[k]) / (r(k) + theta) * s[k]).sum();
        wait_served += w * e;
    }
    // Uniformization for P(served within t).
    let big = r(jmax) + theta;
    let mut v: Vec<f64> = (0..=jmax)
        .map(|k| if k == 0 { 0.0 } else { p[n_us + k - 1] })
        .collect();
    let mut served = 0.0; // absorbed into service after m steps
    let mut pois = (-big * t).exp();
    let mut cum_pois = pois;
    let mut within = served * pois;
    let mut m = 0u32;
    while cum_pois < 1.0 - 1e-13 && m < 10_000 {
        m += 1;
        let mut nv = vec![0.0; jmax + 1];
        for k in 1..=jmax {
            let up = r(k) / big;
            let stay = 1.0 - (r(k) + theta) / big;
            if k == 1 {
                served += v[k] * up;
            } else {
                nv[k - 1] += v[k] * up;
            }
            nv[k] += v[k] * stay;
        }
        v = nv;
        pois *= big * t / f64::from(m);
        cum_pois += pois;
        within += served * pois;
    }
    let sl = p_nowait + within;
    let asa = wait_served / p_served;
    (sl, asa, 1.0 - p_served)
}

#[test]
fn erlang_helpers_match_the_spec_example() {
    let lambda = 100.0 / 1800.0;
    let (pw, sl, asa) = erlang_c(lambda, 180.0, 14, 20.0);
    assert!((pw - 0.1741).abs() < 5e-4, "{pw}");
    assert!((sl - 0.888).abs() < 1e-3, "{sl}");
    assert!((asa - 7.8).abs() < 0.05, "{asa}");
    let (_, sl13, _) = erlang_c(lambda, 180.0, 13, 20.0);
    assert!((sl13 - 0.796).abs() < 1e-3, "{sl13}");
    // Erlang A tends to Erlang C as patience grows.
    let (sla, asaa, pab) = erlang_a(lambda, 180.0, 14, 1e9, 20.0);
    assert!(
        (sla - sl).abs() < 1e-6 && (asaa - asa).abs() < 1e-4 && pab < 1e-6,
        "{sla} {asaa} {pab}"
    );
}

/// Mean and half-width of a 99% confidence interval (Student t) over replications.
fn ci99(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // t(0.995) for 9, 11, 15, 19 degrees of freedom.
    let t = match xs.len() {
        10 => 3.250,
        12 => 3.106,
        16 => 2.947,
        20 => 2.861,
        _ => 3.0,
    };
    (mean, t * (var / n).sqrt())
}

/// Runs `reps` replications and returns (SL, ASA) of each.
fn replicate(yaml: &str, reps: u64) -> (Vec<f64>, Vec<f64>) {
    let sc = Scenario::from_yaml(yaml).unwrap();
    let mut sl = Vec::new();
    let mut asa = Vec::new();
    for seed in 1..=reps {
        let out = simulate(
            &sc,
            Options {
                seed: 1000 + seed,
                no_intervals: true,
                ..Options::default()
            },
        )
        .unwrap();
        let t = out.report.totals;
        sl.push(t.service_level.unwrap());
        asa.push(t.asa_s.unwrap());
    }
    (sl, asa)
}

fn scenario(agents: u32, patience: Option<f64>) -> String {
    format!(
        "days: 4
warmup_minutes: 60
queues:
  - {{id: q, strategy: longest_idle, required_skills: {{s: 1}}, service_level: {{target: 0.8, answer_within_s: 20}}}}
arrivals:
  - {{queue: q, rate_per_hour: 200}}
handle_time: {{distribution: exponential, mean_s: 180}}
{}
agents:
  - {{name: a, count: {agents}, skills: {{s: 1}}}}
",
        patience.map_or(String::new(), |p| format!("patience: {{distribution: exponential, mean_s: {p}}}"))
    )
}

#[test]
fn simulated_service_level_and_asa_agree_with_erlang_c() {
    let lambda = 200.0 / 3600.0;
    let (_, sl_c, asa_c) = erlang_c(lambda, 180.0, 14, 20.0);
    let (sl, asa) = replicate(&scenario(14, None), 16);
    let (m_sl, h_sl) = ci99(&sl);
    let (m_asa, h_asa) = ci99(&asa);
    eprintln!(
        "SL {m_sl:.4} ± {h_sl:.4} (Erlang C {sl_c:.4}); ASA {m_asa:.2} ± {h_asa:.2} s (Erlang C {asa_c:.2})"
    );
    assert!(
        (m_sl - sl_c).abs() <= h_sl,
        "SL {m_sl} ± {h_sl} misses Erlang C {sl_c}"
    );
    assert!(
        (m_asa - asa_c).abs() <= h_asa,
        "ASA {m_asa} ± {h_asa} misses Erlang C {asa_c}"
    );
    // The interval is tight enough to mean something.
    assert!(h_sl < 0.015 && h_asa < 1.2, "too wide: {h_sl} {h_asa}");
}

#[test]
fn simulated_service_level_and_asa_agree_with_erlang_a() {
    let lambda = 200.0 / 3600.0;
    // Understaffed enough that abandonment matters: 11 agents for 10 Erlangs, patience 120 s.
    let (sl_a, asa_a, p_ab) = erlang_a(lambda, 180.0, 11, 120.0, 20.0);
    let (sl, asa) = replicate(&scenario(11, Some(120.0)), 16);
    let (m_sl, h_sl) = ci99(&sl);
    let (m_asa, h_asa) = ci99(&asa);
    eprintln!(
        "SL {m_sl:.4} ± {h_sl:.4} (Erlang A {sl_a:.4}); ASA {m_asa:.2} ± {h_asa:.2} s (Erlang A {asa_a:.2}); P(ab) {p_ab:.3}"
    );
    assert!(p_ab > 0.03, "abandonment should matter here: {p_ab}");
    // And it differs from Erlang C's answer (which is undefined or far off here).
    assert!(
        (m_sl - sl_a).abs() <= h_sl,
        "SL {m_sl} ± {h_sl} misses Erlang A {sl_a}"
    );
    assert!(
        (m_asa - asa_a).abs() <= h_asa,
        "ASA {m_asa} ± {h_asa} misses Erlang A {asa_a}"
    );
    assert!(h_sl < 0.015 && h_asa < 0.8, "too wide: {h_sl} {h_asa}");
}
