//! Integration tests of kefu-sla: hand-made calendar fixtures (China's 2026 National Day with
//! its 调休 Sunday, DST changes in New York and Berlin), SLA clock scenarios, and property tests
//! against an independent minute-by-minute reference.

mod clock;
mod fixtures;
mod props;

use chrono::{DateTime, Utc};
use kefu_sla::Calendar;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad instant {s}: {e}"))
        .with_timezone(&Utc)
}

pub fn cn() -> Calendar {
    Calendar::from_yaml(include_str!("fixtures/cn-2026.yaml")).unwrap()
}

pub fn berlin() -> Calendar {
    Calendar::from_yaml(include_str!("fixtures/berlin-shifts.yaml")).unwrap()
}

pub fn new_york() -> Calendar {
    Calendar::from_yaml(
        r#"
time_zone: America/New_York
weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"], sun: ["00:00-24:00"]}
holidays: ["2026-11-26"]
"#,
    )
    .unwrap()
}

pub fn always(zone: &str) -> Calendar {
    Calendar::from_yaml(&format!(
        "time_zone: {zone}\nweekly: {{mon: [\"00:00-24:00\"], tue: [\"00:00-24:00\"], wed: [\"00:00-24:00\"], thu: [\"00:00-24:00\"], fri: [\"00:00-24:00\"], sat: [\"00:00-24:00\"], sun: [\"00:00-24:00\"]}}\n"
    ))
    .unwrap()
}

/// Local RFC 3339 rendering in the calendar's zone (what the CLI prints).
pub fn local(cal: &Calendar, t: DateTime<Utc>) -> String {
    t.with_timezone(&cal.time_zone())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
