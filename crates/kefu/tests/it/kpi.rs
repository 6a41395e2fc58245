//! `kefu kpi` end to end: a hand-computed export through the real binary, as JSON, CSV and
//! XLSX, with variants, agent states, bad input and crisis detection.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kefu-kpi-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn kefu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .output()
        .unwrap()
}

const INTERACTIONS: &str = r#"{"id":"c1","channel":"voice","direction":"inbound","queue":"sales","team":"t1","agent":"a1","customer":"u1","offered_at":"2026-01-05T10:05:00+08:00","answered_at":"2026-01-05T10:05:12+08:00","abandoned_at":null,"ended_at":"2026-01-05T10:10:00+08:00","ring_s":6,"talk_s":240,"hold_s":30,"acw_s":18,"disposition":"resolved","outcome":null}
{"id":"c2","channel":"voice","direction":"inbound","queue":"sales","team":null,"agent":null,"customer":null,"offered_at":"2026-01-05T10:20:00+08:00","answered_at":null,"abandoned_at":"2026-01-05T10:20:02+08:00","ended_at":null,"ring_s":0,"talk_s":0,"hold_s":0,"acw_s":0,"disposition":null,"outcome":null}
{"id":"c3","channel":"voice","direction":"inbound","queue":"sales","team":null,"agent":null,"customer":null,"offered_at":"2026-01-05T10:40:00+08:00","answered_at":null,"abandoned_at":"2026-01-05T10:40:45+08:00","ended_at":null,"ring_s":0,"talk_s":0,"hold_s":0,"acw_s":0,"disposition":null,"outcome":null}

{"id":"c4","channel":"voice","direction":"inbound","queue":"support","team":"t1","agent":"a1","customer":null,"offered_at":"2026-01-05T10:59:58+08:00","answered_at":"2026-01-05T11:00:28+08:00","abandoned_at":null,"ended_at":"2026-01-05T11:02:28+08:00","ring_s":12,"talk_s":100,"hold_s":0,"acw_s":20,"disposition":null,"outcome":null}
{"id":"c5","channel":"chat","direction":"inbound","queue":"support","team":"t1","agent":"a2","customer":null,"offered_at":"2026-01-05T03:10:00Z","answered_at":"2026-01-05T03:10:05Z","abandoned_at":null,"ended_at":null,"ring_s":0,"talk_s":60,"hold_s":0,"acw_s":0,"disposition":null,"outcome":null}
{"id":"o1","channel":"voice","direction":"outbound","queue":"outbound","team":"t1","agent":"a1","customer":"u9","offered_at":"2026-01-05T10:30:00+08:00","answered_at":"2026-01-05T10:30:10+08:00","abandoned_at":null,"ended_at":null,"ring_s":10,"talk_s":90,"hold_s":0,"acw_s":30,"disposition":null,"outcome":"success"}
"#;

