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

/// Runs kefu with `input` on its standard input.
fn kefu_stdin(args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kefu");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn staff_intervals_columns_by_name_from_stdin() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-stdin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("intervals.csv");
    std::fs::write(
        &path,
        "interval_start,queue,calls,aht_s\n\
         2026-01-05T09:00,sales,100,180\n\
         2026-01-05T09:00,\"a,b\",170,180\n",
    )
    .unwrap();
    // The same rows with the columns in another order, padded, and one more column.
    let shuffled = " calls , queue,note, interval_start ,aht_s\n\
                    100 ,sales,x, 2026-01-05T09:00,180 \n\
                    170,\"a,b\",y,2026-01-05T09:00,180\n";
    let file = path.to_str().unwrap();
    for mode in [&["--csv"][..], &["--json"], &[]] {
        let staff = |intervals| {
            let mut args = vec![
                "wfm",
                "staff",
                "--target-sl",
                "0.8",
                "--intervals",
                intervals,
            ];
            args.extend_from_slice(mode);
            args
        };
        let (ok, expected, err) = kefu(&staff(file));
        assert!(ok, "{err}");
        let (ok, out, err) = kefu_stdin(&staff("-"), shuffled);
        assert!(ok, "{err}");
        assert_eq!(out, expected, "{mode:?}");
    }
    let (ok, _, err) = kefu_stdin(
        &["wfm", "staff", "--intervals", "-", "--target-sl", "0.8"],
        "queue,interval_start,aht_s,calls\nq,2026-01-05T09:00,180,12\nq,2026-01-05T09:15,180,x\n",
    );
    assert!(
        !ok && err.contains("stdin: line 3: bad calls \"x\""),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schedule_covers_and_assigns() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req = dir.join("req.csv");
    let mut csv = String::from("interval_start,queue,required\n");
    for day in 5..=6 {
        for h in 9..17 {
            // Queue a: 2 agents from 09:00 to 17:00, 3 from 12:00 to 14:00; queue b: 1.
            let extra = if (12..14).contains(&h) { 1 } else { 0 };
            csv.push_str(&format!("2026-01-{day:02}T{h:02}:00,a,{}\n", 2 + extra));
            csv.push_str(&format!("2026-01-{day:02}T{h:02}:00,b,1\n"));
        }
    }
    std::fs::write(&req, csv).unwrap();
    let shifts = dir.join("shifts.yaml");
    std::fs::write(
        &shifts,
        "interval_minutes: 60\n\
         shifts:\n\
         \x20 - name: day\n\
         \x20   start_from: \"08:00\"\n\
         \x20   start_to: \"12:00\"\n\
         \x20   lengths_minutes: [240, 480]\n\
         rules:\n\
         \x20 max_consecutive_days: 5\n\
         \x20 days_off_per_week: 2\n\
         agents:\n\
         \x20 - {name: 王芳}\n\
         \x20 - {name: 李强}\n\
         \x20 - {name: 张伟, days_off: [1]}\n\
         \x20 - {name: 刘洋}\n\
         \x20 - {name: 陈静}\n",
    )
    .unwrap();
    let svg = dir.join("cov.svg");
    let v = json(&[
        "wfm",
        "schedule",
        req.to_str().unwrap(),
        shifts.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["under_intervals"], 0);
    // Each queue covered on its own: a takes two 8 h shifts and one 4 h shift (the 2 h
    // extra), b one 8 h shift: 28 paid hours per day, 56 for both days; the LP bound agrees.
    assert_eq!(f(&v, "cost"), 56.0);
    assert!((f(&v, "lower_bound") - 56.0).abs() < 1e-6);
    let cov = v["coverage"].as_array().unwrap();
    assert_eq!(cov.len(), 2 * 48);
    assert_eq!(
        (cov[0]["queue"].as_str(), cov[48]["queue"].as_str()),
        (Some("a"), Some("b"))
    );
    let per_queue = |q: &str| {
        v["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["queue"] == q)
            .map(|s| s["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!((per_queue("a"), per_queue("b")), (6, 2));
    for c in cov {
        assert!(c["scheduled"].as_i64().unwrap() >= c["required"].as_i64().unwrap());
    }
    let asg = &v["assignment"];
    assert_eq!(asg["unfilled"].as_array().unwrap().len(), 0);
    // 张伟 is off on day 1.
    let zhang = asg["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "张伟")
        .unwrap();
    assert!(
        zhang["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["day"] != 1)
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("scheduled"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Ten weeks of half-hourly history for two queues with weekly and intraday seasonality, a
/// holiday and a make-up Saturday; the forecast week holds another holiday.
fn write_history(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::fmt::Write;
    let week = [1.3, 1.2, 1.15, 1.1, 1.05, 0.65, 0.55];
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(); // Monday
    let holidays = [
        (20u64, "holiday"),
        (40, "holiday"),
        (47, "workday"),
        (72, "holiday"),
    ];
    let mut csv = String::from("timestamp,queue,contacts,aht_s\n");
    for d in 0..70u64 {
        let date = start + chrono::Days::new(d);
        let kind = holidays.iter().find(|h| h.0 == d).map(|h| h.1);
        let factor = match kind {
            Some("holiday") => 0.3,
            Some(_) => 1.16,
            None => week[(d % 7) as usize],
        };
        for slot in 0..48 {
            let h = slot as f64 / 2.0;
            let shape = 0.02
                + (-(h - 10.5f64).powi(2) / 6.0).exp()
                + 0.6 * (-(h - 15.5f64).powi(2) / 5.0).exp();
            let total = (400.0 + 2.0 * d as f64) * factor * shape / 4.0;
            for (q, share) in [("sales", 0.4), ("support", 0.6)] {
                writeln!(
                    csv,
                    "{date}T{:02}:{:02},{q},{:.0},{}",
                    slot / 2,
                    slot % 2 * 30,
                    total * share,
                    180 + slot
                )
                .unwrap();
            }
        }
    }
    let hist = dir.join("history.csv");
    std::fs::write(&hist, csv).unwrap();
    let cal = dir.join("holidays.csv");
    let mut c = String::from("date,kind\n");
    for (d, k) in holidays {
        writeln!(c, "{},{k}", start + chrono::Days::new(d)).unwrap();
    }
    std::fs::write(&cal, c).unwrap();
    (hist, cal)
}

#[test]
fn forecast_with_holidays_and_backtest() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-fc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (hist, cal) = write_history(&dir);
    let svg = dir.join("fc.svg");
    let v = json(&[
        "wfm",
        "forecast",
        hist.to_str().unwrap(),
        "--horizon-days",
        "7",
        "--holidays",
        cal.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["interval_min"], 30);
    assert_eq!(v["history_days"], 70);
    let daily = v["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 7);
    assert_eq!(v["intervals"].as_array().unwrap().len(), 7 * 48);
    // Daily total = (400 + 2·day) × day factor × Σ intraday shape / 4.
    let shape: f64 = (0..48)
        .map(|slot| {
            let h = slot as f64 / 2.0;
            0.02 + (-(h - 10.5f64).powi(2) / 6.0).exp() + 0.6 * (-(h - 15.5f64).powi(2) / 5.0).exp()
        })
        .sum::<f64>()
        / 4.0;
    // Day 72 (third forecast day) is a holiday: 0.3 of the level.
    assert_eq!(daily[2]["kind"], "holiday");
    let got = f(&daily[2], "contacts");
    let want = (400.0 + 2.0 * 72.0) * 0.3 * shape;
    assert!(
        (got / want - 1.0).abs() < 0.1,
        "holiday forecast {got} vs {want}"
    );
    // Monday (day 70): 1.3 × the level.
    let mon = f(&daily[0], "contacts");
    let want = (400.0 + 140.0) * 1.3 * shape;
    assert!((mon / want - 1.0).abs() < 0.05, "monday {mon} vs {want}");
    let bt = &v["backtest"];
    assert!(
        f(&bt["model"], "wmape") < f(&bt["seasonal_naive"], "wmape"),
        "{bt}"
    );
    assert!(f(&bt["model"], "mase") < f(&bt["seasonal_naive"], "mase"));
    // One queue only.
    let s = json(&[
        "wfm",
        "forecast",
        hist.to_str().unwrap(),
        "--horizon-days",
        "7",
        "--queue",
        "sales",
        "--holidays",
        cal.to_str().unwrap(),
        "--json",
    ]);
    let ratio = f(&s["daily"][0], "contacts") / mon;
    assert!((ratio - 0.4).abs() < 0.02, "{ratio}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("forecast"));

    // Intraday re-forecast: today runs 1.5× the forecast until noon.
    let today = dir.join("today.csv");
    let mut csv = String::from("timestamp,queue,contacts\n");
    for iv in &v["intervals"].as_array().unwrap()[..24] {
        let start = iv["interval_start"].as_str().unwrap();
        csv.push_str(&format!("{start},support,{}\n", 1.5 * f(iv, "contacts")));
    }
    std::fs::write(&today, csv).unwrap();
    let r = json(&[
        "wfm",
        "forecast",
        hist.to_str().unwrap(),
        "--horizon-days",
        "1",
        "--holidays",
        cal.to_str().unwrap(),
        "--today",
        today.to_str().unwrap(),
        "--today-prior-contacts",
        "0",
        "--json",
    ]);
    let t = &r["reforecast_today"];
    assert_eq!(t["intervals_seen"], 24);
    let ratio = f(t, "day_total_after") / f(t, "day_total_before");
    assert!((ratio - 1.5).abs() < 1e-6, "{ratio}");
    assert_eq!(t["intervals"][30]["source"], "reforecast");
    std::fs::remove_dir_all(&dir).ok();
}

fn kefu_out(args: &[&str]) -> String {
    let (ok, out, err) = kefu(args);
    assert!(ok, "kefu {args:?} failed: {err}");
    out
}

#[test]
fn forecast_staff_schedule_pipeline() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (hist, cal) = write_history(&dir);
    let fc = kefu_out(&[
        "wfm",
        "forecast",
        hist.to_str().unwrap(),
        "--horizon-days",
        "7",
        "--holidays",
        cal.to_str().unwrap(),
        "--queue",
        "support",
        "--csv",
    ]);
    assert!(fc.starts_with("interval_start,queue,calls,aht_s\n"));
    assert_eq!(fc.lines().count(), 1 + 7 * 48);
    let intervals = dir.join("intervals.csv");
    std::fs::write(&intervals, &fc).unwrap();
    let staff = kefu_out(&[
        "wfm",
        "staff",
        "--intervals",
        intervals.to_str().unwrap(),
        "--interval-s",
        "1800",
        "--target-sl",
        "0.8",
        "--answer-within-s",
        "20",
        "--shrinkage",
        "0.3",
        "--csv",
    ]);
    let req = dir.join("req.csv");
    std::fs::write(&req, &staff).unwrap();
    let mut rdr = csv::Reader::from_path(&req).unwrap();
    let needed: Vec<i64> = rdr
        .records()
        .map(|r| r.unwrap()[3].parse::<i64>().unwrap())
        .collect();
    assert_eq!(needed.len(), 7 * 48);
    assert!(needed.iter().any(|&n| n > 5));
    let shifts = dir.join("shifts.yaml");
    std::fs::write(
        &shifts,
        "interval_minutes: 30\nshifts:\n  - name: d\n    start_from: \"00:00\"\n    \
         start_to: \"23:30\"\n    lengths_minutes: [480]\n    breaks:\n      - {minutes: 30, \
         earliest_after_minutes: 180, latest_after_minutes: 300, every_minutes: 60}\n",
    )
    .unwrap();
    let v = json(&[
        "wfm",
        "schedule",
        req.to_str().unwrap(),
        shifts.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["under_intervals"], 0);
    let cov = v["coverage"].as_array().unwrap();
    assert_eq!(cov.len(), 7 * 48);
    for (c, n) in cov.iter().zip(&needed) {
        assert_eq!(c["required"].as_i64().unwrap(), *n);
        assert!(c["scheduled"].as_i64().unwrap() >= *n);
    }
    assert!(f(&v, "gap") < 0.05, "{}", v["gap"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = std::env::temp_dir().join(format!("kefu-wfm-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req = dir.join("req.csv");
    std::fs::write(&req, "day,interval,required\n0,36,2\n").unwrap();
    let shifts = dir.join("shifts.yaml");
    // A misspelt key is refused, not ignored.
    std::fs::write(
        &shifts,
        "shifts:\n  - name: d\n    starts: [\"09:00\"]\n    length_minutes: [480]\n",
    )
    .unwrap();
    let (ok, _, err) = kefu(&[
        "wfm",
        "schedule",
        req.to_str().unwrap(),
        shifts.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("length_minutes"), "{err}");
    // A bad time.
    std::fs::write(
        &shifts,
        "shifts:\n  - name: d\n    starts: [\"9h\"]\n    lengths_minutes: [480]\n",
    )
    .unwrap();
    let (ok, _, err) = kefu(&[
        "wfm",
        "schedule",
        req.to_str().unwrap(),
        shifts.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("HH:MM"), "{err}");
    // Nothing covers 09:00 (interval 36 of 15 minutes) when shifts start at 10:00.
    std::fs::write(
        &shifts,
        "shifts:\n  - name: d\n    starts: [\"10:00\"]\n    lengths_minutes: [480]\n",
    )
    .unwrap();
    let (ok, _, err) = kefu(&[
        "wfm",
        "schedule",
        req.to_str().unwrap(),
        shifts.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("09:00"), "{err}");
    // Erlang input out of domain.
    let (ok, _, err) = kefu(&[
        "wfm", "erlang", "--calls", "-3", "--aht-s", "180", "--agents", "3",
    ]);
    assert!(!ok && err.contains("calls"), "{err}");
    let (ok, _, err) = kefu(&[
        "wfm",
        "staff",
        "--calls",
        "10",
        "--aht-s",
        "180",
        "--shrinkage",
        "1",
    ]);
    assert!(!ok && err.contains("shrinkage"), "{err}");
    // A history too short to forecast.
    let hist = dir.join("h.csv");
    std::fs::write(
        &hist,
        "timestamp,contacts\n2026-01-05T09:00,3\n2026-01-06T09:00,4\n",
    )
    .unwrap();
    let (ok, _, err) = kefu(&["wfm", "forecast", hist.to_str().unwrap()]);
    assert!(!ok && err.contains("14 days"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
