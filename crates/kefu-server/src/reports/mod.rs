//! Reports (SPEC C14): the outbox consumer that keeps the per-15-minute KPI
//! accumulators up to date, and the report requests and computations; [`service`] is what
//! the API and the pages call.
//!
//! The accumulators live in the store (`kefu_store::reports::kpi_buckets`); every KPI is computed
//! by `kefu-kpi` from them, so a report over the API equals `kefu kpi` over the same
//! interactions.

use crate::bus::{Consumer, run_consumer};
use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use kefu_kpi::{
    AsaVariant, Calendar, ComputeOptions, GroupBy, Interval, Report, ReportSpec, SlVariant,
};
use kefu_store::outbox::OutboxEvent;
use kefu_store::reports::kpi_buckets::{Rows, ingest_options};
use kefu_store::{Store, WorkspaceScope};

pub mod complaints;
pub mod costs;
pub mod daily;
pub mod tickets;

pub mod api;
pub mod pages;
pub mod service;

/// The consumer that applies each interaction event's delta to the accumulators.
pub struct KpiBucketConsumer(pub Store);

/// Its stored position's key.
pub const CONSUMER: &str = "kpi-buckets";

impl Consumer for KpiBucketConsumer {
    fn name(&self) -> &str {
        CONSUMER
    }
    async fn handle(&self, event: &OutboxEvent) -> Result<(), String> {
        if event.entity_type != "interaction" {
            return Ok(());
        }
        // The delta and the consumer's position are committed together.
        self.0
            .kpi_apply_interaction(
                &event.workspace_id,
                &event.entity_id,
                Some((CONSUMER, event.seq)),
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Starts keeping the KPI accumulators.
pub fn spawn(store: Store) -> tokio::task::JoinHandle<()> {
    run_consumer(store.clone(), KpiBucketConsumer(store))
}

/// A report request, as given (query parameters).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// Start: RFC 3339, or a local date (`YYYY-MM-DD`) in `tz`.
    pub from: Option<String>,
    /// End (exclusive): RFC 3339, or a local date whose start ends the range.
    pub to: Option<String>,
    /// `15|30|60|day|week|month` (default `day`).
    pub interval: Option<String>,
    /// `none|queue|team|agent` (default `none`).
    pub by: Option<String>,
    /// IANA zone (default: the workspace's).
    pub tz: Option<String>,
    /// First day of the week (`mon` … `sun`, default `mon`).
    pub week_start: Option<String>,
    /// `offered|answered|abandon_adjusted` (default `offered`).
    pub sl_variant: Option<String>,
    /// `queue_only|with_ring` (default `queue_only`).
    pub asa_variant: Option<String>,
    /// One ring cycle in seconds (default 6).
    pub ring_cycle_s: Option<f64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn bad(what: impl std::fmt::Display) -> ApiError {
    ApiError::InvalidQuery(what.to_string())
}

/// Parses a bound: RFC 3339, or a local date in `calendar`'s zone.
pub fn parse_time(name: &str, s: &str, calendar: &Calendar) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| calendar.start_of_date(d))
        .map_err(|_| {
            bad(format!(
                "{name}: expected RFC 3339 or YYYY-MM-DD, got {s:?}"
            ))
        })
}

/// A parsed request: what to load and how to compute it.
pub struct KpiRequest {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub spec: ReportSpec,
}

/// The workspace's calendar, or the one named by `tz`.
pub async fn calendar(
    store: &Store,
    scope: &WorkspaceScope,
    tz: Option<&str>,
    week_start: Option<&str>,
) -> Result<Calendar, ApiError> {
    let zone = match tz {
        Some(z) => z.to_owned(),
        None => store.workspace(scope).await?.time_zone,
    };
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| bad(format!("tz: unknown time zone {zone:?}")))?;
    let week_start = match week_start {
        None => Weekday::Mon,
        Some(w) => w
            .parse::<Weekday>()
            .map_err(|_| bad(format!("week_start: expected mon … sun, got {w:?}")))?,
    };
    Ok(Calendar { tz, week_start })
}

