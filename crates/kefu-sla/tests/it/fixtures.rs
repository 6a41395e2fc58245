//! Hand-computed due times and elapsed business time on fixed calendars.

use crate::{always, at, berlin, cn, local, new_york};

#[test]
fn national_day_and_tiaoxiu_sunday() {
    let c = cn();
    // Fri 17:00 + 120 min: 60 min on Friday, Saturday off, Sunday 09-27 is worked like a Monday.
    let due = c.due(at("2026-09-25T17:00:00+08:00"), 120).unwrap();
    assert_eq!(local(&c, due), "2026-09-27T10:00:00+08:00");
    // Wed 09-30 16:00 + 180 min: 120 min that day, Oct 1-7 off, Thu Oct 8 09:00-10:00.
    let due = c.due(at("2026-09-30T16:00:00+08:00"), 180).unwrap();
    assert_eq!(local(&c, due), "2026-10-08T10:00:00+08:00");
    // Exactly at the end of the last day before the holiday: the first minute after it.
    let due = c.due(at("2026-09-30T18:00:00+08:00"), 1).unwrap();
    assert_eq!(local(&c, due), "2026-10-08T09:01:00+08:00");
    // Two weeks: Fri 9-25 (8 h), Sun 9-27 (8 h), Mon-Wed (24 h), holidays, Thu+Fri 10-8/9 (16 h).
    let e = c
        .elapsed_minutes(
            at("2026-09-25T09:00:00+08:00"),
            at("2026-10-09T18:00:00+08:00"),
        )
        .unwrap();
    assert_eq!(e, 56 * 60);
    // Nothing is worked during the holiday week.
    let e = c
        .elapsed_seconds(
            at("2026-10-01T00:00:00+08:00"),
            at("2026-10-08T00:00:00+08:00"),
        )
        .unwrap();
    assert_eq!(e, 0);
    // The 调休 Sunday counts as a full working day; the Saturday before it does not.
    let e = c
        .elapsed_minutes(
            at("2026-09-26T00:00:00+08:00"),
            at("2026-09-28T00:00:00+08:00"),
        )
        .unwrap();
    assert_eq!(e, 8 * 60);
}

#[test]
fn lunch_break_christmas_and_zero() {
    let c = cn();
    let due = c.due(at("2026-09-28T12:30:00+08:00"), 30).unwrap();
    assert_eq!(local(&c, due), "2026-09-28T13:30:00+08:00");
    // Thu 12-24 17:30 + 60 min: 30 min Thursday, Christmas Friday and the weekend off.
    let due = c.due(at("2026-12-24T17:30:00+08:00"), 60).unwrap();
    assert_eq!(local(&c, due), "2026-12-28T09:30:00+08:00");
    // Zero minutes: due is the start itself, even outside working hours.
    let start = at("2026-10-03T03:00:00+08:00");
    assert_eq!(c.due(start, 0).unwrap(), start);
    // Seconds are kept: 10:00:30 + 1 min = 10:01:30.
    let due = c.due(at("2026-09-28T10:00:30+08:00"), 1).unwrap();
    assert_eq!(local(&c, due), "2026-09-28T10:01:30+08:00");
    // Elapsed is antisymmetric.
    let (a, b) = (
        at("2026-09-28T10:00:00+08:00"),
        at("2026-09-29T10:00:00+08:00"),
    );
    assert_eq!(c.elapsed_minutes(a, b).unwrap(), 480);
    assert_eq!(c.elapsed_minutes(b, a).unwrap(), -480);
}

