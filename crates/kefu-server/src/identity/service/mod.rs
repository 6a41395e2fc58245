//! Identity's application service, for the API and the pages alike: sign-in (rate-limited
//! per account and per client address), API tokens ([`tokens`]), users ([`users`]), teams
//! ([`teams`]) and the audit log. Each function checks the role and ids itself.

pub mod teams;
pub mod tokens;
pub mod users;

use crate::AppState;
use crate::auth::{Auth, new_token, verify_password};
use crate::error::ApiError;
use kefu_model::Action;
use kefu_store::audit::AuditFilter;
use kefu_store::entity::audit;
use kefu_store::{Page, PageRequest};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Instant;
use utoipa::ToSchema;

// Credentials: the API's login body and the sign-in form. (Not a doc comment: that would
// change the schema in the OpenAPI document.)
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub workspace: String,
    pub email: String,
    pub password: String,
}

/// Session lifetime.
pub const SESSION_DAYS: i64 = 30;

/// A new session: the token (shown once) and when it expires.
pub struct Session {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Checks the credentials and issues a session token. Failed logins count per account and
/// per client address; past the limit every attempt is 429 until the window passes.
pub async fn login(
    state: &AppState,
    client: Option<SocketAddr>,
    login: &LoginIn,
) -> Result<Session, ApiError> {
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
    Ok(Session { token, expires_at })
}

/// One page of the audit log, newest first.
pub async fn audit(
    state: &AppState,
    auth: &Auth,
    filter: AuditFilter,
    page: &PageRequest,
) -> Result<Page<audit::Model>, ApiError> {
    let p = auth.require(Action::ReadAudit)?;
    Ok(state.store.list_audit(&p.scope, &filter, page).await?)
}
