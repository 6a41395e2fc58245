//! The identity REST API: sessions, tokens, users, teams, the audit log.

pub mod audit;
pub mod session;
pub mod teams;
pub mod tokens;
pub mod users;

use crate::AppState;
use axum::Router;

/// The identity `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(tokens::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(audit::router())
}
