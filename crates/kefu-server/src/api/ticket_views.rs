//! Ticket views with counts (`/api/v1/ticket-views`; the list takes `?view=`), the handler
//! chooser (`/api/v1/tickets/{id}/candidates`: people and departments with their load) and
//! bulk actions (`/api/v1/tickets/bulk`).

use super::{ApiJson, opt_id, path_id};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_model::{Action, TicketState};
use kefu_store::WorkspaceScope;
use kefu_store::tickets::TicketFilter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ticket-views", get(views))
        .route("/tickets/{id}/candidates", get(candidates))
        .route("/tickets/bulk", post(bulk))
}

/// The standard views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Mine,
    Unassigned,
    MyGroups,
    Escalated,
    BreachingSoon,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Mine,
        View::Unassigned,
        View::MyGroups,
        View::Escalated,
        View::BreachingSoon,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::MyGroups => "my_groups",
            View::Escalated => "escalated",
            View::BreachingSoon => "breaching_soon",
        }
    }
}

/// Narrows `f` to `view` for `user_id` (only tickets that are neither resolved nor closed).
pub async fn apply_view(
    state: &AppState,
    scope: &WorkspaceScope,
    user_id: &str,
    view: View,
    f: &mut TicketFilter,
) -> Result<(), ApiError> {
    f.active = true;
    match view {
        View::Mine => f.assignee_id = Some(user_id.to_owned()),
        View::Unassigned => f.unassigned = true,
        View::MyGroups => f.group_ids = Some(state.store.user_team_ids(scope, user_id).await?),
        View::Escalated => f.state = Some(TicketState::Escalated),
        View::BreachingSoon => {
            f.ids = Some(super::sla::breaching_ids(state, scope, chrono::Utc::now()).await?)
        }
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewCount {
    /// `mine`, `unassigned`, `my_groups`, `escalated` or `breaching_soon`.
    pub view: String,
    pub count: u64,
}

/// The caller's views with their counts (open tickets only).
pub async fn view_counts(
    state: &AppState,
    scope: &WorkspaceScope,
    user_id: &str,
) -> Result<Vec<ViewCount>, ApiError> {
    let [mine, unassigned, groups, escalated] =
        state.store.ticket_view_counts(scope, user_id).await?;
    let breaching = super::sla::breaching_ids(state, scope, chrono::Utc::now())
        .await?
        .len() as u64;
    Ok(View::ALL
        .into_iter()
        .zip([mine, unassigned, groups, escalated, breaching])
        .map(|(v, count)| ViewCount {
            view: v.as_str().into(),
            count,
        })
        .collect())
}

/// The caller's ticket views with counts.
#[utoipa::path(get, path = "/api/v1/ticket-views", tag = "tickets",
    responses((status = 200, body = Vec<ViewCount>)))]
pub async fn views(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ViewCount>>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let user = p.actor().user_id.unwrap_or_default();
    Ok(Json(view_counts(&state, &p.scope, &user).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub user_id: String,
    pub name: String,
    pub role: String,
    /// The departments (teams) the person belongs to.
    pub teams: Vec<String>,
    pub open_tickets: u64,
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
    /// Least loaded first.
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
    let p = auth.require(Action::ReadTickets)?;
    state.store.get_ticket(&p.scope, &path_id(&id)?).await?;
    let (people, teams) = state.store.handler_candidates(&p.scope).await?;
    Ok(Json(CandidatesOut {
        people: people
            .into_iter()
            .map(|c| CandidateOut {
                user_id: c.user_id,
                name: c.name,
                role: c.role,
                teams: c.teams,
                open_tickets: c.open_tickets,
            })
            .collect(),
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
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Option<String>>,
    /// Move each ticket to this state.
    #[schema(value_type = Option<String>)]
    pub to: Option<TicketState>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkItemOut {
    pub id: String,
    pub ok: bool,
    /// The problem code when not ok (e.g. `invalid_transition`, `not_found`).
    pub code: Option<String>,
}

/// Apply one change to many tickets; each ticket succeeds or fails on its own (each change
/// in its own audited transaction).
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", request_body = BulkIn,
    responses((status = 200, body = Vec<BulkItemOut>), (status = 422)))]
pub async fn bulk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<BulkIn>,
) -> Result<Json<Vec<BulkItemOut>>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    if b.ids.len() > 200 {
        return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "ids".into(),
            reason: kefu_model::error::FieldProblem::TooMany,
        }));
    }
    let assignee = b
        .assignee_id
        .map(|v| opt_id("assignee_id", v))
        .transpose()?;
    let group = b.group_id.map(|v| opt_id("group_id", v)).transpose()?;
    let mut out = Vec::with_capacity(b.ids.len());
    for raw in b.ids {
        let r: Result<(), ApiError> = async {
            let id = path_id(&raw)?;
            if assignee.is_some() || group.is_some() {
                let (a, g) = (assignee.clone(), group.clone());
                state
                    .store
                    .update_ticket(&p.scope, &p.actor(), &id, |f| {
                        if let Some(a) = a {
                            f.assignee_id = a;
                        }
                        if let Some(g) = g {
                            f.group_id = g;
                        }
                    })
                    .await?;
            }
            if let Some(to) = b.to {
                state
                    .store
                    .transition_ticket(&p.scope, &p.actor(), &id, to, &b.reason)
                    .await?;
            }
            let on = super::automations::On::Update;
            super::automations::run_triggers(&state, &p.scope, &p.actor(), &id, on).await?;
            Ok(())
        }
        .await;
        out.push(match r {
            Ok(()) => BulkItemOut {
                id: raw,
                ok: true,
                code: None,
            },
            Err(e) => BulkItemOut {
                id: raw,
                ok: false,
                code: Some(e.problem().code.to_owned()),
            },
        });
    }
    Ok(Json(out))
}
