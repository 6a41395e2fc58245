//! The server-rendered web UI: login, language switch, ticket and customer lists and detail
//! pages. Templates are compiled (askama); every string comes from the Fluent files.
//! Pages use the same store calls and role checks as the API.

mod planning;

use crate::AppState;
use crate::api::session::{LoginIn, SESSION_DAYS, issue_session};
use crate::auth::{Auth, SESSION_COOKIE, cookie, token_hash};
use crate::error::ApiError;
use crate::i18n::{Lang, tr};
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use kefu_model::{Action, TicketState};
use kefu_store::tickets::TicketFilter;
use kefu_store::{PageRequest, WorkspaceScope};
use serde::Deserialize;
use std::net::SocketAddr;

mod automations;
mod crm;
mod crm_admin;
mod notifications;
mod reports;
mod skills;
mod ticket_tools;
mod tickets;

const LANG_COOKIE: &str = "kefu_lang";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tickets") }))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", get(logout))
        .route("/lang/{code}", get(switch_lang))
        .route("/tickets", get(tickets_page))
        .route("/tickets/overview", get(tickets::overview_page))
        .route(
            "/tickets/sla",
            get(tickets::sla_page).post(tickets::sla_submit),
        )
        .route("/tickets/{id}", get(tickets::ticket_page))
        .route("/tickets/{id}/macro", post(tickets::ticket_macro))
        .route("/tickets/{id}/transition", post(tickets::ticket_transition))
        .route("/tickets/{id}/message", post(tickets::ticket_message))
        .route("/tickets/{id}/assign", post(tickets::ticket_assign))
        .route("/tickets/{id}/complaint", post(tickets::ticket_complaint))
        .route("/tickets/{id}/tools", post(ticket_tools::submit))
        .route("/tickets/bulk", post(tickets::bulk_submit))
        .route("/tickets/skills", get(skills::page).post(skills::submit))
        .route(
            "/tickets/automations",
            get(automations::page).post(automations::submit),
        )
        .route("/planning", get(planning::page))
        .route("/planning/forecast", get(planning::forecast_page))
        .route("/notifications", get(notifications::page))
        .route("/notifications/read", post(notifications::read_all))
        .route(
            "/planning/schedule",
            get(planning::schedule_page).post(planning::schedule_submit),
        )
        .merge(reports::router())
        .merge(crm::router())
        .merge(crm_admin::router())
}

/// Translations for a template.
pub struct Tr(Lang);

impl Tr {
    pub fn get(&self, id: &str) -> String {
        tr(self.0, id, None)
    }
    /// The label of an enumerated value, e.g. `label("state", "open")`.
    pub fn label(&self, kind: &str, value: &str) -> String {
        tr(self.0, &format!("{kind}-{value}"), None)
    }
    pub fn lang_code(&self) -> &'static str {
        self.0.code()
    }
    pub fn other_lang_code(&self) -> &'static str {
        match self.0 {
            Lang::En => "zh-CN",
            Lang::ZhCn => "en",
        }
    }
}

/// The page language: the `kefu_lang` cookie, else `Accept-Language`.
fn page_lang(parts: &Parts) -> Lang {
    cookie(parts, LANG_COOKIE)
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_else(|| {
            Lang::negotiate(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

/// A signed-in page request; anything else is sent to the login page.
pub struct Viewer {
    auth: Auth,
    lang: Lang,
    tz: chrono_tz::Tz,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = page_lang(parts);
        let to_login = || Redirect::to("/login").into_response();
        let token = cookie(parts, SESSION_COOKIE).ok_or_else(to_login)?;
        let principal = state
            .store
            .authenticate(&token_hash(&token), Utc::now())
            .await
            .map_err(|e| ApiError::from(e).into_response())?
            .ok_or_else(to_login)?;
        let tz = state
            .store
            .workspace(&principal.scope)
            .await
            .ok()
            .and_then(|w| w.time_zone.parse().ok())
            .unwrap_or(chrono_tz::Asia::Shanghai);
        Ok(Viewer {
            auth: Auth(principal),
            lang,
            tz,
        })
    }
}

impl Viewer {
    fn t(&self) -> Tr {
        Tr(self.lang)
    }
    fn scope(&self) -> &WorkspaceScope {
        &self.auth.0.scope
    }
    fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    signed_in: bool,
    failed: bool,
    workspace: String,
}

async fn login_page(parts: Parts) -> Response {
    render(LoginPage {
        t: Tr(page_lang(&parts)),
        signed_in: false,
        failed: false,
        workspace: String::new(),
    })
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginIn>,
) -> Response {
    let lang = Lang::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    match issue_session(&state, Some(client), &form).await {
        Ok(tok) => {
            let max_age = SESSION_DAYS * 24 * 3600;
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
                tok.token
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to("/tickets")).into_response()
        }
        Err(ApiError::InvalidCredentials | ApiError::TooManyAttempts { .. }) => render(LoginPage {
            t: Tr(lang),
            signed_in: false,
            failed: true,
            workspace: form.workspace,
        }),
        Err(e) => e.into_response(),
    }
}

async fn logout() -> Response {
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

async fn switch_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::En);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

struct TicketRow {
    id: String,
    subject: String,
    ticket_type: String,
    priority: String,
    state: String,
    created: String,
}

#[derive(Template)]
#[template(path = "tickets.html")]
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
struct ListQuery {
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

/// `Some(s)` unless `s` is empty.
fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn ticket_row(v: &Viewer, m: kefu_store::entity::ticket::Model) -> TicketRow {
    TicketRow {
        created: v.time(m.created_at),
        id: m.id,
        subject: m.subject,
        ticket_type: m.ticket_type,
        priority: m.priority,
        state: m.state,
    }
}

async fn tickets_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ReadTickets)?;
    let mut filter = TicketFilter {
        state: TicketState::parse(&q.state),
        priority: kefu_model::Priority::parse(&q.priority),
        ticket_type: kefu_model::TicketType::parse(&q.ticket_type),
        group_id: non_empty(&q.group),
        assignee_id: non_empty(&q.assignee),
        tag: non_empty(q.tag.trim()),
        category_id: non_empty(&q.category),
        ..Default::default()
    };
    let (views, view) = tickets::views(&state, &v, &q.view, &mut filter).await?;
    let sort = tickets::sort_of(&q.sort);
    let page = crate::api::ticket_views::list_page(
        &state,
        v.scope(),
        &filter,
        sort,
        &PageRequest {
            limit: Some(50),
            cursor: q.cursor.clone(),
        },
    )
    .await?;
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
