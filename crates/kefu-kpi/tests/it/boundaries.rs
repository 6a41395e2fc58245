//! Contacts and agent time across interval and midnight boundaries, in Asia/Shanghai (UTC+8,
//! no DST) and America/New_York on its 23-hour and 25-hour days.

use chrono::Weekday;
use kefu_kpi::{
    AgentState, AgentStateRecord, Calendar, ComputeOptions, GroupBy, IngestOptions, Inputs,
    Interval, Report, ReportSpec, report,
};

use crate::{abandoned, answered, inbound, t};

fn run(
    tz: chrono_tz::Tz,
    interval: Interval,
    i: &[kefu_kpi::Interaction],
    s: &[AgentStateRecord],
) -> Report {
    let spec = ReportSpec {
        interval,
        by: GroupBy::None,
        calendar: Calendar::new(tz),
        compute: ComputeOptions::default(),
        range: None,
    };
    let inputs = Inputs {
        interactions: i,
        agent_states: s,
        ..Inputs::default()
    };
    report(&inputs, IngestOptions::default(), &spec).unwrap()
}

fn starts(r: &Report) -> Vec<&str> {
    r.rows
        .iter()
        .map(|r| r.start_local.as_deref().unwrap())
        .collect()
}

fn available(from: &str, to: &str) -> AgentStateRecord {
    AgentStateRecord {
        agent: "a1".into(),
        team: None,
        state: AgentState::Available,
        from: t(from),
        to: t(to),
    }
}

#[test]
fn shanghai_midnight_contact_belongs_to_the_day_it_was_offered() {
    let i = vec![
        // offered 23:59:50 local on Jan 5, answered 00:00:30 on Jan 6 (40 s wait, talk 300)
        answered(
            inbound("a", "2026-01-05T15:59:50Z"),
            40,
            "a1",
            [0.0, 300.0, 0.0, 0.0],
        ),
        // offered 00:00:00 local on Jan 6: the next day
        abandoned(inbound("b", "2026-01-05T16:00:00Z"), 30),
    ];
    let r = run(chrono_tz::Asia::Shanghai, Interval::Day, &i, &[]);
    assert_eq!(
        starts(&r),
        vec!["2026-01-05T00:00:00+08:00", "2026-01-06T00:00:00+08:00"]
    );
    let (d5, d6) = (&r.rows[0].bucket.sums, &r.rows[1].bucket.sums);
    assert_eq!((d5.offered, d5.answered, d5.abandoned), (1, 1, 0));
    assert_eq!((d6.offered, d6.answered, d6.abandoned), (1, 0, 1));
    // The whole 40 s wait and 300 s talk stay with Jan 5.
    assert_eq!((d5.queue_ms_answered, d5.talk_ms), (40_000, 300_000));
    // In 15-minute rows the contact sits in 23:45–24:00.
    let r = run(chrono_tz::Asia::Shanghai, Interval::Min15, &i, &[]);
    assert_eq!(
        starts(&r),
        vec!["2026-01-05T23:45:00+08:00", "2026-01-06T00:00:00+08:00"]
    );
    // Agent time from 23:50 to 00:20 local splits 10 min / 20 min across the days.
    let s = vec![available("2026-01-05T15:50:00Z", "2026-01-05T16:20:00Z")];
    let r = run(chrono_tz::Asia::Shanghai, Interval::Day, &[], &s);
    let ms: Vec<u64> = r
        .rows
        .iter()
        .map(|r| r.bucket.sums.state_available_ms)
        .collect();
    assert_eq!(ms, vec![600_000, 1_200_000]);
    // Weekly rows: Mon 2026-01-05 .. Sun 01-11 in one week; Sunday-start weeks split at
    // 2026-01-11 00:00 local (= 01-10 16:00Z).
    let i = vec![
        abandoned(inbound("mon", "2026-01-04T16:30:00Z"), 30), // Mon 00:30 local
        abandoned(inbound("sun", "2026-01-10T17:00:00Z"), 30), // Sun 01:00 local
    ];
    let r = run(chrono_tz::Asia::Shanghai, Interval::Week, &i, &[]);
    assert_eq!(starts(&r), vec!["2026-01-05T00:00:00+08:00"]);
    let spec = ReportSpec {
        interval: Interval::Week,
        by: GroupBy::None,
        calendar: Calendar {
            tz: chrono_tz::Asia::Shanghai,
            week_start: Weekday::Sun,
        },
        compute: ComputeOptions::default(),
        range: None,
    };
    let inputs = Inputs {
        interactions: &i,
        ..Inputs::default()
    };
    let r = report(&inputs, IngestOptions::default(), &spec).unwrap();
    assert_eq!(
        starts(&r),
        vec!["2026-01-04T00:00:00+08:00", "2026-01-11T00:00:00+08:00"]
    );
}

