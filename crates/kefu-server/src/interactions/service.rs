//! The interactions' application service: recording, listing, changing and deleting
//! contacts (calls, chats, e-mails…), each behind its role, with ids in bodies and queries
//! checked here.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_store::entity::interaction;
use kefu_store::interactions::{InteractionFields, InteractionFilter};
use kefu_store::{Page, PageRequest};

/// Records an interaction (`f`'s customer, agent and ticket ids as given).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    mut f: InteractionFields,
) -> Result<interaction::Model, ApiError> {
    let p = auth.require(Action::WriteInteractions)?;
    f.customer_id = opt_id("customer_id", f.customer_id)?;
    f.agent_id = opt_id("agent_id", f.agent_id)?;
    f.ticket_id = opt_id("ticket_id", f.ticket_id)?;
    Ok(state
        .store
        .create_interaction(&p.scope, &p.actor(), f)
        .await?)
}

/// One page of the interactions `f` selects (ids as given).
pub async fn list(
    state: &AppState,
    auth: &Auth,
    mut f: InteractionFilter,
    page: &PageRequest,
) -> Result<Page<interaction::Model>, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    f.customer_id = opt_id("customer_id", f.customer_id)?;
    f.agent_id = opt_id("agent_id", f.agent_id)?;
    f.ticket_id = opt_id("ticket_id", f.ticket_id)?;
    Ok(state.store.list_interactions(&p.scope, &f, page).await?)
}

/// Interaction `id`.
pub async fn get(state: &AppState, auth: &Auth, id: &str) -> Result<interaction::Model, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    Ok(state.store.get_interaction(&p.scope, &path_id(id)?).await?)
}

/// New references of an interaction, as given: each `Some` replaces one (`Some(None)`
/// clears it).
#[derive(Debug, Clone, Default)]
pub struct References {
    pub customer_id: Option<Option<String>>,
    pub agent_id: Option<Option<String>>,
    pub ticket_id: Option<Option<String>>,
}

/// Changes interaction `id`: `apply` edits its other fields, `refs` its references.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    refs: References,
    apply: impl FnOnce(&mut InteractionFields),
) -> Result<interaction::Model, ApiError> {
    let p = auth.require(Action::WriteInteractions)?;
    let check =
        |field: &'static str, v: Option<Option<String>>| v.map(|v| opt_id(field, v)).transpose();
    let customer = check("customer_id", refs.customer_id)?;
    let agent = check("agent_id", refs.agent_id)?;
    let ticket = check("ticket_id", refs.ticket_id)?;
    Ok(state
        .store
        .update_interaction(&p.scope, &p.actor(), &path_id(id)?, |f| {
            apply(f);
            if let Some(v) = customer {
                f.customer_id = v;
            }
            if let Some(v) = agent {
                f.agent_id = v;
            }
            if let Some(v) = ticket {
                f.ticket_id = v;
            }
        })
        .await?)
}

/// Deletes interaction `id`.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::DeleteInteractions)?;
    Ok(state
        .store
        .delete_interaction(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}
