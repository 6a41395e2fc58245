//! The tickets' pages: the list, a ticket, the supervisor overview, SLA, skills and automation
//! admin.

pub mod automations;
pub mod list;
pub mod skills;
pub mod ticket;
pub mod tools;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The tickets' page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list::tickets_page))
        .route("/tickets/overview", get(ticket::overview_page))
        .route(
            "/tickets/sla",
            get(ticket::sla_page).post(ticket::sla_submit),
        )
        .route("/tickets/{id}", get(ticket::ticket_page))
        .route("/tickets/{id}/macro", post(ticket::ticket_macro))
        .route("/tickets/{id}/transition", post(ticket::ticket_transition))
        .route("/tickets/{id}/message", post(ticket::ticket_message))
        .route("/tickets/{id}/assign", post(ticket::ticket_assign))
        .route("/tickets/{id}/complaint", post(ticket::ticket_complaint))
        .route("/tickets/{id}/tools", post(tools::submit))
        .route("/tickets/bulk", post(ticket::bulk_submit))
        .route("/tickets/skills", get(skills::page).post(skills::submit))
        .route(
            "/tickets/automations",
            get(automations::page).post(automations::submit),
        )
}
