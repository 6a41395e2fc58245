//! CRM settings (`/api/v1/crm/...`): the workspace's default phone region and value tiers,
//! and its custom customer fields.

use crate::AppState;
use crate::auth::Auth;
use crate::crm::service::settings as service;
use crate::error::ApiError;
use crate::http::ApiJson;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_store::crm::admin::FieldPatch;
use kefu_store::crm::customers::CrmContext;
use kefu_store::crm::rfm::{RfmSettings, RfmState};
use kefu_store::entity::custom_field_def;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/crm/settings", get(get_settings).put(put_settings))
        .route("/crm/fields", get(list_fields).post(create_field))
        .route(
            "/crm/fields/{id}",
            axum::routing::patch(update_field).delete(delete_field),
        )
        .route("/crm/rfm", get(get_rfm).put(put_rfm))
        .route("/crm/rfm/refresh", axum::routing::post(refresh_rfm))
        .route("/customers/{id}/rfm", get(customer_rfm))
}

/// The workspace's RFM settings, the score bounds in force and the last refresh.
#[utoipa::path(get, path = "/api/v1/crm/rfm", tag = "customers",
    responses((status = 200, body = Object)))]
pub async fn get_rfm(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<RfmState>, ApiError> {
    Ok(Json(service::rfm(&state, &auth).await?))
}

/// Change the RFM settings: window, monetary field (a `number` custom field), `thresholds`
/// or `quintiles`, and the thresholds.
#[utoipa::path(put, path = "/api/v1/crm/rfm", tag = "customers", request_body = Object,
    responses((status = 200, body = Object), (status = 422, description = "invalid_field")))]
pub async fn put_rfm(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<RfmSettings>,
) -> Result<Json<RfmState>, ApiError> {
    Ok(Json(service::set_rfm(&state, &auth, b).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshOut {
    /// Customers with RFM inputs (any interaction or a monetary value).
    pub customers: u64,
    #[schema(value_type = Object)]
    pub state: RfmState,
}

/// Recompute every customer's RFM inputs (and the bounds in `quintiles` mode).
#[utoipa::path(post, path = "/api/v1/crm/rfm/refresh", tag = "customers",
    responses((status = 200, body = RefreshOut)))]
pub async fn refresh_rfm(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<RefreshOut>, ApiError> {
    let (state, customers) = service::refresh_rfm(&state, &auth).await?;
    Ok(Json(RefreshOut { customers, state }))
}

/// A customer's RFM inputs (as of the last refresh) and scores.
#[utoipa::path(get, path = "/api/v1/customers/{id}/rfm", tag = "customers",
    responses((status = 200, body = Object), (status = 404)))]
pub async fn customer_rfm(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(service::customer_rfm(&state, &auth, &id).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmSettings {
    /// ISO region for phone numbers written without a country code (default `CN`).
    pub default_region: String,
    /// Value tiers, e.g. `["vip", "high", "normal", "low"]`.
    pub value_tiers: Vec<String>,
}

impl From<CrmContext> for CrmSettings {
    fn from(c: CrmContext) -> Self {
        CrmSettings {
            default_region: c.default_region,
            value_tiers: c.value_tiers,
        }
    }
}

/// The workspace's CRM settings.
#[utoipa::path(get, path = "/api/v1/crm/settings", tag = "customers",
    responses((status = 200, body = CrmSettings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CrmSettings>, ApiError> {
    Ok(Json(service::context(&state, &auth).await?.into()))
}

/// Change the workspace's CRM settings.
#[utoipa::path(put, path = "/api/v1/crm/settings", tag = "customers", request_body = CrmSettings,
    responses((status = 200, body = CrmSettings), (status = 422, description = "invalid_field")))]
pub async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CrmSettings>,
) -> Result<Json<CrmSettings>, ApiError> {
    let c = service::set(&state, &auth, &b.default_region, b.value_tiers).await?;
    Ok(Json(c.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldIn {
    /// Lower-case letters, digits and `_`; used as `custom.KEY`.
    pub key: String,
    pub label: String,
    /// text, number, date, choice, multi_choice or boolean.
    pub field_type: String,
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldOut {
    pub id: String,
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub choices: Vec<String>,
}

impl From<custom_field_def::Model> for FieldOut {
    fn from(m: custom_field_def::Model) -> Self {
        FieldOut {
            id: m.id,
            key: m.key,
            label: m.label,
            field_type: m.field_type,
            choices: serde_json::from_value(m.choices).unwrap_or_default(),
        }
    }
}

/// The workspace's custom customer fields.
#[utoipa::path(get, path = "/api/v1/crm/fields", tag = "customers",
    responses((status = 200, body = Vec<FieldOut>)))]
pub async fn list_fields(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<FieldOut>>, ApiError> {
    let c = service::context(&state, &auth).await?;
    Ok(Json(c.fields.into_iter().map(FieldOut::from).collect()))
}

/// Define a custom customer field.
#[utoipa::path(post, path = "/api/v1/crm/fields", tag = "customers", request_body = FieldIn,
    responses((status = 201, body = FieldOut), (status = 409, description = "custom_field_exists")))]
pub async fn create_field(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<FieldIn>,
) -> Result<(StatusCode, Json<FieldOut>), ApiError> {
    let m =
        service::create_field(&state, &auth, &b.key, &b.label, &b.field_type, b.choices).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldPatchIn {
    pub label: Option<String>,
    /// A type change is refused (409 `custom_field_values_invalid`) unless every stored
    /// value still validates.
    pub field_type: Option<String>,
    pub choices: Option<Vec<String>>,
}

/// Change a custom field's label, type or choices.
#[utoipa::path(patch, path = "/api/v1/crm/fields/{id}", tag = "customers", request_body = FieldPatchIn,
    responses((status = 200, body = FieldOut), (status = 404),
        (status = 409, description = "custom_field_values_invalid")))]
pub async fn update_field(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(b): ApiJson<FieldPatchIn>,
) -> Result<Json<FieldOut>, ApiError> {
    let patch = FieldPatch {
        label: b.label,
        field_type: b.field_type,
        choices: b.choices,
    };
    let m = service::update_field(&state, &auth, &id, patch).await?;
    Ok(Json(m.into()))
}

/// Delete a custom field no customer, segment or RFM setting uses (else 409
/// `custom_field_in_use`).
#[utoipa::path(delete, path = "/api/v1/crm/fields/{id}", tag = "customers",
    responses((status = 204), (status = 404), (status = 409, description = "custom_field_in_use")))]
pub async fn delete_field(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete_field(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
