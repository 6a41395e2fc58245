//! Segments: rule-based customer sets, their customers and counts.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::path_id;
use kefu_model::Action;
use kefu_store::crm::segments::Rule;
use kefu_store::entity::{customer, segment};
use kefu_store::{Page, PageRequest};

/// Defines a segment.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    name: &str,
    rules: Vec<Rule>,
) -> Result<segment::Model, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .create_segment(&p.scope, &p.actor(), name, rules)
        .await?)
}

/// One page of the segments.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    page: &PageRequest,
) -> Result<Page<segment::Model>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state.store.list_segments(&p.scope, page).await?)
}

/// Segment `id`.
pub async fn get(state: &AppState, auth: &Auth, id: &str) -> Result<segment::Model, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state.store.get_segment(&p.scope, &path_id(id)?).await?)
}

/// One page of segment `id`'s customers, newest first.
pub async fn customers(
    state: &AppState,
    auth: &Auth,
    id: &str,
    page: &PageRequest,
) -> Result<Page<customer::Model>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state
        .store
        .segment_customers(&p.scope, &path_id(id)?, page)
        .await?)
}

/// How many customers segment `id` holds.
pub async fn count(state: &AppState, auth: &Auth, id: &str) -> Result<u64, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state.store.segment_count(&p.scope, &path_id(id)?).await?)
}

/// Renames segment `id` and/or replaces its rules.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    name: Option<String>,
    rules: Option<Vec<Rule>>,
) -> Result<segment::Model, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .update_segment(&p.scope, &p.actor(), &path_id(id)?, name, rules)
        .await?)
}

/// Deletes segment `id`.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .delete_segment(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}
