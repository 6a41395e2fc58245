//! The ticket page: fields, SLA timers with warning colours, the conversation (public replies
//! and internal notes), transitions with reason, the handler chooser with each candidate's
//! load, and the complaint panel (analysis, compensation with supervisor approval,
//! follow-up call). Every form posts to a handler that calls the tickets' service, like the
//! API, and redirects back (a refused change comes back translated, see `pages`).

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{FormError, PageError, Tr, Viewer, after_form, non_empty, render};
use crate::tickets::service::complaints::{Analysis, Step};
use crate::tickets::service::sla::SettingsChange;
use crate::tickets::service::views::{Skill, Sort, View};
use crate::tickets::service::{self, TicketChange};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_model::{Action, Channel, TicketState};
use kefu_sla::TargetStatus;
use kefu_store::entity::{ticket, ticket_complaint};
use kefu_store::tickets::complaints::Classification;
use kefu_store::tickets::messages::{AuthorKind, NewMessage};
use serde::Deserialize;

pub struct HistoryRow {
    at: String,
    from: String,
    to: String,
    reason: String,
}

pub struct MessageRow {
    at: String,
    author: String,
    public: bool,
    channel: String,
    body: String,
    attachments: Vec<String>,
}

/// One SLA timer as shown: metric, due time, remaining, colour class.
pub struct Timer {
    metric: &'static str,
    due: String,
    remaining: String,
    class: &'static str,
}

/// One row of the handler chooser's candidate table.
pub struct CandidateRow {
    id: String,
    name: String,
    teams: String,
    /// Skills fitting the ticket (type, category).
    matching: String,
    skills: String,
    open: u64,
}

pub struct Option2 {
    id: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "tickets/ticket.html")]
pub struct TicketPage {
    t: Tr,
    signed_in: bool,
    ticket: ticket::Model,
    customer: Option<(String, String)>,
    next_states: Vec<&'static str>,
    history: Vec<HistoryRow>,
    messages: Vec<MessageRow>,
    timers: Vec<Timer>,
    sla_policy: Option<String>,
    people: Vec<Option2>,
    candidates: Vec<CandidateRow>,
    teams: Vec<Option2>,
    tags: String,
    complaint: Option<ticket_complaint::Model>,
    can_decide: bool,
    macros: Vec<(String, String)>,
    tools: crate::tickets::pages::tools::Tools,
    error: Option<String>,
}

fn remaining(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    format!("{sign}{}:{:02}", s / 3600, (s % 3600) / 60)
}

fn timer(v: &Viewer, metric: &'static str, s: &TargetStatus) -> Timer {
    let class = if s.met_at.is_some() {
        "sla-met"
    } else if s.breached {
        "sla-breached"
    } else if s.paused {
        "sla-paused"
    } else if s.warning {
        "sla-warning"
    } else {
        "sla-ok"
    };
    Timer {
        metric,
        due: v.time(s.due),
        remaining: match s.met_at {
            Some(m) => v.time(m),
            None => remaining(s.remaining_seconds()),
        },
        class,
    }
}

