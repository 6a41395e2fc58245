//! Workforce planning for planners (`/api/v1/wfm/…`, SPEC C15): Erlang B/C/A metrics,
//! staffing per interval, and requirements computed from the workspace's own interaction
//! history. The math is `kefu_wfm`; this module only shapes requests and answers.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use kefu_model::Action;
use kefu_wfm::erlang;
use kefu_wfm::staffing::{StaffInput, Staffing, Targets, staff};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wfm/erlang", post(erlang_metrics))
        .route("/wfm/staffing", post(staffing))
        .route("/wfm/requirements", get(requirements))
        .route("/wfm/forecast", post(forecast))
        .route("/wfm/schedule", post(schedule))
}

/// Which queueing model.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    B,
    C,
    A,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErlangIn {
    pub model: Model,
    pub calls: f64,
    pub interval_s: f64,
    pub aht_s: f64,
    pub agents: u32,
    #[serde(default = "twenty")]
    pub answer_within_s: f64,
    /// Mean patience (Erlang A).
    pub patience_s: Option<f64>,
}

fn twenty() -> f64 {
    20.0
}

/// Metrics of one staffing level; fields a model does not define are null.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErlangOut {
    pub traffic_erlangs: f64,
    pub agents: u32,
    pub p_block: Option<f64>,
    pub p_wait: Option<f64>,
    /// Answered within T / offered.
    pub service_level: Option<f64>,
    /// Answered within T / answered (Erlang A).
    pub service_level_answered: Option<f64>,
    /// Mean wait over all arrivals; null when infinite.
    pub asa_s: Option<f64>,
    /// Mean wait of answered contacts (Erlang A).
    pub asa_answered_s: Option<f64>,
    pub occupancy: Option<f64>,
    pub p_abandon: Option<f64>,
}

/// Erlang B, C or A metrics for one interval and staffing level.
#[utoipa::path(post, path = "/api/v1/wfm/erlang", tag = "wfm", request_body = ErlangIn,
    responses((status = 200, body = ErlangOut), (status = 422, description = "invalid_input")))]
pub async fn erlang_metrics(
    auth: Auth,
    ApiJson(b): ApiJson<ErlangIn>,
) -> Result<Json<ErlangOut>, ApiError> {
    auth.require(Action::PlanWorkforce)?;
    let a = erlang::traffic(b.calls, b.interval_s, b.aht_s)?;
    let mut out = ErlangOut {
        traffic_erlangs: a,
        agents: b.agents,
        p_block: None,
        p_wait: None,
        service_level: None,
        service_level_answered: None,
        asa_s: None,
        asa_answered_s: None,
        occupancy: None,
        p_abandon: None,
    };
    match b.model {
        Model::B => out.p_block = Some(erlang::erlang_b(a, b.agents)),
        Model::C => {
            let c = erlang::erlang_c(a, b.agents, b.aht_s, b.answer_within_s)?;
            out.p_wait = Some(c.p_wait);
            out.service_level = Some(c.service_level);
            out.asa_s = c.asa_s;
            out.occupancy = Some(c.occupancy);
        }
        Model::A => {
            let patience = b
                .patience_s
                .ok_or_else(|| ApiError::InvalidBody("model a needs patience_s".into()))?;
            let m = erlang::erlang_a(a, b.agents, b.aht_s, patience, b.answer_within_s)?;
            out.p_wait = Some(m.p_wait);
            out.service_level = Some(m.service_level);
            out.service_level_answered = Some(m.service_level_answered);
            out.asa_s = Some(m.asa_s);
            out.asa_answered_s = m.asa_answered_s;
            out.occupancy = Some(m.occupancy);
            out.p_abandon = Some(m.p_abandon);
        }
    }
    Ok(Json(out))
}

/// Targets every interval must meet.
#[derive(Debug, Clone)]
struct TargetsIn {
    target_sl: Option<f64>,
    answer_within_s: f64,
    target_asa_s: Option<f64>,
    max_occupancy: Option<f64>,
    max_abandon: Option<f64>,
    patience_s: Option<f64>,
    shrinkage: Option<f64>,
}

