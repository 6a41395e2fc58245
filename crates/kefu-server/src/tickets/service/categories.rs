//! The ticket category tree and each ticket's category.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_store::entity::ticket_category;

/// A category with the names from the root down to it.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub path: Vec<String>,
}

/// The tree of `all`, flat, in path order.
fn tree(all: Vec<ticket_category::Model>) -> Vec<Category> {
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
    let mut out: Vec<Category> = all
        .iter()
        .map(|c| Category {
            id: c.id.clone(),
            parent_id: c.parent_id.clone(),
            name: c.name.clone(),
            path: path(c),
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The category tree, flat, in path order.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<Category>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(tree(state.store.categories(&p.scope).await?))
}

/// Creates category `name` under `parent_id` (as given), or at the root.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    parent_id: Option<String>,
    name: &str,
) -> Result<Category, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let parent = opt_id("parent_id", parent_id)?;
    let m = state
        .store
        .create_category(&p.scope, &p.actor(), parent, name)
        .await?;
    let all = state.store.categories(&p.scope).await?;
    tree(all).into_iter().find(|c| c.id == m.id).ok_or_else(|| {
        ApiError::internal("creating a category", "the new category is not in the tree")
    })
}

/// Deletes a category without subcategories or tickets; 409 `category_in_use`.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    Ok(state
        .store
        .delete_category(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}

/// The category of ticket `id`.
pub async fn of_ticket(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<Option<String>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_category(&p.scope, &path_id(id)?).await?)
}

/// Sets or clears (`None`) the category of ticket `id` (`category_id` as given).
pub async fn set_of_ticket(
    state: &AppState,
    auth: &Auth,
    id: &str,
    category_id: Option<String>,
) -> Result<Option<String>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let c = opt_id("category_id", category_id)?;
    Ok(state
        .store
        .set_ticket_category(&p.scope, &p.actor(), &path_id(id)?, c)
        .await?)
}
