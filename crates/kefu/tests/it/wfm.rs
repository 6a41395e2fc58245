//! `kefu wfm` end to end.

use serde_json::Value;
use std::process::Command;

fn kefu(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .output()
        .expect("run kefu");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (ok, out, err) = kefu(args);
    assert!(ok, "kefu {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn erlang_c_spec_example() {
    let base = [
        "wfm",
        "erlang",
        "--model",
        "c",
        "--calls",
        "100",
        "--interval-s",
        "1800",
        "--aht-s",
        "180",
        "--answer-within-s",
        "20",
        "--json",
        "--agents",
    ];
    let v = json(&[&base[..], &["14"]].concat());
    assert!((f(&v, "traffic_erlangs") - 10.0).abs() < 1e-9);
    assert!((f(&v, "p_wait") - 0.1741).abs() < 5e-4);
    assert!((f(&v, "service_level") - 0.888).abs() < 1e-3);
    assert!((f(&v, "asa_s") - 7.8).abs() < 0.05);
    let v = json(&[&base[..], &["13"]].concat());
    assert!((f(&v, "service_level") - 0.796).abs() < 1e-3);
    // N ≤ A: infinite ASA is null.
    let v = json(&[&base[..], &["10"]].concat());
    assert_eq!(v["asa_s"], Value::Null);
    assert_eq!(f(&v, "p_wait"), 1.0);
    assert_eq!(f(&v, "service_level"), 0.0);
}

#[test]
fn erlang_b_table_point() {
    // A = 5 Erlangs (100 calls × 180 s / 3600 s), N = 10 → 1.84 %.
    let v = json(&[
        "wfm",
        "erlang",
        "--model",
        "b",
        "--calls",
        "100",
        "--interval-s",
        "3600",
        "--aht-s",
        "180",
        "--agents",
        "10",
        "--json",
    ]);
    assert!((f(&v, "p_block") - 0.01838).abs() < 5e-5);
}

#[test]
fn erlang_a_fields() {
    let v = json(&[
        "wfm",
        "erlang",
        "--model",
        "a",
        "--calls",
        "100",
        "--aht-s",
        "180",
        "--agents",
        "12",
        "--patience-s",
        "120",
        "--json",
    ]);
    let pab = f(&v, "p_abandon");
    assert!(pab > 0.0 && pab < 0.2);
    // Mean wait over all arrivals = P(abandon) × mean patience (Little's law).
    assert!((f(&v, "asa_s") - pab * 120.0).abs() < 1e-9);
    assert!(f(&v, "service_level") <= f(&v, "service_level_answered"));
    let (ok, _, err) = kefu(&[
        "wfm", "erlang", "--model", "a", "--calls", "100", "--aht-s", "180", "--agents", "12",
    ]);
    assert!(!ok && err.contains("patience"));
}

#[test]
fn staff_one_interval() {
    let v = json(&[
        "wfm",
        "staff",
        "--calls",
        "100",
        "--interval-s",
        "1800",
        "--aht-s",
        "180",
        "--target-sl",
        "0.8",
        "--answer-within-s",
        "20",
        "--json",
    ]);
    assert_eq!(v["agents"], 14);
    assert_eq!(v["binding_constraint"], "service_level");
    assert_eq!(v["p_abandon"], Value::Null);
    // A = 17 → 21 agents; with 30 % shrinkage exactly 30 heads.
    let v = json(&[
        "wfm",
        "staff",
        "--calls",
        "170",
        "--aht-s",
        "180",
        "--target-sl",
        "0.8",
        "--shrinkage",
        "0.3",
        "--json",
    ]);
    assert_eq!(
        (v["agents"].as_u64(), v["agents_scheduled"].as_u64()),
        (Some(21), Some(30))
    );
}

#[test]
fn staff_erlang_a_below_traffic() {
    let v = json(&[
        "wfm",
        "staff",
        "--calls",
        "5000",
        "--aht-s",
        "180",
        "--target-sl",
        "0.8",
        "--patience-s",
        "180",
        "--json",
    ]);
    let agents = v["agents"].as_u64().unwrap();
    assert!(agents < 500, "{v}");
    assert!(f(&v, "service_level") >= 0.8);
}

#[test]
fn staff_intervals_file() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("intervals.csv");
    std::fs::write(
        &path,
        "interval_start,queue,calls,aht_s\n\
         2026-01-05T09:00,sales,100,180\n\
         2026-01-05T09:30,sales,0,180\n\
         2026-01-05T09:00,support,170,180\n",
    )
    .unwrap();
    let v = json(&[
        "wfm",
        "staff",
        "--intervals",
        path.to_str().unwrap(),
        "--target-sl",
        "0.8",
        "--shrinkage",
        "0.3",
        "--json",
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["queue"], "sales");
    assert_eq!(rows[0]["interval_start"], "2026-01-05T09:00");
    assert_eq!(rows[0]["agents"], 14);
    assert_eq!(rows[1]["agents"], 0);
    assert_eq!(rows[2]["agents_scheduled"], 30);
    std::fs::write(&path, "interval_start,queue,calls,aht_s\nx,q,-5,180\n").unwrap();
    let (ok, _, err) = kefu(&[
        "wfm",
        "staff",
        "--intervals",
        path.to_str().unwrap(),
        "--target-sl",
        "0.8",
    ]);
    assert!(!ok && err.contains("line 2"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