pub async fn ticket_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    FormError(error): FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ReadTickets)?;
    let scope = v.scope().clone();
    let id = crate::http::path_id(&id)?;
    let history = state.store.ticket_history(&scope, &id).await?;
    let ticket = history.ticket.clone();
    let transitions = history.transitions.clone();
    let messages = history.messages.clone();
    let customer = match &ticket.customer_id {
        Some(c) => state
            .store
            .get_customer(&scope, c)
            .await
            .ok()
            .map(|c| (c.id, c.name)),
        None => None,
    };
    let current = ticket.state;
    let mut timers = vec![];
    let mut sla_policy = None;
    if let Some(s) = service::sla::status_of_history(&state, &scope, &history).await? {
        sla_policy = s.policy.clone();
        if let Some(f) = &s.first_response {
            timers.push(timer(&v, "first_response", f));
        }
        if let Some(n) = s.next_response.last() {
            timers.push(timer(&v, "next_response", n));
        }
        if let Some(r) = &s.resolution {
            timers.push(timer(&v, "resolution", r));
        }
    }
    let (ranked, teams) = service::views::candidates(&state, &v.auth, &id).await?;
    let open = v.t().get("tickets-open-count");
    let skills_of = |v: &[Skill]| {
        v.iter()
            .map(|s| format!("{} {}", s.skill, s.level))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let candidates: Vec<CandidateRow> = ranked
        .iter()
        .map(|c| CandidateRow {
            id: c.user_id.clone(),
            name: c.name.clone(),
            teams: c.teams.join(", "),
            matching: skills_of(&c.matching),
            skills: skills_of(&c.skills),
            open: c.open_tickets,
        })
        .collect();
    let people = ranked
        .into_iter()
        .map(|c| Option2 {
            selected: ticket.assignee_id.as_deref() == Some(c.user_id.as_str()),
            label: format!(
                "{} · {} · {}{} {}",
                c.name,
                if c.teams.is_empty() {
                    "—".to_owned()
                } else {
                    c.teams.join(", ")
                },
                if c.matching.is_empty() {
                    String::new()
                } else {
                    format!("★ {} · ", skills_of(&c.matching))
                },
                c.open_tickets,
                open
            ),
            id: c.user_id,
        })
        .collect();
    let teams = teams
        .into_iter()
        .map(|g| Option2 {
            selected: ticket.group_id.as_deref() == Some(g.team_id.as_str()),
            label: format!("{} · {} {}", g.name, g.open_tickets, open),
            id: g.team_id,
        })
        .collect();
    let complaint = if ticket.ticket_type == kefu_model::TicketType::Complaint {
        Some(state.store.complaint(&scope, &id).await?)
    } else {
        None
    };
    let tags = state.store.ticket_tags(&scope, &id).await?.join(", ");
    let macros = state
        .store
        .list_automations(&scope, "macro")
        .await?
        .into_iter()
        .filter(|m| m.active)
        .map(|m| (m.id, m.name))
        .collect();
    let tools = crate::tickets::pages::tools::tools(&state, &v, &scope, &id, &messages).await?;
    let error = error.map(|e| e.message);
    Ok(render(TicketPage {
        t: v.t(),
        signed_in: true,
        next_states: current.successors().iter().map(|s| s.as_str()).collect(),
        customer,
        history: transitions
            .into_iter()
            .map(|h| HistoryRow {
                at: v.time(h.at),
                from: h.from_state.as_str().into(),
                to: h.to_state.as_str().into(),
                reason: h.reason,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                at: v.time(m.created_at),
                author: m.author_kind.as_str().into(),
                public: m.public,
                channel: m.channel.as_str().into(),
                body: m.body,
                attachments: m
                    .attachments
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        timers,
        sla_policy,
        people,
        candidates,
        teams,
        tags,
        can_decide: v.auth.0.role.allows(Action::DecideCompensation),
        complaint,
        ticket,
        macros,
        tools,
        error,
    }))
}

/// Back to the ticket after a form, with the problem if it failed.
fn back(id: &str, r: Result<(), ApiError>) -> Response {
    after_form(&format!("/tickets/{id}"), r)
}

#[derive(Deserialize)]
pub struct TransitionForm {
    to: String,
    #[serde(default)]
    reason: String,
}

pub async fn ticket_transition(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TransitionForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = async {
        let to = TicketState::parse(&f.to).ok_or(ApiError::Model(
            kefu_model::ModelError::InvalidTransition {
                from: String::new(),
                to: f.to.clone(),
            },
        ))?;
        // Reopening goes through the reopen rule (a follow-up ticket after the window).
        if to == TicketState::Reopened {
            service::workflow::reopen(&state, &v.auth, &id, &f.reason).await?;
        } else {
            service::transition(&state, &v.auth, &id, to, &f.reason).await?;
        }
        Ok(())
    }
    .await;
    Ok(back(&id, r))
}

#[derive(Deserialize)]
pub struct MessageForm {
    body: String,
    /// `public` or `internal`.
    kind: String,
    #[serde(default)]
    author: String,
}

pub async fn ticket_message(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<MessageForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let m = NewMessage {
        author: if f.author == "customer" {
            AuthorKind::Customer
        } else {
            AuthorKind::Agent
        },
        public: f.kind != "internal",
        channel: Channel::WebForm,
        body: f.body,
        attachments: vec![],
    };
    let r = service::workflow::add_message(&state, &v.auth, &id, m).await;
    Ok(back(&id, r.map(|_| ())))
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee_id: String,
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    tags: String,
}

pub async fn ticket_assign(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = async {
        // An empty choice unassigns.
        let change = TicketChange {
            assignee_id: Some(non_empty(&f.assignee_id)),
            group_id: Some(non_empty(&f.group_id)),
            ..Default::default()
        };
        service::update(&state, &v.auth, &id, change).await?;
        let tags: Vec<String> = f
            .tags
            .split([',', '，'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        service::workflow::set_tags(&state, &v.auth, &id, &tags).await?;
        Ok(())
    }
    .await;
    Ok(back(&id, r))
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    /// `analyse`, `propose`, `approve`, `reject` or `follow_up`.
    step: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    root_cause: String,
    #[serde(default)]
    text: String,
}

pub async fn ticket_complaint(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ComplaintForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = async {
        let step = match f.step.as_str() {
            "analyse" => Step::Analyse(Analysis {
                classification: classification(&f.classification)?,
                root_cause: f.root_cause,
                ..Default::default()
            }),
            "propose" => Step::Propose {
                compensation: f.text,
            },
            "approve" | "reject" => Step::Decide {
                approve: f.step == "approve",
                reason: f.text,
            },
            "follow_up" => Step::FollowUp { note: f.text },
            other => return Err(ApiError::InvalidBody(format!("unknown step `{other}`"))),
        };
        service::complaints::step(&state, &v.auth, &id, step).await?;
        Ok(())
    }
    .await;
    Ok(back(&id, r))
}

/// The classification chosen (none when empty); another value is an invalid field.
fn classification(raw: &str) -> Result<Option<Classification>, ApiError> {
    if raw.is_empty() {
        return Ok(None);
    }
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map(Some)
        .map_err(|_| {
            ApiError::Model(kefu_model::ModelError::InvalidField {
                field: "classification".into(),
                reason: kefu_model::error::FieldProblem::Format,
            })
        })
}

/// The view bar of the ticket list: the caller's views with their counts.
pub async fn view_counts(state: &AppState, v: &Viewer) -> Result<Vec<(String, u64)>, ApiError> {
    Ok(service::views::counts(state, &v.auth)
        .await?
        .into_iter()
        .map(|(view, count)| (view.as_str().to_owned(), count))
        .collect())
}

/// The view named `raw`, if any.
pub fn view_of(raw: &str) -> Option<View> {
    View::parse(raw)
}

pub struct TeamRow {
    name: String,
    open: u64,
    escalated: u64,
    breaching: u64,
}

pub struct AttentionRow {
    id: String,
    subject: String,
    state: String,
    team: String,
    breaching: bool,
}

#[derive(Template)]
#[template(path = "tickets/overview.html")]
pub struct OverviewPage {
    t: Tr,
    signed_in: bool,
    teams: Vec<TeamRow>,
    attention: Vec<AttentionRow>,
    /// The next page of tickets, if any.
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct OverviewQuery {
    cursor: Option<String>,
    group_id: Option<String>,
}

/// The supervisor overview (部门主管): per department of the viewer (all without any), open,
/// escalated and breaching tickets; then the departments' open tickets, earliest SLA due
/// first, 50 a page.
pub async fn overview_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, ApiError> {
    let group = q.group_id.filter(|g| !g.is_empty());
    let page = kefu_store::PageRequest {
        limit: Some(50),
        cursor: q.cursor.filter(|c| !c.is_empty()),
    };
    let o = service::views::overview(&state, &v.auth, group.clone(), &page).await?;
    let name_of = |g: &Option<String>| {
        o.groups
            .iter()
            .find(|x| &x.team_id == g)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let teams = o
        .groups
        .iter()
        .map(|g| TeamRow {
            name: g.name.clone(),
            open: g.open,
            escalated: g.escalated,
            breaching: g.breaching,
        })
        .collect();
    let attention = o
        .tickets
        .items
        .iter()
        .map(|t| AttentionRow {
            id: t.id.clone(),
            subject: t.subject.clone(),
            state: t.state.as_str().into(),
            team: name_of(&t.group_id),
            breaching: o.breaching.contains(&t.id),
        })
        .collect();
    let next = o.tickets.next_cursor.clone().map(|c| match &group {
        Some(g) => format!("/tickets/overview?group_id={g}&cursor={c}"),
        None => format!("/tickets/overview?cursor={c}"),
    });
    Ok(render(OverviewPage {
        t: v.t(),
        signed_in: true,
        teams,
        attention,
        next,
    }))
}

#[derive(Deserialize)]
pub struct MacroForm {
    macro_id: String,
}

pub async fn ticket_macro(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<MacroForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = service::apply_macro(&state, &v.auth, &id, &f.macro_id).await;
    Ok(back(&id, r.map(|_| ())))
}

#[derive(Template)]
#[template(path = "tickets/sla.html")]
pub struct SlaPage {
    t: Tr,
    signed_in: bool,
    yaml: String,
    reopen_window_minutes: i64,
    follow_up_required: bool,
    /// (team id, name, selected) for the tier-2 group.
    groups: Vec<(String, String, bool)>,
    can_edit: bool,
    saved: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SlaQuery {
    #[serde(default)]
    saved: bool,
}

async fn sla_render(
    state: &AppState,
    v: &Viewer,
    yaml: Option<String>,
    saved: bool,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let s = service::sla::settings(state, &v.auth).await?;
    let yaml = match yaml {
        Some(y) => y,
        None => match s.sla_policies {
            Some(v) => serde_yaml_ng::to_string(&v).unwrap_or_default(),
            None => String::new(),
        },
    };
    let (_, loads) = state.store.handler_candidates(v.scope()).await?;
    let mut groups: Vec<(String, String, bool)> = loads
        .into_iter()
        .map(|l| {
            let on = s.tier2_group_id.as_deref() == Some(l.team_id.as_str());
            (l.team_id, l.name, on)
        })
        .collect();
    groups.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(render(SlaPage {
        t: v.t(),
        signed_in: true,
        groups,
        yaml,
        reopen_window_minutes: s.reopen_window_minutes,
        follow_up_required: s.complaint_follow_up_required,
        can_edit: v.auth.0.role.allows(Action::ManageSla),
        saved,
        error,
    }))
}

/// SLA and calendar admin: the workspace's calendars and policies as the `kefu-sla` YAML file,
/// the reopen window and the complaint follow-up rule.
pub async fn sla_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<SlaQuery>,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ReadTickets)?;
    sla_render(&state, &v, None, q.saved, None).await
}

#[derive(Deserialize)]
pub struct SlaForm {
    yaml: String,
    reopen_window_minutes: i64,
    #[serde(default)]
    follow_up_required: Option<String>,
    #[serde(default)]
    tier2_group_id: String,
}

pub async fn sla_submit(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<SlaForm>,
) -> Result<Response, ApiError> {
    // The policies as the `kefu-sla` YAML file (empty: none); a wrong file is refused like
    // the API's.
    let policies = if f.yaml.trim().is_empty() {
        Ok(None)
    } else {
        kefu_sla::PolicySet::from_yaml(&f.yaml)
            .map(Some)
            .map_err(|e| ApiError::InvalidBody(e.to_string()))
    };
    let r = match policies {
        Ok(policies) => {
            let change = SettingsChange {
                policies: Some(policies),
                reopen_window_minutes: Some(f.reopen_window_minutes),
                complaint_follow_up_required: Some(f.follow_up_required.is_some()),
                tier2_group_id: Some(non_empty(&f.tier2_group_id)),
                ..Default::default()
            };
            service::sla::update_settings(&state, &v.auth, change).await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to("/tickets/sla?saved=true").into_response()),
        Err(e) => {
            let e = PageError::of(e, v.lang);
            sla_render(&state, &v, Some(f.yaml), false, Some(e.message)).await
        }
    }
}

/// The sort and filters of a list request.
pub trait ListParams {
    /// The list's sort and filters as the query string carries them (empty = none).
    fn params(&self) -> ListParamsRef<'_>;
}

/// The raw sort and filter values of a list request.
pub struct ListParamsRef<'a> {
    pub sort: &'a str,
    pub priority: &'a str,
    pub ticket_type: &'a str,
    pub group: &'a str,
    pub assignee: &'a str,
    pub tag: &'a str,
    pub category: &'a str,
}

/// The list page's sort, filters and bulk-action choices.
pub struct ListState {
    /// The result of the last bulk action (`done/total`), if any.
    pub bulk: String,
    pub sort: String,
    pub priority: String,
    pub ticket_type: String,
    /// The group, assignee, tag and category filters (empty = none).
    pub group: String,
    pub assignee: String,
    pub tag: String,
    pub category: String,
    /// (category id, name) for the category filter.
    pub categories: Vec<(String, String)>,
    pub sorts: Vec<&'static str>,
    pub priorities: Vec<&'static str>,
    pub types: Vec<&'static str>,
    /// (user id, name) for bulk assignment.
    pub people: Vec<(String, String)>,
    /// (team id, name) for bulk group changes.
    pub groups: Vec<(String, String)>,
    pub states: Vec<&'static str>,
    /// Active macros (id, name) for bulk application.
    pub macros: Vec<(String, String)>,
}

/// The list order named `raw` (default: newest first).
pub fn sort_of(raw: &str) -> Sort {
    match raw {
        "updated" => Sort::Updated,
        "priority" => Sort::Priority,
        "due" => Sort::Due,
        _ => Sort::Created,
    }
}

pub async fn list_state(
    state: &AppState,
    v: &Viewer,
    q: &impl ListParams,
    bulk: &str,
) -> Result<ListState, ApiError> {
    let p = q.params();
    let categories = state
        .store
        .categories(v.scope())
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let (people, teams) = state.store.handler_candidates(v.scope()).await?;
    let mut people: Vec<(String, String)> =
        people.into_iter().map(|c| (c.user_id, c.name)).collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let macros = state
        .store
        .list_automations(v.scope(), "macro")
        .await?
        .into_iter()
        .filter(|m| m.active)
        .map(|m| (m.id, m.name))
        .collect();
    Ok(ListState {
        bulk: bulk.to_owned(),
        sort: p.sort.to_owned(),
        priority: p.priority.to_owned(),
        ticket_type: p.ticket_type.to_owned(),
        group: p.group.to_owned(),
        assignee: p.assignee.to_owned(),
        tag: p.tag.to_owned(),
        category: p.category.to_owned(),
        categories,
        sorts: vec!["created", "updated", "priority", "due"],
        priorities: vec!["urgent", "high", "normal", "low"],
        types: kefu_model::TicketType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect(),
        people,
        groups: teams.into_iter().map(|t| (t.team_id, t.name)).collect(),
        states: TicketState::ALL.iter().map(|s| s.as_str()).collect(),
        macros,
    })
}

/// Bulk actions from the list page: the checked tickets (`ids`, repeated) get an assignee,
/// a group, a transition and/or a macro; each ticket on its own, like the API's bulk.
/// Redirects back to the list with `?bulk=<done>/<total>`.
pub async fn bulk_submit(
    State(state): State<AppState>,
    v: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(x, v)| x == k && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    let total = ids.len();
    let change = service::BulkChange {
        ids,
        assignee_id: one("assignee_id").map(Some),
        group_id: one("group_id").map(Some),
        to: one("to").and_then(|t| TicketState::parse(&t)),
        reason: one("reason").unwrap_or_default(),
        macro_id: one("macro_id"),
    };
    let done = service::bulk(&state, &v.auth, change)
        .await?
        .iter()
        .filter(|(_, r)| r.is_ok())
        .count();
    Ok(Redirect::to(&format!("/tickets?bulk={done}/{total}")).into_response())
}