impl KpiQuery {
    /// Validates the request against the workspace's defaults.
    pub async fn parse(
        &self,
        store: &Store,
        scope: &WorkspaceScope,
    ) -> Result<KpiRequest, ApiError> {
        let calendar =
            calendar(store, scope, self.tz.as_deref(), self.week_start.as_deref()).await?;
        let interval: Interval = self
            .interval
            .as_deref()
            .unwrap_or("day")
            .parse()
            .map_err(bad)?;
        let by: GroupBy = self.by.as_deref().unwrap_or("none").parse().map_err(bad)?;
        let compute = ComputeOptions {
            sl_variant: self
                .sl_variant
                .as_deref()
                .unwrap_or("offered")
                .parse::<SlVariant>()
                .map_err(bad)?,
            asa_variant: self
                .asa_variant
                .as_deref()
                .unwrap_or("queue_only")
                .parse::<AsaVariant>()
                .map_err(bad)?,
            ring_cycle_s: self.ring_cycle_s.unwrap_or(6.0),
            costs: None,
        };
        compute.validate().map_err(bad)?;
        let (Some(from), Some(to)) = (&self.from, &self.to) else {
            return Err(bad("from and to are required"));
        };
        let from = parse_time("from", from, &calendar)?;
        let to = parse_time("to", to, &calendar)?;
        if to <= from {
            return Err(bad("to must be after from"));
        }
        if to - from > chrono::Duration::days(400) {
            return Err(bad("the range is limited to 400 days"));
        }
        Ok(KpiRequest {
            from,
            to,
            spec: ReportSpec {
                interval,
                by,
                calendar,
                compute,
                range: Some((from, to)),
            },
        })
    }
}

/// A report with what the server adds to `kefu-kpi`'s: SLA compliance per policy and the
/// configured costs.
pub struct FullReport {
    pub report: Report,
    pub sla_policies: Vec<tickets::PolicySla>,
    /// The cost settings used and the total cost of the range, when costs are configured.
    pub costs: Option<(costs::CostSettings, f64)>,
}

impl FullReport {
    /// `{"rows", "totals", "definitions", "sla_policies", "costs"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.report).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "sla_policies".into(),
                serde_json::to_value(&self.sla_policies).unwrap_or_default(),
            );
            o.insert(
                "costs".into(),
                match &self.costs {
                    Some((c, total)) => serde_json::json!({
                        "currency": c.currency,
                        "agent_cost_per_hour": c.agent_cost_per_hour,
                        "telephony_cost_per_minute": c.telephony_cost_per_minute,
                        "fixed_cost_per_day": c.fixed_cost_per_day,
                        "total_cost": total,
                    }),
                    None => serde_json::Value::Null,
                },
            );
        }
        v
    }
}

/// The workspace's cost settings, if saved (and still valid).
pub async fn cost_settings(
    store: &Store,
    scope: &WorkspaceScope,
) -> Result<Option<costs::CostSettings>, ApiError> {
    Ok(store
        .report_costs(scope)
        .await?
        .and_then(|v| serde_json::from_value::<costs::CostSettings>(v).ok()))
}

/// The kept interaction accumulators of `[from, to)` grouped by `keep`, with the ticket
/// records of the same range added (see [`tickets`]).
pub async fn buckets_with_tickets(
    store: &Store,
    scope: &WorkspaceScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keep: Option<&str>,
    rows: Rows,
) -> Result<(kefu_kpi::Buckets, Vec<tickets::PolicySla>), ApiError> {
    let mut buckets = store
        .kpi_buckets_grouped(scope, from, to, keep, rows)
        .await?;
    let t = tickets::ticket_kpis(store, scope, from, to, store.now()).await?;
    buckets.merge(&t.buckets).map_err(bad)?;
    buckets
        .merge(&agent_state_buckets(store, scope, from, to).await?)
        .map_err(bad)?;
    Ok((buckets, t.sla_policies))
}

/// How far before a report's start the agent-state history is read to know each agent's
/// state at the start (an agent in one state for longer is not seen before their next
/// change).
const STATE_LOOKBACK_HOURS: i64 = 24;

