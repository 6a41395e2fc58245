//! Criterion benchmarks of `due` and `elapsed` over long spans: runs of plain weeks are skipped
//! at once, so even a 10,000-hour target on a DST zone with holidays stays in microseconds.

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kefu_sla::Calendar;
use std::hint::black_box;

const CN: &str = r#"
time_zone: Asia/Shanghai
weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"], wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"], fri: ["09:00-12:00", "13:00-18:00"]}
holidays: ["2026-10-01..2026-10-07", "2027-01-01", "2027-02-06..2027-02-13", "2027-10-01..2027-10-07", "2028-01-01", "2028-10-01..2028-10-07"]
extra_workdays: {"2026-09-27": mon, "2026-10-10": fri}
"#;

const NY: &str = r#"
time_zone: America/New_York
weekly: {mon: ["08:00-17:00"], tue: ["08:00-17:00"], wed: ["08:00-17:00"], thu: ["08:00-17:00"], fri: ["08:00-17:00"]}
holidays: ["2026-12-25", "2027-01-01", "2027-07-05", "2027-12-24"]
"#;

/// No DST and no holidays: every block takes the fast path (the cost of a skipped week).
const PLAIN: &str = r#"
time_zone: UTC
weekly: {mon: ["08:00-17:00"], tue: ["08:00-17:00"], wed: ["08:00-17:00"], thu: ["08:00-17:00"], fri: ["08:00-17:00"]}
"#;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    for (name, yaml) in [("shanghai", CN), ("new_york", NY), ("plain_utc", PLAIN)] {
        let cal = match Calendar::from_yaml(yaml) {
            Ok(cal) => cal,
            Err(e) => panic!("bench calendar {name}: {e}"),
        };
        let start = at("2026-09-01T10:17:00Z");
        // The zone's offset changes are cached inside a calendar; this pays for building them.
        c.bench_function(&format!("{name}/parse + due 10000 h, cold"), |b| {
            b.iter(|| {
                Calendar::from_yaml(black_box(yaml)).and_then(|c| c.due(start, black_box(600_000)))
            })
        });
        c.bench_function(&format!("{name}/due 10000 h"), |b| {
            b.iter(|| cal.due(black_box(start), black_box(600_000)))
        });
        c.bench_function(&format!("{name}/due 8 h"), |b| {
            b.iter(|| cal.due(black_box(start), black_box(480)))
        });
        let end = at("2030-09-01T03:00:00Z");
        c.bench_function(&format!("{name}/elapsed 4 years"), |b| {
            b.iter(|| cal.elapsed_seconds(black_box(start), black_box(end)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
