//! The ticket list page: views, filters, sort, paging and the bulk form.

use super::ticket as tickets;
use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Tr, Viewer, non_empty, render};
use crate::tickets::service::views::{self as service, ListQuery as ServiceQuery};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kefu_model::{Action, TicketState};
use kefu_store::PageRequest;
use serde::Deserialize;

pub(crate) struct TicketRow {
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) ticket_type: String,
    pub(crate) priority: String,
    pub(crate) state: String,
    pub(crate) created: String,
}

#[derive(Template)]
#[template(path = "tickets/list.html")]
struct TicketsPage {
    t: Tr,
    signed_in: bool,
    states: Vec<&'static str>,
    state: String,
    rows: Vec<TicketRow>,
    next_cursor: Option<String>,
    views: Vec<(String, u64)>,
    view: String,
    /// Sort, filters and bulk-action choices (`web/tickets.rs`).
    list: tickets::ListState,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    state: String,
    cursor: Option<String>,
    #[serde(default)]
    view: String,
    /// `created`, `updated`, `priority` or `due`.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    priority: String,
    #[serde(default, rename = "type")]
    ticket_type: String,
    /// Group (team id), assignee (user id), tag and category filters.
    #[serde(default)]
    group: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    category: String,
    /// The result of a bulk action (`done/total`).
    #[serde(default)]
    bulk: String,
}

impl tickets::ListParams for ListQuery {
    fn params(&self) -> tickets::ListParamsRef<'_> {
        tickets::ListParamsRef {
            sort: &self.sort,
            priority: &self.priority,
            ticket_type: &self.ticket_type,
            group: &self.group,
            assignee: &self.assignee,
            tag: &self.tag,
            category: &self.category,
        }
    }
}

pub(crate) fn ticket_row(v: &Viewer, m: kefu_store::entity::ticket::Model) -> TicketRow {
    TicketRow {
        created: v.time(m.created_at),
        id: m.id,
        subject: m.subject,
        ticket_type: m.ticket_type.as_str().into(),
        priority: m.priority.as_str().into(),
        state: m.state.as_str().into(),
    }
}

pub(crate) async fn tickets_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ReadTickets)?;
    let views = tickets::view_counts(&state, &v).await?;
    let chosen = tickets::view_of(&q.view);
    let list = ServiceQuery {
        state: TicketState::parse(&q.state),
        priority: kefu_model::Priority::parse(&q.priority),
        ticket_type: kefu_model::TicketType::parse(&q.ticket_type),
        group_id: non_empty(&q.group),
        assignee_id: non_empty(&q.assignee),
        tag: non_empty(q.tag.trim()),
        category_id: non_empty(&q.category),
        view: chosen,
        sort: tickets::sort_of(&q.sort),
        page: PageRequest {
            limit: Some(50),
            cursor: q.cursor.clone(),
        },
        ..Default::default()
    };
    let page = service::list(&state, &v.auth, list).await?;
    let view = chosen.map(|x| x.as_str().to_owned()).unwrap_or_default();
    let rows = page.items.into_iter().map(|m| ticket_row(&v, m)).collect();
    let list = tickets::list_state(&state, &v, &q, &q.bulk).await?;
    Ok(render(TicketsPage {
        t: v.t(),
        signed_in: true,
        states: TicketState::ALL.iter().map(|s| s.as_str()).collect(),
        state: q.state,
        views,
        view,
        rows,
        next_cursor: page.next_cursor,
        list,
    }))
}
