//! Ticket views with counts (`/api/v1/ticket-views`; the list takes `?view=`), the handler
//! chooser (`/api/v1/tickets/{id}/candidates`: people and departments with their load) and
//! bulk actions (`/api/v1/tickets/bulk`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, opt_id, path_id};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_model::{Action, TicketState};
use kefu_store::WorkspaceScope;
use kefu_store::tickets::ticket::TicketFilter;
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

/// The orders of a ticket list (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest first.
    #[default]
    Created,
    /// Most recently changed first.
    Updated,
    /// Urgent first.
    Priority,
    /// The earliest unmet SLA due time first (breached ones first of all); tickets without
    /// a running target last. Computed from each ticket's history.
    Due,
}

/// At most this many tickets are ordered by due time at once.
pub const DUE_SORT_CAP: u64 = 20_000;

/// The earliest due time among `status`'s unmet targets.
fn next_due(s: &kefu_sla::SlaStatus) -> Option<chrono::DateTime<chrono::Utc>> {
    s.targets()
        .filter(|t| t.met_at.is_none())
        .map(|t| t.due)
        .min()
}

/// One page of the tickets matching `f` in order `sort`, keyset-paged.
pub async fn list_page(
    state: &AppState,
    scope: &WorkspaceScope,
    f: &TicketFilter,
    sort: Sort,
    page: &kefu_store::PageRequest,
) -> Result<kefu_store::Page<kefu_store::entity::ticket::Model>, ApiError> {
    use kefu_store::tickets::ticket::TicketSort;
    let by = match sort {
        Sort::Created => TicketSort::Created,
        Sort::Updated => TicketSort::Updated,
        Sort::Priority => TicketSort::Priority,
        Sort::Due => return due_page(state, scope, f, page).await,
    };
    Ok(state.store.list_tickets_sorted(scope, f, by, page).await?)
}

