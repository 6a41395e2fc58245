//! The reports' REST API: KPI reports, cost settings, complaint analytics.

pub mod complaints;
pub mod kpi;

use crate::AppState;
use axum::Router;

/// The reports' `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(kpi::router())
        .merge(complaints::router())
}
