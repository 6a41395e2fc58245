//! Criterion benchmarks of the workforce engine on the inputs `bench/wfm/run.py` uses.

use criterion::{Criterion, criterion_group, criterion_main};
use kefu_wfm::erlang::{erlang_a, erlang_c};
use kefu_wfm::schedule::{Objective, SolveOptions, solve};
use kefu_wfm::staffing::{StaffInput, Staffer, Targets, staff};
use std::hint::black_box;

#[path = "common/instance.rs"]
mod instance;
use instance::schedule_instance;

/// 96 quarter-hour intervals × `queues` with a two-peak day (deterministic).
fn intervals(queues: usize) -> Vec<(f64, f64)> {
    let mut seed: u64 = 7;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::new();
    for _ in 0..queues {
        let scale = 5.0 + 395.0 * next();
        let aht = [120.0, 180.0, 240.0, 300.0, 420.0][(next() * 5.0) as usize % 5];
        for i in 0..96 {
            let h = i as f64 / 4.0;
            let shape =
                (-(h - 11.0f64).powi(2) / 8.0).exp() + 0.8 * (-(h - 16.0f64).powi(2) / 6.0).exp();
            out.push(((scale * shape * (0.85 + 0.3 * next())).round(), aht));
        }
    }
    out
}

fn targets() -> Targets {
    Targets {
        service_level: Some(0.8),
        answer_within_s: 20.0,
        max_occupancy: Some(0.85),
        ..Targets::default()
    }
}

fn bench_staffing(c: &mut Criterion) {
    let rows = intervals(100);
    c.bench_function("staff_erlang_c_96x100", |b| {
        b.iter(|| {
            let mut total = 0u64;
            for &(calls, aht) in &rows {
                let s = staff(&StaffInput {
                    calls,
                    interval_s: 900.0,
                    aht_s: aht,
                    patience_s: None,
                    shrinkage: Some(0.3),
                    targets: targets(),
                })
                .unwrap();
                total += u64::from(s.agents);
            }
            black_box(total)
        })
    });
    c.bench_function("staff_erlang_c_96x100_staffer", |b| {
        let staffer = Staffer::new(900.0, None, Some(0.3), targets()).unwrap();
        b.iter(|| {
            let total: u64 = staffer
                .staff_all(&rows)
                .into_iter()
                .map(|s| u64::from(s.unwrap().agents))
                .sum();
            black_box(total)
        })
    });
    let rows_a: Vec<(f64, f64)> = intervals(1)
        .into_iter()
        .map(|(c, a)| (c * 3.0, a))
        .collect();
    c.bench_function("staff_erlang_a_96", |b| {
        b.iter(|| {
            let mut total = 0u64;
            for &(calls, aht) in &rows_a {
                let s = staff(&StaffInput {
                    calls,
                    interval_s: 900.0,
                    aht_s: aht,
                    patience_s: Some(180.0),
                    shrinkage: None,
                    targets: Targets {
                        max_occupancy: None,
                        ..targets()
                    },
                })
                .unwrap();
                total += u64::from(s.agents);
            }
            black_box(total)
        })
    });
    c.bench_function("erlang_a_A2000_N2500", |b| {
        b.iter(|| erlang_a(black_box(2000.0), black_box(2500), 180.0, 180.0, 20.0).unwrap())
    });
    c.bench_function("erlang_a_A2000_N1900_patience3600", |b| {
        b.iter(|| erlang_a(black_box(2000.0), black_box(1900), 180.0, 3600.0, 20.0).unwrap())
    });
    c.bench_function("erlang_c_A2000_N2100", |b| {
        b.iter(|| erlang_c(black_box(2000.0), black_box(2100), 180.0, 20.0).unwrap())
    });
}

fn bench_schedule(c: &mut Criterion) {
    let mut g = c.benchmark_group("schedule_7x96");
    g.sample_size(10);
    for breaks in [false, true] {
        let (spec, req) = schedule_instance(breaks, 7);
        let types = spec.shift_types().unwrap();
        g.bench_function(
            if breaks {
                "with_breaks"
            } else {
                "without_breaks"
            },
            |b| {
                b.iter(|| {
                    solve(
                        &req,
                        &types,
                        Objective::default(),
                        SolveOptions { mip_gap: None },
                    )
                    .unwrap()
                    .cost
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench_staffing, bench_schedule);
criterion_main!(benches);
