//! One simulated day of 1M contacts with 5k agents (bench/sim/day.yaml). Goal: under 2 s.
//! `bench/sim/run.py` runs the same scenario in SimPy and prints the ratio.

use criterion::Criterion;
use kefu_acd::sim::{Options, Scenario, simulate};
use std::time::Instant;

const DAY: &str = include_str!("../../../bench/sim/day.yaml");

fn main() {
    let sc = Scenario::from_yaml(DAY).expect("bench/sim/day.yaml parses");
    // `cargo bench` passes --bench; without it (cargo test --benches) parsing is the test.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let t = Instant::now();
    let out = simulate(
        &sc,
        Options {
            seed: 1,
            ..Options::default()
        },
    )
    .unwrap();
    let dt = t.elapsed().as_secs_f64();
    let tot = &out.report.totals;
    println!(
        "sim_day: {} contacts, {} decisions in {dt:.2} s ({:.0} contacts/s); SL {:.3}, ASA {:.1} s, abandon {:.3}, occupancy {:.3}",
        out.report.contacts,
        out.decisions,
        out.report.contacts as f64 / dt,
        tot.service_level.unwrap_or(0.0),
        tot.asa_s.unwrap_or(0.0),
        tot.abandon_rate.unwrap_or(0.0),
        tot.occupancy.unwrap_or(0.0),
    );
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("sim_day_1m_contacts_5k_agents", |b| {
        b.iter(|| {
            simulate(
                &sc,
                Options {
                    seed: 1,
                    no_intervals: true,
                    ..Options::default()
                },
            )
            .unwrap()
            .report
            .contacts
        })
    });
    c.final_summary();
}
