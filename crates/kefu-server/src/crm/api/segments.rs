//! Segments (`/api/v1/segments`): rule-based customer sets, their customers and counts.

use crate::AppState;
use crate::auth::Auth;
use crate::crm::api::customers::CustomerOut;
use crate::crm::service::segments as service;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_store::crm::segments::Rule;
use kefu_store::entity::segment;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/segments", get(list_segments).post(create_segment))
        .route(
            "/segments/{id}",
            get(get_segment)
                .patch(update_segment)
                .delete(delete_segment),
        )
        .route("/segments/{id}/customers", get(segment_customers))
        .route("/segments/{id}/count", get(segment_count))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentIn {
    pub name: String,
    /// All must hold: `{"field": "lifecycle", "op": "in", "value": ["at_risk", "lost"]}`.
    /// Fields: lifecycle, value_tier, organization, owner_id, tag, province, city,
    /// custom.KEY, last_contact_days, created_days.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentOut {
    pub id: String,
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub rules: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<segment::Model> for SegmentOut {
    fn from(m: segment::Model) -> Self {
        SegmentOut {
            id: m.id,
            name: m.name,
            rules: m.rules,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SegmentQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    pub count: u64,
}

/// Define a segment.
#[utoipa::path(post, path = "/api/v1/segments", tag = "customers", request_body = SegmentIn,
    responses((status = 201, body = SegmentOut), (status = 422, description = "invalid_field")))]
pub async fn create_segment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<SegmentIn>,
) -> Result<(StatusCode, Json<SegmentOut>), ApiError> {
    let m = service::create(&state, &auth, &b.name, b.rules).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List segments.
#[utoipa::path(get, path = "/api/v1/segments", tag = "customers", params(SegmentQuery),
    responses((status = 200, body = PageOut<SegmentOut>)))]
pub async fn list_segments(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SegmentQuery>,
) -> Result<Json<PageOut<SegmentOut>>, ApiError> {
    let page = service::list(&state, &auth, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, SegmentOut::from)))
}

/// Get a segment.
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "customers",
    responses((status = 200, body = SegmentOut), (status = 404)))]
pub async fn get_segment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<SegmentOut>, ApiError> {
    Ok(Json(service::get(&state, &auth, &id).await?.into()))
}

/// The customers of a segment, newest first.
#[utoipa::path(get, path = "/api/v1/segments/{id}/customers", tag = "customers",
    params(SegmentQuery), responses((status = 200, body = PageOut<CustomerOut>), (status = 404)))]
pub async fn segment_customers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SegmentQuery>,
) -> Result<Json<PageOut<CustomerOut>>, ApiError> {
    let page = service::customers(&state, &auth, &id, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, CustomerOut::from)))
}

/// How many customers a segment holds.
#[utoipa::path(get, path = "/api/v1/segments/{id}/count", tag = "customers",
    responses((status = 200, body = CountOut), (status = 404)))]
pub async fn segment_count(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CountOut>, ApiError> {
    let count = service::count(&state, &auth, &id).await?;
    Ok(Json(CountOut { count }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentPatch {
    pub name: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<Vec<Rule>>,
}

/// Rename a segment or replace its rules.
#[utoipa::path(patch, path = "/api/v1/segments/{id}", tag = "customers", request_body = SegmentPatch,
    responses((status = 200, body = SegmentOut), (status = 404), (status = 422)))]
pub async fn update_segment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SegmentPatch>,
) -> Result<Json<SegmentOut>, ApiError> {
    let m = service::update(&state, &auth, &id, b.name, b.rules).await?;
    Ok(Json(m.into()))
}

/// Delete a segment.
#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "customers",
    responses((status = 204), (status = 404)))]
pub async fn delete_segment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