impl TargetsIn {
    fn input(&self, calls: f64, interval_s: f64, aht_s: f64) -> StaffInput {
        StaffInput {
            calls,
            interval_s,
            aht_s,
            patience_s: self.patience_s,
            shrinkage: self.shrinkage,
            targets: Targets {
                service_level: self.target_sl,
                answer_within_s: self.answer_within_s,
                asa_s: self.target_asa_s,
                max_occupancy: self.max_occupancy,
                max_abandon: self.max_abandon,
                sl_of_answered: false,
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalIn {
    pub start: Option<String>,
    pub queue: Option<String>,
    pub calls: f64,
    pub aht_s: f64,
}

/// Intervals to staff and the targets every one must meet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffingIn {
    pub interval_s: f64,
    pub intervals: Vec<IntervalIn>,
    /// Service level fraction, e.g. 0.8 (answered within `answer_within_s` / offered).
    pub target_sl: Option<f64>,
    #[serde(default = "twenty")]
    pub answer_within_s: f64,
    pub target_asa_s: Option<f64>,
    pub max_occupancy: Option<f64>,
    /// Largest abandonment probability (Erlang A).
    pub max_abandon: Option<f64>,
    /// Mean patience: selects Erlang A.
    pub patience_s: Option<f64>,
    /// Fraction of paid time not on contacts (breaks, training, absence).
    pub shrinkage: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffingOut {
    pub start: Option<String>,
    pub queue: Option<String>,
    pub calls: f64,
    pub aht_s: f64,
    pub traffic_erlangs: f64,
    pub agents: u32,
    /// Heads to schedule after shrinkage.
    pub agents_scheduled: u32,
    /// The target that fixed the answer (null for zero volume).
    pub binding_constraint: Option<String>,
    pub service_level: f64,
    pub asa_s: Option<f64>,
    pub occupancy: f64,
    pub p_abandon: Option<f64>,
}

fn out(
    start: Option<String>,
    queue: Option<String>,
    calls: f64,
    aht_s: f64,
    s: Staffing,
) -> StaffingOut {
    StaffingOut {
        start,
        queue,
        calls,
        aht_s,
        traffic_erlangs: s.traffic_erlangs,
        agents: s.agents,
        agents_scheduled: s.agents_scheduled,
        binding_constraint: s
            .binding_constraint
            .and_then(|b| serde_json::to_value(b).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        service_level: s.service_level,
        asa_s: s.asa_s,
        occupancy: s.occupancy,
        p_abandon: s.p_abandon,
    }
}

/// The least agents meeting every target, per interval.
#[utoipa::path(post, path = "/api/v1/wfm/staffing", tag = "wfm", request_body = StaffingIn,
    responses((status = 200, body = Vec<StaffingOut>), (status = 422, description = "invalid_input")))]
pub async fn staffing(
    auth: Auth,
    ApiJson(b): ApiJson<StaffingIn>,
) -> Result<Json<Vec<StaffingOut>>, ApiError> {
    auth.require(Action::PlanWorkforce)?;
    if b.intervals.len() > 10_000 {
        return Err(ApiError::InvalidBody("at most 10000 intervals".into()));
    }
    let targets = TargetsIn {
        target_sl: b.target_sl,
        answer_within_s: b.answer_within_s,
        target_asa_s: b.target_asa_s,
        max_occupancy: b.max_occupancy,
        max_abandon: b.max_abandon,
        patience_s: b.patience_s,
        shrinkage: b.shrinkage,
    };
    let mut rows = Vec::with_capacity(b.intervals.len());
    for i in b.intervals {
        let s = staff(&targets.input(i.calls, b.interval_s, i.aht_s))?;
        rows.push(out(i.start, i.queue, i.calls, i.aht_s, s));
    }
    Ok(Json(rows))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RequirementsQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub queue: Option<String>,
    /// Interval length in minutes: 15, 30 or 60.
    #[serde(default = "thirty")]
    pub interval_minutes: u32,
    pub target_sl: Option<f64>,
    #[serde(default = "twenty")]
    pub answer_within_s: f64,
    pub target_asa_s: Option<f64>,
    pub max_occupancy: Option<f64>,
    pub shrinkage: Option<f64>,
}

pub(crate) fn thirty() -> u32 {
    30
}

/// Longest history a requirements request reads.
const MAX_DAYS: i64 = 31;
const MAX_ROWS: u64 = 2_000_000;

/// Agents that were required per interval and queue, from the workspace's own inbound
/// interactions in `[from, to)`: offered volume and AHT ((talk + hold + after-contact work) /
/// handled) of each interval, staffed for the targets (default 80 % in 20 s).
#[utoipa::path(get, path = "/api/v1/wfm/requirements", tag = "wfm", params(RequirementsQuery),
    responses((status = 200, body = Vec<StaffingOut>), (status = 400, description = "invalid_query")))]
pub async fn requirements(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RequirementsQuery>,
) -> Result<Json<Vec<StaffingOut>>, ApiError> {
    let p = auth.require(Action::PlanWorkforce)?;
    Ok(Json(requirements_from_store(&state, &p.scope, &q).await?))
}

/// The rows of [`requirements`] for a workspace (also the schedule page's stored source).
pub(crate) async fn requirements_from_store(
    state: &AppState,
    scope: &kefu_store::WorkspaceScope,
    q: &RequirementsQuery,
) -> Result<Vec<StaffingOut>, ApiError> {
    if !matches!(q.interval_minutes, 15 | 30 | 60) {
        return Err(ApiError::InvalidQuery(
            "interval_minutes must be 15, 30 or 60".into(),
        ));
    }
    if q.to <= q.from || q.to - q.from > TimeDelta::days(MAX_DAYS) {
        return Err(ApiError::InvalidQuery(format!(
            "from < to, at most {MAX_DAYS} days apart"
        )));
    }
    let rows = state
        .store
        .offered_between(scope, q.from, q.to, q.queue.as_deref(), MAX_ROWS)
        .await?;
    let step = TimeDelta::minutes(i64::from(q.interval_minutes));
    // (interval start, queue) → (offered, handled, handle seconds)
    let mut buckets: BTreeMap<(DateTime<Utc>, String), (u64, u64, i64)> = BTreeMap::new();
    for r in rows {
        let Some(offered) = r.offered_at else {
            continue;
        };
        let start = offered
            .duration_trunc(step)
            .map_err(|e| ApiError::internal("bucketing interactions by interval", e))?;
        let e = buckets
            .entry((start, r.queue.unwrap_or_default()))
            .or_default();
        e.0 += 1;
        if r.answered_at.is_some() {
            e.1 += 1;
            e.2 += r.talk_s + r.hold_s + r.acw_s;
        }
    }
    let targets = TargetsIn {
        target_sl: q.target_sl.or(if q.target_asa_s.is_none() {
            Some(0.8)
        } else {
            None
        }),
        answer_within_s: q.answer_within_s,
        target_asa_s: q.target_asa_s,
        max_occupancy: q.max_occupancy,
        max_abandon: None,
        patience_s: None,
        shrinkage: q.shrinkage,
    };
    let interval_s = f64::from(q.interval_minutes * 60);
    let mut out_rows = Vec::with_capacity(buckets.len());
    for ((start, queue), (offered, handled, handle_s)) in buckets {
        // An interval with no handled contact has no AHT of its own: it needs no agents only
        // if nothing was offered, so take one second rather than invent a handle time.
        let aht = if handled > 0 {
            handle_s as f64 / handled as f64
        } else {
            1.0
        };
        let s = staff(&targets.input(offered as f64, interval_s, aht.max(1.0)))?;
        out_rows.push(out(
            Some(start.to_rfc3339()),
            Some(queue),
            offered as f64,
            aht,
            s,
        ));
    }
    Ok(out_rows)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastIn {
    /// Only this queue (all queues summed when absent).
    pub queue: Option<String>,
    /// The history ends the day before this local date (default: today in the workspace's
    /// time zone); the forecast starts on it.
    pub until: Option<chrono::NaiveDate>,
    /// Whole days of history to learn from (default 56, at most 400).
    #[serde(default = "fifty_six")]
    pub history_days: u32,
    /// Days to forecast (default 14, at most 120).
    #[serde(default = "fourteen")]
    pub horizon_days: u32,
    /// 15, 30 or 60.
    #[serde(default = "thirty")]
    pub interval_minutes: u32,
    /// Public holidays (公众假期) in history and horizon.
    #[serde(default)]
    pub holidays: Vec<chrono::NaiveDate>,
    /// Weekend days worked as workdays (调休).
    #[serde(default)]
    pub workdays: Vec<chrono::NaiveDate>,
}

pub(crate) fn fifty_six() -> u32 {
    56
}

pub(crate) fn fourteen() -> u32 {
    14
}

/// Forecasts contact volume and handle time per interval from the workspace's stored inbound
/// interactions: trend, weekday and intraday seasonality, holidays and make-up workdays.
#[utoipa::path(post, path = "/api/v1/wfm/forecast", tag = "wfm", request_body = ForecastIn,
    responses((status = 200, description = "kefu_wfm forecast: daily totals with 80 % bands, and per-interval contacts and AHT"),
              (status = 422, description = "invalid_input")))]
