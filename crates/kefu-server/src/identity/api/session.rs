//! Login: `POST /api/v1/auth/token` exchanges workspace + e-mail + password for a session
//! token. Failed logins are rate-limited per account and per client address (see
//! `identity::service::login`).

use crate::AppState;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::identity::service::{self, LoginIn};
use axum::extract::{ConnectInfo, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use std::net::SocketAddr;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/token", post(login))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Log in and get a session token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = LoginIn,
    responses((status = 200, body = TokenOut), (status = 401, description = "invalid_credentials"),
              (status = 429, description = "too_many_attempts")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginIn>,
) -> Result<Json<TokenOut>, ApiError> {
    let s = service::login(&state, Some(client), &body).await?;
    Ok(Json(TokenOut {
        token: s.token,
        expires_at: s.expires_at,
    }))
}
