//! The after-sales workflow of a ticket: messages (public replies and internal notes), tags,
//! watchers, links, merge, split and reopen (with the follow-up ticket after the reopen
//! window).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_store::entity::{ticket, ticket_message};
use kefu_store::tickets::messages::NewMessage;
use kefu_store::tickets::relations::{LinkKind, LinkView};

/// An id given in a body or form: a malformed one is an invalid `field`.
fn body_id(field: &'static str, raw: &str) -> Result<String, ApiError> {
    opt_id(field, Some(raw.to_owned())).map(|v| v.unwrap_or_default())
}

/// Adds a public reply or an internal note to ticket `id`.
pub async fn add_message(
    state: &AppState,
    auth: &Auth,
    id: &str,
    m: NewMessage,
) -> Result<ticket_message::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    Ok(state
        .store
        .add_ticket_message(&p.scope, &p.actor(), &path_id(id)?, m)
        .await?)
}

/// The messages of ticket `id`, oldest first.
pub async fn messages(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<Vec<ticket_message::Model>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_messages(&p.scope, &path_id(id)?).await?)
}

/// The tags of ticket `id`.
pub async fn tags(state: &AppState, auth: &Auth, id: &str) -> Result<Vec<String>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_tags(&p.scope, &path_id(id)?).await?)
}

/// Replaces the tags of ticket `id`; returns them as stored.
pub async fn set_tags(
    state: &AppState,
    auth: &Auth,
    id: &str,
    tags: &[String],
) -> Result<Vec<String>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let id = path_id(id)?;
    state
        .store
        .set_ticket_tags(&p.scope, &p.actor(), &id, tags)
        .await?;
    Ok(state.store.ticket_tags(&p.scope, &id).await?)
}

/// The watchers of ticket `id` (user ids).
pub async fn watchers(state: &AppState, auth: &Auth, id: &str) -> Result<Vec<String>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_watchers(&p.scope, &path_id(id)?).await?)
}

/// Adds (`on`) or removes user `user_id` as a watcher of ticket `id` (idempotent); returns
/// the watchers.
pub async fn set_watcher(
    state: &AppState,
    auth: &Auth,
    id: &str,
    user_id: &str,
    on: bool,
) -> Result<Vec<String>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let user = body_id("user_id", user_id)?;
    Ok(state
        .store
        .set_ticket_watcher(&p.scope, &p.actor(), &path_id(id)?, &user, on)
        .await?)
}

/// The links of ticket `id`, both ways.
pub async fn links(state: &AppState, auth: &Auth, id: &str) -> Result<Vec<LinkView>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_links(&p.scope, &path_id(id)?).await?)
}

/// Links ticket `id` to `other_id`; 409 `self_link`. Returns the links.
pub async fn link(
    state: &AppState,
    auth: &Auth,
    id: &str,
    other_id: &str,
    kind: LinkKind,
) -> Result<Vec<LinkView>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let other = body_id("other_id", other_id)?;
    Ok(state
        .store
        .link_tickets(&p.scope, &p.actor(), &path_id(id)?, &other, kind)
        .await?)
}

/// Merges ticket `id` into `into` (its messages, links, tags and watchers move there);
/// returns the target.
pub async fn merge(
    state: &AppState,
    auth: &Auth,
    id: &str,
    into: &str,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let into = body_id("into", into)?;
    Ok(state
        .store
        .merge_tickets(&p.scope, &p.actor(), &path_id(id)?, &into)
        .await?)
}

/// Splits message `message_id` off ticket `id` into a new linked ticket; returns it.
pub async fn split(
    state: &AppState,
    auth: &Auth,
    id: &str,
    message_id: &str,
    subject: Option<String>,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let message = body_id("message_id", message_id)?;
    Ok(state
        .store
        .split_ticket(&p.scope, &p.actor(), &path_id(id)?, &message, subject)
        .await?)
}

/// Reopens a resolved or closed ticket: within the reopen window the ticket itself, after it
/// a new follow-up ticket linked to it. Returns the ticket reopened or created, and whether
/// it is a follow-up.
pub async fn reopen(
    state: &AppState,
    auth: &Auth,
    id: &str,
    reason: &str,
) -> Result<(ticket::Model, bool), ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let (t, follow_up) = state
        .store
        .reopen_ticket(&p.scope, &p.actor(), &path_id(id)?, reason)
        .await?;
    Ok((state.store.get_ticket(&p.scope, &t.id).await?, follow_up))
}
