//! Named, revocable API tokens (`/api/v1/tokens`), managed by admins. The secret is shown
//! once, at creation; only its hash is stored (see `identity::service::tokens`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req};
use crate::identity::service::tokens as service;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use kefu_store::entity::api_token;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub name: String,
    /// The user the token acts as; the caller by default.
    pub user_id: Option<String>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenOut {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The secret; present only in the answer to its creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<api_token::Model> for ApiTokenOut {
    fn from(m: api_token::Model) -> Self {
        ApiTokenOut {
            id: m.id,
            name: m.name,
            user_id: m.user_id,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            token: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Create a named API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenIn,
    responses((status = 201, body = ApiTokenOut)))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TokenIn>,
) -> Result<(StatusCode, Json<ApiTokenOut>), ApiError> {
    let (m, token) =
        service::create(&state, &auth, &body.name, body.user_id, body.expires_at).await?;
    let mut out = ApiTokenOut::from(m);
    out.token = Some(token);
    Ok((StatusCode::CREATED, Json(out)))
}

/// List API tokens (without secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = PageOut<ApiTokenOut>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Result<Json<PageOut<ApiTokenOut>>, ApiError> {
    let page = service::list(&state, &auth, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, ApiTokenOut::from)))
}

/// Revoke an API token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    responses((status = 204), (status = 404)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::revoke(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
