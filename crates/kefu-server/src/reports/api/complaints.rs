//! Complaint analytics (`/api/v1/reports/complaints`, SPEC C14): complaint counts and rates
//! by category, product and agent with hotspots, and the crisis alert with the statistical
//! test it used (see `reports::complaints`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiQuery;
use crate::reports::complaints::ComplaintAnalytics;
use crate::reports::service::{self, ComplaintQuery};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/complaints", get(complaints))
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
    Ok(Json(service::complaints(&state, &auth, &q).await?.1))
}
