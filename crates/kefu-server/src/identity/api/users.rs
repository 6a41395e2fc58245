//! Users (`/api/v1/users`): agents and every other staff role. Admins manage them; deleting
//! a user deactivates it (its history stays) and its tokens stop working.

use crate::AppState;
use crate::auth::{Auth, hash_password};
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::validate::{SHORT_TEXT, email, required};
use kefu_model::{Action, Role};
use kefu_store::entity::user;
use kefu_store::identity::workspaces::{NewUser, UserFilter};
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

fn password(p: &str) -> Result<String, ApiError> {
    if p.chars().count() < 8 || p.len() > 1024 {
        return Err(kefu_model::ModelError::InvalidField {
            field: "password".into(),
            reason: kefu_model::error::FieldProblem::Format,
        }
        .into());
    }
    hash_password(p)
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 409, description = "email_taken")))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let p = auth.require(Action::ManageUsers)?;
    let password_hash = b.password.as_deref().map(password).transpose()?;
    let new = NewUser {
        email: b.email,
        name: b.name,
        role: b.role,
        password_hash,
    };
    let m = state.store.create_user(&p.scope, &p.actor(), new).await?;
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
    let p = auth.require(Action::ReadUsers)?;
    let filter = UserFilter {
        role: q.role,
        active: q.active,
    };
    let page = state
        .store
        .list_users(&p.scope, &filter, &page_req(q.limit, q.cursor))
        .await?;
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
    let p = auth.require(Action::ReadUsers)?;
    Ok(Json(
        state.store.get_user(&p.scope, &path_id(&id)?).await?.into(),
    ))
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
    let p = auth.require(Action::ManageUsers)?;
    let new_email = b.email.as_deref().map(|e| email("email", e)).transpose()?;
    let new_name = b
        .name
        .as_deref()
        .map(|n| required("name", n, SHORT_TEXT))
        .transpose()?;
    let new_hash = b.password.as_deref().map(password).transpose()?;
    let m = state
        .store
        .update_user(&p.scope, &p.actor(), &path_id(&id)?, |u| {
            if let Some(e) = new_email {
                u.email = e;
            }
            if let Some(n) = new_name {
                u.name = n;
            }
            if let Some(r) = b.role {
                u.role = r.as_str().into();
            }
            if let Some(h) = new_hash {
                u.password_hash = Some(h);
            }
            if let Some(a) = b.active {
                u.active = a;
            }
            Ok(())
        })
        .await?;
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
    let p = auth.require(Action::ManageUsers)?;
    state
        .store
        .update_user(&p.scope, &p.actor(), &path_id(&id)?, |u| {
            u.active = false;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
