//! Macros and triggers (`/api/v1/macros`, `/api/v1/triggers`,
//! `POST /api/v1/tickets/{id}/macros/{macro_id}`).
//!
//! A macro is a list of actions applied by hand in one click (set fields, assign, add tags,
//! transition, reply from a template, notify). Its actions and reply are one transaction
//! ([`kefu_store::tickets::actions`]): one failing action changes nothing. A trigger has events
//! (`create`, `update`), conditions and actions; the store runs triggers inside the
//! transaction of each change a person makes ([`kefu_store::tickets::automations`]). These
//! handlers validate definitions and store them in the store's typed form.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, opt_id, path_id};
use crate::tickets::api::tickets::TicketOut;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_model::{Action, Priority, TicketState, TicketType};
use kefu_store::WorkspaceScope;
use kefu_store::entity::ticket_automation;
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::automations::{self as store, AutomationFields};
use serde::{Deserialize, Serialize};
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

fn yes() -> bool {
    true
}

/// One action of a macro or trigger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AutoAction {
    SetPriority {
        #[schema(value_type = String)]
        priority: Priority,
    },
    Assign {
        assignee_id: Option<String>,
    },
    SetGroup {
        group_id: Option<String>,
    },
    AddTags {
        tags: Vec<String>,
    },
    Transition {
        #[schema(value_type = String)]
        to: TicketState,
        #[serde(default)]
        reason: String,
    },
    /// An in-app notification to the listed users, the ticket's assignee and/or the
    /// supervisors of its group; `{{subject}}` and `{{id}}` are filled in.
    Notify {
        #[serde(default)]
        user_ids: Vec<String>,
        #[serde(default)]
        assignee: bool,
        #[serde(default)]
        supervisors: bool,
        text: String,
    },
    /// A reply from a template; `{{subject}}` and `{{id}}` are filled in.
    Reply {
        body: String,
        #[serde(default = "yes")]
        public: bool,
    },
}

/// When a trigger is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum On {
    Create,
    Update,
}

/// Conditions of a trigger; each empty list matches anything; all must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub types: Vec<TicketType>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub states: Vec<TicketState>,
    /// The ticket has at least one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The subject contains this text.
    #[serde(default)]
    pub subject_contains: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroIn {
    pub name: String,
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub actions: Vec<AutoAction>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerIn {
    pub name: String,
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub on: Vec<On>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<AutoAction>,
}

impl From<AutoAction> for TicketAction {
    fn from(a: AutoAction) -> TicketAction {
        match a {
            AutoAction::SetPriority { priority } => TicketAction::SetPriority { priority },
            AutoAction::Assign { assignee_id } => TicketAction::Assign { assignee_id },
            AutoAction::SetGroup { group_id } => TicketAction::SetGroup { group_id },
            AutoAction::AddTags { tags } => TicketAction::AddTags { tags },
            AutoAction::Transition { to, reason } => TicketAction::Transition { to, reason },
            AutoAction::Reply { body, public } => TicketAction::Reply { body, public },
            AutoAction::Notify {
                user_ids,
                assignee,
                supervisors,
                text,
            } => TicketAction::Notify {
                user_ids,
                assignee,
                supervisors,
                text,
            },
        }
    }
}

impl From<On> for store::On {
    fn from(o: On) -> store::On {
        match o {
            On::Create => store::On::Create,
            On::Update => store::On::Update,
        }
    }
}

impl From<Conditions> for store::Conditions {
    fn from(c: Conditions) -> store::Conditions {
        store::Conditions {
            types: c.types,
            priorities: c.priorities,
            states: c.states,
            tags: c.tags,
            subject_contains: c.subject_contains,
        }
    }
}

/// The stored definition of a macro's actions.
fn actions_def(actions: Vec<AutoAction>) -> Vec<TicketAction> {
    actions.into_iter().map(TicketAction::from).collect()
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

fn invalid(field: &str, reason: kefu_model::error::FieldProblem) -> ApiError {
    ApiError::Model(kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason,
    })
}

/// Checks actions before they are stored: at least one, ids well formed, texts present.
fn check_actions(actions: &mut [AutoAction]) -> Result<(), ApiError> {
    use kefu_model::error::FieldProblem;
    if actions.is_empty() {
        return Err(invalid("actions", FieldProblem::Empty));
    }
    if actions.len() > 50 {
        return Err(invalid("actions", FieldProblem::TooMany));
    }
    for a in actions.iter_mut() {
        match a {
            AutoAction::Assign { assignee_id } => {
                *assignee_id = opt_id("assignee_id", assignee_id.take())?
            }
            AutoAction::SetGroup { group_id } => *group_id = opt_id("group_id", group_id.take())?,
            AutoAction::AddTags { tags } => {
                *tags = kefu_model::validate::list("tags", tags)?;
            }
            AutoAction::Reply { body, .. } => {
                *body = kefu_model::validate::required("body", body, 100_000)?;
            }
            AutoAction::Transition { reason, .. } => {
                kefu_model::validate::optional("reason", reason, 500)?;
            }
            AutoAction::Notify { user_ids, text, .. } => {
                *text = kefu_model::validate::required("text", text, 500)?;
                if user_ids.len() > 50 {
                    return Err(invalid("user_ids", FieldProblem::TooMany));
                }
                for u in user_ids.iter_mut() {
                    *u = opt_id("user_ids", Some(std::mem::take(u)))?.unwrap_or_default();
                }
            }
            AutoAction::SetPriority { .. } => {}
        }
    }
    Ok(())
}

async fn create(
    state: AppState,
    auth: Auth,
    f: AutomationFields,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let m = state
        .store
        .create_automation(&p.scope, &p.actor(), f)
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

async fn fetch(
    state: &AppState,
    scope: &WorkspaceScope,
    kind: &str,
    id: &str,
) -> Result<ticket_automation::Model, ApiError> {
    let m = state.store.get_automation(scope, &path_id(id)?).await?;
    if m.kind != kind {
        return Err(ApiError::NotFound);
    }
    Ok(m)
}

pub(crate) fn macro_fields(mut b: MacroIn) -> Result<AutomationFields, ApiError> {
    check_actions(&mut b.actions)?;
    Ok(AutomationFields {
        kind: "macro",
        name: b.name,
        position: b.position,
        active: b.active,
        definition: serde_json::to_value(store::MacroDef {
            actions: actions_def(b.actions),
        })
        .map_err(|e| ApiError::internal("encoding an automation", e))?,
    })
}

pub(crate) fn trigger_fields(mut b: TriggerIn) -> Result<AutomationFields, ApiError> {
    check_actions(&mut b.actions)?;
    if b.on.is_empty() {
        return Err(invalid("on", kefu_model::error::FieldProblem::Empty));
    }
    Ok(AutomationFields {
        kind: "trigger",
        name: b.name,
        position: b.position,
        active: b.active,
        definition: serde_json::to_value(store::TriggerDef {
            on: b.on.into_iter().map(store::On::from).collect(),
            conditions: b.conditions.into(),
            actions: actions_def(b.actions),
        })
        .map_err(|e| ApiError::internal("encoding an automation", e))?,
    })
}

/// Create a macro.
#[utoipa::path(post, path = "/api/v1/macros", tag = "automations", request_body = MacroIn,
    responses((status = 201, body = AutomationOut), (status = 422)))]
