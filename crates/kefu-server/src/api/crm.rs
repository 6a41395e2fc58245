//! CRM settings (`/api/v1/crm/...`): the workspace's default phone region and value tiers,
//! and its custom customer fields.

use super::ApiJson;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::Action;
use kefu_store::entity::custom_field_def;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/crm/settings", get(get_settings).put(put_settings))
        .route("/crm/fields", get(list_fields).post(create_field))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmSettings {
    /// ISO region for phone numbers written without a country code (default `CN`).
    pub default_region: String,
    /// Value tiers, e.g. `["vip", "high", "normal", "low"]`.
    pub value_tiers: Vec<String>,
}

/// The workspace's CRM settings.
#[utoipa::path(get, path = "/api/v1/crm/settings", tag = "customers",
    responses((status = 200, body = CrmSettings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CrmSettings>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let c = state.store.crm_context(&p.scope).await?;
    Ok(Json(CrmSettings {
        default_region: c.default_region,
        value_tiers: c.value_tiers,
    }))
}

/// Change the workspace's CRM settings.
#[utoipa::path(put, path = "/api/v1/crm/settings", tag = "customers", request_body = CrmSettings,
    responses((status = 200, body = CrmSettings), (status = 422, description = "invalid_field")))]
pub async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CrmSettings>,
) -> Result<Json<CrmSettings>, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    state
        .store
        .set_crm_settings(&p.scope, &p.actor(), &b.default_region, b.value_tiers)
        .await?;
    let c = state.store.crm_context(&p.scope).await?;
    Ok(Json(CrmSettings {
        default_region: c.default_region,
        value_tiers: c.value_tiers,
    }))
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
    let p = auth.require(Action::ReadCustomers)?;
    let c = state.store.crm_context(&p.scope).await?;
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
    let p = auth.require(Action::ManageCrm)?;
    let m = state
        .store
        .create_custom_field(
            &p.scope,
            &p.actor(),
            &b.key,
            &b.label,
            &b.field_type,
            b.choices,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}
