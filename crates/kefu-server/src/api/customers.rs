//! Customers (`/api/v1/customers`): the basic profile of SPEC C1.

use super::{ApiJson, ApiQuery, PageOut, nullable, page_req, path_id};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::Action;
use kefu_store::customers::{CustomerFields, CustomerFilter, fields_of};
use kefu_store::entity::customer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route(
            "/customers/{id}",
            get(get_customer)
                .patch(update_customer)
                .delete(delete_customer),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// Channel or system → id, e.g. `{"wechat": "wxid_123"}`.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub external_ids: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    pub tags: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<customer::Model> for CustomerOut {
    fn from(m: customer::Model) -> Self {
        let f = fields_of(&m);
        CustomerOut {
            id: m.id,
            name: f.name,
            phones: f.phones,
            emails: f.emails,
            external_ids: f.external_ids,
            organization: f.organization,
            tags: f.tags,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// Part of the name.
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Create a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerIn,
    responses((status = 201, body = CustomerOut), (status = 422, description = "invalid_field")))]
pub async fn create_customer(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CustomerIn>,
) -> Result<(StatusCode, Json<CustomerOut>), ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    let fields = CustomerFields {
        name: b.name,
        phones: b.phones,
        emails: b.emails,
        external_ids: b.external_ids,
        organization: b.organization,
        tags: b.tags,
    };
    let m = state
        .store
        .create_customer(&p.scope, &p.actor(), fields)
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List customers.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = PageOut<CustomerOut>)))]
pub async fn list_customers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CustomerQuery>,
) -> Result<Json<PageOut<CustomerOut>>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    let filter = CustomerFilter {
        q: q.q,
        organization: q.organization,
        tag: q.tag,
    };
    let page = state
        .store
        .list_customers(&p.scope, &filter, &page_req(q.limit, q.cursor))
        .await?;
    Ok(Json(PageOut::map(page, CustomerOut::from)))
}

/// Get a customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 200, body = CustomerOut), (status = 404)))]
pub async fn get_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CustomerOut>, ApiError> {
    let p = auth.require(Action::ReadCustomers)?;
    Ok(Json(
        state
            .store
            .get_customer(&p.scope, &path_id(&id)?)
            .await?
            .into(),
    ))
}

/// Change a customer.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", request_body = CustomerPatch,
    responses((status = 200, body = CustomerOut), (status = 404)))]
pub async fn update_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CustomerPatch>,
) -> Result<Json<CustomerOut>, ApiError> {
    let p = auth.require(Action::WriteCustomers)?;
    let m = state
        .store
        .update_customer(&p.scope, &p.actor(), &path_id(&id)?, |f| {
            if let Some(v) = b.name {
                f.name = v;
            }
            if let Some(v) = b.phones {
                f.phones = v;
            }
            if let Some(v) = b.emails {
                f.emails = v;
            }
            if let Some(v) = b.external_ids {
                f.external_ids = v;
            }
            if let Some(v) = b.organization {
                f.organization = v;
            }
            if let Some(v) = b.tags {
                f.tags = v;
            }
        })
        .await?;
    Ok(Json(m.into()))
}

/// Delete a customer that no ticket or interaction refers to.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 204), (status = 404), (status = 409, description = "customer_in_use")))]
pub async fn delete_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let p = auth.require(Action::DeleteCustomers)?;
    state
        .store
        .delete_customer(&p.scope, &p.actor(), &path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
