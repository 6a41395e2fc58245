//! SLAs over the API: the workspace's calendars and policies (`/api/v1/sla/policies`, the
//! `kefu-sla` YAML/JSON format), ticket settings (`/api/v1/ticket-settings`: reopen window),
//! and each ticket's SLA status (`/api/v1/tickets/{id}/sla`). The evaluation is
//! `tickets::service::sla`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::tickets::api::tickets::sla_json;
use crate::tickets::service::sla::{self as service, SettingsChange};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::routing::get;
use axum::{Json, Router};
use kefu_sla::PolicySet;
use kefu_store::tickets::settings::TicketSettings;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sla/policies", get(get_policies).put(put_policies))
        .route("/ticket-settings", get(get_settings).patch(patch_settings))
        .route("/tickets/{id}/sla", get(ticket_sla))
        .route(
            "/tickets/{id}/sla/policy",
            axum::routing::put(assign_policy),
        )
}

/// Get the workspace's SLA calendars and policies (the `kefu-sla` spec as JSON).
#[utoipa::path(get, path = "/api/v1/sla/policies", tag = "sla",
    responses((status = 200, body = Object)))]
pub async fn get_policies(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let s = service::settings(&state, &auth).await?;
    Ok(Json(s.sla_policies.unwrap_or_else(
        || serde_json::json!({"calendars": {}, "policies": []}),
    )))
}

/// Replace the workspace's SLA calendars and policies. The body is the `kefu-sla` policy
/// file, as JSON or as YAML (`Content-Type: application/yaml`); it is validated in full
/// (calendars, time zones, hours, policy references) and 422 `invalid_body` if wrong.
#[utoipa::path(put, path = "/api/v1/sla/policies", tag = "sla", request_body = Object,
    responses((status = 200, body = Object), (status = 422, description = "invalid_body")))]
pub async fn put_policies(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = std::str::from_utf8(&body).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    let set = if ct.starts_with("application/yaml")
        || ct.starts_with("application/x-yaml")
        || ct.starts_with("text/yaml")
    {
        PolicySet::from_yaml(text).map_err(|e| ApiError::InvalidBody(e.to_string()))?
    } else if ct.starts_with("application/json") {
        let v: Value =
            serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
        serde_json::from_value::<PolicySet>(v).map_err(|e| ApiError::InvalidBody(e.to_string()))?
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    let change = SettingsChange {
        policies: Some(Some(set)),
        ..Default::default()
    };
    let saved = service::update_settings(&state, &auth, change).await?;
    Ok(Json(saved.sla_policies.unwrap_or(Value::Null)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsOut {
    /// A closed ticket can be reopened for this many minutes; after that a follow-up
    /// ticket is created instead.
    pub reopen_window_minutes: i64,
    /// Whether SLA policies are configured.
    pub sla_configured: bool,
    /// A complaint cannot be closed before its follow-up call (回访) is recorded.
    pub complaint_follow_up_required: bool,
    /// Remind the customer after a ticket waits this long in `pending_customer` (0: never).
    pub pending_remind_minutes: i64,
    /// Resolve a ticket after it waits this long in `pending_customer` (0: never).
    pub pending_resolve_minutes: i64,
    /// The tier-2 group (提送二线): an escalated ticket moves to it.
    pub tier2_group_id: Option<String>,
}

impl From<TicketSettings> for SettingsOut {
    fn from(s: TicketSettings) -> Self {
        SettingsOut {
            reopen_window_minutes: s.reopen_window_minutes,
            sla_configured: s.sla_policies.is_some(),
            complaint_follow_up_required: s.complaint_follow_up_required,
            pending_remind_minutes: s.pending_remind_minutes,
            pending_resolve_minutes: s.pending_resolve_minutes,
            tier2_group_id: s.tier2_group_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub reopen_window_minutes: Option<i64>,
    pub complaint_follow_up_required: Option<bool>,
    pub pending_remind_minutes: Option<i64>,
    pub pending_resolve_minutes: Option<i64>,
    #[serde(default, deserialize_with = "crate::http::nullable")]
    #[schema(value_type = Option<String>)]
    pub tier2_group_id: Option<Option<String>>,
}

/// The workspace's ticket settings.
#[utoipa::path(get, path = "/api/v1/ticket-settings", tag = "sla",
    responses((status = 200, body = SettingsOut)))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<SettingsOut>, ApiError> {
    Ok(Json(service::settings(&state, &auth).await?.into()))
}

/// Change the workspace's ticket settings.
#[utoipa::path(patch, path = "/api/v1/ticket-settings", tag = "sla", request_body = SettingsPatch,
    responses((status = 200, body = SettingsOut), (status = 422)))]
pub async fn patch_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<SettingsPatch>,
) -> Result<Json<SettingsOut>, ApiError> {
    let change = SettingsChange {
        policies: None,
        reopen_window_minutes: b.reopen_window_minutes,
        complaint_follow_up_required: b.complaint_follow_up_required,
        pending_remind_minutes: b.pending_remind_minutes,
        pending_resolve_minutes: b.pending_resolve_minutes,
        tier2_group_id: b.tier2_group_id,
    };
    Ok(Json(
        service::update_settings(&state, &auth, change)
            .await?
            .into(),
    ))
}

/// The SLA status of a ticket now: first response, next response (one entry per cycle) and
/// resolution, each with due time, warning and breach; `null` fields without policies.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/sla", tag = "sla",
    responses((status = 200, body = Object), (status = 404)))]
pub async fn ticket_sla(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = service::ticket_status(&state, &auth, &id).await?;
    Ok(Json(s.map(sla_json).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyAssignIn {
    /// A policy name of the workspace's set; `null` to match by attributes again.
    pub policy: Option<String>,
}

/// Assign an SLA policy to a ticket by hand (from now on; the business time already used is
/// kept and judged against the new targets), or `null` to match by attributes again.
/// Audited `sla_policy_assigned`. An unknown name is 422 `invalid_field`.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/sla/policy", tag = "sla",
    request_body = PolicyAssignIn,
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn assign_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PolicyAssignIn>,
) -> Result<Json<Value>, ApiError> {
    let s = service::assign_policy(&state, &auth, &id, b.policy).await?;
    Ok(Json(s.map(sla_json).unwrap_or(Value::Null)))
}
