//! Reports (`/api/v1/reports/…`): KPI reports from the kept 15-minute accumulators, with the
//! same fields as `kefu kpi --json` (`rows`, `totals`, `definitions`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::reports::{KpiQuery, kpi_report, to_csv};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::Action;

use super::ApiQuery;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/kpi", get(kpi))
}

/// A KPI report: every KPI of SPEC C14 per interval and group, with totals and the
/// definitions used. `format=csv` gives the same columns as CSV with a final `total` row.
#[utoipa::path(get, path = "/api/v1/reports/kpi", tag = "reports", params(KpiQuery),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403)))]
pub async fn kpi(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> Result<Response, ApiError> {
    let p = auth.require(Action::ReadReports)?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::InvalidQuery(format!(
            "format: expected json or csv, got {format:?}"
        )));
    }
    let req = q.parse(&state.store, &p.scope).await?;
    let report = kpi_report(&state.store, &p.scope, &req).await?;
    Ok(match format {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"kpi.csv\"",
                ),
            ],
            to_csv(&report),
        )
            .into_response(),
        _ => Json(report).into_response(),
    })
}
