//! `kefu sla` end to end: the real binary on calendar files with China's 2026 National Day.

use std::path::PathBuf;
use std::process::{Command, Output};

const CN: &str = r#"time_zone: Asia/Shanghai
weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"], wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"], fri: ["09:00-12:00", "13:00-18:00"]}
holidays: ["2026-10-01..2026-10-07", "2026-12-25"]
extra_workdays: {"2026-09-27": mon}
"#;

fn file(name: &str, text: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sla-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

fn kefu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "kefu failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn due_skips_the_national_day_holiday() {
    let cal = file("due.yaml", CN);
    let cal = cal.to_str().unwrap();
    // Wed 09-30 16:00 + 180 min: 2 h that day, Oct 1-7 off, Thu Oct 8 09:00-10:00.
    let o = kefu(&[
        "sla",
        "due",
        "--calendar",
        cal,
        "--start",
        "2026-09-30T16:00:00+08:00",
        "--minutes",
        "180",
    ]);
    assert_eq!(stdout(&o).trim(), "2026-10-08T10:00:00+08:00");
    // The start may be given in any offset; the answer is in the calendar's zone.
    let o = kefu(&[
        "sla",
        "due",
        "--calendar",
        cal,
        "--start",
        "2026-09-25T09:00:00Z",
        "--minutes",
        "120",
    ]);
    // 17:00 local Friday: 60 min Friday, then the 调休 Sunday 09:00-10:00.
    assert_eq!(stdout(&o).trim(), "2026-09-27T10:00:00+08:00");
    let o = kefu(&[
        "sla",
        "due",
        "--json",
        "--calendar",
        cal,
        "--start",
        "2026-12-24T17:30:00+08:00",
        "--minutes",
        "60",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2026-12-28T09:30:00+08:00");
    assert_eq!(v["due_utc"], "2026-12-28T01:30:00Z");
    assert_eq!(v["minutes"], 60);
}

#[test]
fn elapsed_counts_business_minutes() {
    let cal = file("elapsed.yaml", CN);
    let cal = cal.to_str().unwrap();
    let o = kefu(&[
        "sla",
        "elapsed",
        "--calendar",
        cal,
        "--from",
        "2026-09-25T09:00:00+08:00",
        "--to",
        "2026-10-09T18:00:00+08:00",
    ]);
    assert_eq!(stdout(&o).trim(), "3360");
    let o = kefu(&[
        "sla",
        "elapsed",
        "--json",
        "--calendar",
        cal,
        "--from",
        "2026-09-28T10:00:30+08:00",
        "--to",
        "2026-09-28T13:05:00+08:00",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 10:00:30-12:00 and 13:00-13:05: 7470 s, 124 whole minutes.
    assert_eq!(v["seconds"], 7470);
    assert_eq!(v["minutes"], 124);
}

#[test]
fn dst_answer_is_in_the_calendar_zone() {
    let cal = file(
        "ny.yaml",
        "time_zone: America/New_York\nweekly: {sun: [\"00:00-24:00\"], mon: [\"09:00-17:00\"]}\n",
    );
    let cal = cal.to_str().unwrap();
    let o = kefu(&[
        "sla",
        "due",
        "--calendar",
        cal,
        "--start",
        "2026-03-08T00:00:00-05:00",
        "--minutes",
        "180",
    ]);
    assert_eq!(stdout(&o).trim(), "2026-03-08T04:00:00-04:00");
    let o = kefu(&[
        "sla",
        "elapsed",
        "--calendar",
        cal,
        "--from",
        "2026-11-01T00:00:00-04:00",
        "--to",
        "2026-11-02T12:00:00-05:00",
    ]);
    assert_eq!(stdout(&o).trim(), (25 * 60 + 180).to_string());
}

#[test]
fn bad_input_gives_clear_errors() {
    let bad = file(
        "bad.yaml",
        "time_zone: Asia/Shanghay\nweekly: {mon: [\"09:00-18:00\"]}\n",
    );
    let o = kefu(&[
        "sla",
        "due",
        "--calendar",
        bad.to_str().unwrap(),
        "--start",
        "2026-09-30T16:00:00+08:00",
        "--minutes",
        "1",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown time zone `Asia/Shanghay`"), "{err}");
    let overlap = file(
        "overlap.yaml",
        "time_zone: UTC\nweekly: {tue: [\"09:00-12:00\", \"11:30-18:00\"]}\n",
    );
    let o = kefu(&["sla", "check", "--calendar", overlap.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("overlapping time ranges on tue: `09:00-12:00` and `11:30-18:00`"),
        "{err}"
    );
    let good = file("good.yaml", CN);
    let o = kefu(&[
        "sla",
        "elapsed",
        "--calendar",
        good.to_str().unwrap(),
        "--from",
        "yesterday",
        "--to",
        "2026-09-30T16:00:00+08:00",
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--from `yesterday` is not an RFC 3339 instant")
    );
    let o = kefu(&["sla", "check", "--calendar", good.to_str().unwrap()]);
    assert!(stdout(&o).contains("business time per week: 40 h 00 min"));
}

#[test]
fn clock_evaluates_a_ticket_history() {
    let policies = file(
        "policies.yaml",
        &format!(
            "calendars:\n  cn:\n{}policies:\n  - name: standard\n    calendar: cn\n    targets: {{first_response: 120, resolution: 960}}\n",
            CN.lines().map(|l| format!("    {l}\n")).collect::<String>()
        ),
    );
    let events = file(
        "events.json",
        r#"[
  {"at": "2026-09-30T09:00:00Z", "event": "created", "attributes": {"ticket_type": "complaint", "priority": "normal"}},
  {"at": "2026-10-08T01:30:00Z", "event": "agent_reply"},
  {"at": "2026-10-08T01:31:00Z", "event": "state_changed", "to": "pending_customer"}
]"#,
    );
    let o = kefu(&[
        "sla",
        "clock",
        "--json",
        "--policies",
        policies.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--now",
        "2026-10-09T00:00:00Z",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Created Wed 17:00 local: 60 min that day, then Oct 8 09:00-09:30 -> 90 of 120 min.
    assert_eq!(v["first_response"]["elapsed_seconds"], 90 * 60);
    assert_eq!(v["first_response"]["met_at"], "2026-10-08T01:30:00Z");
    assert_eq!(v["first_response"]["breached"], false);
    assert_eq!(v["resolution"]["paused"], true);
    assert_eq!(v["resolution"]["elapsed_seconds"], 91 * 60);
    let o = kefu(&[
        "sla",
        "clock",
        "--policies",
        policies.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--now",
        "2026-10-09T00:00:00Z",
    ]);
    let text = stdout(&o);
    assert!(text.contains("first_response"), "{text}");
    assert!(text.contains("paused"), "{text}");
}

#[test]
fn compliance_over_tickets() {
    let policies = file(
        "cpolicies.yaml",
        &format!(
            "calendars:\n  cn:\n{}policies:\n  - name: standard\n    calendar: cn\n    targets: {{first_response: 60}}\n",
            CN.lines().map(|l| format!("    {l}\n")).collect::<String>()
        ),
    );
    let created = |at: &str| {
        format!(
            r#"{{"at": "{at}", "event": "created", "attributes": {{"ticket_type": "inquiry", "priority": "low"}}}}"#
        )
    };
    let reply = |at: &str| format!(r#"{{"at": "{at}", "event": "agent_reply"}}"#);
    let lines = [
        // Met: 30 business minutes.
        format!(
            r#"{{"ticket": 1, "events": [{}, {}]}}"#,
            created("2026-11-23T01:00:00Z"),
            reply("2026-11-23T01:30:00Z")
        ),
        // Met across the night: Mon 17:30 local to Tue 09:15 is 45 business minutes.
        format!(
            r#"{{"ticket": 2, "events": [{}, {}]}}"#,
            created("2026-11-23T09:30:00Z"),
            reply("2026-11-24T01:15:00Z")
        ),
        // Breached: 2 hours.
        format!(
            r#"{{"ticket": 3, "events": [{}, {}]}}"#,
            created("2026-11-23T01:00:00Z"),
            reply("2026-11-23T03:00:00Z")
        ),
        // Running, not yet due.
        format!(
            r#"{{"ticket": 4, "events": [{}]}}"#,
            created("2026-11-25T09:50:00Z")
        ),
    ];
    let tickets = file("tickets.jsonl", &lines.join("\n"));
    let args = [
        "sla",
        "compliance",
        "--json",
        "--policies",
        policies.to_str().unwrap(),
        "--tickets",
        tickets.to_str().unwrap(),
        "--now",
        "2026-11-25T10:00:00Z",
    ];
    let v: serde_json::Value = serde_json::from_str(&stdout(&kefu(&args))).unwrap();
    assert_eq!(v["tickets"], 4);
    let fr = &v["policies"][0]["first_response"];
    assert_eq!(
        (
            fr["met"].as_u64(),
            fr["breached"].as_u64(),
            fr["running"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let text = stdout(&kefu(
        &args[..2]
            .iter()
            .chain(&args[3..])
            .copied()
            .collect::<Vec<_>>(),
    ));
    assert!(text.contains("66.7 %"), "{text}");
    let broken = file(
        "broken.jsonl",
        &format!("{}\n{{\"ticket\": 9, \"events\": []}}", lines[0]),
    );
    let o = kefu(&[
        "sla",
        "compliance",
        "--policies",
        policies.to_str().unwrap(),
        "--tickets",
        broken.to_str().unwrap(),
        "--now",
        "2026-11-25T10:00:00Z",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2 (ticket 9)"));
}

#[test]
fn open_says_until_when_or_when_next() {
    let cal = file("open.yaml", CN);
    let cal = cal.to_str().unwrap();
    let o = kefu(&[
        "sla",
        "open",
        "--calendar",
        cal,
        "--at",
        "2026-09-28T02:00:00Z",
    ]);
    assert_eq!(stdout(&o).trim(), "open until 2026-09-28T12:00:00+08:00");
    let o = kefu(&[
        "sla",
        "open",
        "--calendar",
        cal,
        "--at",
        "2026-10-02T10:00:00+08:00",
    ]);
    assert_eq!(
        stdout(&o).trim(),
        "closed; opens 2026-10-08T09:00:00+08:00 until 2026-10-08T12:00:00+08:00"
    );
    let o = kefu(&[
        "sla",
        "open",
        "--json",
        "--calendar",
        cal,
        "--at",
        "2026-09-26T12:00:00+08:00",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["open"], false);
    assert_eq!(v["opens"], "2026-09-27T09:00:00+08:00");
}