#[test]
fn berlin_spring_forward_and_fall_back() {
    let c = berlin();
    // Sun 2026-03-29 is 00:00-24:00 but only 23 hours long.
    let e = c
        .elapsed_minutes(
            at("2026-03-29T00:00:00+01:00"),
            at("2026-03-30T00:00:00+02:00"),
        )
        .unwrap();
    assert_eq!(e, 23 * 60);
    // From Sunday 00:00 CET, 180 min: 00:00-02:00 CET, then the clock reads 03:00 CEST, and one
    // more hour ends at 04:00 CEST.
    let due = c.due(at("2026-03-29T00:00:00+01:00"), 180).unwrap();
    assert_eq!(local(&c, due), "2026-03-29T04:00:00+02:00");
    // Sun 2026-10-25 lasts 25 hours.
    let e = c
        .elapsed_minutes(
            at("2026-10-25T00:00:00+02:00"),
            at("2026-10-26T00:00:00+01:00"),
        )
        .unwrap();
    assert_eq!(e, 25 * 60);
    // 03:00 is reached twice that night: after 180 minutes from midnight CEST it is 02:00 CET.
    let due = c.due(at("2026-10-25T00:00:00+02:00"), 180).unwrap();
    assert_eq!(local(&c, due), "2026-10-25T02:00:00+01:00");
    // Friday night shift 22:00-24:00, Saturday 00:00-06:00, then all Sunday: from Fri 15:00 CET
    // (the Friday before spring forward), 60 + 120 + 360 + 60 = 600 min ends Sun 01:00 CET.
    let due = c.due(at("2026-03-27T15:00:00+01:00"), 600).unwrap();
    assert_eq!(local(&c, due), "2026-03-29T01:00:00+01:00");
    // A whole week around the spring change: 5*8 + 2 + 6 + 23 = 71 hours.
    let e = c
        .elapsed_minutes(
            at("2026-03-23T00:00:00+01:00"),
            at("2026-03-30T00:00:00+02:00"),
        )
        .unwrap();
    assert_eq!(e, 71 * 60);
}

#[test]
fn new_york_dst_and_thanksgiving() {
    let c = new_york();
    // Fri 2026-03-06 16:00 EST + 120 min: 60 min Friday, then Sunday 03-08 from 00:00 EST:
    // 60 min ends 01:00 EST.
    let due = c.due(at("2026-03-06T16:00:00-05:00"), 120).unwrap();
    assert_eq!(local(&c, due), "2026-03-08T01:00:00-05:00");
    // 180 min from Sunday midnight crosses the skipped 02:00-03:00: ends 04:00 EDT.
    let due = c.due(at("2026-03-08T00:00:00-05:00"), 180).unwrap();
    assert_eq!(local(&c, due), "2026-03-08T04:00:00-04:00");
    // Fall back: 180 min from Sunday 11-01 midnight EDT ends at 02:00 EST.
    let due = c.due(at("2026-11-01T00:00:00-04:00"), 180).unwrap();
    assert_eq!(local(&c, due), "2026-11-01T02:00:00-05:00");
    // Thanksgiving Thu 11-26 is a holiday: Wed 16:30 + 60 min -> Fri 09:30.
    let due = c.due(at("2026-11-25T16:30:00-05:00"), 60).unwrap();
    assert_eq!(local(&c, due), "2026-11-27T09:30:00-05:00");
}

