//! Users: agents and every other staff role. Admins manage them; deleting a user deactivates
//! it (its history stays) and its tokens stop working.

use crate::AppState;
use crate::auth::{Auth, hash_password};
use crate::error::ApiError;
use crate::http::path_id;
use kefu_model::validate::{SHORT_TEXT, email, required};
use kefu_model::{Action, Role};
use kefu_store::entity::user;
use kefu_store::identity::workspaces::{NewUser, UserFilter};
use kefu_store::{Page, PageRequest};

/// The hash of a new password (8 to 1024 bytes).
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

/// Creates a user (without a password it cannot sign in); 409 `email_taken`.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    email: String,
    name: String,
    role: Role,
    password_text: Option<&str>,
) -> Result<user::Model, ApiError> {
    let p = auth.require(Action::ManageUsers)?;
    let password_hash = password_text.map(password).transpose()?;
    let new = NewUser {
        email,
        name,
        role,
        password_hash,
    };
    Ok(state.store.create_user(&p.scope, &p.actor(), new).await?)
}

/// One page of the users `filter` selects.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    filter: UserFilter,
    page: &PageRequest,
) -> Result<Page<user::Model>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    Ok(state.store.list_users(&p.scope, &filter, page).await?)
}

/// User `id`.
pub async fn get(state: &AppState, auth: &Auth, id: &str) -> Result<user::Model, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    Ok(state.store.get_user(&p.scope, &path_id(id)?).await?)
}

/// A change of a user: each `Some` is applied.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
    pub active: Option<bool>,
}

/// Changes user `id`.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    c: UserChange,
) -> Result<user::Model, ApiError> {
    let p = auth.require(Action::ManageUsers)?;
    let new_email = c.email.as_deref().map(|e| email("email", e)).transpose()?;
    let new_name = c
        .name
        .as_deref()
        .map(|n| required("name", n, SHORT_TEXT))
        .transpose()?;
    let new_hash = c.password.as_deref().map(password).transpose()?;
    Ok(state
        .store
        .update_user(&p.scope, &p.actor(), &path_id(id)?, |u| {
            if let Some(e) = new_email {
                u.email = e;
            }
            if let Some(n) = new_name {
                u.name = n;
            }
            if let Some(r) = c.role {
                u.role = r.as_str().into();
            }
            if let Some(h) = new_hash {
                u.password_hash = Some(h);
            }
            if let Some(a) = c.active {
                u.active = a;
            }
            Ok(())
        })
        .await?)
}

/// Deactivates user `id` (its history stays; its tokens stop working).
pub async fn deactivate(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageUsers)?;
    state
        .store
        .update_user(&p.scope, &p.actor(), &path_id(id)?, |u| {
            u.active = false;
            Ok(())
        })
        .await?;
    Ok(())
}
