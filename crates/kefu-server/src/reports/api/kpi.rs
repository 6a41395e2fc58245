//! Reports (`/api/v1/reports/…`): KPI reports from the kept accumulators and the tickets,
//! with the fields of `kefu kpi --json` (`rows`, `totals`, `definitions`) plus SLA
//! compliance per policy (`sla_policies`) and the costs used (`costs`); and the workspace's
//! cost settings (`/reports/costs`). The work is `reports::service`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::reports::costs::CostSettings;
use crate::reports::service;
use crate::reports::{KpiQuery, to_csv};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::http::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/kpi", get(kpi))
        .route("/reports/costs", get(get_costs).put(put_costs))
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
    let report = service::kpi(&state, &auth, &q).await?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"kpi.csv\"",
                ),
            ],
            to_csv(&report.report),
        )
            .into_response(),
        _ => Json(report.to_json()).into_response(),
    })
}

/// The workspace's cost settings for cost per contact (平均单呼成本); `null` until set.
#[utoipa::path(get, path = "/api/v1/reports/costs", tag = "reports",
    responses((status = 200, body = Option<CostSettings>), (status = 403)))]
pub async fn get_costs(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    let c = service::costs(&state, &auth).await?;
    Ok(Json(serde_json::to_value(c).unwrap_or(Value::Null)))
}

/// Replace the workspace's cost settings (audited as `report_costs` `updated`). Amounts are
/// finite and non-negative, the currency an ISO 4217 code; otherwise 422 `invalid_body`.
#[utoipa::path(put, path = "/api/v1/reports/costs", tag = "reports", request_body = CostSettings,
    responses((status = 200, body = CostSettings), (status = 403), (status = 422)))]
pub async fn put_costs(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CostSettings>,
) -> Result<Json<CostSettings>, ApiError> {
    Ok(Json(service::set_costs(&state, &auth, body).await?))
}
