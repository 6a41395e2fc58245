//! Workforce planning's application service, for the API and the pages alike: Erlang B/C/A
//! metrics, staffing per interval, requirements computed from the workspace's own
//! interaction history, volume forecasts, and shift schedules. The math is `kefu_wfm`; this
//! module checks the role, reads the store and shapes the engine's inputs.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use kefu_model::Action;
use kefu_wfm::erlang;
use kefu_wfm::schedule::{Assignment, Plan, Requirement, ScheduleSpec, ShiftType};
use kefu_wfm::staffing::{StaffInput, Staffing, Targets, staff};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Which queueing model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueModel {
    B,
    C,
    A,
}

/// One interval and staffing level to evaluate.
#[derive(Debug, Clone)]
pub struct ErlangRequest {
    pub model: QueueModel,
    pub calls: f64,
    pub interval_s: f64,
    pub aht_s: f64,
    pub agents: u32,
    pub answer_within_s: f64,
    /// Mean patience (Erlang A).
    pub patience_s: Option<f64>,
}

/// Metrics of one staffing level; those a model does not define are `None`.
#[derive(Debug, Clone, Default)]
pub struct ErlangMetrics {
    pub traffic_erlangs: f64,
    pub agents: u32,
    pub p_block: Option<f64>,
    pub p_wait: Option<f64>,
    pub service_level: Option<f64>,
    pub service_level_answered: Option<f64>,
    pub asa_s: Option<f64>,
    pub asa_answered_s: Option<f64>,
    pub occupancy: Option<f64>,
    pub p_abandon: Option<f64>,
}

/// Erlang B, C or A metrics for one interval and staffing level.
pub fn erlang(auth: &Auth, r: &ErlangRequest) -> Result<ErlangMetrics, ApiError> {
    auth.require(Action::PlanWorkforce)?;
    let a = erlang::traffic(r.calls, r.interval_s, r.aht_s)?;
    let mut out = ErlangMetrics {
        traffic_erlangs: a,
        agents: r.agents,
        ..Default::default()
    };
    match r.model {
        QueueModel::B => out.p_block = Some(erlang::erlang_b(a, r.agents)),
        QueueModel::C => {
            let c = erlang::erlang_c(a, r.agents, r.aht_s, r.answer_within_s)?;
            out.p_wait = Some(c.p_wait);
            out.service_level = Some(c.service_level);
            out.asa_s = c.asa_s;
            out.occupancy = Some(c.occupancy);
        }
        QueueModel::A => {
            let patience = r
                .patience_s
                .ok_or_else(|| ApiError::InvalidBody("model a needs patience_s".into()))?;
            let m = erlang::erlang_a(a, r.agents, r.aht_s, patience, r.answer_within_s)?;
            out.p_wait = Some(m.p_wait);
            out.service_level = Some(m.service_level);
            out.service_level_answered = Some(m.service_level_answered);
            out.asa_s = Some(m.asa_s);
            out.asa_answered_s = m.asa_answered_s;
            out.occupancy = Some(m.occupancy);
            out.p_abandon = Some(m.p_abandon);
        }
    }
    Ok(out)
}

/// Targets every interval must meet.
#[derive(Debug, Clone, Default)]
pub struct StaffTargets {
    /// Service level fraction (answered within `answer_within_s` / offered).
    pub target_sl: Option<f64>,
    pub answer_within_s: f64,
    pub target_asa_s: Option<f64>,
    pub max_occupancy: Option<f64>,
    /// Largest abandonment probability (Erlang A).
    pub max_abandon: Option<f64>,
    /// Mean patience: selects Erlang A.
    pub patience_s: Option<f64>,
    /// Fraction of paid time not on contacts.
    pub shrinkage: Option<f64>,
}

