//! The CRM REST API: customers, CRM settings and fields, RFM, segments.

pub mod customers;
pub mod segments;
pub mod settings;

use crate::AppState;
use axum::Router;

/// The CRM's `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(customers::router())
        .merge(settings::router())
        .merge(segments::router())
}