async fn due_page(
    state: &AppState,
    scope: &WorkspaceScope,
    f: &TicketFilter,
    page: &kefu_store::PageRequest,
) -> Result<kefu_store::Page<kefu_store::entity::ticket::Model>, ApiError> {
    let ids = state
        .store
        .ticket_ids_matching(scope, f, DUE_SORT_CAP)
        .await?;
    let set = crate::tickets::api::sla::policy_set(state, scope).await?;
    let now = state.store.now();
    // (due in ns, or i64::MAX without one; id) ascending by due, newest first on ties.
    let mut keyed: Vec<(i64, String)> = vec![];
    let mut seen = std::collections::HashSet::new();
    if let Some(set) = &set {
        for h in state.store.ticket_histories(scope, &ids).await? {
            let due = kefu_sla::evaluate(&crate::tickets::api::sla::events(&h), set, now)
                .ok()
                .as_ref()
                .and_then(next_due)
                .and_then(|d| d.timestamp_nanos_opt())
                .unwrap_or(i64::MAX);
            seen.insert(h.ticket.id.clone());
            keyed.push((due, h.ticket.id));
        }
    }
    keyed.extend(
        ids.into_iter()
            .filter(|i| !seen.contains(i))
            .map(|i| (i64::MAX, i)),
    );
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
    let start = match page.after()? {
        None => 0,
        Some(c) => {
            let (k, id) = c.split_once('|').ok_or(kefu_store::StoreError::BadCursor)?;
            let k: i64 = k.parse().map_err(|_| kefu_store::StoreError::BadCursor)?;
            // The first entry after (k, id) in the order above.
            keyed.partition_point(|(d, i)| *d < k || (*d == k && i.as_str() >= id))
        }
    };
    let limit = page.limit() as usize;
    let slice: Vec<(i64, String)> = keyed.iter().skip(start).take(limit).cloned().collect();
    let more = start + slice.len() < keyed.len();
    let chosen: Vec<String> = slice.iter().map(|x| x.1.clone()).collect();
    let mut rows = state
        .store
        .list_tickets(
            scope,
            &TicketFilter {
                ids: Some(chosen.clone()),
                ..Default::default()
            },
            &kefu_store::PageRequest {
                limit: Some(kefu_store::page::MAX_LIMIT),
                cursor: None,
            },
        )
        .await?
        .items;
    rows.sort_by_key(|t| chosen.iter().position(|c| *c == t.id));
    let next_cursor = match (more, slice.last()) {
        (true, Some((d, id))) => Some(kefu_store::page::cursor_of(&format!("{d}|{id}"))),
        _ => None,
    };
    Ok(kefu_store::Page {
        items: rows,
        next_cursor,
    })
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
            f.ids = Some(
                crate::tickets::api::sla::breaching_ids(state, scope, state.store.now()).await?,
            )
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
    let breaching = crate::tickets::api::sla::breaching_ids(state, scope, state.store.now())
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillOut {
    /// A category name, a ticket type or any label.
    pub skill: String,
    /// 1 (basic) to 5 (expert).
    pub level: i32,
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

/// The people who can take ticket `id`, best fit first: the highest matching skill level,
/// then the lightest open load, then the name.
pub async fn ranked_candidates(
    state: &AppState,
    scope: &WorkspaceScope,
    id: &str,
) -> Result<(Vec<CandidateOut>, Vec<kefu_store::tickets::views::TeamLoad>), ApiError> {
    let t = state.store.get_ticket(scope, id).await?;
    let mut labels = vec![t.ticket_type.to_lowercase()];
    if let Some(c) = state.store.ticket_category(scope, id).await? {
        let all = state.store.categories(scope).await?;
        let mut at = Some(c);
        let mut hops = 0;
        while let Some(cid) = at.take()
            && hops < 32
        {
            hops += 1;
            if let Some(cat) = all.iter().find(|x| x.id == cid) {
                labels.push(cat.name.to_lowercase());
                at = cat.parent_id.clone();
            }
        }
    }
    let (people, teams) = state.store.handler_candidates(scope).await?;
    let mut out: Vec<CandidateOut> = people
        .into_iter()
        .map(|c| {
            let skills: Vec<SkillOut> = c
                .skills
                .into_iter()
                .map(|(skill, level)| SkillOut { skill, level })
                .collect();
            let matching: Vec<SkillOut> = skills
                .iter()
                .filter(|s| labels.contains(&s.skill.to_lowercase()))
                .cloned()
                .collect();
            CandidateOut {
                match_level: matching.iter().map(|s| s.level).max().unwrap_or(0),
                user_id: c.user_id,
                name: c.name,
                role: c.role,
                teams: c.teams,
                open_tickets: c.open_tickets,
                skills,
                matching,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.match_level
            .cmp(&a.match_level)
            .then(a.open_tickets.cmp(&b.open_tickets))
            .then(a.name.cmp(&b.name))
    });
    Ok((out, teams))
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
    let p = auth.require(Action::ReadTickets)?;
    let (people, teams) = ranked_candidates(&state, &p.scope, &path_id(&id)?).await?;
    Ok(Json(CandidatesOut {
        people,
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
    let change = crate::tickets::service::BulkChange {
        ids: b.ids,
        assignee_id: b
            .assignee_id
            .map(|v| opt_id("assignee_id", v))
            .transpose()?,
        group_id: b.group_id.map(|v| opt_id("group_id", v)).transpose()?,
        to: b.to,
        reason: b.reason,
        macro_id: b.macro_id,
    };
    let out = crate::tickets::service::bulk(&state, &auth, change)
        .await?
        .into_iter()
        .map(|(id, r)| BulkItemOut {
            id,
            ok: r.is_ok(),
            code: r.err().map(|e| e.into_problem().code.to_owned()),
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

/// The supervisor overview: counts per group, and a page of the groups' open tickets,
/// earliest SLA due time first (so breached and breaching tickets lead).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub groups: Vec<GroupCountOut>,
    pub tickets: crate::http::PageOut<crate::tickets::api::tickets::TicketOut>,
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

/// The overview for `user_id` (see [`OverviewOut`]).
pub async fn overview_of(
    state: &AppState,
    scope: &WorkspaceScope,
    user_id: &str,
    group_id: Option<String>,
    page: &kefu_store::PageRequest,
) -> Result<OverviewOut, ApiError> {
    let mine = state.store.user_team_ids(scope, user_id).await?;
    let groups: Option<Vec<String>> = match group_id {
        Some(g) => Some(vec![g]),
        None if !mine.is_empty() => Some(mine),
        None => None,
    };
    let breaching =
        crate::tickets::api::sla::breaching_ids(state, scope, state.store.now()).await?;
    let (_, loads) = state.store.handler_candidates(scope).await?;
    let name_of = |g: &Option<String>| {
        g.as_ref()
            .and_then(|g| loads.iter().find(|l| &l.team_id == g))
            .map(|l| l.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let mut out: Vec<GroupCountOut> = vec![];
    for (g, open, escalated) in state.store.ticket_group_counts(scope).await? {
        if groups
            .as_ref()
            .is_some_and(|gs| !g.as_ref().is_some_and(|g| gs.contains(g)))
        {
            continue;
        }
        out.push(GroupCountOut {
            name: name_of(&g),
            team_id: g,
            open,
            escalated,
            breaching: 0,
        });
    }
    // Groups without open tickets are shown too.
    for l in &loads {
        let wanted = groups.as_ref().is_none_or(|gs| gs.contains(&l.team_id));
        if wanted && !out.iter().any(|o| o.team_id.as_deref() == Some(&l.team_id)) {
            out.push(GroupCountOut {
                team_id: Some(l.team_id.clone()),
                name: l.name.clone(),
                open: 0,
                escalated: 0,
                breaching: 0,
            });
        }
    }
    if !breaching.is_empty() {
        let f = TicketFilter {
            ids: Some(breaching.clone()),
            ..Default::default()
        };
        let all = kefu_store::PageRequest {
            limit: Some(kefu_store::page::MAX_LIMIT),
            cursor: None,
        };
        let mut cursor = None;
        loop {
            let p = state
                .store
                .list_tickets(
                    scope,
                    &f,
                    &kefu_store::PageRequest {
                        cursor: cursor.clone(),
                        ..all.clone()
                    },
                )
                .await?;
            for t in &p.items {
                if let Some(o) = out.iter_mut().find(|o| o.team_id == t.group_id) {
                    o.breaching += 1;
                }
            }
            cursor = p.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let f = TicketFilter {
        active: true,
        group_ids: groups,
        ..Default::default()
    };
    let page = list_page(state, scope, &f, Sort::Due, page).await?;
    let flagged = page
        .items
        .iter()
        .filter(|t| breaching.contains(&t.id))
        .map(|t| t.id.clone())
        .collect();
    Ok(OverviewOut {
        groups: out,
        tickets: crate::http::PageOut::map(page, crate::tickets::api::tickets::TicketOut::from),
        breaching: flagged,
    })
}

/// The supervisor overview (部门主管): open, escalated and breaching counts per group, and
/// the groups' open tickets, paged, earliest SLA due first.
#[utoipa::path(get, path = "/api/v1/tickets/overview", tag = "tickets", params(OverviewQuery),
    responses((status = 200, body = OverviewOut)))]
pub async fn overview(
    State(state): State<AppState>,
    auth: Auth,
    crate::http::ApiQuery(q): crate::http::ApiQuery<OverviewQuery>,
) -> Result<Json<OverviewOut>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let user = p.actor().user_id.unwrap_or_default();
    let group = opt_id("group_id", q.group_id)?;
    if let Some(g) = &group {
        state.store.get_team(&p.scope, g).await?;
    }
    let page = crate::http::page_req(q.limit, q.cursor);
    Ok(Json(
        overview_of(&state, &p.scope, &user, group, &page).await?,
    ))
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

fn skills_out(v: Vec<(String, i32)>) -> SkillsOut {
    SkillsOut {
        skills: v
            .into_iter()
            .map(|(skill, level)| SkillOut { skill, level })
            .collect(),
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
    let p = auth.require(Action::ReadUsers)?;
    let v = state.store.user_skills(&p.scope, &path_id(&id)?).await?;
    Ok(Json(skills_out(v)))
}

/// Replace a user's skills (levels 1–5, names unique); supervisors and admins. Audited
/// `skills_set`.
#[utoipa::path(put, path = "/api/v1/users/{id}/skills", tag = "tickets", request_body = SkillsIn,
    responses((status = 200, body = SkillsOut), (status = 404), (status = 422)))]
pub async fn put_skills(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SkillsIn>,
) -> Result<Json<SkillsOut>, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let skills: Vec<(String, i32)> = b.skills.into_iter().map(|s| (s.skill, s.level)).collect();
    let v = state
        .store
        .set_user_skills(&p.scope, &p.actor(), &path_id(&id)?, &skills)
        .await?;
    Ok(Json(skills_out(v)))
}