fn write_interactions(name: &str) -> (PathBuf, String) {
    let d = dir(name);
    let p = d.join("interactions.jsonl");
    std::fs::write(&p, INTERACTIONS).unwrap();
    let s = p.to_str().unwrap().to_string();
    (d, s)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(v: &Value, want: f64) {
    assert!((num(v) - want).abs() < 1e-9, "expected {want}, got {v}");
}

#[test]
fn hourly_by_queue_in_shanghai() {
    let (_d, file) = write_interactions("hourly");
    let r = json(&kefu(&[
        "kpi",
        "--interactions",
        &file,
        "--interval",
        "60",
        "--by",
        "queue",
        "--tz",
        "Asia/Shanghai",
        "--json",
    ]));
    let rows = r["rows"].as_array().unwrap();
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["start"].as_str().unwrap(), r["queue"].as_str().unwrap()))
        .collect();
    // c4 was offered at 10:59:58 and answered at 11:00:28: it belongs to the 10:00 hour.
    assert_eq!(
        keys,
        vec![
            ("2026-01-05T10:00:00+08:00", "outbound"),
            ("2026-01-05T10:00:00+08:00", "sales"),
            ("2026-01-05T10:00:00+08:00", "support"),
            ("2026-01-05T11:00:00+08:00", "support"),
        ]
    );
    // Outbound only: no inbound offered, so inbound rates are null; 1 dial, 1 success.
    let o = &rows[0];
    assert_eq!(o["offered"], 0);
    assert_eq!(o["answer_rate"], Value::Null);
    assert_eq!(o["service_level"], Value::Null);
    assert_eq!(
        (
            o["outbound_dials"].as_u64(),
            o["outbound_successes"].as_u64()
        ),
        (Some(1), Some(1))
    );
    close(&o["aht_s"], 120.0); // 90 talk + 30 acw
    // sales 10:00: c1 answered in 12 s, c2 a short abandon (2 s), c3 abandoned at 45 s.
    let s = &rows[1];
    assert_eq!(
        (
            s["offered"].as_u64(),
            s["short_abandoned"].as_u64(),
            s["answered"].as_u64(),
            s["abandoned"].as_u64()
        ),
        (Some(2), Some(1), Some(1), Some(1))
    );
    close(&s["answer_rate"], 0.5);
    close(&s["abandonment_rate"], 0.5);
    close(&s["service_level"], 0.5); // c1 within 20 s, of 2 offered
    close(&s["asa_s"], 12.0);
    close(&s["avg_queue_time_s"], 28.5); // (12 + 45) / 2
    close(&s["avg_ring_count"], 1.0); // 6 s / 6 s / 1
    close(&s["aht_s"], 288.0); // 240 + 30 + 18
    assert_eq!(s["handled"], 1);
    // support 10:00: c4 waited 30 s (> 20), rang 12 s = 2 cycles.
    let p = &rows[2];
    close(&p["service_level"], 0.0);
    close(&p["asa_s"], 30.0);
    close(&p["avg_ring_count"], 2.0);
    close(&p["aht_s"], 120.0);
    // No agent states: occupancy and utilization are null.
    assert_eq!(p["occupancy"], Value::Null);
    assert_eq!(p["utilization"], Value::Null);
    // Totals: offered 4 (c1 c3 c4 c5), answered 3, SL (c1, c5) 2 / 4,
    // ASA (12 + 30 + 5) / 3, AHT (288 + 120 + 120 + 60) / 4 = 147.
    let t = &r["totals"];
    assert_eq!(t["offered"], 4);
    assert_eq!(t["short_abandoned"], 1);
    close(&t["answer_rate"], 0.75);
    close(&t["service_level"], 0.5);
    close(&t["asa_s"], 47.0 / 3.0);
    close(&t["aht_s"], 147.0);
    assert_eq!(t["handled"], 4);
    assert!(t.get("start").is_none());
    // Totals are the sum of the rows for every count.
    for key in [
        "offered",
        "short_abandoned",
        "answered",
        "abandoned",
        "handled",
        "outbound_dials",
        "talk_ms",
        "queue_ms_offered",
    ] {
        let sum: u64 = rows.iter().map(|r| r[key].as_u64().unwrap()).sum();
        assert_eq!(t[key].as_u64(), Some(sum), "{key}");
    }
    let d = &r["definitions"];
    assert_eq!(d["service_level_variant"], "offered");
    assert_eq!(d["service_level"], "answered within 20 s / offered");
    assert_eq!(d["short_abandon_s"], 5.0);
    assert_eq!(d["asa_variant"], "queue_only");
    assert_eq!(d["time_zone"], "Asia/Shanghai");
    assert_eq!(d["by"], "queue");
}

