//! The CRM's application service: the one place that checks the role, checks ids and calls
//! the store, for the API and the pages alike. Customers are here (profile, list and search,
//! lifecycle, owners, notes, the timeline, dedupe and merge); [`transfer`] holds import and
//! export, [`settings`] the CRM settings, custom fields and RFM, [`segments`] the segments.
//!
//! Ids come in as given: a malformed path id is "not found", a malformed id in a body, query
//! or form an invalid field.

pub mod segments;
pub mod settings;
pub mod transfer;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_store::crm::customers::{CustomerFields, CustomerFilter, DuplicateGroup, TimelineEntry};
use kefu_store::entity::{customer, customer_event};
use kefu_store::identity::workspaces::Principal;
use kefu_store::{Page, PageRequest};
use serde_json::Value;
use std::collections::BTreeMap;

/// A record that may have been merged into another.
#[derive(Debug)]
pub enum Found<T> {
    Here(T),
    /// The customer was merged into this one.
    MergedInto(String),
}

/// Which customers: the list's filters, as given.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Name (or its pinyin) prefix, or a phone / e-mail / external id.
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
    pub lifecycle: Option<String>,
    pub value_tier: Option<String>,
    /// A user id, or `me` for the caller's customers.
    pub owner: Option<String>,
    /// Only the customers of this segment.
    pub segment: Option<String>,
}

impl CustomerQuery {
    /// The store filter of this query for caller `p`.
    fn filter(self, p: &Principal) -> Result<CustomerFilter, ApiError> {
        let owner_id = match self.owner.as_deref() {
            Some("me") => Some(p.user_id.clone()),
            _ => opt_id("owner", self.owner)?,
        };
        Ok(CustomerFilter {
            q: self.q,
            organization: self.organization,
            tag: self.tag,
            lifecycle: self.lifecycle,
            value_tier: self.value_tier,
            owner_id,
            segment_id: opt_id("segment", self.segment)?,
            ..Default::default()
        })
    }
}

/// One page of the customers `q` selects (merged records left out), newest first.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    q: CustomerQuery,
    page: &PageRequest,
) -> Result<Page<customer::Model>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let filter = q.filter(p)?;
    Ok(state.store.list_customers(&p.scope, &filter, page).await?)
}

/// Creates a customer.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    fields: CustomerFields,
) -> Result<customer::Model, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    Ok(state
        .store
        .create_customer(&p.scope, &p.actor(), fields)
        .await?)
}

/// Customer `id`, or the customer it was merged into.
pub async fn get(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<Found<customer::Model>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let m = state.store.get_customer(&p.scope, &path_id(id)?).await?;
    Ok(match m.merged_into {
        Some(s) => Found::MergedInto(s),
        None => Found::Here(m),
    })
}

/// A change of a customer: each `Some` replaces the field (`Some(None)` clears it); custom
/// keys given replace their values and a null value removes the key.
#[derive(Debug, Clone, Default)]
pub struct CustomerChange {
    pub name: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub external_ids: Option<BTreeMap<String, String>>,
    pub organization: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub profile: Option<kefu_store::crm::customers::Profile>,
    pub value_tier: Option<Option<String>>,
    pub custom: Option<BTreeMap<String, Value>>,
}

/// Changes customer `id`; 409 `customer_merged` for a merged one.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    c: CustomerChange,
) -> Result<customer::Model, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    Ok(state
        .store
        .update_customer(&p.scope, &p.actor(), &path_id(id)?, |f| {
            if let Some(v) = c.name {
                f.name = v;
            }
            if let Some(v) = c.phones {
                f.phones = v;
            }
            if let Some(v) = c.emails {
                f.emails = v;
            }
            if let Some(v) = c.external_ids {
                f.external_ids = v;
            }
            if let Some(v) = c.organization {
                f.organization = v;
            }
            if let Some(v) = c.tags {
                f.tags = v;
            }
            if let Some(v) = c.profile {
                f.profile = v;
            }
            if let Some(v) = c.value_tier {
                f.value_tier = v;
            }
            if let Some(custom) = c.custom {
                for (k, v) in custom {
                    if v.is_null() {
                        f.custom.remove(&k);
                    } else {
                        f.custom.insert(k, v);
                    }
                }
            }
        })
        .await?)
}