/// The live center's agent-state history of `[from, to)` as KPI spans (occupancy,
/// utilization, available and logged-in time): each state lasts until the agent's next one
/// (or now), clipped to the range.
pub async fn agent_state_buckets(
    store: &Store,
    scope: &WorkspaceScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<kefu_kpi::Buckets, ApiError> {
    use kefu_kpi::{AgentState as S, AgentStateRecord};
    let now = store.now();
    let rows = store
        .agent_states(
            scope,
            None,
            from - chrono::Duration::hours(STATE_LOOKBACK_HOURS),
        )
        .await?;
    let mut by_agent: std::collections::BTreeMap<
        &str,
        Vec<&kefu_store::entity::agent_state::Model>,
    > = std::collections::BTreeMap::new();
    for r in &rows {
        by_agent.entry(r.user_id.as_str()).or_default().push(r);
    }
    let mut spans = vec![];
    for (agent, list) in by_agent {
        for (i, r) in list.iter().enumerate() {
            let end = list.get(i + 1).map_or(now, |n| n.at).min(to);
            let start = r.at.max(from);
            if end <= start {
                continue;
            }
            let state = match r.state.as_str() {
                "available" => S::Available,
                "reserved" => S::Reserved,
                "busy" => S::Busy,
                "wrap_up" => S::WrapUp,
                "aux" => S::Aux,
                _ => S::LoggedOut,
            };
            spans.push(AgentStateRecord {
                agent: agent.to_owned(),
                team: None,
                state,
                from: start,
                to: end,
            });
        }
    }
    let inputs = kefu_kpi::Inputs {
        agent_states: &spans,
        ..kefu_kpi::Inputs::default()
    };
    inputs.accumulate(ingest_options()).map_err(bad)
}

/// Computes a report from the kept accumulators, the tickets and the configured costs.
pub async fn kpi_report(
    store: &Store,
    scope: &WorkspaceScope,
    req: &KpiRequest,
) -> Result<FullReport, ApiError> {
    let (buckets, sla_policies) = buckets_with_tickets(
        store,
        scope,
        req.from,
        req.to,
        req.spec.by.field(),
        rows_for(store, scope, req).await?,
    )
    .await?;
    let mut report = buckets.report(&req.spec).map_err(bad)?;
    define_tickets(&mut report.definitions);
    let costs = match cost_settings(store, scope).await? {
        Some(c) => {
            let total = costs::apply(&mut report, &c, &req.spec);
            Some((c, total))
        }
        None => None,
    };
    Ok(FullReport {
        report,
        sla_policies,
        costs,
    })
}

/// States the server's ticket definitions in a report's `definitions`.
pub fn define_tickets(d: &mut kefu_kpi::Definitions) {
    d.fcr = tickets::FCR_DEFINITION.into();
    d.ticket_times = tickets::TICKET_TIMES_DEFINITION;
    d.sla_compliance = tickets::SLA_DEFINITION;
    d.complaint_rate = format!(
        "complaint tickets created in the interval / handled contacts; the service-attitude complaint rate counts complaints whose root cause is one of {:?} (trimmed, any case) / handled contacts; tickets have no queue (their row's queue is null), their team is their group, else their assignee's team, their agent the assignee",
        tickets::ATTITUDE_ROOT_CAUSES
    );
}

/// Whether the day rows answer `req`: whole local days of the workspace's own zone, rolled
/// up to days, weeks or months.
async fn rows_for(
    store: &Store,
    scope: &WorkspaceScope,
    req: &KpiRequest,
) -> Result<Rows, ApiError> {
    let (cal, from, to) = (&req.spec.calendar, req.from, req.to);
    let long = matches!(
        req.spec.interval,
        Interval::Day | Interval::Week | Interval::Month
    );
    if long && day_rows_range(store, scope, cal, from, to).await? {
        return Ok(Rows::Day);
    }
    if (long || req.spec.interval == Interval::Min60) && whole_hours(cal, from, to) {
        return Ok(Rows::Hour);
    }
    Ok(Rows::Quarter)
}

/// Whether `[from, to)` starts and ends on UTC hours and every UTC hour in it starts a local
/// hour of `cal` (the zone's offset is whole hours throughout).
fn whole_hours(cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let (f, t) = (from.timestamp(), to.timestamp());
    if f.rem_euclid(3600) != 0 || t.rem_euclid(3600) != 0 {
        return false;
    }
    (f..t).step_by(3600).all(|h| {
        let at = DateTime::from_timestamp(h, 0).unwrap_or_default();
        cal.start_of(Interval::Min60, at) == at
    })
}

/// Whether `[from, to)` is whole local days of the workspace's own zone in `cal`.
pub async fn day_rows_range(
    store: &Store,
    scope: &WorkspaceScope,
    cal: &Calendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let home: Option<chrono_tz::Tz> = store.workspace(scope).await?.time_zone.parse().ok();
    Ok(home == Some(cal.tz)
        && cal.start_of(Interval::Day, from) == from
        && cal.start_of(Interval::Day, to) == to)
}

/// The report as CSV: the JSON row columns, then a `total` row; null rates are empty cells.
pub fn to_csv(report: &Report) -> String {
    use kefu_kpi::Cell;
    let cell = |c: &Cell| match c {
        Cell::Text(t) => csv_field(t.as_deref().unwrap_or("")),
        Cell::Int(i) => i.to_string(),
        Cell::Num(n) => n
            .filter(|x| x.is_finite())
            .map_or(String::new(), |x| x.to_string()),
    };
    let header = report.header();
    let mut out = header.join(",");
    out.push('\n');
    for r in &report.rows {
        let cols: Vec<String> = r
            .columns(report.by, false)
            .iter()
            .map(|(_, c)| cell(c))
            .collect();
        out.push_str(&cols.join(","));
        out.push('\n');
    }
    let lead = header.len() - report.totals.columns(report.by, true).len();
    let mut cols: Vec<String> = vec![String::new(); lead];
    if lead > 0 {
        cols[0] = "total".into();
    }
    cols.extend(
        report
            .totals
            .columns(report.by, true)
            .iter()
            .map(|(_, c)| cell(c)),
    );
    out.push_str(&cols.join(","));
    out.push('\n');
    out
}

/// A CSV field, quoted when needed; a leading `= + - @` is neutralized (formula injection).
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
