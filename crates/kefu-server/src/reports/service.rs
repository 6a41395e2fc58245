//! The reports' application service, for the API and the pages alike: KPI reports, the cost
//! settings, complaint analytics and the daily report (日报), each behind the reports roles.
//! The computations are in the sibling modules (`reports::kpi_report`, `complaints`,
//! `daily`); this module checks the role and validates requests.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::reports::complaints::{ComplaintAnalytics, ComplaintSpec, analytics};
use crate::reports::costs::CostSettings;
use crate::reports::daily::Daily;
use crate::reports::{FullReport, KpiQuery, calendar, cost_settings, kpi_report, parse_time};
use chrono::{Duration, NaiveDate, Utc};
use kefu_kpi::crisis::CrisisConfig;
use kefu_model::Action;
use serde::Deserialize;
use utoipa::IntoParams;

/// A KPI report of `q` (`format`, if given, must be `json` or `csv`).
pub async fn kpi(state: &AppState, auth: &Auth, q: &KpiQuery) -> Result<FullReport, ApiError> {
    let p = auth.require(Action::ReadReports)?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::InvalidQuery(format!(
            "format: expected json or csv, got {format:?}"
        )));
    }
    let req = q.parse(&state.store, &p.scope).await?;
    kpi_report(&state.store, &p.scope, &req).await
}

/// The workspace's cost settings, if set.
pub async fn costs(state: &AppState, auth: &Auth) -> Result<Option<CostSettings>, ApiError> {
    let p = auth.require(Action::ReadReports)?;
    cost_settings(&state.store, &p.scope).await
}

/// Replaces the workspace's cost settings (audited as `report_costs` `updated`). Amounts are
/// finite and non-negative, the currency an ISO 4217 code; otherwise 422 `invalid_body`.
pub async fn set_costs(
    state: &AppState,
    auth: &Auth,
    c: CostSettings,
) -> Result<CostSettings, ApiError> {
    let p = auth.require(Action::ManageReports)?;
    c.validate().map_err(ApiError::InvalidBody)?;
    let v =
        serde_json::to_value(&c).map_err(|e| ApiError::internal("encoding cost settings", e))?;
    state
        .store
        .put_report_costs(&p.scope, &p.actor(), v)
        .await?;
    Ok(c)
}

/// A complaint analytics request.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// Start: RFC 3339 or a local date (default: 30 days before `to`).
    pub from: Option<String>,
    /// End (exclusive): RFC 3339 or a local date (default: now).
    pub to: Option<String>,
    /// IANA zone for local dates (default: the workspace's).
    pub tz: Option<String>,
    /// Hotspot cut, in [0, 1] (default 0.8).
    pub hotspot_share: Option<f64>,
    /// Crisis window N in hours (default 6).
    pub window_hours: Option<u32>,
    /// Crisis baseline before the window, hours (default 168).
    pub baseline_hours: Option<u32>,
    /// Significance level α (default 0.001).
    pub alpha: Option<f64>,
    /// Fewest complaints in the window for an alert (default 3).
    pub min_count: Option<u64>,
    /// Divide α by the number of topics tested (default true).
    pub bonferroni: Option<bool>,
    /// End of the crisis window, RFC 3339 (default: now).
    pub now: Option<String>,
}

impl ComplaintQuery {
    /// Validates the request.
    pub async fn parse(
        &self,
        state: &AppState,
        scope: &kefu_store::WorkspaceScope,
    ) -> Result<ComplaintSpec, ApiError> {
        let bad = |s: String| ApiError::InvalidQuery(s);
        let cal = calendar(&state.store, scope, self.tz.as_deref(), None).await?;
        let now = match &self.now {
            Some(n) => chrono::DateTime::parse_from_rfc3339(n)
                .map_err(|_| bad(format!("now: expected RFC 3339, got {n:?}")))?
                .with_timezone(&Utc),
            None => state.store.now(),
        };
        let to = match &self.to {
            Some(t) => parse_time("to", t, &cal)?,
            None => state.store.now(),
        };
        let from = match &self.from {
            Some(f) => parse_time("from", f, &cal)?,
            None => to - Duration::days(30),
        };
        if to <= from {
            return Err(bad("to must be after from".into()));
        }
        if to - from > Duration::days(400) {
            return Err(bad("the range is limited to 400 days".into()));
        }
        let hotspot_share = self.hotspot_share.unwrap_or(0.8);
        if !(0.0..=1.0).contains(&hotspot_share) {
            return Err(bad(format!(
                "hotspot_share: must be in [0, 1], got {hotspot_share}"
            )));
        }
        let d = CrisisConfig::default();
        let crisis = CrisisConfig {
            window_hours: self.window_hours.unwrap_or(d.window_hours),
            baseline_hours: self.baseline_hours.unwrap_or(d.baseline_hours),
            alpha: self.alpha.unwrap_or(d.alpha),
            min_count: self.min_count.unwrap_or(d.min_count),
            bonferroni: self.bonferroni.unwrap_or(d.bonferroni),
        };
        if crisis.window_hours == 0 || crisis.baseline_hours == 0 {
            return Err(bad(
                "window_hours and baseline_hours: must be at least 1".into()
            ));
        }
        if crisis.window_hours + crisis.baseline_hours > 24 * 400 {
            return Err(bad(
                "window_hours + baseline_hours: limited to 400 days".into()
            ));
        }
        if !(crisis.alpha > 0.0 && crisis.alpha < 1.0) {
            return Err(bad(format!(
                "alpha: must be in (0, 1), got {}",
                crisis.alpha
            )));
        }
        Ok(ComplaintSpec {
            from,
            to,
            calendar: cal,
            hotspot_share,
            crisis,
            now,
        })
    }
}

/// Complaint analytics of `q`: the validated request (its calendar formats the times) and
/// the analytics.
pub async fn complaints(
    state: &AppState,
    auth: &Auth,
    q: &ComplaintQuery,
) -> Result<(ComplaintSpec, ComplaintAnalytics), ApiError> {
    let p = auth.require(Action::ReadReports)?;
    let spec = q.parse(state, &p.scope).await?;
    let a = analytics(&state.store, &p.scope, &spec).await?;
    Ok((spec, a))
}

/// The daily report of `date` (`YYYY-MM-DD`; yesterday in the workspace's zone by default),
/// against the same weekday a week earlier.
pub async fn daily(state: &AppState, auth: &Auth, date: Option<&str>) -> Result<Daily, ApiError> {
    let p = auth.require(Action::ReadReports)?;
    let cal = calendar(&state.store, &p.scope, None, None).await?;
    let date = match date {
        None => cal.local_date(state.store.now()) - Duration::days(1),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::InvalidQuery(format!("date: expected YYYY-MM-DD, got {d:?}")))?,
    };
    crate::reports::daily::daily(&state.store, &p.scope, &cal, date).await
}
