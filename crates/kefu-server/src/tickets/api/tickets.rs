//! Tickets (`/api/v1/tickets`, SPEC C3 core fields) and their transitions
//! (`POST /api/v1/tickets/{id}/transitions`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, nullable, page_req};
use crate::tickets::service::views::{ListQuery, Sort, View};
use crate::tickets::service::{self, NewTicket, TicketChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_model::{Priority, TicketState, TicketType};
use kefu_sla::SlaStatus;
use kefu_store::entity::{ticket, ticket_transition};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list_tickets).post(create_ticket))
        .route(
            "/tickets/{id}",
            get(get_ticket).patch(update_ticket).delete(delete_ticket),
        )
        .route(
            "/tickets/{id}/transitions",
            post(transition_ticket).get(list_transitions),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketIn {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "after_sales")]
    pub ticket_type: TicketType,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "normal")]
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
    pub customer_id: Option<String>,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
}

fn normal() -> Priority {
    Priority::Normal
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    #[serde(rename = "type")]
    #[schema(value_type = Option<String>)]
    pub ticket_type: Option<TicketType>,
    pub subject: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketOut {
    pub id: String,
    pub customer_id: Option<String>,
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub ticket_type: TicketType,
    pub subject: String,
    pub description: String,
    #[schema(value_type = String)]
    pub priority: Priority,
    #[schema(value_type = String)]
    pub state: TicketState,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The SLA status (first response, next response, resolution) when policies are set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sla: Option<serde_json::Value>,
}

/// A ticket's SLA status as its response shows it.
pub(crate) fn sla_json(s: SlaStatus) -> serde_json::Value {
    serde_json::to_value(s).unwrap_or(serde_json::Value::Null)
}

impl From<ticket::Model> for TicketOut {
    fn from(m: ticket::Model) -> Self {
        TicketOut {
            id: m.id,
            customer_id: m.customer_id,
            ticket_type: m.ticket_type,
            subject: m.subject,
            description: m.description,
            priority: m.priority,
            state: m.state,
            assignee_id: m.assignee_id,
            group_id: m.group_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
            sla: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    #[schema(value_type = String, example = "escalated")]
    pub to: TicketState,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOut {
    #[schema(value_type = String)]
    pub from: TicketState,
    #[schema(value_type = String)]
    pub to: TicketState,
    pub reason: String,
    pub actor_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<ticket_transition::Model> for TransitionOut {
    fn from(m: ticket_transition::Model) -> Self {
        TransitionOut {
            from: m.from_state,
            to: m.to_state,
            reason: m.reason,
            actor_id: m.actor_id,
            at: m.at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    #[param(value_type = Option<String>)]
    pub state: Option<TicketState>,
    #[param(value_type = Option<String>)]
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    #[param(value_type = Option<String>, rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub customer_id: Option<String>,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub tag: Option<String>,
    /// Only tickets of this category.
    pub category_id: Option<String>,
    /// `mine`, `unassigned`, `my_groups`, `escalated` or `breaching_soon`.
    #[param(value_type = Option<String>)]
    pub view: Option<View>,
    /// `created` (default, newest first), `updated` (latest change first), `priority`
    /// (urgent first) or `due` (earliest unmet SLA due time first).
    #[param(value_type = Option<String>)]
    #[serde(default)]
    pub sort: Sort,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Create a ticket (state `new`).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = TicketIn,
    responses((status = 201, body = TicketOut), (status = 422, description = "invalid_field or unknown_reference")))]
pub async fn create_ticket(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<TicketIn>,
) -> Result<(StatusCode, Json<TicketOut>), ApiError> {
    let t = NewTicket {
        ticket_type: b.ticket_type,
        subject: b.subject,
        description: b.description,
        priority: b.priority,
        customer_id: b.customer_id,
        assignee_id: b.assignee_id,
        group_id: b.group_id,
    };
    let m = service::create(&state, &auth, t).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List tickets.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = PageOut<TicketOut>)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> Result<Json<PageOut<TicketOut>>, ApiError> {
    let q = ListQuery {
        state: q.state,
        priority: q.priority,
        ticket_type: q.ticket_type,
        customer_id: q.customer_id,
        assignee_id: q.assignee_id,
        group_id: q.group_id,
        tag: q.tag,
        category_id: q.category_id,
        view: q.view,
        sort: q.sort,
        page: page_req(q.limit, q.cursor),
    };
    let (page, mut sla) = service::views::list_with_sla(&state, &auth, q).await?;
    let items = page
        .items
        .into_iter()
        .map(|m| TicketOut {
            sla: sla.remove(&m.id).map(sla_json),
            ..m.into()
        })
        .collect();
    Ok(Json(PageOut {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Get a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    responses((status = 200, body = TicketOut), (status = 404)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TicketOut>, ApiError> {
    let t = service::get(&state, &auth, &id).await?;
    Ok(Json(TicketOut {
        sla: t.sla.map(sla_json),
        ..t.ticket.into()
    }))
}

/// Change a ticket's fields (its state changes only through transitions).
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", request_body = TicketPatch,
    responses((status = 200, body = TicketOut), (status = 404)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TicketPatch>,
) -> Result<Json<TicketOut>, ApiError> {
    let c = TicketChange {
        ticket_type: b.ticket_type,
        subject: b.subject,
        description: b.description,
        priority: b.priority,
        customer_id: b.customer_id,
        assignee_id: b.assignee_id,
        group_id: b.group_id,
    };
    Ok(Json(service::update(&state, &auth, &id, c).await?.into()))
}

/// Move a ticket to another state; 409 `invalid_transition` if the workflow forbids it.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transitions", tag = "tickets", request_body = TransitionIn,
    responses((status = 200, body = TicketOut), (status = 404), (status = 409, description = "invalid_transition")))]
pub async fn transition_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TransitionIn>,
) -> Result<Json<TicketOut>, ApiError> {
    let m = service::transition(&state, &auth, &id, b.to, &b.reason).await?;
    Ok(Json(m.into()))
}

/// The transitions of a ticket, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/transitions", tag = "tickets",
    responses((status = 200, body = Vec<TransitionOut>), (status = 404)))]
pub async fn list_transitions(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<TransitionOut>>, ApiError> {
    let rows = service::transitions(&state, &auth, &id).await?;
    Ok(Json(rows.into_iter().map(TransitionOut::from).collect()))
}

/// Delete a ticket.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}", tag = "tickets",
    responses((status = 204), (status = 404)))]
pub async fn delete_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