pub async fn forecast(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<ForecastIn>,
) -> Result<Json<kefu_wfm::forecast::Forecast>, ApiError> {
    let p = auth.require(Action::PlanWorkforce)?;
    Ok(Json(forecast_from_store(&state, &p.scope, &b).await?.1))
}

/// The interval history of `b` read from the store, and its forecast.
pub async fn forecast_from_store(
    state: &AppState,
    scope: &kefu_store::WorkspaceScope,
    b: &ForecastIn,
) -> Result<(kefu_wfm::forecast::History, kefu_wfm::forecast::Forecast), ApiError> {
    use chrono::{Days, Timelike};
    use kefu_wfm::forecast::{Calendar, DayKind, History, Options, fit};
    if !matches!(b.interval_minutes, 15 | 30 | 60) {
        return Err(ApiError::InvalidBody(
            "interval_minutes must be 15, 30 or 60".into(),
        ));
    }
    if !(7..=400).contains(&b.history_days) || !(1..=120).contains(&b.horizon_days) {
        return Err(ApiError::InvalidBody(
            "history_days 7..=400, horizon_days 1..=120".into(),
        ));
    }
    let tz: chrono_tz::Tz = state
        .store
        .workspace(scope)
        .await?
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let until = b
        .until
        .unwrap_or_else(|| state.store.now().with_timezone(&tz).date_naive());
    let start = until
        .checked_sub_days(Days::new(u64::from(b.history_days)))
        .ok_or_else(|| ApiError::InvalidBody("until is too early".into()))?;
    let local_midnight = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ApiError::InvalidBody("no local midnight on that date".into()))
    };
    let rows = state
        .store
        .offered_between(
            scope,
            local_midnight(start)?,
            local_midnight(until)?,
            b.queue.as_deref(),
            MAX_ROWS,
        )
        .await?;
    let slots = (1440 / b.interval_minutes) as usize;
    let n = b.history_days as usize * slots;
    let (mut contacts, mut handled, mut handle_s) = (vec![0.0; n], vec![0u64; n], vec![0i64; n]);
    for r in rows {
        let Some(at) = r.offered_at else { continue };
        let local = at.with_timezone(&tz);
        let day = (local.date_naive() - start).num_days();
        if day < 0 || day >= i64::from(b.history_days) {
            continue;
        }
        let slot = (local.hour() * 60 + local.minute()) as usize / b.interval_minutes as usize;
        let i = day as usize * slots + slot;
        contacts[i] += 1.0;
        if r.answered_at.is_some() {
            handled[i] += 1;
            handle_s[i] += r.talk_s + r.hold_s + r.acw_s;
        }
    }
    let aht_s = handled
        .iter()
        .zip(&handle_s)
        .map(|(&h, &s)| (h > 0).then(|| s as f64 / h as f64))
        .collect();
    let history = History {
        start,
        interval_min: b.interval_minutes,
        contacts,
        aht_s,
    };
    let mut cal = Calendar::new();
    for d in &b.holidays {
        cal.insert(*d, DayKind::Holiday);
    }
    for d in &b.workdays {
        cal.insert(*d, DayKind::Workday);
    }
    let model = fit(&history, &cal, Options::default())?;
    let forecast = model.forecast(b.horizon_days as usize, &cal);
    Ok((history, forecast))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    /// Shift templates, objective, rules, agents and `cyclic`: the `SHIFTS.yaml` document of
    /// `kefu wfm schedule`, as JSON.
    #[schema(value_type = Object)]
    pub spec: kefu_wfm::schedule::ScheduleSpec,
    /// Agents required per interval, one array per day (each of `1440 / interval_minutes`),
    /// pooled over queues.
    #[serde(default)]
    pub required: Vec<Vec<u32>>,
    /// Or per queue (skill group): queue → one array per day. Each queue is covered on its
    /// own; an agent serves one of his queues per shift.
    #[serde(default)]
    pub required_by_queue: BTreeMap<String, Vec<Vec<u32>>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOut {
    /// Queues of the requirement, in the order `plan` indexes them (empty: pooled).
    pub queues: Vec<String>,
    /// Whether the horizon wraps around (a night shift on the last day covers the first).
    pub cyclic: bool,
    /// The shift types the templates expand to (start, length, breaks, cost).
    #[schema(value_type = Vec<Object>)]
    pub shift_types: Vec<kefu_wfm::schedule::ShiftType>,
    /// Shifts chosen per day and queue, coverage, cost, under/over-staffing and the LP bound.
    #[schema(value_type = Object)]
    pub plan: kefu_wfm::schedule::Plan,
    /// The shifts handed to named agents (when agents are given).
    #[schema(value_type = Option<Object>)]
    pub assignment: Option<kefu_wfm::schedule::Assignment>,
}

