//! Login: `POST /api/v1/auth/token` exchanges workspace + e-mail + password for a session
//! token. Failed logins are rate-limited per account and per client address.

use crate::AppState;
use crate::auth::{new_token, verify_password};
use crate::error::ApiError;
use crate::http::ApiJson;
use axum::extract::{ConnectInfo, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Instant;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/token", post(login))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub workspace: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Session lifetime.
pub const SESSION_DAYS: i64 = 30;

/// Checks credentials and issues a session token; shared by the API and the web login.
pub async fn issue_session(
    state: &AppState,
    client: Option<SocketAddr>,
    login: &LoginIn,
) -> Result<TokenOut, ApiError> {
    let now = Instant::now();
    let account_key = format!("{}\u{0}{}", login.workspace, login.email.to_lowercase());
    let ip_key = client.map(|c| format!("ip\u{0}{}", c.ip()));
    for key in std::iter::once(&account_key).chain(ip_key.as_ref()) {
        state
            .limiter
            .check(key, now)
            .map_err(|s| ApiError::TooManyAttempts { retry_after_s: s })?;
    }
    let candidate = state
        .store
        .login_candidate(&login.workspace, &login.email)
        .await?;
    let ok = candidate.as_ref().and_then(|(scope, u)| {
        let hash = u.password_hash.as_deref()?;
        verify_password(hash, &login.password).then_some((scope, u))
    });
    let Some((scope, user)) = ok else {
        for key in std::iter::once(&account_key).chain(ip_key.as_ref()) {
            state.limiter.fail(key, now);
        }
        return Err(ApiError::InvalidCredentials);
    };
    state.limiter.clear(&account_key);
    let (token, hash) = new_token();
    let expires_at = state.store.now() + chrono::Duration::days(SESSION_DAYS);
    let actor = kefu_store::Actor {
        user_id: Some(user.id.clone()),
    };
    state
        .store
        .create_token(
            scope,
            &actor,
            &user.id,
            "session",
            "session",
            hash,
            Some(expires_at),
        )
        .await?;
    Ok(TokenOut { token, expires_at })
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
    Ok(Json(issue_session(&state, Some(client), &body).await?))
}
