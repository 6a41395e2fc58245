//! Month KPI reports from the kept 15-minute accumulators on SQLite (the target: 50 M
//! interactions, a month report in under a second).
//!
//! Generates `KEFU_BENCH_INTERACTIONS` (default 50 000 000) interactions over November 2026
//! (20 queues, 10 teams, 400 agents each serving two queues; 90 % inbound), accumulates them
//! per 15-minute bucket × queue × team × agent exactly as the outbox consumer does, stores
//! the rows in a fresh SQLite database, then times reports through the same code as
//! `GET /api/v1/reports/kpi` and checks each against the report computed in memory.
//!
//! `cargo bench -p kefu-server --bench reports` (or `cargo xtask bench`);
//! `KEFU_BENCH_INTERACTIONS=2000000 cargo bench -p kefu-server --bench reports` for a quick run.

use kefu_server::kefu_kpi::{Buckets, Contact, Direction, OutboundOutcome};
use kefu_server::kefu_store::Store;
use kefu_server::reports::{KpiQuery, kpi_report};
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const QUEUES: u64 = 20;
const TEAMS: u64 = 10;
const AGENTS: u64 = 400;

fn generate(n: u64) -> Buckets {
    let mut b =
        Buckets::new(kefu_server::kefu_store::reports::kpi_buckets::ingest_options()).unwrap();
    let queues: Vec<u32> = (0..QUEUES)
        .map(|q| b.names.intern(&format!("queue-{q:02}")))
        .collect();
    let teams: Vec<u32> = (0..TEAMS)
        .map(|t| b.names.intern(&format!("team-{t:02}")))
        .collect();
    let agents: Vec<u32> = (0..AGENTS)
        .map(|a| b.names.intern(&format!("agent-{a:03}")))
        .collect();
    // 2026-11-01T00:00+08:00 .. 2026-12-01T00:00+08:00
    let start_ms: i64 = 1_793_462_400_000;
    let month_ms: u64 = 30 * 86_400_000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..n {
        let agent = rng.below(AGENTS);
        let queue = if rng.below(2) == 0 {
            agent % QUEUES
        } else {
            (agent * 7 + 3) % QUEUES
        };
        let offered_ms = start_ms + rng.below(month_ms) as i64;
        let outbound = rng.below(10) == 0;
        let r = rng.below(100);
        let answered = if outbound { r < 60 } else { r < 85 };
        let wait = rng.below(90_000);
        let c = Contact {
            direction: if outbound {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            queue: Some(queues[queue as usize]),
            team: Some(teams[(agent % TEAMS) as usize]),
            agent: answered.then_some(agents[agent as usize]),
            offered_ms,
            answered_after_ms: answered.then_some(wait),
            abandoned_after_ms: (!answered && !outbound).then_some(wait),
            ended_after_ms: answered.then_some(wait + 200_000),
            ring_ms: if answered { rng.below(15_000) } else { 0 },
            talk_ms: if answered { rng.below(600_000) } else { 0 },
            hold_ms: if answered { rng.below(30_000) } else { 0 },
            acw_ms: if answered { rng.below(90_000) } else { 0 },
            outcome: outbound.then_some(match r {
                0..20 => OutboundOutcome::Success,
                20..60 => OutboundOutcome::Connected,
                60..80 => OutboundOutcome::NoAnswer,
                _ => OutboundOutcome::Busy,
            }),
        };
        b.add_contact(&c);
    }
    b
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("reports: bench");
        return;
    }
    let n: u64 = std::env::var("KEFU_BENCH_INTERACTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let t = Instant::now();
        let buckets = generate(n);
        println!(
            "generated {n} interactions into {} bucket rows in {:.1} s",
            buckets.len(),
            t.elapsed().as_secs_f64()
        );
        let dir = tempfile::tempdir().unwrap();
        // KEFU_BENCH_DB keeps the database at that path for inspection.
        let path = std::env::var("KEFU_BENCH_DB")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| dir.path().join("bench.sqlite3"));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&url).await.unwrap();
        let (_, scope) = store
            .bootstrap("bench", "admin@bench.test", "x".into(), |_| true)
            .await
            .unwrap();
        let t = Instant::now();
        store.kpi_insert_buckets(&scope, &buckets).await.unwrap();
        println!("stored the rows in {:.1} s", t.elapsed().as_secs_f64());
        for (interval, by) in [
            ("month", "none"),
            ("day", "none"),
            ("day", "queue"),
            ("60", "team"),
            ("month", "agent"),
        ] {
            let q = KpiQuery {
                from: Some("2026-11-01".into()),
                to: Some("2026-12-01".into()),
                interval: Some(interval.into()),
                by: Some(by.into()),
                tz: Some("Asia/Shanghai".into()),
                ..KpiQuery::default()
            };
            let req = q.parse(&store, &scope).await.unwrap();
            let mut times = vec![];
            let mut report = None;
            for _ in 0..3 {
                let t = Instant::now();
                report = Some(kpi_report(&store, &scope, &req).await.unwrap());
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let report = report.unwrap().report;
            let want = buckets.report(&req.spec).unwrap();
            assert!(want.totals.bucket.sums.offered > 0, "the generated month is empty");
            let (got, want) = (
                serde_json::to_value(&report).unwrap(),
                serde_json::to_value(&want).unwrap(),
            );
            for part in ["rows", "totals"] {
                assert_eq!(got[part], want[part], "{interval} by {by}: {part}");
            }
            println!(
                "month report interval={interval} by={by}: {} rows, offered {}, median {:.3} s (min {:.3} s) over 3 runs; equal to the in-memory report",
                report.rows.len(),
                report.totals.bucket.sums.offered,
                times[1],
                times[0]
            );
        }
    });
}
