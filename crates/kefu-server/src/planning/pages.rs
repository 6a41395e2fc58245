//! The planner's pages: the staffing calculator (the Erlang C table around the required
//! number of agents for one interval), the volume forecast and the shift schedule, the last
//! two through the planning service like the API.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Tr, Viewer, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use kefu_model::Action;
use kefu_wfm::erlang;
use kefu_wfm::staffing::{StaffInput, Targets, staff};
use serde::Deserialize;

/// The planning page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/planning", get(page))
        .route("/planning/forecast", get(forecast_page))
        .route(
            "/planning/schedule",
            get(schedule_page).post(schedule_submit),
        )
}

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
#[template(path = "planning/staffing.html")]
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
#[template(path = "planning/forecast.html")]
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
    use crate::planning::service::{ForecastIn, thirty};
    use kefu_wfm::svg::{Band, Chart, Series};
    v.auth.require(Action::PlanWorkforce)?;
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
    match crate::planning::service::forecast(&state, &v.auth, &input).await {
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
        Err(e) => page.error = Some(e.into_problem().message(v.lang)),
    }
    Ok(render(page))
}

/// The schedule form: requirements (pasted CSV, or computed from stored interactions) and
/// the shift templates (the YAML of `kefu wfm schedule`).
#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    shifts: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    days: String,
}

/// A starting point for the shift templates field.
const EXAMPLE_SHIFTS: &str = "interval_minutes: 30
shifts:
  - name: day
    start_from: \"08:00\"
    start_to: \"12:00\"
    lengths_minutes: [480]
    breaks:
      - {minutes: 60, earliest_after_minutes: 180, latest_after_minutes: 300}
  - name: part
    start_from: \"08:00\"
    start_to: \"18:00\"
    lengths_minutes: [240]
rules:
  max_consecutive_days: 5
  days_off_per_week: 2
agents:
  - {name: 王芳, skills: []}
  - {name: 李强, skills: []}
";

/// One queue's coverage chart.
pub struct QueueChart {
    queue: String,
    svg: String,
}

/// One agent's row of the roster: a cell per day.
pub struct RosterRow {
    agent: String,
    cells: Vec<String>,
}

pub struct ScheduleTotals {
    cost: String,
    lower_bound: String,
    gap: String,
    under: i64,
    over: i64,
    shifts: u32,
    unfilled: usize,
    cyclic: bool,
}

#[derive(Template)]
#[template(path = "planning/schedule.html")]
struct SchedulePage {
    t: Tr,
    signed_in: bool,
    source: String,
    requirements: String,
    shifts: String,
    from: String,
    days: String,
    error: Option<String>,
    charts: Vec<QueueChart>,
    totals: Option<ScheduleTotals>,
    day_labels: Vec<String>,
    roster: Vec<RosterRow>,
}

impl SchedulePage {
    fn new(t: Tr, f: ScheduleForm) -> SchedulePage {
        SchedulePage {
            t,
            signed_in: true,
            source: if f.source == "stored" {
                "stored".into()
            } else {
                "paste".into()
            },
            requirements: f.requirements,
            shifts: if f.shifts.trim().is_empty() {
                EXAMPLE_SHIFTS.into()
            } else {
                f.shifts
            },
            from: f.from,
            days: if f.days.trim().is_empty() {
                "7".into()
            } else {
                f.days
            },
            error: None,
            charts: vec![],
            totals: None,
            day_labels: vec![],
            roster: vec![],
        }
    }
}

/// The empty schedule form.
pub async fn schedule_page(v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::PlanWorkforce)?;
    Ok(render(SchedulePage::new(v.t(), ScheduleForm::default())))
}

