//! The audit log (`GET /api/v1/audit`): every change with actor, time, action and the record
//! before and after.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiQuery, PageOut, page_req};
use crate::identity::service;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kefu_store::audit::AuditFilter;
use kefu_store::entity::audit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_audit))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub actor_id: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<audit::Model> for AuditOut {
    fn from(m: audit::Model) -> Self {
        AuditOut {
            seq: m.seq,
            actor_id: m.actor_id,
            at: m.at,
            action: m.action,
            entity_type: m.entity_type,
            entity_id: m.entity_id,
            before: m.before,
            after: m.after,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// List audit rows, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = PageOut<AuditOut>)))]
pub async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<PageOut<AuditOut>>, ApiError> {
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_id: q.actor_id,
    };
    let page = service::audit(&state, &auth, filter, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, AuditOut::from)))
}