#[test]
fn always_open_counts_real_time() {
    for zone in [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "UTC",
    ] {
        let c = always(zone);
        let (a, b) = (at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
        assert_eq!(c.elapsed_seconds(a, b).unwrap(), 365 * 86_400, "{zone}");
        let due = c.due(a, 365 * 24 * 60).unwrap();
        assert_eq!(due, b, "{zone}");
    }
}

#[test]
fn long_targets_agree_with_day_by_day_sums() {
    // 10,000 business hours at 40 h a week minus holidays: compare with a count of working days.
    let c = cn();
    let start = at("2026-01-05T09:00:00+08:00"); // a Monday morning
    let due = c.due(start, 10_000 * 60).unwrap();
    assert_eq!(c.elapsed_minutes(start, due).unwrap(), 10_000 * 60);
    // 1250 working days of 8 h. 2026 from Jan 5 and later years only have the weekday pattern
    // plus 2026's exceptions: count the days independently.
    let mut days = 0;
    let mut d = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let holidays = |d: chrono::NaiveDate| {
        let s = d.to_string();
        s.as_str() >= "2026-10-01" && s.as_str() <= "2026-10-07" || s == "2026-12-25"
    };
    let last = loop {
        use chrono::Datelike;
        let working = d.to_string() == "2026-09-27"
            || (d.weekday().num_days_from_monday() < 5 && !holidays(d));
        if working {
            days += 1;
            if days == 1250 {
                break d;
            }
        }
        d = d.succ_opt().unwrap();
    };
    assert_eq!(local(&c, due), format!("{last}T18:00:00+08:00"));
}

#[test]
fn midnight_fall_back_repeats_the_last_hour_of_saturday() {
    // Beirut falls back at 24:00 on Sat 2026-10-24 to 23:00: 21:00-24:00 lasts four hours.
    let c = kefu_sla::Calendar::from_yaml(
        "time_zone: Asia/Beirut\nweekly: {sat: [\"21:00-24:00\"], sun: [\"00:00-01:00\"]}\n",
    )
    .unwrap();
    let sat = chrono::NaiveDate::from_ymd_opt(2026, 10, 24).unwrap();
    assert_eq!(c.seconds_on(sat), 4 * 3600);
    // 21:00 EEST = 18:00Z; after 200 minutes it is 23:20 EET (21:20Z), the second 23:20.
    let due = c.due(at("2026-10-24T21:00:00+03:00"), 200).unwrap();
    assert_eq!(local(&c, due), "2026-10-24T23:20:00+02:00");
    // Sunday 00:00-01:00 EET follows directly: 300 minutes end at 01:00 on Sunday.
    let due = c.due(at("2026-10-24T21:00:00+03:00"), 300).unwrap();
    assert_eq!(local(&c, due), "2026-10-25T01:00:00+02:00");
}

#[test]
fn week_long_dst_breaks_are_not_skipped() {
    // Some zones leave and re-enter summer time within a week: Asia/Gaza around Ramadan in
    // 2040 (predicted rules), America/Noronha in October 2000. The offsets at both ends of a
    // 7-day block agree there, so a block test that only looked at its ends would miss them.
    for (zone, from) in [
        ("Asia/Gaza", "2040-10-19T20:00:00Z"),
        ("America/Noronha", "2000-10-07T22:00:00Z"),
    ] {
        let c = kefu_sla::Calendar::from_yaml(&format!(
            "time_zone: {zone}\nweekly: {{{}}}\n",
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .map(|d| format!("{d}: [\"00:20-00:40\", \"01:00-01:45\", \"02:15-03:00\", \"09:00-17:00\", \"22:00-23:30\"]"))
                .join(", ")
        ))
        .unwrap();
        // Blocks starting within a few hours before the first change hold both changes.
        for step in 0..36 {
            let from = at(from) + chrono::Duration::minutes(10 * step);
            let to = from + chrono::Duration::days(14);
            let mut reference = 0;
            let mut t = from;
            while t < to {
                reference += i64::from(c.is_working(t)) * 60;
                t += chrono::Duration::minutes(1);
            }
            assert_eq!(
                c.elapsed_seconds(from, to).unwrap(),
                reference,
                "{zone} {from}"
            );
            let due = c.due(from, reference / 60).unwrap();
            assert_eq!(
                c.elapsed_seconds(from, due).unwrap(),
                reference,
                "{zone} {from}"
            );
        }
    }
}

#[test]
fn next_open_answers_open_until_and_opens_at() {
    let c = cn();
    // During the morning: open now until lunch.
    let (from, until) = c.next_open(at("2026-09-28T10:15:00+08:00")).unwrap();
    assert_eq!(local(&c, from), "2026-09-28T10:15:00+08:00");
    assert_eq!(local(&c, until.unwrap()), "2026-09-28T12:00:00+08:00");
    // Evening before the holiday week: next opening is Thu Oct 8 09:00.
    let (from, until) = c.next_open(at("2026-09-30T19:00:00+08:00")).unwrap();
    assert_eq!(local(&c, from), "2026-10-08T09:00:00+08:00");
    assert_eq!(local(&c, until.unwrap()), "2026-10-08T12:00:00+08:00");
    // Saturday before the 调休 Sunday: opens on Sunday.
    let (from, _) = c.next_open(at("2026-09-26T12:00:00+08:00")).unwrap();
    assert_eq!(local(&c, from), "2026-09-27T09:00:00+08:00");
    // Berlin: Friday night shift runs through Saturday 06:00.
    let b = berlin();
    let (from, until) = b.next_open(at("2026-03-27T20:00:00+01:00")).unwrap();
    assert_eq!(local(&b, from), "2026-03-27T22:00:00+01:00");
    assert_eq!(local(&b, until.unwrap()), "2026-03-28T06:00:00+01:00");
    // Open around the clock: never closes before the end of the supported range.
    let t = at("2026-01-01T00:00:00Z");
    assert_eq!(always("UTC").next_open(t).unwrap(), (t, None));
    // Open every day but Sunday 00:00-24:00 in New York: Saturday night until Sunday's end.
    let n = new_york();
    let (from, until) = n.next_open(at("2026-10-31T12:00:00-04:00")).unwrap();
    assert_eq!(local(&n, from), "2026-11-01T00:00:00-04:00");
    assert_eq!(local(&n, until.unwrap()), "2026-11-02T00:00:00-05:00");
}
