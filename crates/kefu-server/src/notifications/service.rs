//! The notification inbox of the signed-in user, for the API and the page alike: entries are
//! written by the store in the transaction of what they tell about; here they are listed,
//! counted and marked read. Nobody sees another user's entries.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use kefu_model::Action;
use kefu_store::entity::notification;
use kefu_store::{Page, PageRequest, WorkspaceScope};

/// The most entries one request may mark read.
pub const MAX_MARK: usize = 500;

/// The caller's workspace and user id.
fn me(auth: &Auth) -> Result<(WorkspaceScope, String), ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let user = p.actor().user_id.ok_or(ApiError::Unauthorized)?;
    Ok((p.scope.clone(), user))
}

/// One page of the caller's notifications (only unread ones with `unread`), newest first.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    unread: bool,
    page: &PageRequest,
) -> Result<Page<notification::Model>, ApiError> {
    let (scope, user) = me(auth)?;
    Ok(state
        .store
        .notifications(&scope, &user, unread, page)
        .await?)
}

/// How many of the caller's notifications are unread.
pub async fn unread(state: &AppState, auth: &Auth) -> Result<u64, ApiError> {
    let (scope, user) = me(auth)?;
    Ok(state.store.unread_notifications(&scope, &user).await?)
}

/// Marks the caller's notifications `ids` (all unread ones when `None`; at most
/// [`MAX_MARK`]) read; how many were marked and how many stay unread.
pub async fn mark_read(
    state: &AppState,
    auth: &Auth,
    ids: Option<&[i64]>,
) -> Result<(u64, u64), ApiError> {
    let (scope, user) = me(auth)?;
    if ids.is_some_and(|i| i.len() > MAX_MARK) {
        return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "ids".into(),
            reason: kefu_model::error::FieldProblem::TooMany,
        }));
    }
    let marked = state
        .store
        .mark_notifications_read(&scope, &user, ids)
        .await?;
    let unread = state.store.unread_notifications(&scope, &user).await?;
    Ok((marked, unread))
}
