//! `kefu sim` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = r#"days: 1
interval_minutes: 30
time_zone: UTC
queues:
  - {id: sales, strategy: longest_idle, required_skills: {sales: 1},
     service_level: {target: 0.8, answer_within_s: 20}}
arrivals:                       # Poisson; rate_per_hour, or per_interval: [rates of one day]
  - {queue: sales, rate_per_hour: 200}
handle_time: {distribution: exponential, mean_s: 180}   # also lognormal {mean_s, sd_s}, fixed
patience: {distribution: exponential, mean_s: 300}      # omit: customers never abandon
wrap_up_s: 0
agents:                         # ids are NAME-1 … NAME-count
  - {name: s, count: 14, skills: {sales: 1}, shift: "00:00-24:00"}
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kefu-sim-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn kefu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .output()
        .expect("runs kefu")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "kefu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn sim_prints_totals_and_intervals_as_json() {
    let d = dir("json");
    let sc = write(&d, "s.yaml", SCENARIO);
    let out = kefu(&["sim", &sc, "--json", "--seed", "7"]);
    let v = json(&out);
    let t = &v["totals"];
    for k in [
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "asa_s",
        "abandon_rate",
        "occupancy",
    ] {
        assert!(t.get(k).is_some(), "totals lack {k}: {t}");
    }
    let offered = t["offered"].as_u64().unwrap();
    // 200 an hour for 24 hours: 4800 expected, Poisson sd ≈ 69.
    assert!((4500..5100).contains(&offered), "{offered}");
    assert_eq!(
        offered,
        t["answered"].as_u64().unwrap() + t["abandoned"].as_u64().unwrap()
    );
    let sl = t["service_level"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&sl), "{sl}");
    let occ = t["occupancy"].as_f64().unwrap();
    assert!(
        (0.6..0.8).contains(&occ),
        "occupancy {occ} (10 Erlangs on 14 agents)"
    );
    let iv = v["intervals"].as_array().unwrap();
    assert_eq!(iv.len(), 48, "one day of 30-minute intervals for one queue");
    assert_eq!(iv[0]["queue"], "sales");
    assert_eq!(iv[1]["start"], "00:30");
    let sum: u64 = iv.iter().map(|i| i["offered"].as_u64().unwrap()).sum();
    assert_eq!(sum, offered);
    // Nothing on stderr when it is not a terminal (no progress bar).
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sim_is_deterministic_per_seed() {
    let d = dir("seed");
    let sc = write(&d, "s.yaml", SCENARIO);
    let a = kefu(&["sim", &sc, "--json", "--seed", "3"]);
    let b = kefu(&["sim", &sc, "--json", "--seed", "3"]);
    let c = kefu(&["sim", &sc, "--json", "--seed", "4"]);
    assert_eq!(json(&a), json(&b));
    assert_ne!(json(&a)["totals"], json(&c)["totals"]);
}

#[test]
fn sim_logs_each_contact_and_replays_the_log() {
    let d = dir("log");
    let sc = write(&d, "s.yaml", SCENARIO);
    let log = d.join("contacts.jsonl");
    let first = json(&kefu(&[
        "sim",
        &sc,
        "--json",
        "--log",
        log.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, first["contacts"].as_u64().unwrap());
    for k in [
        "id",
        "queue",
        "priority",
        "offered_at_s",
        "answered_at_s",
        "abandoned_at_s",
        "ended_at_s",
        "agent",
    ] {
        assert!(
            lines[0].get(k).is_some(),
            "log line lacks {k}: {}",
            lines[0]
        );
    }
    let answered = lines
        .iter()
        .find(|l| !l["answered_at_s"].is_null())
        .unwrap();
    assert!(answered["agent"].as_str().unwrap().starts_with("s-"));
    assert!(
        answered["ended_at_s"].as_f64().unwrap() >= answered["answered_at_s"].as_f64().unwrap()
    );
    let abandoned = lines
        .iter()
        .find(|l| !l["abandoned_at_s"].is_null())
        .unwrap();
    assert!(abandoned["agent"].is_null() && abandoned["answered_at_s"].is_null());

    // Replaying what happened, with the same staffing, gives the same figures.
    let again = json(&kefu(&[
        "sim",
        &sc,
        "--json",
        "--replay",
        log.to_str().unwrap(),
    ]));
    assert_eq!(first["totals"], again["totals"]);
    // A hand-written replay: two contacts, one agent, the second waits for the first.
    let rp = write(
        &d,
        "replay.jsonl",
        "{\"queue\":\"sales\",\"offered_at_s\":10,\"handle_s\":60}\n{\"queue\":\"sales\",\"offered_at_s\":20,\"handle_s\":30,\"patience_s\":1000}\n",
    );
    let one = write(&d, "one.yaml", &SCENARIO.replace("count: 14", "count: 1"));
    let out = json(&kefu(&[
        "sim",
        &one,
        "--json",
        "--replay",
        &rp,
        "--log",
        d.join("r.jsonl").to_str().unwrap(),
    ]));
    assert_eq!(out["totals"]["answered"], 2);
    assert_eq!(out["totals"]["asa_s"], 25.0); // (0 + 50) / 2
    assert_eq!(out["totals"]["answered_within_threshold"], 1);
}

#[test]
fn sim_text_report_and_errors() {
    let d = dir("text");
    let sc = write(&d, "s.yaml", SCENARIO);
    let out = kefu(&["sim", &sc]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("service level") && s.contains("sales"), "{s}");

    let bad = write(
        &d,
        "bad.yaml",
        &SCENARIO.replace("queue: sales, rate", "queue: nope, rate"),
    );
    let out = kefu(&["sim", &bad, "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown queue"));
    let out = kefu(&[
        "sim",
        &write(&d, "tz.yaml", &SCENARIO.replace("UTC", "Mars/Olympus")),
        "--json",
    ]);
    assert!(!out.status.success());
}
