//! Ticket lists and views: the list with its filters, views (`mine`, `unassigned`,
//! `my_groups`, `escalated`, `breaching_soon`) and orders (including by SLA due time), the
//! views' counts, the supervisor overview, the handler chooser (people and departments with
//! their load, best fit first) and people's skills.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::{Action, Priority, TicketState, TicketType};
use kefu_sla::SlaStatus;
use kefu_store::entity::ticket;
use kefu_store::tickets::ticket::TicketFilter;
use kefu_store::tickets::views::TeamLoad;
use kefu_store::{Page, PageRequest, WorkspaceScope};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    /// The view named `s`, if any.
    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
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

/// A list request: filters (ids as given), a view, an order and a page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub state: Option<TicketState>,
    pub priority: Option<Priority>,
    pub ticket_type: Option<TicketType>,
    pub customer_id: Option<String>,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub tag: Option<String>,
    pub category_id: Option<String>,
    /// Narrow to one of the caller's views.
    pub view: Option<View>,
    pub sort: Sort,
    pub page: PageRequest,
}

/// One page of the tickets `q` selects, in its order.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    q: ListQuery,
) -> Result<Page<ticket::Model>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let mut filter = TicketFilter {
        state: q.state,
        priority: q.priority,
        ticket_type: q.ticket_type,
        customer_id: opt_id("customer_id", q.customer_id)?,
        assignee_id: opt_id("assignee_id", q.assignee_id)?,
        group_id: opt_id("group_id", q.group_id)?,
        tag: q.tag,
        category_id: opt_id("category_id", q.category_id)?,
        ..Default::default()
    };
    if let Some(v) = q.view {
        apply_view(state, &p.scope, &p.user_id, v, &mut filter).await?;
    }
    list_page(state, &p.scope, &filter, q.sort, &q.page).await
}

/// [`list`] with the SLA status now of each ticket of the page (none without policies).
pub async fn list_with_sla(
    state: &AppState,
    auth: &Auth,
    q: ListQuery,
) -> Result<(Page<ticket::Model>, HashMap<String, SlaStatus>), ApiError> {
    let page = list(state, auth, q).await?;
    let scope = &auth.0.scope;
    let sla = match super::sla::policy_set(state, scope).await? {
        Some(set) => {
            let ids: Vec<String> = page.items.iter().map(|t| t.id.clone()).collect();
            super::sla::status_map(state, scope, &set, &ids).await?
        }
        None => HashMap::new(),
    };
    Ok((page, sla))
}

/// The earliest due time among `status`'s unmet targets.
fn next_due(s: &SlaStatus) -> Option<chrono::DateTime<chrono::Utc>> {
    s.targets()
        .filter(|t| t.met_at.is_none())
        .map(|t| t.due)
        .min()
}

/// One page of the tickets matching `f` in order `sort`, keyset-paged.
async fn list_page(
    state: &AppState,
    scope: &WorkspaceScope,
    f: &TicketFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<ticket::Model>, ApiError> {
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
    page: &PageRequest,
) -> Result<Page<ticket::Model>, ApiError> {
    let ids = state
        .store
        .ticket_ids_matching(scope, f, DUE_SORT_CAP)
        .await?;
    let set = super::sla::policy_set(state, scope).await?;
    let now = state.store.now();
    // (due in ns, or i64::MAX without one; id) ascending by due, newest first on ties.
    let mut keyed: Vec<(i64, String)> = vec![];
    let mut seen = std::collections::HashSet::new();
    if let Some(set) = &set {
        for h in state.store.ticket_histories(scope, &ids).await? {
            let due = super::sla::evaluate(&h, set, now)
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
            &PageRequest {
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
    Ok(Page {
        items: rows,
        next_cursor,
    })
}

/// Narrows `f` to `view` for `user_id` (only tickets that are neither resolved nor closed).
async fn apply_view(
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
            f.ids = Some(super::sla::breaching_ids(state, scope, state.store.now()).await?)
        }
    }
    Ok(())
}

/// The caller's views with their counts (open tickets only), in [`View::ALL`] order.
pub async fn counts(state: &AppState, auth: &Auth) -> Result<Vec<(View, u64)>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let [mine, unassigned, groups, escalated] =
        state.store.ticket_view_counts(&p.scope, &p.user_id).await?;
    let breaching = super::sla::breaching_ids(state, &p.scope, state.store.now())
        .await?
        .len() as u64;
    Ok(View::ALL
        .into_iter()
        .zip([mine, unassigned, groups, escalated, breaching])
        .collect())
}

/// A skill and its level (1 basic … 5 expert).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// A category name, a ticket type or any label.
    pub skill: String,
    pub level: i32,
}

