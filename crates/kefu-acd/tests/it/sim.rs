//! The simulator: scenario features, determinism, figures.

use kefu_acd::sim::{Options, ReplayContact, Scenario, simulate};

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

/// Billing (one agent with the billing skill) overflows to general (two agents with only the
/// general skill) after 30 s. Five billing contacts at fixed times with fixed handle times,
/// worked by hand:
///
/// | contact | arrives | handle | with overflow                          | without overflow        |
/// |---------|---------|--------|----------------------------------------|-------------------------|
/// | 0       | 0 s     | 200 s  | billing, b-1 at 0 s                    | b-1 at 0 s              |
/// | 1       | 10 s    | 300 s  | general at 40 s, g-1 at 40 s           | b-1 at 200 s            |
/// | 2       | 20 s    | 300 s  | general at 50 s, g-2 at 50 s           | b-1 at 500 s            |
/// | 3       | 150 s   | 60 s   | general at 180 s; b-1 is free from     | max wait: voicemail at  |
/// |         |         |        | 200 s but lacks the skill; g-1 at 340 s| 750 s                   |
/// | 4       | 400 s   | 60 s   | billing, b-1 at 400 s                  | b-1 at 800 s            |
///
/// An overflowed contact keeps its arrival time, so its wait counts from its arrival in
/// billing, and the simulator reports it under the queue that answered it.
const OVERFLOW: &str = "
days: 1
queues:
  - {id: billing, required_skills: {billing: 2}, overflow: {after_s: 30, to: general},
     max_wait: {after_s: 600, exit: voicemail}}
  - {id: general, strategy: least_occupied, required_skills: {general: 1}}
handle_time: {distribution: fixed, mean_s: 240}
agents:
  - {name: b, count: 1, skills: {billing: 2}}
  - {name: g, count: 2, skills: {general: 1}}
";

fn replay_billing(yaml: &str) -> kefu_acd::sim::Outcome {
    let contacts = [
        (0.0, 200.0),
        (10.0, 300.0),
        (20.0, 300.0),
        (150.0, 60.0),
        (400.0, 60.0),
    ]
    .into_iter()
    .map(|(at, handle)| ReplayContact {
        queue: "billing".into(),
        offered_at_s: at,
        priority: 0,
        vip: false,
        handle_s: Some(handle),
        patience_s: None,
        answered_at_s: None,
        abandoned_at_s: None,
        ended_at_s: None,
    })
    .collect();
    simulate(
        &Scenario::from_yaml(yaml).unwrap(),
        Options {
            log: true,
            replay: Some(contacts),
            ..Options::default()
        },
    )
    .unwrap()
}

/// A contact's outcome: (queue reported, agent, answered at s, ended at s).
type ContactOutcome<'a> = (&'a str, Option<&'a str>, Option<f64>, Option<f64>);

fn outcomes(out: &kefu_acd::sim::Outcome) -> Vec<ContactOutcome<'_>> {
    out.log
        .iter()
        .map(|r| {
            (
                r.queue.as_str(),
                r.agent.as_deref(),
                r.answered_at_s,
                r.ended_at_s,
            )
        })
        .collect()
}

