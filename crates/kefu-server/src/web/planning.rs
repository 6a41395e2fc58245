//! The planner's staffing calculator page: the Erlang C table around the required number
//! of agents for one interval.

use super::{Tr, Viewer, render};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kefu_model::Action;
use kefu_wfm::erlang;
use kefu_wfm::staffing::{StaffInput, Targets, staff};
use serde::Deserialize;

/// The form, as typed (kept as text so a bad value is shown back, not lost).
#[derive(Debug, Deserialize)]
pub struct PlanningForm {
    #[serde(default)]
    calls: String,
    #[serde(default = "thirty")]
    interval_min: String,
    #[serde(default)]
    aht_s: String,
    #[serde(default = "eighty")]
    sl: String,
    #[serde(default = "twenty")]
    within_s: String,
    #[serde(default = "zero")]
    shrinkage: String,
}

fn thirty() -> String {
    "30".into()
}
fn eighty() -> String {
    "80".into()
}
fn twenty() -> String {
    "20".into()
}
fn zero() -> String {
    "0".into()
}

pub struct TableRow {
    agents: u32,
    p_wait: String,
    sl: String,
    asa: String,
    occupancy: String,
}

pub struct Outcome {
    traffic: String,
    required: u32,
    scheduled: u32,
    rows: Vec<TableRow>,
}

#[derive(Template)]
#[template(path = "planning.html")]
struct PlanningPage {
    t: Tr,
    signed_in: bool,
    form: PlanningForm,
    result: Option<Outcome>,
    error: Option<String>,
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn compute(f: &PlanningForm, t: &Tr) -> Result<Option<Outcome>, String> {
    if f.calls.trim().is_empty() || f.aht_s.trim().is_empty() {
        return Ok(None);
    }
    let bad = |field: &str| format!("{}: ?", t.get(field));
    let calls = num(&f.calls).ok_or_else(|| bad("planning-calls"))?;
    let interval_s = num(&f.interval_min).ok_or_else(|| bad("planning-interval"))? * 60.0;
    let aht_s = num(&f.aht_s).ok_or_else(|| bad("planning-aht"))?;
    let sl = num(&f.sl).ok_or_else(|| bad("planning-sl"))? / 100.0;
    let within = num(&f.within_s).ok_or_else(|| bad("planning-within"))?;
    let shrinkage = num(&f.shrinkage).ok_or_else(|| bad("planning-shrinkage"))? / 100.0;
    let input = StaffInput {
        calls,
        interval_s,
        aht_s,
        patience_s: None,
        shrinkage: (shrinkage > 0.0).then_some(shrinkage),
        targets: Targets {
            service_level: Some(sl),
            answer_within_s: within,
            ..Default::default()
        },
    };
    let s = staff(&input).map_err(|e| e.to_string())?;
    let a = s.traffic_erlangs;
    let first = (a.floor() as u32 + 1).max(s.agents.saturating_sub(4));
    let rows = (first..=s.agents + 3)
        .filter_map(|n| erlang::erlang_c(a, n, aht_s, within).ok())
        .map(|c| TableRow {
            agents: c.agents,
            p_wait: format!("{:.4}", c.p_wait),
            sl: pct(c.service_level),
            asa: c.asa_s.map_or_else(|| "∞".into(), |v| format!("{v:.1}")),
            occupancy: pct(c.occupancy),
        })
        .collect();
    Ok(Some(Outcome {
        traffic: format!("{a:.2}"),
        required: s.agents,
        scheduled: s.agents_scheduled,
        rows,
    }))
}

pub async fn page(
    State(_state): State<AppState>,
    v: Viewer,
    Query(form): Query<PlanningForm>,
) -> Result<Response, ApiError> {
    v.auth.require(Action::PlanWorkforce)?;
    let t = v.t();
    let (result, error) = match compute(&form, &t) {
        Ok(r) => (r, None),
        Err(e) => (None, Some(e)),
    };
    Ok(render(PlanningPage {
        t,
        signed_in: true,
        form,
        result,
        error,
    }))
}

#[derive(Debug, Deserialize)]
pub struct ForecastForm {
    #[serde(default)]
    queue: String,
    /// The first forecast day (YYYY-MM-DD); today when empty.
    #[serde(default)]
    until: String,
    #[serde(default = "fifty_six")]
    history_days: String,
    #[serde(default = "fourteen")]
    horizon_days: String,
}

fn fifty_six() -> String {
    "56".into()
}
fn fourteen() -> String {
    "14".into()
}

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    t: Tr,
    signed_in: bool,
    queue: String,
    until: String,
    history_days: String,
    horizon_days: String,
    chart: String,
    days: Vec<(String, String, String)>,
    error: Option<String>,
}