/// Someone who can take a ticket, with their fit and load.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: String,
    pub name: String,
    pub role: String,
    /// The departments (teams) the person belongs to.
    pub teams: Vec<String>,
    pub open_tickets: u64,
    /// All the person's skills.
    pub skills: Vec<Skill>,
    /// The skills that fit the ticket: its type, its category or a parent category.
    pub matching: Vec<Skill>,
    /// The highest level among `matching` (0: none).
    pub match_level: i32,
}

/// The people who can take ticket `id`, best fit first (the highest matching skill level,
/// then the lightest open load, then the name), and the departments with their load.
pub async fn candidates(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<(Vec<Candidate>, Vec<TeamLoad>), ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let (scope, id) = (&p.scope, path_id(id)?);
    let t = state.store.get_ticket(scope, &id).await?;
    let mut labels = vec![t.ticket_type.as_str().to_owned()];
    if let Some(c) = state.store.ticket_category(scope, &id).await? {
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
    let mut out: Vec<Candidate> = people
        .into_iter()
        .map(|c| {
            let skills: Vec<Skill> = c
                .skills
                .into_iter()
                .map(|(skill, level)| Skill { skill, level })
                .collect();
            let matching: Vec<Skill> = skills
                .iter()
                .filter(|s| labels.contains(&s.skill.to_lowercase()))
                .cloned()
                .collect();
            Candidate {
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

/// One group (department) of the supervisor overview.
#[derive(Debug, Clone)]
pub struct GroupCount {
    /// `None`: tickets without a group.
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
pub struct Overview {
    pub groups: Vec<GroupCount>,
    pub tickets: Page<ticket::Model>,
    /// Ids of the page's tickets that are breaching (warning or breached).
    pub breaching: Vec<String>,
}

/// The overview (部门主管) of group `group_id` (as given; it must exist), else of the caller's
/// groups, or of every group if they have none.
pub async fn overview(
    state: &AppState,
    auth: &Auth,
    group_id: Option<String>,
    page: &PageRequest,
) -> Result<Overview, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let scope = &p.scope;
    let group_id = opt_id("group_id", group_id)?;
    if let Some(g) = &group_id {
        state.store.get_team(scope, g).await?;
    }
    let mine = state.store.user_team_ids(scope, &p.user_id).await?;
    let groups: Option<Vec<String>> = match group_id {
        Some(g) => Some(vec![g]),
        None if !mine.is_empty() => Some(mine),
        None => None,
    };
    let breaching = super::sla::breaching_ids(state, scope, state.store.now()).await?;
    let (_, loads) = state.store.handler_candidates(scope).await?;
    let name_of = |g: &Option<String>| {
        g.as_ref()
            .and_then(|g| loads.iter().find(|l| &l.team_id == g))
            .map(|l| l.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let mut out: Vec<GroupCount> = vec![];
    for (g, open, escalated) in state.store.ticket_group_counts(scope).await? {
        if groups
            .as_ref()
            .is_some_and(|gs| !g.as_ref().is_some_and(|g| gs.contains(g)))
        {
            continue;
        }
        out.push(GroupCount {
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
            out.push(GroupCount {
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
        let mut cursor = None;
        loop {
            let p = state
                .store
                .list_tickets(
                    scope,
                    &f,
                    &PageRequest {
                        limit: Some(kefu_store::page::MAX_LIMIT),
                        cursor: cursor.clone(),
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
    let tickets = list_page(state, scope, &f, Sort::Due, page).await?;
    let flagged = tickets
        .items
        .iter()
        .filter(|t| breaching.contains(&t.id))
        .map(|t| t.id.clone())
        .collect();
    Ok(Overview {
        groups: out,
        tickets,
        breaching: flagged,
    })
}

/// User `id`'s skills (what the handler chooser matches against a ticket's type and
/// category), by name.
pub async fn skills(state: &AppState, auth: &Auth, id: &str) -> Result<Vec<Skill>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    let v = state.store.user_skills(&p.scope, &path_id(id)?).await?;
    Ok(skills_of(v))
}

/// Replaces user `id`'s skills (levels 1–5, names unique); supervisors and admins.
pub async fn set_skills(
    state: &AppState,
    auth: &Auth,
    id: &str,
    skills: Vec<Skill>,
) -> Result<Vec<Skill>, ApiError> {
    let p = auth.require(Action::ManageTeams)?;
    let pairs: Vec<(String, i32)> = skills.into_iter().map(|s| (s.skill, s.level)).collect();
    let id = path_id(id)?;
    let clean = kefu_store::tickets::views::clean_skills(&pairs)?;
    // A live agent's skills change with their routing, in one step.
    if crate::live::service::set_agent_skills(state, &p.scope, &p.actor(), &id, &clean).await? {
        return Ok(skills_of(clean));
    }
    let v = state
        .store
        .set_user_skills(&p.scope, &p.actor(), &id, &clean)
        .await?;
    Ok(skills_of(v))
}

fn skills_of(v: Vec<(String, i32)>) -> Vec<Skill> {
    v.into_iter()
        .map(|(skill, level)| Skill { skill, level })
        .collect()
}