#[test]
fn overflow_and_skills_routing_in_a_scenario() {
    let out = replay_billing(OVERFLOW);
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
    // Every contact arrived in billing: the three that waited 30 s there were answered in
    // general, the last one after the billing agent had been idle for 140 s.
    assert_eq!(
        outcomes(&out),
        vec![
            ("billing", Some("b-1"), Some(0.0), Some(200.0)),
            ("general", Some("g-1"), Some(40.0), Some(340.0)),
            ("general", Some("g-2"), Some(50.0), Some(350.0)),
            ("general", Some("g-1"), Some(340.0), Some(400.0)),
            ("billing", Some("b-1"), Some(400.0), Some(460.0)),
        ]
    );
    let billing = &out.report.queues[0].figures;
    let general = &out.report.queues[1].figures;
    assert_eq!(
        (billing.offered, billing.answered, billing.exited),
        (2, 2, 0)
    );
    assert_eq!(billing.answered_within_threshold, 2);
    assert_eq!(billing.asa_s, Some(0.0));
    assert_eq!(
        (general.offered, general.answered, general.exited),
        (3, 3, 0)
    );
    // Waits 30, 30 and 190 s from arrival in billing: none within the 20 s threshold.
    assert_eq!(general.answered_within_threshold, 0);
    assert!(
        (general.asa_s.unwrap() - 250.0 / 3.0).abs() < 1e-9,
        "{:?}",
        general.asa_s
    );
    assert_eq!(out.report.totals.answered, 5);

    // The same day without the overflow: the billing agent works through the queue alone and
    // contact 3 reaches the 600 s maximum wait.
    let out = replay_billing(&OVERFLOW.replace(" overflow: {after_s: 30, to: general},", ""));
    assert_eq!(
        outcomes(&out),
        vec![
            ("billing", Some("b-1"), Some(0.0), Some(200.0)),
            ("billing", Some("b-1"), Some(200.0), Some(500.0)),
            ("billing", Some("b-1"), Some(500.0), Some(800.0)),
            ("billing", None, None, None),
            ("billing", Some("b-1"), Some(800.0), Some(860.0)),
        ]
    );
    let billing = &out.report.queues[0].figures;
    let general = &out.report.queues[1].figures;
    assert_eq!(
        (billing.offered, billing.answered, billing.exited),
        (5, 4, 1)
    );
    assert_eq!(billing.answered_within_threshold, 1);
    // Waits 0, 190, 480 and 400 s; contact 3 left after 600 s.
    assert_eq!(billing.asa_s, Some(267.5));
    assert_eq!(billing.average_queue_time_s, Some((1070.0 + 600.0) / 5.0));
    assert_eq!(general.offered, 0);
}

/// A random day where general has no arrivals of its own: whatever general answers came from
/// billing by overflow, after exactly the 30 s delay or later, and billing answers only within
/// those 30 s. Without the overflow the overloaded billing queue sends callers to voicemail.
#[test]
fn overflow_moves_billing_contacts_to_general_after_the_delay() {
    let yaml = "
days: 1
queues:
  - {id: billing, required_skills: {billing: 2}, overflow: {after_s: 30, to: general},
     max_wait: {after_s: 600, exit: voicemail}}
  - {id: general, strategy: least_occupied, required_skills: {general: 1}}
arrivals:
  - {queue: billing, rate_per_hour: 60}
handle_time: {distribution: exponential, mean_s: 120}
agents:
  - {name: b, count: 1, skills: {billing: 2}}
  - {name: g, count: 3, skills: {general: 1}}
";
    let out = run(yaml, 9);
    // In whole ms (the log's seconds are ms / 1000, whose differences are not exact).
    let wait = |r: &kefu_acd::sim::LogRecord| {
        r.answered_at_s
            .map(|a| ((a - r.offered_at_s) * 1000.0).round() as u64)
    };
    let general: Vec<_> = out.log.iter().filter(|r| r.queue == "general").collect();
    let billing: Vec<_> = out.log.iter().filter(|r| r.queue == "billing").collect();
    assert!(general.len() > 100, "{} overflowed", general.len());
    assert!(billing.len() > 100, "{} kept in billing", billing.len());
    assert!(general.iter().all(|r| wait(r).is_none_or(|w| w >= 30_000)));
    assert!(
        general
            .iter()
            .all(|r| r.agent.as_deref().is_none_or(|a| a.starts_with("g-")))
    );
    assert!(billing.iter().all(|r| wait(r).is_some_and(|w| w < 30_000)));
    assert!(billing.iter().all(|r| r.agent.as_deref() == Some("b-1")));
    let figures = |o: &kefu_acd::sim::Outcome, i: usize| o.report.queues[i].figures.clone();
    assert_eq!(
        figures(&out, 0).exited,
        0,
        "every billing caller left by overflow"
    );
    assert_eq!(figures(&out, 1).offered, general.len() as u64);

    let out = run(
        &yaml.replace(" overflow: {after_s: 30, to: general},", ""),
        9,
    );
    assert_eq!(figures(&out, 1).offered, 0);
    let billing = figures(&out, 0);
    assert_eq!(billing.offered, out.report.contacts);
    assert!(billing.exited > 100, "{billing:?}");
}
