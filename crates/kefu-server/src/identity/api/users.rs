//! Users (`/api/v1/users`): agents and every other staff role. Admins manage them; deleting
//! a user deactivates it (its history stays) and its tokens stop working (see
//! `identity::service::users`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req};
use crate::identity::service::users::{self as service, UserChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::Role;
use kefu_store::entity::user;
use kefu_store::identity::workspaces::UserFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    /// Omit for users who only use API tokens.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    pub password: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<user::Model> for UserOut {
    fn from(m: user::Model) -> Self {
        UserOut {
            id: m.id,
            email: m.email,
            name: m.name,
            role: m.role,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    #[param(value_type = Option<String>)]
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 409, description = "email_taken")))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let m = service::create(
        &state,
        &auth,
        b.email,
        b.name,
        b.role,
        b.password.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = PageOut<UserOut>)))]
pub async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<PageOut<UserOut>>, ApiError> {
    let filter = UserFilter {
        role: q.role,
        active: q.active,
    };
    let page = service::list(&state, &auth, filter, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, UserOut::from)))
}

/// Get a user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = UserOut), (status = 404)))]
pub async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(service::get(&state, &auth, &id).await?.into()))
}

/// Change a user.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 404)))]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UserPatch>,
) -> Result<Json<UserOut>, ApiError> {
    let c = UserChange {
        email: b.email,
        name: b.name,
        role: b.role,
        password: b.password,
        active: b.active,
    };
    let m = service::update(&state, &auth, &id, c).await?;
    Ok(Json(m.into()))
}

/// Deactivate a user (history is kept; sign-in and tokens stop working).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 204), (status = 404)))]
pub async fn delete_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::deactivate(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
