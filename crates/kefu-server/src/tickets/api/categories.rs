//! The ticket category tree (`/api/v1/ticket-categories`) and a ticket's category
//! (`/api/v1/tickets/{id}/category`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::tickets::service::categories::{self as service, Category};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
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

impl From<Category> for CategoryOut {
    fn from(c: Category) -> Self {
        CategoryOut {
            id: c.id,
            parent_id: c.parent_id,
            name: c.name,
            path: c.path,
        }
    }
}

/// Create a category (under `parent_id`, or at the root).
#[utoipa::path(post, path = "/api/v1/ticket-categories", tag = "tickets", request_body = CategoryIn,
    responses((status = 201, body = CategoryOut), (status = 422)))]
pub async fn create_category(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CategoryIn>,
) -> Result<(StatusCode, Json<CategoryOut>), ApiError> {
    let c = service::create(&state, &auth, b.parent_id, &b.name).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The category tree, flat, in path order.
#[utoipa::path(get, path = "/api/v1/ticket-categories", tag = "tickets",
    responses((status = 200, body = Vec<CategoryOut>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CategoryOut>>, ApiError> {
    let all = service::list(&state, &auth).await?;
    Ok(Json(all.into_iter().map(CategoryOut::from).collect()))
}

/// Delete a category without subcategories or tickets; 409 `category_in_use`.
#[utoipa::path(delete, path = "/api/v1/ticket-categories/{id}", tag = "tickets",
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
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
    let category_id = service::of_ticket(&state, &auth, &id).await?;
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
    let category_id = service::set_of_ticket(&state, &auth, &id, b.category_id).await?;
    Ok(Json(TicketCategory { category_id }))
}
