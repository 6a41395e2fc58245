//! Complaint analytics (`/api/v1/reports/complaints`, SPEC C14): complaint counts and rates
//! by category, product and agent with hotspots, and the crisis alert with the statistical
//! test it used (see `reports::complaints`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiQuery;
use crate::reports::complaints::{ComplaintAnalytics, ComplaintSpec, analytics};
use crate::reports::{calendar, parse_time};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Duration, Utc};
use kefu_kpi::crisis::CrisisConfig;
use kefu_model::Action;
use serde::Deserialize;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/complaints", get(complaints))
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

/// Complaint analytics: complaints and complaint rate by category, product and agent with
/// their hotspots, and the crisis test per topic (`crisis.test` states it; `crisis.alert`
/// is set when any topic's surge is significant).
#[utoipa::path(get, path = "/api/v1/reports/complaints", tag = "reports", params(ComplaintQuery),
    responses((status = 200, body = Object), (status = 400), (status = 403)))]
pub async fn complaints(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> Result<Json<ComplaintAnalytics>, ApiError> {
    let p = auth.require(Action::ReadReports)?;
    let spec = q.parse(&state, &p.scope).await?;
    Ok(Json(analytics(&state.store, &p.scope, &spec).await?))
}
