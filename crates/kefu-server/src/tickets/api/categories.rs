//! The ticket category tree (`/api/v1/ticket-categories`) and a ticket's category
//! (`/api/v1/tickets/{id}/category`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, opt_id, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use kefu_model::Action;
use kefu_store::entity::ticket_category;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/ticket-categories",
            get(list_categories).post(create_category),
        )
        .route("/ticket-categories/{id}", delete(delete_category))
        .route(
            "/tickets/{id}/category",
            get(get_category).put(set_category),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    pub name: String,
    pub parent_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// Names from the root down to this category.
    pub path: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCategory {
    pub category_id: Option<String>,
}

fn tree(all: Vec<ticket_category::Model>) -> Vec<CategoryOut> {
    let path = |c: &ticket_category::Model| {
        let mut p = vec![c.name.clone()];
        let mut parent = c.parent_id.clone();
        while let Some(id) = parent {
            match all.iter().find(|x| x.id == id) {
                Some(x) if p.len() < 64 => {
                    p.push(x.name.clone());
                    parent = x.parent_id.clone();
                }
                _ => break,
            }
        }
        p.reverse();
        p
    };
    let mut out: Vec<CategoryOut> = all
        .iter()
        .map(|c| CategoryOut {
            id: c.id.clone(),
            parent_id: c.parent_id.clone(),
            name: c.name.clone(),
            path: path(c),
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Create a category (under `parent_id`, or at the root).
#[utoipa::path(post, path = "/api/v1/ticket-categories", tag = "tickets", request_body = CategoryIn,
    responses((status = 201, body = CategoryOut), (status = 422)))]
pub async fn create_category(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CategoryIn>,
) -> Result<(StatusCode, Json<CategoryOut>), ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let parent = opt_id("parent_id", b.parent_id)?;
    let m = state
        .store
        .create_category(&p.scope, &p.actor(), parent, &b.name)
        .await?;
    let all = state.store.categories(&p.scope).await?;
    let out = tree(all).into_iter().find(|c| c.id == m.id);
    out.map(|c| (StatusCode::CREATED, Json(c))).ok_or_else(|| {
        ApiError::internal("creating a category", "the new category is not in the tree")
    })
}

/// The category tree, flat, in path order.
#[utoipa::path(get, path = "/api/v1/ticket-categories", tag = "tickets",
    responses((status = 200, body = Vec<CategoryOut>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CategoryOut>>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(Json(tree(state.store.categories(&p.scope).await?)))
}

/// Delete a category without subcategories or tickets; 409 `category_in_use`.
#[utoipa::path(delete, path = "/api/v1/ticket-categories/{id}", tag = "tickets",
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    state
        .store
        .delete_category(&p.scope, &p.actor(), &path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The category of a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/category", tag = "tickets",
    responses((status = 200, body = TicketCategory), (status = 404)))]
pub async fn get_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TicketCategory>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let category_id = state
        .store
        .ticket_category(&p.scope, &path_id(&id)?)
        .await?;
    Ok(Json(TicketCategory { category_id }))
}

/// Set or clear (`null`) the category of a ticket.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/category", tag = "tickets", request_body = TicketCategory,
    responses((status = 200, body = TicketCategory), (status = 404), (status = 422)))]
pub async fn set_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TicketCategory>,
) -> Result<Json<TicketCategory>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let c = opt_id("category_id", b.category_id)?;
    let id = path_id(&id)?;
    let category_id = state
        .store
        .set_ticket_category(&p.scope, &p.actor(), &id, c)
        .await?;
    Ok(Json(TicketCategory { category_id }))
}