pub async fn create_macro(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<MacroIn>,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    create(state, auth, macro_fields(b)?).await
}

/// Create a trigger.
#[utoipa::path(post, path = "/api/v1/triggers", tag = "automations", request_body = TriggerIn,
    responses((status = 201, body = AutomationOut), (status = 422)))]
pub async fn create_trigger(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<TriggerIn>,
) -> Result<(StatusCode, Json<AutomationOut>), ApiError> {
    create(state, auth, trigger_fields(b)?).await
}

/// The macros, in order.
#[utoipa::path(get, path = "/api/v1/macros", tag = "automations",
    responses((status = 200, body = Vec<AutomationOut>)))]
pub async fn list_macros(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AutomationOut>>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let rows = state.store.list_automations(&p.scope, "macro").await?;
    Ok(Json(rows.into_iter().map(AutomationOut::from).collect()))
}

/// The triggers, in evaluation order.
#[utoipa::path(get, path = "/api/v1/triggers", tag = "automations",
    responses((status = 200, body = Vec<AutomationOut>)))]
pub async fn list_triggers(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AutomationOut>>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let rows = state.store.list_automations(&p.scope, "trigger").await?;
    Ok(Json(rows.into_iter().map(AutomationOut::from).collect()))
}

/// Get a macro.
#[utoipa::path(get, path = "/api/v1/macros/{id}", tag = "automations",
    responses((status = 200, body = AutomationOut), (status = 404)))]
pub async fn get_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AutomationOut>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(Json(fetch(&state, &p.scope, "macro", &id).await?.into()))
}

/// Get a trigger.
#[utoipa::path(get, path = "/api/v1/triggers/{id}", tag = "automations",
    responses((status = 200, body = AutomationOut), (status = 404)))]
pub async fn get_trigger(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AutomationOut>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(Json(fetch(&state, &p.scope, "trigger", &id).await?.into()))
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
    let p = auth.require(Action::ManageAutomations)?;
    let f = macro_fields(b)?;
    let m = fetch(&state, &p.scope, "macro", &id).await?;
    let m = state
        .store
        .update_automation(&p.scope, &p.actor(), &m.id, f)
        .await?;
    Ok(Json(m.into()))
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
    let p = auth.require(Action::ManageAutomations)?;
    let f = trigger_fields(b)?;
    let m = fetch(&state, &p.scope, "trigger", &id).await?;
    let m = state
        .store
        .update_automation(&p.scope, &p.actor(), &m.id, f)
        .await?;
    Ok(Json(m.into()))
}

/// Delete a macro.
#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "automations",
    responses((status = 204), (status = 404)))]
pub async fn delete_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let m = fetch(&state, &p.scope, "macro", &id).await?;
    state
        .store
        .delete_automation(&p.scope, &p.actor(), &m.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a trigger.
#[utoipa::path(delete, path = "/api/v1/triggers/{id}", tag = "automations",
    responses((status = 204), (status = 404)))]
pub async fn delete_trigger(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let m = fetch(&state, &p.scope, "trigger", &id).await?;
    state
        .store
        .delete_automation(&p.scope, &p.actor(), &m.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Apply a macro to a ticket: its actions in order; returns the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/macros/{macro_id}", tag = "automations",
    responses((status = 200, body = TicketOut), (status = 404), (status = 409), (status = 422)))]
pub async fn apply_macro(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, macro_id)): Path<(String, String)>,
) -> Result<Json<TicketOut>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let id = path_id(&id)?;
    state.store.get_ticket(&p.scope, &id).await?;
    let m = fetch(&state, &p.scope, "macro", &macro_id).await?;
    // A macro is a user's change: the triggers it calls for run in its transaction.
    state
        .store
        .apply_macro(&p.scope, &p.actor(), &id, &m.id)
        .await?;
    Ok(Json(state.store.get_ticket(&p.scope, &id).await?.into()))
}
