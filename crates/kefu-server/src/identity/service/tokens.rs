//! Named, revocable API tokens, managed by admins. The secret is shown once, at creation;
//! only its hash is stored.

use crate::AppState;
use crate::auth::{Auth, new_token};
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_model::validate::{SHORT_TEXT, required};
use kefu_store::entity::api_token;
use kefu_store::{Page, PageRequest};

/// Creates token `name` acting as `user_id` (as given; the caller by default); the stored
/// token and its secret.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    name: &str,
    user_id: Option<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(api_token::Model, String), ApiError> {
    let p = auth.require(Action::ManageTokens)?;
    let name = required("name", name, SHORT_TEXT)?;
    let user_id = opt_id("user_id", user_id)?.unwrap_or_else(|| p.user_id.clone());
    let (token, hash) = new_token();
    let m = state
        .store
        .create_token(
            &p.scope,
            &p.actor(),
            &user_id,
            &name,
            "api",
            hash,
            expires_at,
        )
        .await?;
    Ok((m, token))
}

/// One page of the workspace's tokens.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    page: &PageRequest,
) -> Result<Page<api_token::Model>, ApiError> {
    let p = auth.require(Action::ManageTokens)?;
    Ok(state.store.list_tokens(&p.scope, page).await?)
}

/// Revokes token `id`.
pub async fn revoke(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageTokens)?;
    state
        .store
        .revoke_token(&p.scope, &p.actor(), &path_id(id)?)
        .await?;
    Ok(())
}
