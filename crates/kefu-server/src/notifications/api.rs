//! The in-app notification inbox of the signed-in user (`/api/v1/notifications`): SLA
//! warnings and breaches, escalations, pending-customer reminders, trigger `notify` actions,
//! @mentions and new messages on assigned or watched tickets. Entries are written by the
//! store in the transaction of what they tell about; here they are listed, counted and
//! marked read (see `notifications::service`). Nobody sees another user's entries.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req};
use crate::notifications::service;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_store::entity::notification;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/count", get(count))
        .route("/notifications/read", post(mark_read))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `sla_warning`, `sla_breached`, `sla_escalated`, `escalated`, `pending_reminder`,
    /// `trigger`, `mentioned`, `ticket_message`.
    pub kind: String,
    pub ticket_id: Option<String>,
    pub text: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
}

impl From<notification::Model> for NotificationOut {
    fn from(m: notification::Model) -> Self {
        NotificationOut {
            id: m.seq,
            kind: m.kind,
            ticket_id: m.ticket_id,
            text: m.text,
            created_at: m.created_at,
            read: m.read_at.is_some(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only unread entries.
    #[serde(default)]
    pub unread: bool,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    pub unread: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadIn {
    /// These entries; all unread entries when left out.
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadOut {
    pub marked: u64,
    pub unread: u64,
}

/// The signed-in user's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(ListQuery),
    responses((status = 200, body = PageOut<NotificationOut>)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOut<NotificationOut>>, ApiError> {
    let page = service::list(&state, &auth, q.unread, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, NotificationOut::from)))
}

/// How many of the signed-in user's notifications are unread (the page header's badge).
#[utoipa::path(get, path = "/api/v1/notifications/count", tag = "notifications",
    responses((status = 200, body = CountOut)))]
pub async fn count(State(state): State<AppState>, auth: Auth) -> Result<Json<CountOut>, ApiError> {
    let unread = service::unread(&state, &auth).await?;
    Ok(Json(CountOut { unread }))
}

/// Mark the given notifications (or all) of the signed-in user read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications",
    request_body = ReadIn, responses((status = 200, body = ReadOut)))]
pub async fn mark_read(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<ReadIn>,
) -> Result<Json<ReadOut>, ApiError> {
    let (marked, unread) = service::mark_read(&state, &auth, b.ids.as_deref()).await?;
    Ok(Json(ReadOut { marked, unread }))
}