#[test]
fn new_york_spring_forward_day_has_23_hours() {
    // Logged in (available) from 2026-03-08 04:00Z (Mar 7 23:00 EST) to 2026-03-09 05:00Z
    // (Mar 9 01:00 EDT): 1 h on Mar 7, all 23 h of Mar 8, 1 h on Mar 9.
    let s = vec![available("2026-03-08T04:00:00Z", "2026-03-09T05:00:00Z")];
    let i = vec![
        // 23:30 EDT on Mar 8 → Mar 8
        abandoned(inbound("late", "2026-03-09T03:30:00Z"), 30),
        // 00:10 EDT on Mar 9 → Mar 9
        abandoned(inbound("next", "2026-03-09T04:10:00Z"), 30),
        // 01:59:50 EST, answered at 03:00:10 EDT (20 s later) → Mar 8, within T
        answered(inbound("gap", "2026-03-08T06:59:50Z"), 20, "a1", [0.0; 4]),
    ];
    let r = run(chrono_tz::America::New_York, Interval::Day, &i, &s);
    assert_eq!(
        starts(&r),
        vec![
            "2026-03-07T00:00:00-05:00",
            "2026-03-08T00:00:00-05:00",
            "2026-03-09T00:00:00-04:00"
        ]
    );
    let ms: Vec<u64> = r
        .rows
        .iter()
        .map(|r| r.bucket.sums.state_logged_in_ms)
        .collect();
    assert_eq!(ms, vec![3_600_000, 23 * 3_600_000, 3_600_000]);
    let offered: Vec<u64> = r.rows.iter().map(|r| r.bucket.sums.offered).collect();
    assert_eq!(offered, vec![0, 2, 1]);
    assert_eq!(r.rows[1].bucket.sums.answered_within_t, 1);
    // Hourly rows skip 02:00: 01:00 EST is followed by 03:00 EDT.
    let r = run(chrono_tz::America::New_York, Interval::Min60, &[], &s);
    let st = starts(&r);
    let one = st
        .iter()
        .position(|s| *s == "2026-03-08T01:00:00-05:00")
        .unwrap();
    assert_eq!(st[one + 1], "2026-03-08T03:00:00-04:00");
    assert_eq!(r.rows.len(), 25); // 1 + 23 + 1 hours
}

#[test]
fn new_york_fall_back_day_has_25_hours_and_two_one_oclocks() {
    // Logged in for the whole of Nov 1 (04:00Z to 05:00Z next day).
    let s = vec![available("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")];
    let i = vec![
        abandoned(inbound("edt", "2026-11-01T05:30:00Z"), 30), // 01:30 EDT
        abandoned(inbound("est", "2026-11-01T06:30:00Z"), 30), // 01:30 EST
    ];
    let r = run(chrono_tz::America::New_York, Interval::Day, &i, &s);
    assert_eq!(starts(&r), vec!["2026-11-01T00:00:00-04:00"]);
    assert_eq!(r.rows[0].bucket.sums.state_logged_in_ms, 25 * 3_600_000);
    let r = run(chrono_tz::America::New_York, Interval::Min60, &i, &[]);
    assert_eq!(
        starts(&r),
        vec!["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"]
    );
    // Monthly rows: November starts at 04:00Z (EDT), December at 05:00Z (EST).
    let r = run(chrono_tz::America::New_York, Interval::Month, &[], &s);
    assert_eq!(starts(&r), vec!["2026-11-01T00:00:00-04:00"]);
}

#[test]
fn thirty_minute_rows_cross_a_boundary() {
    // 10:29:59 and 10:30:00 Shanghai.
    let i = vec![
        abandoned(inbound("x", "2026-01-05T02:29:59Z"), 30),
        abandoned(inbound("y", "2026-01-05T02:30:00Z"), 30),
    ];
    let r = run(chrono_tz::Asia::Shanghai, Interval::Min30, &i, &[]);
    assert_eq!(
        starts(&r),
        vec!["2026-01-05T10:00:00+08:00", "2026-01-05T10:30:00+08:00"]
    );
}