#[test]
fn variants_and_agent_states() {
    let (d, file) = write_interactions("variants");
    let states = d.join("states.jsonl");
    // a1: available 10:00–10:30, busy 10:30–10:50, wrap_up 10:50–11:00, aux 11:00–11:30.
    std::fs::write(
        &states,
        r#"{"agent":"a1","state":"available","from":"2026-01-05T02:00:00Z","to":"2026-01-05T02:30:00Z"}
{"agent":"a1","state":"busy","from":"2026-01-05T02:30:00Z","to":"2026-01-05T02:50:00Z"}
{"agent":"a1","state":"wrap_up","from":"2026-01-05T02:50:00Z","to":"2026-01-05T03:00:00Z"}
{"agent":"a1","state":"aux","from":"2026-01-05T03:00:00Z","to":"2026-01-05T03:30:00Z"}
"#,
    )
    .unwrap();
    let costs = d.join("costs.json");
    std::fs::write(
        &costs,
        r#"{"agent_cost_per_hour": 60, "fixed_cost_per_contact": 1}"#,
    )
    .unwrap();
    let r = json(&kefu(&[
        "kpi",
        "--interactions",
        &file,
        "--agent-states",
        states.to_str().unwrap(),
        "--costs",
        costs.to_str().unwrap(),
        "--tz",
        "Asia/Shanghai",
        "--sl-variant",
        "answered",
        "--asa-variant",
        "with_ring",
        "--short-abandon-s",
        "0",
        "--json",
    ]));
    let t = &r["totals"];
    // No short abandons: offered 5, abandoned 2.
    assert_eq!(t["offered"], 5);
    close(&t["abandonment_rate"], 0.4);
    // SL over answered: c1 and c5 of 3 answered.
    close(&t["service_level"], 2.0 / 3.0);
    // ASA with ring: (12 + 6 + 30 + 12 + 5 + 0) / 3 = 65 / 3
    close(&t["asa_s"], 65.0 / 3.0);
    // occupancy: handling 30 min / (30 + available 30) = 0.5; utilization 30 / 90 min
    close(&t["occupancy"], 0.5);
    close(&t["utilization"], 1.0 / 3.0);
    // outbound efficiency: 1 success / 1.5 logged-in hours
    close(&t["outbound_efficiency"], 1.0 / 1.5);
    // cost: 1.5 h × 60 + 4 handled × 1 = 94 over 4 handled
    close(&t["cost_per_contact"], 23.5);
    assert_eq!(
        r["definitions"]["service_level"],
        "answered within 20 s / answered"
    );
    assert_eq!(r["definitions"]["asa_variant"], "with_ring");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1);
}

