//! The tickets' REST API: wire types and handlers.

pub mod automations;
pub mod categories;
pub mod complaints;
pub mod sla;
pub mod tickets;
pub mod views;
pub mod workflow;

use crate::AppState;
use axum::Router;

/// The tickets' `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(tickets::router())
        .merge(workflow::router())
        .merge(sla::router())
        .merge(complaints::router())
        .merge(views::router())
        .merge(automations::router())
        .merge(categories::router())
}
