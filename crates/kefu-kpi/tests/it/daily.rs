//! The daily report against the same weekday of the week before.

use chrono::NaiveDate;
use kefu_kpi::{Buckets, Calendar, ComputeOptions, GroupBy, IngestOptions, Trend};

use crate::{abandoned, answered, inbound};

#[test]
fn monday_against_last_monday_in_shanghai() {
    let mut support = answered(inbound("s1", "2026-01-12T15:59:00Z"), 5, "a2", [0.0; 4]);
    support.queue = "support".into();
    let records = vec![
        // Mon Jan 5 (local): sales 1 answered in 10 s, 1 abandoned at 30 s.
        answered(
            inbound("p1", "2026-01-05T01:00:00Z"),
            10,
            "a1",
            [0.0, 100.0, 0.0, 0.0],
        ),
        abandoned(inbound("p2", "2026-01-05T02:00:00Z"), 30),
        // Thu Jan 8: in neither day.
        abandoned(inbound("x", "2026-01-08T02:00:00Z"), 30),
        // Mon Jan 12: sales 3 answered in 10 s, 1 abandoned; support 1 answered.
        answered(
            inbound("n1", "2026-01-12T01:00:00Z"),
            10,
            "a1",
            [0.0, 100.0, 0.0, 0.0],
        ),
        answered(
            inbound("n2", "2026-01-12T01:10:00Z"),
            10,
            "a1",
            [0.0, 100.0, 0.0, 0.0],
        ),
        answered(
            inbound("n3", "2026-01-12T01:20:00Z"),
            10,
            "a1",
            [0.0, 100.0, 0.0, 0.0],
        ),
        abandoned(inbound("n4", "2026-01-12T02:00:00Z"), 30),
        // 23:59 local on Jan 12 (15:59Z): still Jan 12.
        support,
    ];
    let mut b = Buckets::new(IngestOptions::default()).unwrap();
    for r in &records {
        b.add_interaction(r).unwrap();
    }
    let cal = Calendar::new(chrono_tz::Asia::Shanghai);
    let day = NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
    let d = b
        .daily(day, &cal, GroupBy::Queue, &ComputeOptions::default())
        .unwrap();
    assert_eq!(
        d.previous_date,
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
    );
    let groups: Vec<_> = d.rows.iter().map(|r| r.group.as_deref()).collect();
    assert_eq!(groups, vec![Some("sales"), Some("support")]);
    let sales = &d.rows[0];
    assert_eq!(
        (sales.offered.value, sales.offered.previous),
        (Some(4.0), Some(2.0))
    );
    // SL 3/4 against 1/2: up, better
    let sl = &sales.kpis["service_level"];
    assert_eq!((sl.value, sl.previous), (Some(0.75), Some(0.5)));
    assert_eq!((sl.trend, sl.better), (Trend::Up, Some(true)));
    // abandonment 1/4 against 1/2: down, better
    let ab = &sales.kpis["abandonment_rate"];
    assert_eq!((ab.trend, ab.better), (Trend::Down, Some(true)));
    // ASA 10 s both weeks: flat
    assert_eq!(sales.kpis["asa_s"].trend, Trend::Flat);
    // support had nothing last week: no trend
    let sup = &d.rows[1];
    assert_eq!(sup.kpis["answer_rate"].trend, Trend::Unknown);
    assert_eq!(sup.offered.previous, Some(0.0));
    // totals: 5 offered against 2 (Thursday excluded)
    assert_eq!(
        (d.totals.offered.value, d.totals.offered.previous),
        (Some(5.0), Some(2.0))
    );
    assert_eq!(d.totals.kpis["answer_rate"].value, Some(0.8));
}