#[test]
fn csv_and_xlsx_exports() {
    let (d, file) = write_interactions("exports");
    let csv_path = d.join("kpi.csv");
    let out = kefu(&[
        "kpi",
        "--interactions",
        &file,
        "--interval",
        "day",
        "--by",
        "agent",
        "--tz",
        "Asia/Shanghai",
        "--format",
        "csv",
        "--output",
        csv_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("start,agent,offered,short_abandoned,answered,abandoned,"));
    // rows: no agent (c2, c3), a1, a2; then the totals
    assert_eq!(lines.len(), 1 + 3 + 1);
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let a1: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(a1[col("agent")], "a1");
    // a1 handled c1, c4 and o1: (288 + 120 + 120) / 3 = 176
    assert_eq!(a1[col("handled")], "3");
    assert_eq!(a1[col("aht_s")], "176");
    // null rates are empty cells
    assert_eq!(a1[col("occupancy")], "");
    assert!(lines[4].starts_with("total,,"));

    let xlsx = d.join("kpi.xlsx");
    let out = kefu(&[
        "kpi",
        "--interactions",
        &file,
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK"); // an OOXML zip
    // xlsx without --output is refused
    assert!(
        !kefu(&["kpi", "--interactions", &file, "--format", "xlsx"])
            .status
            .success()
    );
}

#[test]
fn bad_input_is_reported_with_its_line() {
    let d = dir("bad");
    let p = d.join("bad.jsonl");
    std::fs::write(
        &p,
        "{\"id\":\"x\",\"channel\":\"voice\",\"direction\":\"inbound\",\"queue\":\"q\",\"offered_at\":\"2026-01-05T10:00:00Z\"}\n{\"id\":\"y\",\"direction\":\"sideways\"}\n",
    )
    .unwrap();
    let out = kefu(&["kpi", "--interactions", p.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:2"), "{err}");
    // a well-formed record that contradicts itself is refused with its line and reason
    let q = d.join("order.jsonl");
    std::fs::write(
        &q,
        "\n{\"id\":\"z\",\"channel\":\"voice\",\"direction\":\"inbound\",\"queue\":\"q\",\"offered_at\":\"2026-01-05T10:00:00Z\",\"answered_at\":\"2026-01-05T09:59:00Z\"}\n",
    )
    .unwrap();
    let out = kefu(&["kpi", "--interactions", q.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("order.jsonl:2"), "{err}");
    assert!(err.contains("answered_at is before offered_at"), "{err}");
    let out = kefu(&[
        "kpi",
        "--interactions",
        p.to_str().unwrap(),
        "--interval",
        "7",
    ]);
    assert!(!out.status.success());
    let out = kefu(&[
        "kpi",
        "--interactions",
        p.to_str().unwrap(),
        "--tz",
        "Mars/Olympus",
    ]);
    assert!(!out.status.success());
}

#[test]
fn crisis_detection_flags_the_surge() {
    let d = dir("crisis");
    let p = d.join("complaints.jsonl");
    let mut lines = String::new();
    // "delivery": one complaint a day for the baseline week, then 8 in the last 6 hours.
    for day in 1..=7 {
        lines.push_str(&format!(
            "{{\"topic\":\"delivery\",\"at\":\"2026-06-0{day}T12:00:00Z\"}}\n"
        ));
    }
    for m in 0..8 {
        lines.push_str(&format!(
            "{{\"topic\":\"delivery\",\"at\":\"2026-06-08T0{}:{:02}:00Z\"}}\n",
            m % 5,
            m * 7
        ));
    }
    // "billing": steady, 1 in the window and 6 in the baseline.
    for day in 2..=7 {
        lines.push_str(&format!(
            "{{\"topic\":\"billing\",\"at\":\"2026-06-0{day}T08:00:00Z\"}}\n"
        ));
    }
    lines.push_str("{\"topic\":\"billing\",\"at\":\"2026-06-08T03:00:00Z\"}\n");
    std::fs::write(&p, lines).unwrap();
    let r = json(&kefu(&[
        "kpi",
        "crisis",
        "--complaints",
        p.to_str().unwrap(),
        "--now",
        "2026-06-08T06:00:00Z",
        "--json",
    ]));
    let topics = r["topics"].as_array().unwrap();
    assert_eq!(topics[0]["topic"], "delivery");
    assert_eq!(topics[0]["observed"], 8);
    // baseline window is [Jun 1 00:00, Jun 8 00:00): all 7 daily complaints
    assert_eq!(topics[0]["baseline"], 7);
    close(&topics[0]["expected"], 7.5 / 168.0 * 6.0);
    assert_eq!(topics[0]["alert"], true);
    assert_eq!(topics[1]["topic"], "billing");
    assert_eq!(topics[1]["alert"], false);
}

#[test]
fn daily_report_against_last_week() {
    let d = dir("daily");
    let p = d.join("interactions.jsonl");
    let line = |id: &str, offered: &str, answered: Option<&str>, abandoned: Option<&str>| {
        serde_json::json!({
            "id": id, "channel": "voice", "direction": "inbound", "queue": "sales",
            "offered_at": offered, "answered_at": answered, "abandoned_at": abandoned,
            "agent": answered.map(|_| "a1"), "talk_s": 100,
        })
        .to_string()
    };
    let lines = [
        // last Monday: 1 of 2 answered
        line(
            "p1",
            "2026-01-05T09:00:00+08:00",
            Some("2026-01-05T09:00:10+08:00"),
            None,
        ),
        line(
            "p2",
            "2026-01-05T09:10:00+08:00",
            None,
            Some("2026-01-05T09:10:30+08:00"),
        ),
        // this Monday: 2 of 2 answered
        line(
            "n1",
            "2026-01-12T09:00:00+08:00",
            Some("2026-01-12T09:00:10+08:00"),
            None,
        ),
        line(
            "n2",
            "2026-01-12T23:59:00+08:00",
            Some("2026-01-12T23:59:10+08:00"),
            None,
        ),
    ];
    std::fs::write(&p, lines.join("\n")).unwrap();
    let r = json(&kefu(&[
        "kpi",
        "--interactions",
        p.to_str().unwrap(),
        "--tz",
        "Asia/Shanghai",
        "--by",
        "queue",
        "--daily",
        "2026-01-12",
        "--json",
    ]));
    assert_eq!(r["previous_date"], "2026-01-05");
    let sales = &r["rows"][0];
    assert_eq!(sales["group"], "sales");
    let ar = &sales["kpis"]["answer_rate"];
    close(&ar["value"], 1.0);
    close(&ar["previous"], 0.5);
    assert_eq!(ar["trend"], "up");
    assert_eq!(ar["better"], true);
    assert_eq!(r["totals"]["offered"]["value"], 2.0);
    // text form shows the arrows
    let out = kefu(&[
        "kpi",
        "--interactions",
        p.to_str().unwrap(),
        "--tz",
        "Asia/Shanghai",
        "--by",
        "queue",
        "--daily",
        "2026-01-12",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("100.0%↑"));
}

#[test]
fn tickets_evaluations_surveys_and_schedule_files() {
    let (d, file) = write_interactions("others");
    let w = |name: &str, text: &str| {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let tickets = w(
        "tickets.jsonl",
        r#"{"id":"t1","kind":"inquiry","created_at":"2026-01-05T02:00:00Z","resolved_at":"2026-01-05T03:00:00Z","contacts":1,"first_response_business_min":4,"first_response_target_min":5,"resolution_business_min":60}
{"id":"t2","kind":"complaint","complaint_category":"attitude","created_at":"2026-01-05T02:00:00Z","resolved_at":"2026-01-05T04:00:00Z","contacts":1,"reopened_at":"2026-01-07T04:00:00Z","first_response_business_min":6,"first_response_target_min":5,"resolution_business_min":120}
"#,
    );
    let evaluations = w(
        "evaluations.jsonl",
        r#"{"id":"e1","agent":"a1","at":"2026-01-05T05:00:00Z","score":90}
{"id":"e2","agent":"a1","at":"2026-01-05T05:00:00Z","score":85,"pass_mark":88}
"#,
    );
    let surveys = w(
        "surveys.jsonl",
        r#"{"id":"s1","at":"2026-01-05T05:00:00Z","kind":"csat","score":5}
{"id":"s2","at":"2026-01-05T05:00:00Z","kind":"csat","score":3}
{"id":"s3","at":"2026-01-05T05:00:00Z","kind":"nps","score":10}
{"id":"s4","at":"2026-01-05T05:00:00Z","kind":"nps","score":9}
{"id":"s5","at":"2026-01-05T05:00:00Z","kind":"nps","score":2}
{"id":"s6","at":"2026-01-05T05:00:00Z","kind":"nps","score":7}
"#,
    );
    let states = w(
        "states.jsonl",
        r#"{"agent":"a1","state":"available","from":"2026-01-05T02:00:00Z","to":"2026-01-05T02:45:00Z"}
{"agent":"a1","state":"aux","from":"2026-01-05T02:45:00Z","to":"2026-01-05T03:00:00Z"}
"#,
    );
    // a1 scheduled to work 02:00–03:00: in a work state 45 of 60 minutes
    let schedule = w(
        "schedule.jsonl",
        r#"{"agent":"a1","shift":"mon","activity":"work","from":"2026-01-05T02:00:00Z","to":"2026-01-05T03:00:00Z"}
"#,
    );
    let r = json(&kefu(&[
        "kpi",
        "--interactions",
        &file,
        "--tickets",
        &tickets,
        "--evaluations",
        &evaluations,
        "--surveys",
        &surveys,
        "--agent-states",
        &states,
        "--schedule",
        &schedule,
        "--tz",
        "Asia/Shanghai",
        "--json",
    ]));
    let t = &r["totals"];
    close(&t["fcr"], 0.5); // t2 reopened 2 days later
    close(&t["first_response_median_min"], 5.0); // (4 + 6) / 2
    close(&t["first_response_p90_min"], 5.8); // 4 + 0.9 · 2
    close(&t["resolution_median_min"], 90.0);
    close(&t["first_response_sla"], 0.5); // 4 ≤ 5 met, 6 > 5 missed
    close(&t["complaint_rate"], 0.25); // 1 complaint / 4 handled
    close(&t["attitude_complaint_rate"], 0.25);
    close(&t["qa_pass_rate"], 0.5); // 90 ≥ 80; 85 < its own 88
    close(&t["csat"], 0.5);
    close(&t["nps"], 25.0); // (2 promoters − 1 detractor) / 4 · 100
    close(&t["attendance"], 1.0);
    close(&t["adherence"], 0.75);
}
