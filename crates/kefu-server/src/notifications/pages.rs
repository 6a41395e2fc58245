//! The notification inbox page (`/notifications`): the signed-in user's entries, newest
//! first, each linking to its ticket, with "mark all read". The header's unread badge is
//! filled from `GET /api/v1/notifications/count` by the layout. Both read through the
//! notifications service.

use crate::AppState;
use crate::error::ApiError;
use crate::notifications::service;
use crate::pages::{Tr, Viewer, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// The inbox page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(page))
        .route("/notifications/read", post(read_all))
}

pub struct Row {
    kind: String,
    ticket_id: Option<String>,
    text: String,
    at: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications/inbox.html")]
pub struct NotificationsPage {
    t: Tr,
    signed_in: bool,
    rows: Vec<Row>,
    unread: u64,
}

pub async fn page(State(state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    let req = kefu_store::PageRequest {
        limit: Some(100),
        cursor: None,
    };
    let page = service::list(&state, &v.auth, false, &req).await?;
    let unread = service::unread(&state, &v.auth).await?;
    let rows = page
        .items
        .into_iter()
        .map(|n| Row {
            kind: n.kind,
            ticket_id: n.ticket_id,
            text: n.text,
            at: v.time(n.created_at),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(render(NotificationsPage {
        t: v.t(),
        signed_in: true,
        rows,
        unread,
    }))
}

pub async fn read_all(State(state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    service::mark_read(&state, &v.auth, None).await?;
    Ok(Redirect::to("/notifications").into_response())
}
