//! Teams, groups and departments (`/api/v1/teams`) with their members (see
//! `identity::service::teams`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, nullable, page_req};
use crate::identity::service::teams::{self as service, Team, TeamChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
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

impl From<Team> for TeamOut {
    fn from(t: Team) -> Self {
        let m = t.team;
        TeamOut {
            id: m.id,
            name: m.name,
            description: m.description,
            member_ids: t.member_ids,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Create a team.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = TeamIn,
    responses((status = 201, body = TeamOut)))]
pub async fn create_team(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<TeamIn>,
) -> Result<(StatusCode, Json<TeamOut>), ApiError> {
    let t = service::create(&state, &auth, &b.name, b.description, b.member_ids).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// List teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", params(TeamQuery),
    responses((status = 200, body = PageOut<TeamOut>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TeamQuery>,
) -> Result<Json<PageOut<TeamOut>>, ApiError> {
    let page = service::list(&state, &auth, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, TeamOut::from)))
}

/// Get a team.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 200, body = TeamOut), (status = 404)))]
pub async fn get_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TeamOut>, ApiError> {
    Ok(Json(service::get(&state, &auth, &id).await?.into()))
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
    let c = TeamChange {
        name: b.name,
        description: b.description,
        member_ids: b.member_ids,
    };
    Ok(Json(service::update(&state, &auth, &id, c).await?.into()))
}

/// Delete a team.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams",
    responses((status = 204), (status = 404)))]
pub async fn delete_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