/// Most days a schedule request covers.
pub(crate) const MAX_SCHEDULE_DAYS: usize = 31;

/// Solves and assigns off the reactor (the integer program runs for up to seconds).
pub(crate) async fn solve_schedule(
    spec: kefu_wfm::schedule::ScheduleSpec,
    mut req: kefu_wfm::schedule::Requirement,
) -> Result<ScheduleOut, kefu_wfm::WfmError> {
    use kefu_wfm::schedule::{SolveOptions, assign, solve};
    if req.days == 0 || req.days > MAX_SCHEDULE_DAYS {
        return Err(kefu_wfm::WfmError::Data(format!(
            "the requirement must cover 1 to {MAX_SCHEDULE_DAYS} days"
        )));
    }
    if req.queues.len() > 50 {
        return Err(kefu_wfm::WfmError::Data("at most 50 queues".into()));
    }
    req.cyclic = spec.is_cyclic(req.days);
    let types = spec.shift_types()?;
    tokio::task::spawn_blocking(move || {
        let plan = solve(&req, &types, spec.objective, SolveOptions { mip_gap: None })?;
        let assignment = if spec.agents.is_empty() {
            None
        } else {
            Some(assign(&plan, &types, &spec.agents, spec.rules, &req)?)
        };
        Ok(ScheduleOut {
            queues: req.queues,
            cyclic: req.cyclic,
            shift_types: types,
            plan,
            assignment,
        })
    })
    .await
    .map_err(|e| kefu_wfm::WfmError::Solver(e.to_string()))?
}

