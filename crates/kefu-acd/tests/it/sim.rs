//! The simulator: scenario features, determinism, figures.

use kefu_acd::sim::{Options, Scenario, simulate};

fn run(yaml: &str, seed: u64) -> kefu_acd::sim::Outcome {
    simulate(
        &Scenario::from_yaml(yaml).unwrap(),
        Options {
            seed,
            log: true,
            ..Options::default()
        },
    )
    .unwrap()
}

const BASE: &str = "
days: 1
queues:
  - {id: q, required_skills: {s: 1}}
arrivals:
  - {queue: q, rate_per_hour: 120}
handle_time: {distribution: fixed, mean_s: 60}
agents:
  - {name: a, count: 3, skills: {s: 1}}
";

#[test]
fn same_seed_same_run_and_every_contact_accounted_for() {
    let a = run(BASE, 5);
    let b = run(BASE, 5);
    assert_eq!(a.report.totals, b.report.totals);
    let t = &a.report.totals;
    assert_eq!(t.offered, a.report.contacts);
    assert_eq!(
        t.offered,
        t.answered + t.abandoned + t.exited + t.unresolved
    );
    assert_eq!(t.abandoned, 0, "no patience: nobody abandons");
    assert!((t.aht_s.unwrap() - 60.0).abs() < 1e-9, "fixed handle time");
    // 2 Erlangs on 3 agents.
    assert!(
        (t.occupancy.unwrap() - 2.0 / 3.0).abs() < 0.05,
        "{:?}",
        t.occupancy
    );
    for r in &a.log {
        if let (Some(x), Some(e)) = (r.answered_at_s, r.ended_at_s) {
            assert!((e - x - 60.0).abs() < 1e-6);
        }
    }
}

#[test]
fn per_interval_arrivals_follow_the_day_profile() {
    // 48 half-hours: nothing at night, 100 contacts per half hour 08:00–18:00.
    let rates: Vec<String> = (0..48)
        .map(|i| {
            if (16..36).contains(&i) {
                "100".into()
            } else {
                "0".into()
            }
        })
        .collect();
    let yaml = BASE.replace(
        "rate_per_hour: 120",
        &format!("per_interval: [{}]", rates.join(", ")),
    );
    let out = run(&yaml, 1);
    let by_iv: Vec<(u32, u64)> = out
        .report
        .intervals
        .iter()
        .map(|i| (i.interval, i.figures.offered))
        .collect();
    assert!(
        by_iv.iter().all(|&(i, _)| (16..36).contains(&i)),
        "{by_iv:?}"
    );
    let total: u64 = by_iv.iter().map(|x| x.1).sum();
    assert!((1800..2200).contains(&total), "{total}");
    let bad = BASE.replace("rate_per_hour: 120", "per_interval: [1, 2, 3]");
    assert!(simulate(&Scenario::from_yaml(&bad).unwrap(), Options::default()).is_err());
}

#[test]
fn shifts_patience_short_abandons_and_distributions() {
    let yaml = "
days: 2
short_abandon_s: 5
queues:
  - {id: q, required_skills: {s: 1}, wrap_up_s: 10}
arrivals:
  - {queue: q, rate_per_hour: 60}
handle_time: {distribution: lognormal, mean_s: 120, sd_s: 60}
patience: {distribution: exponential, mean_s: 60}
agents:
  - {name: day, count: 2, skills: {s: 1}, shift: \"08:00-20:00\"}
";
    let out = run(yaml, 3);
    let t = &out.report.totals;
    // Nobody works at night: night-time callers abandon.
    let night: Vec<_> = out
        .log
        .iter()
        .filter(|r| (r.offered_at_s % 86_400.0) < 7.0 * 3600.0)
        .collect();
    assert!(!night.is_empty());
    assert!(
        night
            .iter()
            .all(|r| r.answered_at_s.is_none_or(|a| a % 86_400.0 >= 8.0 * 3600.0))
    );
    assert!(t.abandoned > 0 && t.short_abandoned > 0);
    assert_eq!(t.offered + t.short_abandoned, out.report.contacts);
    let aht = t.aht_s.unwrap();
    assert!((100.0..140.0).contains(&aht), "lognormal mean 120: {aht}");
    // Agents are named NAME-k.
    assert!(
        out.log
            .iter()
            .filter_map(|r| r.agent.as_deref())
            .all(|a| a == "day-1" || a == "day-2")
    );
}

#[test]
fn overflow_and_skills_routing_in_a_scenario() {
    let yaml = "
days: 1
queues:
  - {id: billing, required_skills: {billing: 2}, overflow: {after_s: 30, to: general},
     max_wait: {after_s: 600, exit: voicemail}}
  - {id: general, strategy: least_occupied, required_skills: {general: 1}}
arrivals:
  - {queue: billing, rate_per_hour: 60}
  - {queue: general, rate_per_hour: 30}
handle_time: {distribution: exponential, mean_s: 240}
agents:
  - {name: b, count: 1, skills: {billing: 2}}
  - {name: g, count: 3, skills: {general: 1}}
";
    let out = run(yaml, 9);
    let billing_by_g = out
        .log
        .iter()
        .filter(|r| r.agent.as_deref().is_some_and(|a| a.starts_with("g-")) && r.queue == "general")
        .count();
    let q: Vec<&str> = out.report.queues.iter().map(|q| q.queue.as_str()).collect();
    assert_eq!(q, vec!["billing", "general"]);
    // Overflowed billing contacts end up answered by general agents (logged under general).
    assert!(billing_by_g > 0);
    assert!(
        out.log
            .iter()
            .filter(|r| r.queue == "billing")
            .all(|r| r.agent.as_deref().is_none_or(|a| a == "b-1"))
    );
}