/// Deletes a customer that no ticket or interaction refers to.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::DeleteCustomers)?;
    Ok(state
        .store
        .delete_customer(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}

/// One page of a customer's timeline and the cursor of the next (older) one.
pub type Timeline = (Vec<TimelineEntry>, Option<String>);

/// Customer `id`'s timeline from `cursor` (newest first, `limit` entries, 1–200), or the
/// customer it was merged into.
pub async fn timeline(
    state: &AppState,
    auth: &Auth,
    id: &str,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Found<Timeline>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let id = path_id(id)?;
    let m = state.store.get_customer(&p.scope, &id).await?;
    if let Some(s) = m.merged_into {
        return Ok(Found::MergedInto(s));
    }
    let page = state
        .store
        .customer_timeline(&p.scope, &id, cursor, limit.clamp(1, 200))
        .await?;
    Ok(Found::Here(page))
}

/// Moves customer `id` to lifecycle `stage` (recorded on the timeline and audited).
pub async fn set_lifecycle(
    state: &AppState,
    auth: &Auth,
    id: &str,
    stage: &str,
    reason: &str,
) -> Result<customer::Model, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    Ok(state
        .store
        .set_lifecycle(&p.scope, &p.actor(), &path_id(id)?, stage, reason)
        .await?)
}

/// Sets (adopts, 认养) or clears customer `id`'s owner (`owner_id` as given).
pub async fn set_owner(
    state: &AppState,
    auth: &Auth,
    id: &str,
    owner_id: Option<String>,
    reason: &str,
) -> Result<customer::Model, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    let owner = opt_id("owner_id", owner_id)?;
    Ok(state
        .store
        .set_owner(
            &p.scope,
            &p.actor(),
            &path_id(id)?,
            owner.as_deref(),
            reason,
        )
        .await?)
}

/// The caller adopts customer `id`.
pub async fn adopt(state: &AppState, auth: &Auth, id: &str) -> Result<customer::Model, ApiError> {
    set_owner(state, auth, id, Some(auth.0.user_id.clone()), "").await
}

/// Hands the customers of lifecycle `stages` (without an owner, or all with `reassign`) to
/// `owners` (as given) in turn, at most `limit` (default 1000); returns how many.
pub async fn bulk_assign(
    state: &AppState,
    auth: &Auth,
    stages: &[String],
    owners: Vec<String>,
    reassign: bool,
    limit: Option<u64>,
) -> Result<u64, ApiError> {
    let p = auth.require(Action::AssignCustomers)?;
    let owners = owners
        .into_iter()
        .map(|o| opt_id("owners", Some(o)).map(Option::unwrap_or_default))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(state
        .store
        .bulk_assign_owners(
            &p.scope,
            &p.actor(),
            stages,
            &owners,
            reassign,
            limit.unwrap_or(1000).clamp(1, 100_000),
        )
        .await?)
}

/// Adds a note to customer `id`'s timeline.
pub async fn add_note(
    state: &AppState,
    auth: &Auth,
    id: &str,
    body: &str,
) -> Result<customer_event::Model, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    Ok(state
        .store
        .add_customer_note(&p.scope, &p.actor(), &path_id(id)?, body)
        .await?)
}

/// Candidate duplicates (customers sharing a normalized phone, e-mail or external id), at
/// most `limit` groups (1–1000).
pub async fn duplicates(
    state: &AppState,
    auth: &Auth,
    limit: u64,
) -> Result<Vec<DuplicateGroup>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(state
        .store
        .customer_duplicates(&p.scope, limit.clamp(1, 1000))
        .await?)
}

/// Merges customers `from` (as given) into `id`: their tickets, interactions, notes and
/// fields move there; their ids redirect there afterwards.
pub async fn merge(
    state: &AppState,
    auth: &Auth,
    id: &str,
    from: Vec<String>,
) -> Result<customer::Model, ApiError> {
    let p = auth.require(Action::MergeCustomers)?;
    let from = from
        .into_iter()
        .map(|o| opt_id("from", Some(o)).map(Option::unwrap_or_default))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(state
        .store
        .merge_customers(&p.scope, &p.actor(), &path_id(id)?, &from)
        .await?)
}
