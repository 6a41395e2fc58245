//! Benchmarks: a month of KPIs from 10 million accumulator-ready contacts (ingest into
//! 15-minute accumulators, then report), and reports from already-kept accumulators.
//!
//! Run: `cargo bench -p kefu-kpi -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kefu_kpi::{
    Buckets, Calendar, ComputeOptions, Contact, Direction, GroupBy, IngestOptions, Interval,
    OutboundOutcome, ReportSpec,
};

const CONTACTS: u64 = 10_000_000;
const QUEUES: u64 = 10;
const AGENTS: u64 = 100;
/// 2026-01-01T00:00:00+08:00 (Asia/Shanghai), as UTC ms.
const MONTH_START_MS: i64 = 1_767_196_800_000;
const MONTH_MS: u64 = 31 * 86_400_000;

/// SplitMix64: a deterministic stream for generated contacts.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Contact `n` of the month: names 0..QUEUES are queues, then teams, then agents.
fn contact(n: u64) -> Contact {
    let r = mix(n);
    let r2 = mix(r);
    let offered_ms = MONTH_START_MS + (r % MONTH_MS) as i64;
    let agent = (r2 >> 8) % AGENTS;
    let kind = (r2 >> 20) % 10;
    let wait = (r2 >> 32) % 120_000;
    let answered = kind < 8;
    Contact {
        direction: if kind == 9 {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        queue: Some(((r2 >> 40) % QUEUES) as u32),
        team: if answered {
            Some((QUEUES + agent % 10) as u32)
        } else {
            None
        },
        agent: if answered {
            Some((QUEUES + 10 + agent) as u32)
        } else {
            None
        },
        offered_ms,
        answered_after_ms: answered.then_some(wait),
        abandoned_after_ms: (kind == 8).then_some(wait),
        ended_after_ms: None,
        ring_ms: (r2 >> 48) % 20_000,
        talk_ms: 30_000 + (r >> 40) % 600_000,
        hold_ms: (r >> 20) % 60_000,
        acw_ms: (r >> 8) % 90_000,
        outcome: (kind == 9).then_some(OutboundOutcome::NoAnswer),
    }
}

fn empty_store() -> Buckets {
    let mut b = Buckets::new(IngestOptions::default()).unwrap();
    for q in 0..QUEUES {
        b.names.intern(&format!("queue-{q}"));
    }
    for t in 0..10 {
        b.names.intern(&format!("team-{t}"));
    }
    for a in 0..AGENTS {
        b.names.intern(&format!("agent-{a}"));
    }
    b
}

fn fill(b: &mut Buckets, n: u64) {
    for i in 0..n {
        b.add_contact(&contact(i));
    }
}

fn spec(interval: Interval, by: GroupBy) -> ReportSpec {
    ReportSpec {
        interval,
        by,
        calendar: Calendar::new(chrono_tz::Asia::Shanghai),
        compute: ComputeOptions::default(),
        range: None,
    }
}

fn month_from_records(c: &mut Criterion) {
    let mut g = c.benchmark_group("month_from_10m_contacts");
    g.sample_size(10);
    g.bench_function("ingest_and_report_month_by_queue", |bench| {
        bench.iter(|| {
            let mut b = empty_store();
            fill(&mut b, CONTACTS);
            black_box(b.report(&spec(Interval::Month, GroupBy::Queue)).unwrap())
        })
    });
    g.finish();
}

fn month_from_buckets(c: &mut Criterion) {
    let mut b = empty_store();
    fill(&mut b, CONTACTS);
    eprintln!("accumulators kept: {}", b.len());
    let mut g = c.benchmark_group("month_from_buckets");
    g.sample_size(10);
    for (name, interval, by) in [
        ("month_by_none", Interval::Month, GroupBy::None),
        ("day_by_agent", Interval::Day, GroupBy::Agent),
        ("60min_by_queue", Interval::Min60, GroupBy::Queue),
    ] {
        g.bench_function(name, |bench| {
            bench.iter(|| black_box(b.report(&spec(interval, by)).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, month_from_records, month_from_buckets);
criterion_main!(benches);