/// Chooses shifts covering the requirement (pooled or per queue) at least cost, then hands
/// them to agents.
#[utoipa::path(post, path = "/api/v1/wfm/schedule", tag = "wfm", request_body = ScheduleIn,
    responses((status = 200, body = ScheduleOut), (status = 422, description = "invalid_input")))]
pub async fn schedule(
    auth: Auth,
    ApiJson(b): ApiJson<ScheduleIn>,
) -> Result<Json<ScheduleOut>, ApiError> {
    use kefu_wfm::schedule::Requirement;
    auth.require(Action::PlanWorkforce)?;
    let interval = b.spec.interval_minutes;
    if interval == 0 || 1440 % interval != 0 {
        return Err(ApiError::InvalidBody(
            "interval_minutes must divide a day".into(),
        ));
    }
    let slots = (1440 / interval) as usize;
    let per_queue: Vec<(String, Vec<Vec<u32>>)> = if b.required_by_queue.is_empty() {
        vec![(String::new(), b.required)]
    } else if b.required.is_empty() {
        b.required_by_queue.into_iter().collect()
    } else {
        return Err(ApiError::InvalidBody(
            "give required or required_by_queue, not both".into(),
        ));
    };
    let days = per_queue[0].1.len();
    if days == 0
        || days > MAX_SCHEDULE_DAYS
        || per_queue
            .iter()
            .any(|(_, r)| r.len() != days || r.iter().any(|d| d.len() != slots))
    {
        return Err(ApiError::InvalidBody(format!(
            "required: 1 to {MAX_SCHEDULE_DAYS} days of {slots} values each, the same days for every queue"
        )));
    }
    let pooled = per_queue.len() == 1 && per_queue[0].0.is_empty();
    let req = Requirement {
        interval_min: interval,
        days,
        queues: if pooled {
            Vec::new()
        } else {
            per_queue.iter().map(|q| q.0.clone()).collect()
        },
        required: per_queue.into_iter().flat_map(|q| q.1.concat()).collect(),
        cyclic: false,
    };
    Ok(Json(solve_schedule(b.spec, req).await?))
}
