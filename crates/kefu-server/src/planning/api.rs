//! Workforce planning for planners (`/api/v1/wfm/…`, SPEC C15): Erlang B/C/A metrics,
//! staffing per interval, requirements computed from the workspace's own interaction
//! history, forecasts and schedules. The wire types and handlers; the work is
//! `planning::service`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery};
use crate::planning::service::{
    self, ErlangMetrics, ErlangRequest, ForecastIn, IntervalLoad, QueueModel, RequirementsQuery,
    Schedule, StaffTargets, StaffingRow,
};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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

impl From<ErlangMetrics> for ErlangOut {
    fn from(m: ErlangMetrics) -> Self {
        ErlangOut {
            traffic_erlangs: m.traffic_erlangs,
            agents: m.agents,
            p_block: m.p_block,
            p_wait: m.p_wait,
            service_level: m.service_level,
            service_level_answered: m.service_level_answered,
            asa_s: m.asa_s,
            asa_answered_s: m.asa_answered_s,
            occupancy: m.occupancy,
            p_abandon: m.p_abandon,
        }
    }
}

/// Erlang B, C or A metrics for one interval and staffing level.
#[utoipa::path(post, path = "/api/v1/wfm/erlang", tag = "wfm", request_body = ErlangIn,
    responses((status = 200, body = ErlangOut), (status = 422, description = "invalid_input")))]
pub async fn erlang_metrics(
    auth: Auth,
    ApiJson(b): ApiJson<ErlangIn>,
) -> Result<Json<ErlangOut>, ApiError> {
    let r = ErlangRequest {
        model: match b.model {
            Model::B => QueueModel::B,
            Model::C => QueueModel::C,
            Model::A => QueueModel::A,
        },
        calls: b.calls,
        interval_s: b.interval_s,
        aht_s: b.aht_s,
        agents: b.agents,
        answer_within_s: b.answer_within_s,
        patience_s: b.patience_s,
    };
    Ok(Json(service::erlang(&auth, &r)?.into()))
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

impl From<StaffingRow> for StaffingOut {
    fn from(r: StaffingRow) -> Self {
        StaffingOut {
            start: r.start,
            queue: r.queue,
            calls: r.calls,
            aht_s: r.aht_s,
            traffic_erlangs: r.traffic_erlangs,
            agents: r.agents,
            agents_scheduled: r.agents_scheduled,
            binding_constraint: r.binding_constraint,
            service_level: r.service_level,
            asa_s: r.asa_s,
            occupancy: r.occupancy,
            p_abandon: r.p_abandon,
        }
    }
}

/// The least agents meeting every target, per interval.
#[utoipa::path(post, path = "/api/v1/wfm/staffing", tag = "wfm", request_body = StaffingIn,
    responses((status = 200, body = Vec<StaffingOut>), (status = 422, description = "invalid_input")))]
pub async fn staffing(
    auth: Auth,
    ApiJson(b): ApiJson<StaffingIn>,
) -> Result<Json<Vec<StaffingOut>>, ApiError> {
    let targets = StaffTargets {
        target_sl: b.target_sl,
        answer_within_s: b.answer_within_s,
        target_asa_s: b.target_asa_s,
        max_occupancy: b.max_occupancy,
        max_abandon: b.max_abandon,
        patience_s: b.patience_s,
        shrinkage: b.shrinkage,
    };
    let loads = b
        .intervals
        .into_iter()
        .map(|i| IntervalLoad {
            start: i.start,
            queue: i.queue,
            calls: i.calls,
            aht_s: i.aht_s,
        })
        .collect();
    let rows = service::staffing(&auth, b.interval_s, loads, &targets)?;
    Ok(Json(rows.into_iter().map(StaffingOut::from).collect()))
}

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
    let rows = service::requirements(&state, &auth, &q).await?;
    Ok(Json(rows.into_iter().map(StaffingOut::from).collect()))
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
    Ok(Json(service::forecast(&state, &auth, &b).await?.1))
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

impl From<Schedule> for ScheduleOut {
    fn from(s: Schedule) -> Self {
        ScheduleOut {
            queues: s.queues,
            cyclic: s.cyclic,
            shift_types: s.shift_types,
            plan: s.plan,
            assignment: s.assignment,
        }
    }
}

/// Chooses shifts covering the requirement (pooled or per queue) at least cost, then hands
/// them to agents.
#[utoipa::path(post, path = "/api/v1/wfm/schedule", tag = "wfm", request_body = ScheduleIn,
    responses((status = 200, body = ScheduleOut), (status = 422, description = "invalid_input")))]
pub async fn schedule(
    auth: Auth,
    ApiJson(b): ApiJson<ScheduleIn>,
) -> Result<Json<ScheduleOut>, ApiError> {
    let s = service::schedule_arrays(&auth, b.spec, b.required, b.required_by_queue).await?;
    Ok(Json(s.into()))
}
