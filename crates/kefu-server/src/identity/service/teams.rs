//! Teams, groups and departments with their members.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_model::validate::{LONG_TEXT, SHORT_TEXT, optional, required};
use kefu_store::entity::team;
use kefu_store::identity::teams::TeamFields;
use kefu_store::{Page, PageRequest, Store, WorkspaceScope};

/// A team with its members' user ids.
pub struct Team {
    pub team: team::Model,
    pub member_ids: Vec<String>,
}

async fn with_members(
    store: &Store,
    scope: &WorkspaceScope,
    m: team::Model,
) -> Result<Team, ApiError> {
    let member_ids = store.team_members(scope, &m.id).await?;
    Ok(Team {
        team: m,
        member_ids,
    })
}

fn ids(v: Vec<String>) -> Result<Vec<String>, ApiError> {
    v.into_iter()
        .map(|i| opt_id("member_ids", Some(i)).map(|o| o.unwrap_or_default()))
        .collect()
}

fn description(d: Option<String>) -> Result<Option<String>, ApiError> {
    Ok(
        d.map(|d| optional("description", &d, LONG_TEXT).map(str::to_owned))
            .transpose()?,
    )
}

/// Creates team `name` with `member_ids` (as given; each must be a user of the workspace).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    name: &str,
    description_text: Option<String>,
    member_ids: Vec<String>,
) -> Result<Team, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let fields = TeamFields {
        name: required("name", name, SHORT_TEXT)?,
        description: description(description_text)?,
    };
    let members = ids(member_ids)?;
    for m in &members {
        state.store.get_user(&p.scope, m).await.map_err(|_| {
            ApiError::Store(kefu_store::StoreError::UnknownReference {
                field: "member_ids",
            })
        })?;
    }
    let m = state
        .store
        .create_team(&p.scope, &p.actor(), fields)
        .await?;
    if !members.is_empty() {
        state
            .store
            .set_team_members(&p.scope, &p.actor(), &m.id, &members)
            .await?;
    }
    with_members(&state.store, &p.scope, m).await
}

/// One page of the teams.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    page: &PageRequest,
) -> Result<Page<Team>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    let page = state.store.list_teams(&p.scope, page).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for m in page.items {
        items.push(with_members(&state.store, &p.scope, m).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Team `id`.
pub async fn get(state: &AppState, auth: &Auth, id: &str) -> Result<Team, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    let m = state.store.get_team(&p.scope, &path_id(id)?).await?;
    with_members(&state.store, &p.scope, m).await
}

/// A change of a team: each `Some` is applied (`Some(None)` clears the description;
/// members are replaced).
#[derive(Debug, Clone, Default)]
pub struct TeamChange {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub member_ids: Option<Vec<String>>,
}

/// Changes team `id`.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    c: TeamChange,
) -> Result<Team, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let id = path_id(id)?;
    let name = c
        .name
        .as_deref()
        .map(|n| required("name", n, SHORT_TEXT))
        .transpose()?;
    let desc = c.description.map(description).transpose()?;
    let members = c.member_ids.map(ids).transpose()?;
    state.store.get_team(&p.scope, &id).await?;
    if let Some(members) = &members {
        state
            .store
            .set_team_members(&p.scope, &p.actor(), &id, members)
            .await?;
    }
    let m = if name.is_some() || desc.is_some() {
        state
            .store
            .update_team(&p.scope, &p.actor(), &id, |f| {
                if let Some(n) = name {
                    f.name = n;
                }
                if let Some(d) = desc {
                    f.description = d;
                }
            })
            .await?
    } else {
        state.store.get_team(&p.scope, &id).await?
    };
    with_members(&state.store, &p.scope, m).await
}

/// Deletes team `id`.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    Ok(state
        .store
        .delete_team(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}
