//! Teams, groups and departments (`/api/v1/teams`) with their members.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, nullable, opt_id, page_req, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_model::Action;
use kefu_model::validate::{LONG_TEXT, SHORT_TEXT, optional, required};
use kefu_store::entity::team;
use kefu_store::identity::teams::TeamFields;
use kefu_store::{Store, WorkspaceScope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teams", get(list_teams).post(create_team))
        .route(
            "/teams/{id}",
            get(get_team).patch(update_team).delete(delete_team),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub member_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub member_ids: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub member_ids: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

async fn out(store: &Store, scope: &WorkspaceScope, m: team::Model) -> Result<TeamOut, ApiError> {
    let member_ids = store.team_members(scope, &m.id).await?;
    Ok(TeamOut {
        id: m.id,
        name: m.name,
        description: m.description,
        member_ids,
        created_at: m.created_at,
        updated_at: m.updated_at,
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

/// Create a team.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = TeamIn,
    responses((status = 201, body = TeamOut)))]
pub async fn create_team(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<TeamIn>,
) -> Result<(StatusCode, Json<TeamOut>), ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let fields = TeamFields {
        name: required("name", &b.name, SHORT_TEXT)?,
        description: description(b.description)?,
    };
    let members = ids(b.member_ids)?;
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
    Ok((
        StatusCode::CREATED,
        Json(out(&state.store, &p.scope, m).await?),
    ))
}

/// List teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", params(TeamQuery),
    responses((status = 200, body = PageOut<TeamOut>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TeamQuery>,
) -> Result<Json<PageOut<TeamOut>>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    let page = state
        .store
        .list_teams(&p.scope, &page_req(q.limit, q.cursor))
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for m in page.items {
        items.push(out(&state.store, &p.scope, m).await?);
    }
    Ok(Json(PageOut {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Get a team.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 200, body = TeamOut), (status = 404)))]
pub async fn get_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TeamOut>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    let m = state.store.get_team(&p.scope, &path_id(&id)?).await?;
    Ok(Json(out(&state.store, &p.scope, m).await?))
}

/// Change a team (name, description, members).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", request_body = TeamPatch,
    responses((status = 200, body = TeamOut), (status = 404)))]
pub async fn update_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TeamPatch>,
) -> Result<Json<TeamOut>, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let id = path_id(&id)?;
    let name = b
        .name
        .as_deref()
        .map(|n| required("name", n, SHORT_TEXT))
        .transpose()?;
    let desc = b.description.map(description).transpose()?;
    let members = b.member_ids.map(ids).transpose()?;
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
    Ok(Json(out(&state.store, &p.scope, m).await?))
}

/// Delete a team.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 204), (status = 404)))]
pub async fn delete_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    state
        .store
        .delete_team(&p.scope, &p.actor(), &path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
