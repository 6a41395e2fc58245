//! The CRM pages: customers, a customer, import, duplicates, and the CRM settings page.

pub mod customers;
pub mod settings;

use crate::AppState;
use axum::Router;

/// The CRM's page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(customers::router())
        .merge(settings::router())
}
