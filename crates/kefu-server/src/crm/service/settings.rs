//! CRM settings: the workspace's default phone region and value tiers, its custom customer
//! fields, and RFM (settings, refresh, a customer's scores).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::path_id;
use kefu_model::Action;
use kefu_store::crm::admin::FieldPatch;
use kefu_store::crm::customers::CrmContext;
use kefu_store::crm::rfm::{RfmSettings, RfmState};
use kefu_store::entity::custom_field_def;

/// The workspace's CRM settings and field definitions.
pub async fn context(state: &AppState, auth: &Auth) -> Result<CrmContext, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state.store.crm_context(&p.scope).await?)
}

/// Changes the default phone region and the value tiers; returns the settings as saved.
pub async fn set(
    state: &AppState,
    auth: &Auth,
    default_region: &str,
    value_tiers: Vec<String>,
) -> Result<CrmContext, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    state
        .store
        .set_crm_settings(&p.scope, &p.actor(), default_region, value_tiers)
        .await?;
    Ok(state.store.crm_context(&p.scope).await?)
}

/// Defines a custom customer field; 409 `custom_field_exists` for a key in use.
pub async fn create_field(
    state: &AppState,
    auth: &Auth,
    key: &str,
    label: &str,
    field_type: &str,
    choices: Vec<String>,
) -> Result<custom_field_def::Model, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .create_custom_field(&p.scope, &p.actor(), key, label, field_type, choices)
        .await?)
}

/// Changes a custom field's label, type or choices (a type change is refused, 409
/// `custom_field_values_invalid`, unless every stored value still validates).
pub async fn update_field(
    state: &AppState,
    auth: &Auth,
    id: &str,
    patch: FieldPatch,
) -> Result<custom_field_def::Model, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .update_custom_field(&p.scope, &p.actor(), &path_id(id)?, patch)
        .await?)
}

/// Deletes a custom field no customer, segment or RFM setting uses (else 409
/// `custom_field_in_use`).
pub async fn delete_field(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .delete_custom_field(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}

/// The RFM settings, the score bounds in force and the last refresh.
pub async fn rfm(state: &AppState, auth: &Auth) -> Result<RfmState, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state.store.rfm_state(&p.scope).await?)
}

/// Changes the RFM settings.
pub async fn set_rfm(
    state: &AppState,
    auth: &Auth,
    settings: RfmSettings,
) -> Result<RfmState, ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state
        .store
        .set_rfm_settings(&p.scope, &p.actor(), settings)
        .await?)
}

/// Recomputes every customer's RFM inputs; the state and how many customers have inputs.
pub async fn refresh_rfm(state: &AppState, auth: &Auth) -> Result<(RfmState, u64), ApiError> {
    let p = auth.require(Action::ManageCrm)?;
    Ok(state.store.refresh_rfm(&p.scope, &p.actor()).await?)
}

/// Customer `id`'s RFM inputs (as of the last refresh) and scores.
pub async fn customer_rfm(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<serde_json::Value, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let id = path_id(id)?;
    state.store.get_customer(&p.scope, &id).await?;
    Ok(state.store.customer_rfm(&p.scope, &id).await?)
}