/// Solves the posted form: coverage chart per queue, totals and the roster.
pub async fn schedule_submit(
    State(state): State<AppState>,
    v: Viewer,
    axum::Form(f): axum::Form<ScheduleForm>,
) -> Result<Response, ApiError> {
    v.auth.require(Action::PlanWorkforce)?;
    let mut page = SchedulePage::new(v.t(), f);
    let args = |detail: String| {
        let mut a = fluent_bundle::FluentArgs::new();
        a.set("detail", detail);
        a
    };
    let fail = |page: &mut SchedulePage, id: &str, detail: String| {
        page.error = Some(crate::i18n::tr(v.lang, id, Some(&args(detail))));
    };
    let spec: kefu_wfm::schedule::ScheduleSpec = match serde_yaml_ng::from_str(&page.shifts) {
        Ok(s) => s,
        Err(e) => {
            fail(&mut page, "planning-schedule-bad-shifts", e.to_string());
            return Ok(render(page));
        }
    };
    if page.source == "stored" {
        let from = page.from.trim().parse::<chrono::NaiveDate>();
        let days = page.days.trim().parse::<i64>();
        let (Ok(from), Ok(days @ 1..=31)) = (from, days) else {
            let detail = format!("({} / {})", page.from, page.days);
            fail(&mut page, "planning-schedule-bad-range", detail);
            return Ok(render(page));
        };
        let from = from.and_time(chrono::NaiveTime::MIN).and_utc();
        let q = crate::planning::service::RequirementsQuery {
            from,
            to: from + chrono::TimeDelta::days(days),
            queue: None,
            interval_minutes: spec.interval_minutes,
            target_sl: None,
            answer_within_s: 20.0,
            target_asa_s: None,
            max_occupancy: None,
            shrinkage: None,
        };
        match crate::planning::service::requirements(&state, &v.auth, &q).await {
            Ok(rows) if rows.is_empty() => {
                fail(&mut page, "planning-schedule-no-stored", String::new());
                return Ok(render(page));
            }
            Ok(rows) => {
                let mut csv = String::from("interval_start,queue,required\n");
                for r in rows {
                    let queue = r.queue.unwrap_or_default().replace('"', "\"\"");
                    let queue = if queue.is_empty() { "-".into() } else { queue };
                    csv.push_str(&format!(
                        "{},\"{queue}\",{}\n",
                        r.start.unwrap_or_default(),
                        r.agents_scheduled
                    ));
                }
                page.requirements = csv;
            }
            Err(e) => {
                let detail = e.into_problem().message(v.lang);
                fail(&mut page, "planning-schedule-bad-range", detail);
                return Ok(render(page));
            }
        }
    }
    let (req, labels) = match kefu_wfm::reqcsv::parse(&page.requirements, spec.interval_minutes) {
        Ok(r) => r,
        Err(e) => {
            fail(
                &mut page,
                "planning-schedule-bad-requirements",
                e.to_string(),
            );
            return Ok(render(page));
        }
    };
    let out = match crate::planning::service::schedule(&v.auth, spec, req.clone()).await {
        Ok(out) => out,
        Err(ApiError::Wfm(e)) => {
            fail(&mut page, "planning-schedule-failed", e.to_string());
            return Ok(render(page));
        }
        Err(e) => {
            let detail = e.into_problem().message(v.lang);
            fail(&mut page, "planning-schedule-failed", detail);
            return Ok(render(page));
        }
    };
    let plan = &out.plan;
    let spd = req.slots_per_day();
    let horizon = req.horizon();
    let names: Vec<String> = if req.queues.is_empty() {
        vec![page.t.get("planning-schedule-all-queues")]
    } else {
        req.queues.clone()
    };
    for (q, name) in names.iter().enumerate() {
        let rows = q * horizon..(q + 1) * horizon;
        let chart = kefu_wfm::svg::Chart {
            title: name.clone(),
            y_label: page.t.get("planning-agents"),
            series: vec![
                kefu_wfm::svg::Series {
                    label: page.t.get("planning-schedule-required"),
                    color: "#d62728".into(),
                    values: req.required[rows.clone()]
                        .iter()
                        .map(|&v| Some(f64::from(v)))
                        .collect(),
                    step: true,
                },
                kefu_wfm::svg::Series {
                    label: page.t.get("planning-schedule-scheduled"),
                    color: "#1f77b4".into(),
                    values: plan.coverage[rows]
                        .iter()
                        .map(|&v| Some(v as f64))
                        .collect(),
                    step: true,
                },
            ],
            bands: vec![],
            ticks: (0..req.days)
                .map(|d| (d * spd, labels[d].clone()))
                .collect(),
        };
        page.charts.push(QueueChart {
            queue: name.clone(),
            svg: chart.render(1000.0, 300.0),
        });
    }
    let hhmm = |m: u32| format!("{:02}:{:02}", (m / 60) % 24, m % 60);
    if let Some(asg) = &out.assignment {
        for ag in &asg.agents {
            let mut cells = vec![String::new(); req.days];
            for &(d, s, q) in &ag.shifts {
                let st = &out.shift_types[s];
                let mut cell = format!(
                    "{}–{}",
                    hhmm(st.start_min),
                    hhmm(st.start_min + st.length_min)
                );
                if let Some(queue) = req.queues.get(q) {
                    cell.push_str(&format!(" · {queue}"));
                }
                cells[d] = cell;
            }
            page.roster.push(RosterRow {
                agent: ag.agent.clone(),
                cells,
            });
        }
    }
    page.day_labels = labels;
    page.totals = Some(ScheduleTotals {
        cost: format!("{:.1}", plan.cost),
        lower_bound: format!("{:.1}", plan.lower_bound),
        gap: if plan.gap.is_finite() {
            format!("{:.2}%", plan.gap * 100.0)
        } else {
            "–".into()
        },
        under: plan.under,
        over: plan.over,
        shifts: plan.shifts.iter().map(|s| s.3).sum(),
        unfilled: out.assignment.as_ref().map_or(0, |a| a.unfilled.len()),
        cyclic: out.cyclic,
    });
    Ok(render(page))
}
