//! Ticket views with counts (`/api/v1/ticket-views`; the list takes `?view=`), the handler
//! chooser (`/api/v1/tickets/{id}/candidates`: people and departments with their load), bulk
//! actions (`/api/v1/tickets/bulk`), the supervisor overview and people's skills. The logic
//! is `tickets::service::views` and `tickets::service::bulk`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, page_req};
use crate::tickets::api::tickets::TicketOut;
use crate::tickets::service::views::{self as service, Candidate, GroupCount, Skill};
use crate::tickets::service::{self as tickets, BulkChange};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_model::TicketState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ticket-views", get(views))
        .route("/tickets/{id}/candidates", get(candidates))
        .route("/tickets/bulk", post(bulk))
        .route("/tickets/overview", get(overview))
        .route("/users/{id}/skills", get(get_skills).put(put_skills))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewCount {
    /// `mine`, `unassigned`, `my_groups`, `escalated` or `breaching_soon`.
    pub view: String,
    pub count: u64,
}

/// The caller's ticket views with counts.
#[utoipa::path(get, path = "/api/v1/ticket-views", tag = "tickets",
    responses((status = 200, body = Vec<ViewCount>)))]
pub async fn views(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ViewCount>>, ApiError> {
    let counts = service::counts(&state, &auth).await?;
    Ok(Json(
        counts
            .into_iter()
            .map(|(v, count)| ViewCount {
                view: v.as_str().into(),
                count,
            })
            .collect(),
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillOut {
    /// A category name, a ticket type or any label.
    pub skill: String,
    /// 1 (basic) to 5 (expert).
    pub level: i32,
}

impl From<Skill> for SkillOut {
    fn from(s: Skill) -> Self {
        SkillOut {
            skill: s.skill,
            level: s.level,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub user_id: String,
    pub name: String,
    pub role: String,
    /// The departments (teams) the person belongs to.
    pub teams: Vec<String>,
    pub open_tickets: u64,
    /// All the person's skills.
    pub skills: Vec<SkillOut>,
    /// The skills that fit this ticket: its type, its category or a parent category.
    pub matching: Vec<SkillOut>,
    /// The highest level among `matching` (0: none).
    pub match_level: i32,
}

impl From<Candidate> for CandidateOut {
    fn from(c: Candidate) -> Self {
        CandidateOut {
            user_id: c.user_id,
            name: c.name,
            role: c.role,
            teams: c.teams,
            open_tickets: c.open_tickets,
            skills: c.skills.into_iter().map(SkillOut::from).collect(),
            matching: c.matching.into_iter().map(SkillOut::from).collect(),
            match_level: c.match_level,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamLoadOut {
    pub team_id: String,
    pub name: String,
    pub members: u64,
    pub open_tickets: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatesOut {
    /// Best fit first: matching skill level, then load.
    pub people: Vec<CandidateOut>,
    pub teams: Vec<TeamLoadOut>,
}

/// Who can take this ticket: people and departments with their current load.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/candidates", tag = "tickets",
    responses((status = 200, body = CandidatesOut), (status = 404)))]
pub async fn candidates(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CandidatesOut>, ApiError> {
    let (people, teams) = service::candidates(&state, &auth, &id).await?;
    Ok(Json(CandidatesOut {
        people: people.into_iter().map(CandidateOut::from).collect(),
        teams: teams
            .into_iter()
            .map(|t| TeamLoadOut {
                team_id: t.team_id,
                name: t.name,
                members: t.members,
                open_tickets: t.open_tickets,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkIn {
    /// At most 200 tickets.
    pub ids: Vec<String>,
    /// Assign (`null` unassigns).
    #[serde(default, deserialize_with = "crate::http::nullable")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::nullable")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Option<String>>,
    /// Move each ticket to this state.
    #[schema(value_type = Option<String>)]
    pub to: Option<TicketState>,
    #[serde(default)]
    pub reason: String,
    /// Then apply this macro to each ticket.
    pub macro_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkItemOut {
    pub id: String,
    pub ok: bool,
    /// The problem code when not ok (e.g. `invalid_transition`, `not_found`).
    pub code: Option<String>,
}

/// Apply one change to many tickets (assignee, group, a transition, a macro); each ticket
/// succeeds or fails on its own, in its own audited transaction.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", request_body = BulkIn,
    responses((status = 200, body = Vec<BulkItemOut>), (status = 422)))]
pub async fn bulk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<BulkIn>,
) -> Result<Json<Vec<BulkItemOut>>, ApiError> {
    let change = BulkChange {
        ids: b.ids,
        assignee_id: b.assignee_id,
        group_id: b.group_id,
        to: b.to,
        reason: b.reason,
        macro_id: b.macro_id,
    };
    let out = tickets::bulk(&state, &auth, change)
        .await?
        .into_iter()
        .map(|(id, r)| BulkItemOut {
            id,
            ok: r.is_ok(),
            code: r.err().map(|p| p.code.to_owned()),
        })
        .collect();
    Ok(Json(out))
}

/// One group (department) of the supervisor overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupCountOut {
    /// `null`: tickets without a group.
    pub team_id: Option<String>,
    pub name: String,
    /// Neither resolved nor closed.
    pub open: u64,
    pub escalated: u64,
    /// With an unmet SLA target in warning or breached.
    pub breaching: u64,
}

impl From<GroupCount> for GroupCountOut {
    fn from(g: GroupCount) -> Self {
        GroupCountOut {
            team_id: g.team_id,
            name: g.name,
            open: g.open,
            escalated: g.escalated,
            breaching: g.breaching,
        }
    }
}

/// The supervisor overview: counts per group, and a page of the groups' open tickets,
/// earliest SLA due time first (so breached and breaching tickets lead).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub groups: Vec<GroupCountOut>,
    pub tickets: PageOut<TicketOut>,
    /// Ids of the page's tickets that are breaching (warning or breached).
    pub breaching: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// One group; default: the caller's groups, or every group if they have none.
    pub group_id: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The supervisor overview (部门主管): open, escalated and breaching counts per group, and
/// the groups' open tickets, paged, earliest SLA due first.
#[utoipa::path(get, path = "/api/v1/tickets/overview", tag = "tickets", params(OverviewQuery),
    responses((status = 200, body = OverviewOut)))]
pub async fn overview(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<OverviewQuery>,
) -> Result<Json<OverviewOut>, ApiError> {
    let page = page_req(q.limit, q.cursor);
    let o = service::overview(&state, &auth, q.group_id, &page).await?;
    Ok(Json(OverviewOut {
        groups: o.groups.into_iter().map(GroupCountOut::from).collect(),
        tickets: PageOut::map(o.tickets, TicketOut::from),
        breaching: o.breaching,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillsIn {
    pub skills: Vec<SkillOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkillsOut {
    pub skills: Vec<SkillOut>,
}

fn skills_out(v: Vec<Skill>) -> SkillsOut {
    SkillsOut {
        skills: v.into_iter().map(SkillOut::from).collect(),
    }
}

/// A user's skills (what the handler chooser matches against a ticket's type and category).
#[utoipa::path(get, path = "/api/v1/users/{id}/skills", tag = "tickets",
    responses((status = 200, body = SkillsOut), (status = 404)))]
pub async fn get_skills(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<SkillsOut>, ApiError> {
    Ok(Json(skills_out(service::skills(&state, &auth, &id).await?)))
}

/// Replace a user's skills (levels 1–5, names unique); supervisors and admins. Audited
/// `skills_set` (`agent_set` for a live agent, whose routing changes with them at once).
#[utoipa::path(put, path = "/api/v1/users/{id}/skills", tag = "tickets", request_body = SkillsIn,
    responses((status = 200, body = SkillsOut), (status = 404), (status = 422)))]
pub async fn put_skills(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SkillsIn>,
) -> Result<Json<SkillsOut>, ApiError> {
    let skills = b
        .skills
        .into_iter()
        .map(|s| Skill {
            skill: s.skill,
            level: s.level,
        })
        .collect();
    Ok(Json(skills_out(
        service::set_skills(&state, &auth, &id, skills).await?,
    )))
}