impl StaffTargets {
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

/// One interval's load.
#[derive(Debug, Clone)]
pub struct IntervalLoad {
    pub start: Option<String>,
    pub queue: Option<String>,
    pub calls: f64,
    pub aht_s: f64,
}

/// The staffing of one interval.
#[derive(Debug, Clone)]
pub struct StaffingRow {
    pub start: Option<String>,
    pub queue: Option<String>,
    pub calls: f64,
    pub aht_s: f64,
    pub traffic_erlangs: f64,
    pub agents: u32,
    /// Heads to schedule after shrinkage.
    pub agents_scheduled: u32,
    /// The target that fixed the answer (`None` for zero volume).
    pub binding_constraint: Option<String>,
    pub service_level: f64,
    pub asa_s: Option<f64>,
    pub occupancy: f64,
    pub p_abandon: Option<f64>,
}

fn row(load: IntervalLoad, s: Staffing) -> StaffingRow {
    StaffingRow {
        start: load.start,
        queue: load.queue,
        calls: load.calls,
        aht_s: load.aht_s,
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

/// The least agents meeting every target, per interval (at most 10 000 intervals).
pub fn staffing(
    auth: &Auth,
    interval_s: f64,
    intervals: Vec<IntervalLoad>,
    targets: &StaffTargets,
) -> Result<Vec<StaffingRow>, ApiError> {
    auth.require(Action::PlanWorkforce)?;
    if intervals.len() > 10_000 {
        return Err(ApiError::InvalidBody("at most 10000 intervals".into()));
    }
    let mut rows = Vec::with_capacity(intervals.len());
    for i in intervals {
        let s = staff(&targets.input(i.calls, interval_s, i.aht_s))?;
        rows.push(row(i, s));
    }
    Ok(rows)
}

fn twenty() -> f64 {
    20.0
}

pub(crate) fn thirty() -> u32 {
    30
}

/// A requirements request (the API's query; the schedule page fills it in).
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

/// Longest history a requirements request reads.
const MAX_DAYS: i64 = 31;
const MAX_ROWS: u64 = 2_000_000;

/// Agents that were required per interval and queue, from the workspace's own inbound
/// interactions in `[from, to)`: offered volume and AHT ((talk + hold + after-contact work) /
/// handled) of each interval, staffed for the targets (default 80 % in 20 s).
pub async fn requirements(
    state: &AppState,
    auth: &Auth,
    q: &RequirementsQuery,
) -> Result<Vec<StaffingRow>, ApiError> {
    let p = auth.require(Action::PlanWorkforce)?;
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
        .offered_between(&p.scope, q.from, q.to, q.queue.as_deref(), MAX_ROWS)
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
    let targets = StaffTargets {
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
        let load = IntervalLoad {
            start: Some(start.to_rfc3339()),
            queue: Some(queue),
            calls: offered as f64,
            aht_s: aht,
        };
        out_rows.push(row(load, s));
    }
    Ok(out_rows)
}

fn fifty_six() -> u32 {
    56
}

fn fourteen() -> u32 {
    14
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

/// Forecasts contact volume and handle time per interval from the workspace's stored inbound
/// interactions (trend, weekday and intraday seasonality, holidays and make-up workdays):
/// the interval history read and its forecast.
pub async fn forecast(
    state: &AppState,
    auth: &Auth,
    b: &ForecastIn,
) -> Result<(kefu_wfm::forecast::History, kefu_wfm::forecast::Forecast), ApiError> {
    use chrono::{Days, Timelike};
    use kefu_wfm::forecast::{Calendar, DayKind, History, Options, fit};
    let p = auth.require(Action::PlanWorkforce)?;
    let scope = &p.scope;
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

/// Most days a schedule covers.
pub const MAX_SCHEDULE_DAYS: usize = 31;

/// The requirement of agents per interval given as arrays: pooled (`required`, one array per
/// day of `1440 / interval_minutes` values) or per queue (`required_by_queue`), not both.
fn requirement(
    interval_minutes: u32,
    required: Vec<Vec<u32>>,
    required_by_queue: BTreeMap<String, Vec<Vec<u32>>>,
) -> Result<Requirement, ApiError> {
    if interval_minutes == 0 || 1440 % interval_minutes != 0 {
        return Err(ApiError::InvalidBody(
            "interval_minutes must divide a day".into(),
        ));
    }
    let slots = (1440 / interval_minutes) as usize;
    let per_queue: Vec<(String, Vec<Vec<u32>>)> = if required_by_queue.is_empty() {
        vec![(String::new(), required)]
    } else if required.is_empty() {
        required_by_queue.into_iter().collect()
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
    Ok(Requirement {
        interval_min: interval_minutes,
        days,
        queues: if pooled {
            Vec::new()
        } else {
            per_queue.iter().map(|q| q.0.clone()).collect()
        },
        required: per_queue.into_iter().flat_map(|q| q.1.concat()).collect(),
        cyclic: false,
    })
}

/// [`schedule`] of a requirement given as arrays (see [`requirement`]).
pub async fn schedule_arrays(
    auth: &Auth,
    spec: ScheduleSpec,
    required: Vec<Vec<u32>>,
    required_by_queue: BTreeMap<String, Vec<Vec<u32>>>,
) -> Result<Schedule, ApiError> {
    auth.require(Action::PlanWorkforce)?;
    let req = requirement(spec.interval_minutes, required, required_by_queue)?;
    schedule(auth, spec, req).await
}

/// A solved schedule.
pub struct Schedule {
    /// Queues of the requirement, in the order `plan` indexes them (empty: pooled).
    pub queues: Vec<String>,
    /// Whether the horizon wraps around.
    pub cyclic: bool,
    /// The shift types the templates expand to.
    pub shift_types: Vec<ShiftType>,
    /// Shifts chosen per day and queue, coverage, cost, under/over-staffing and the LP bound.
    pub plan: Plan,
    /// The shifts handed to named agents (when agents are given).
    pub assignment: Option<Assignment>,
}

/// Chooses shifts covering `req` at least cost, then hands them to the spec's agents; solved
/// off the reactor (the integer program runs for up to seconds). A requirement or spec the
/// engine refuses is 422 `invalid_input`.
pub async fn schedule(
    auth: &Auth,
    spec: ScheduleSpec,
    mut req: Requirement,
) -> Result<Schedule, ApiError> {
    use kefu_wfm::WfmError;
    use kefu_wfm::schedule::{SolveOptions, assign, solve};
    auth.require(Action::PlanWorkforce)?;
    if req.days == 0 || req.days > MAX_SCHEDULE_DAYS {
        return Err(WfmError::Data(format!(
            "the requirement must cover 1 to {MAX_SCHEDULE_DAYS} days"
        ))
        .into());
    }
    if req.queues.len() > 50 {
        return Err(WfmError::Data("at most 50 queues".into()).into());
    }
    req.cyclic = spec.is_cyclic(req.days);
    let types = spec.shift_types()?;
    let solved = tokio::task::spawn_blocking(move || -> Result<Schedule, WfmError> {
        let plan = solve(&req, &types, spec.objective, SolveOptions { mip_gap: None })?;
        let assignment = if spec.agents.is_empty() {
            None
        } else {
            Some(assign(&plan, &types, &spec.agents, spec.rules, &req)?)
        };
        Ok(Schedule {
            queues: req.queues,
            cyclic: req.cyclic,
            shift_types: types,
            plan,
            assignment,
        })
    })
    .await
    .map_err(|e| WfmError::Solver(e.to_string()))?;
    Ok(solved?)
}
