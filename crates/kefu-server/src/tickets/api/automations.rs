//! Macros and triggers over the API (`/api/v1/macros`, `/api/v1/triggers`,
//! `POST /api/v1/tickets/{id}/macros/{macro_id}`). Definitions, validation and storage are
//! `tickets::service::automations`; the bodies ([`MacroIn`], [`TriggerIn`]) live there too,
//! since the admin page takes the same JSON.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::tickets::api::tickets::TicketOut;
use crate::tickets::service;
use crate::tickets::service::automations::{Definition, Kind, MacroIn, TriggerIn};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_store::entity::ticket_automation;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/macros", get(list_macros).post(create_macro))
        .route(
            "/macros/{id}",
            get(get_macro).put(update_macro).delete(delete_macro),
        )
        .route("/triggers", get(list_triggers).post(create_trigger))
        .route(
            "/triggers/{id}",
            get(get_trigger).put(update_trigger).delete(delete_trigger),
        )
        .route("/tickets/{id}/macros/{macro_id}", post(apply_macro))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationOut {
    pub id: String,
    pub name: String,
    pub position: i32,
    pub active: bool,
    /// `{actions}` for a macro, `{on, conditions, actions}` for a trigger.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

impl From<ticket_automation::Model> for AutomationOut {
    fn from(m: ticket_automation::Model) -> Self {
        AutomationOut {
            id: m.id,
            name: m.name,
            position: m.position,
            active: m.active,
            definition: m.definition,
        }
    }
}

async fn create(
    state: AppState,
    auth: Auth,
    d: Definition,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    let m = service::automations::create(&state, &auth, d).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

async fn list(
    state: AppState,
    auth: Auth,
    kind: Kind,
) -> Result<Json<Vec<AutomationOut>>, ApiError> {
    let rows = service::automations::list(&state, &auth, kind).await?;
    Ok(Json(rows.into_iter().map(AutomationOut::from).collect()))
}

async fn get_one(
    state: AppState,
    auth: Auth,
    kind: Kind,
    id: String,
) -> Result<Json<AutomationOut>, ApiError> {
    let m = service::automations::get(&state, &auth, kind, &id).await?;
    Ok(Json(m.into()))
}

async fn update(
    state: AppState,
    auth: Auth,
    id: String,
    d: Definition,
) -> Result<Json<AutomationOut>, ApiError> {
    let m = service::automations::update(&state, &auth, &id, d).await?;
    Ok(Json(m.into()))
}

async fn delete(
    state: AppState,
    auth: Auth,
    kind: Kind,
    id: String,
) -> Result<StatusCode, ApiError> {
    service::automations::delete(&state, &auth, kind, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a macro.
#[utoipa::path(post, path = "/api/v1/macros", tag = "automations", request_body = MacroIn,
    responses((status = 201, body = AutomationOut), (status = 422)))]
pub async fn create_macro(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<MacroIn>,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    create(state, auth, Definition::Macro(b)).await
}

/// Create a trigger.
#[utoipa::path(post, path = "/api/v1/triggers", tag = "automations", request_body = TriggerIn,
    responses((status = 201, body = AutomationOut), (status = 422)))]
pub async fn create_trigger(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<TriggerIn>,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    create(state, auth, Definition::Trigger(b)).await
}

/// The macros, in order.
#[utoipa::path(get, path = "/api/v1/macros", tag = "automations",
    responses((status = 200, body = Vec<AutomationOut>)))]
pub async fn list_macros(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AutomationOut>>, ApiError> {
    list(state, auth, Kind::Macro).await
}

/// The triggers, in evaluation order.
#[utoipa::path(get, path = "/api/v1/triggers", tag = "automations",
    responses((status = 200, body = Vec<AutomationOut>)))]
pub async fn list_triggers(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AutomationOut>>, ApiError> {
    list(state, auth, Kind::Trigger).await
}

/// Get a macro.
#[utoipa::path(get, path = "/api/v1/macros/{id}", tag = "automations",
    responses((status = 200, body = AutomationOut), (status = 404)))]
pub async fn get_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AutomationOut>, ApiError> {
    get_one(state, auth, Kind::Macro, id).await
}

/// Get a trigger.
#[utoipa::path(get, path = "/api/v1/triggers/{id}", tag = "automations",
    responses((status = 200, body = AutomationOut), (status = 404)))]
pub async fn get_trigger(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AutomationOut>, ApiError> {
    get_one(state, auth, Kind::Trigger, id).await
}

/// Replace a macro.
#[utoipa::path(put, path = "/api/v1/macros/{id}", tag = "automations", request_body = MacroIn,
    responses((status = 200, body = AutomationOut), (status = 404), (status = 422)))]
pub async fn update_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MacroIn>,
) -> Result<Json<AutomationOut>, ApiError> {
    update(state, auth, id, Definition::Macro(b)).await
}

/// Replace a trigger.
#[utoipa::path(put, path = "/api/v1/triggers/{id}", tag = "automations", request_body = TriggerIn,
    responses((status = 200, body = AutomationOut), (status = 404), (status = 422)))]
pub async fn update_trigger(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TriggerIn>,
) -> Result<Json<AutomationOut>, ApiError> {
    update(state, auth, id, Definition::Trigger(b)).await
}

/// Delete a macro.
#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "automations",
    responses((status = 204), (status = 404)))]
pub async fn delete_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(state, auth, Kind::Macro, id).await
}

/// Delete a trigger.
#[utoipa::path(delete, path = "/api/v1/triggers/{id}", tag = "automations",
    responses((status = 204), (status = 404)))]
pub async fn delete_trigger(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(state, auth, Kind::Trigger, id).await
}

/// Apply a macro to a ticket: its actions in order; returns the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/macros/{macro_id}", tag = "automations",
    responses((status = 200, body = TicketOut), (status = 404), (status = 409), (status = 422)))]
pub async fn apply_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, macro_id)): Path<(String, String)>,
) -> Result<Json<TicketOut>, ApiError> {
    let t = service::apply_macro(&state, &auth, &id, &macro_id).await?;
    Ok(Json(t.into()))
}