/// The volume forecast page: daily history and forecast as an SVG chart, and a table.
pub async fn forecast_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(f): Query<ForecastForm>,
) -> Result<Response, ApiError> {
    use crate::api::wfm::{ForecastIn, forecast_from_store, thirty};
    use kefu_wfm::svg::{Band, Chart, Series};
    let p = v.auth.require(Action::PlanWorkforce)?;
    let t = v.t();
    let mut page = ForecastPage {
        chart: String::new(),
        days: vec![],
        error: None,
        signed_in: true,
        queue: f.queue.clone(),
        until: f.until.clone(),
        history_days: f.history_days.clone(),
        horizon_days: f.horizon_days.clone(),
        t,
    };
    let parsed = (
        f.history_days.trim().parse::<u32>(),
        f.horizon_days.trim().parse::<u32>(),
    );
    let until = match f.until.trim() {
        "" => Ok(None),
        d => d.parse::<chrono::NaiveDate>().map(Some),
    };
    let (Ok(history_days), Ok(horizon_days), Ok(until)) = (parsed.0, parsed.1, until) else {
        page.error = Some(format!(
            "{} / {}: ?",
            page.t.get("planning-history-days"),
            page.t.get("planning-horizon-days")
        ));
        return Ok(render(page));
    };
    let input = ForecastIn {
        queue: Some(f.queue.trim().to_owned()).filter(|q| !q.is_empty()),
        until,
        history_days,
        horizon_days,
        interval_minutes: thirty(),
        holidays: vec![],
        workdays: vec![],
    };
    match forecast_from_store(&state, &p.scope, &input).await {
        Ok((history, fc)) => {
            let spd = history.slots_per_day();
            let past: Vec<f64> = history
                .contacts
                .chunks(spd)
                .map(|d| d.iter().sum())
                .collect();
            let total = past.len() + fc.daily.len();
            let pad = |before: usize, vals: Vec<Option<f64>>| {
                let mut out = vec![None; before];
                out.extend(vals);
                out.resize(total, None);
                out
            };
            let hist = pad(0, past.iter().map(|v| Some(*v)).collect());
            let pred = pad(
                past.len(),
                fc.daily.iter().map(|d| Some(d.contacts)).collect(),
            );
            let lower = pad(past.len(), fc.daily.iter().map(|d| Some(d.lower)).collect());
            let upper = pad(past.len(), fc.daily.iter().map(|d| Some(d.upper)).collect());
            let ticks = (0..total)
                .step_by(7)
                .map(|i| {
                    (
                        i,
                        (history.start + chrono::Days::new(i as u64))
                            .format("%m-%d")
                            .to_string(),
                    )
                })
                .collect();
            let chart = Chart {
                title: page.t.get("planning-forecast-title"),
                y_label: page.t.get("planning-contacts-per-day"),
                series: vec![
                    Series {
                        label: page.t.get("planning-history"),
                        color: "#444".into(),
                        values: hist,
                        step: false,
                    },
                    Series {
                        label: page.t.get("planning-forecast"),
                        color: "#0b6e4f".into(),
                        values: pred,
                        step: false,
                    },
                ],
                bands: vec![Band {
                    label: page.t.get("planning-band"),
                    color: "#0b6e4f".into(),
                    lower,
                    upper,
                }],
                ticks,
            };
            page.chart = chart.render(1000.0, 360.0);
            page.days = fc
                .daily
                .iter()
                .map(|d| {
                    (
                        d.date.to_string(),
                        format!("{:.0}", d.contacts),
                        format!("{:.0}–{:.0}", d.lower, d.upper),
                    )
                })
                .collect();
        }
        Err(e) => {
            let problem = e.problem();
            page.error = Some(crate::i18n::tr(
                v.lang,
                &format!("problem-{}", problem.code),
                None,
            ));
        }
    }
    Ok(render(page))
}
