//! The scheduling instance of `bench/wfm/run.py`, shared by the criterion benchmark, the
//! HiGHS comparison example and the HiGHS test.

use kefu_wfm::schedule::{Requirement, ScheduleSpec};

/// `days` days × 96 intervals, 4 shift lengths (276 shift types; 280 with breaks).
/// With `days` = 7 it is the instance of `bench/wfm/run.py`.
pub fn schedule_instance(breaks: bool, days: usize) -> (ScheduleSpec, Requirement) {
    let step = if breaks { 30 } else { 15 };
    let shifts: Vec<serde_json::Value> = [240u32, 360, 480, 600]
        .iter()
        .map(|&len| {
            let last = 1440 - len;
            let (blen, first) = if len == 240 {
                (15, 105)
            } else {
                (60, len / 2 - 60)
            };
            let breaks_json = if breaks {
                serde_json::json!([{"minutes": blen, "paid": len == 240,
                    "earliest_after_minutes": first, "latest_after_minutes": first + 30,
                    "every_minutes": 30}])
            } else {
                serde_json::json!([])
            };
            serde_json::json!({
                "name": format!("h{}", len / 60),
                "start_from": "00:00",
                "start_to": format!("{:02}:{:02}", last / 60, last % 60),
                "start_every_minutes": step,
                "lengths_minutes": [len],
                "breaks": breaks_json,
                "cost": (len - if breaks && len != 240 { 60 } else { 0 }) / 15,
            })
        })
        .collect();
    let spec: ScheduleSpec =
        serde_json::from_value(serde_json::json!({"interval_minutes": 15, "shifts": shifts}))
            .unwrap();
    let mut required = Vec::new();
    let mut seed: u64 = 3;
    for d in 0..days {
        let day_scale = if d < 5 { 1.0 } else { 0.6 };
        for p in 0..96 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let h = p as f64 / 4.0;
            let shape = 4.0
                + 90.0 * (-(h - 10.5f64).powi(2) / 6.0).exp()
                + 70.0 * (-(h - 15.5f64).powi(2) / 5.0).exp()
                + 30.0 * (-(h - 20.0f64).powi(2) / 4.0).exp();
            required.push((shape * day_scale * (0.9 + 0.2 * u)).round() as u32);
        }
    }
    (spec, Requirement::pooled(15, days, required))
}
