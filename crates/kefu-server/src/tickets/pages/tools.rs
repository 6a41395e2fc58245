//! The ticket page's workflow tools (what used to be API-only): merge into another ticket,
//! split a message off into a new linked ticket, links, watchers, the category and (for SLA
//! managers) a hand-assigned SLA policy. One form handler, `POST /tickets/{id}/tools`, with
//! an `op`; each op calls the tickets' service, like its API.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Viewer, form_failed};
use crate::tickets::service;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_model::Action;
use kefu_store::WorkspaceScope;
use kefu_store::tickets::relations::LinkKind;
use serde::Deserialize;

/// A link as shown.
pub struct LinkRow {
    pub other_id: String,
    pub kind: String,
    pub outgoing: bool,
}

/// The data of the tools card.
pub struct Tools {
    pub links: Vec<LinkRow>,
    /// (user id, name) of watchers.
    pub watchers: Vec<(String, String)>,
    /// (user id, name) of everyone who could watch.
    pub users: Vec<(String, String)>,
    /// (category id, path name, selected).
    pub categories: Vec<(String, String, bool)>,
    /// (message id, excerpt) for split.
    pub split_from: Vec<(String, String)>,
    /// Policy names, when the viewer may assign one.
    pub policies: Vec<String>,
}

pub async fn tools(
    state: &AppState,
    v: &Viewer,
    scope: &WorkspaceScope,
    id: &str,
    messages: &[kefu_store::entity::ticket_message::Model],
) -> Result<Tools, ApiError> {
    let links = state
        .store
        .ticket_links(scope, id)
        .await?
        .into_iter()
        .map(|l| LinkRow {
            other_id: l.other_id,
            kind: l.kind,
            outgoing: l.outgoing,
        })
        .collect();
    let (people, _) = state.store.handler_candidates(scope).await?;
    let mut users: Vec<(String, String)> =
        people.into_iter().map(|c| (c.user_id, c.name)).collect();
    users.sort_by(|a, b| a.1.cmp(&b.1));
    let watcher_ids = state.store.ticket_watchers(scope, id).await?;
    let watchers = watcher_ids
        .iter()
        .map(|w| {
            let name = users
                .iter()
                .find(|u| &u.0 == w)
                .map(|u| u.1.clone())
                .unwrap_or_else(|| w.clone());
            (w.clone(), name)
        })
        .collect();
    let all = state.store.categories(scope).await?;
    let current = state.store.ticket_category(scope, id).await?;
    let path = |mut at: Option<String>| {
        let mut names = vec![];
        while let Some(cid) = at.take()
            && names.len() < 32
        {
            if let Some(c) = all.iter().find(|c| c.id == cid) {
                names.push(c.name.clone());
                at = c.parent_id.clone();
            }
        }
        names.reverse();
        names.join(" › ")
    };
    let mut categories: Vec<(String, String, bool)> = all
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                path(Some(c.id.clone())),
                current.as_deref() == Some(c.id.as_str()),
            )
        })
        .collect();
    categories.sort_by(|a, b| a.1.cmp(&b.1));
    let split_from = messages
        .iter()
        .map(|m| (m.id.clone(), m.body.chars().take(40).collect()))
        .collect();
    let policies = if v.auth.0.role.allows(Action::ManageSla) {
        service::sla::policy_names(state, scope).await?
    } else {
        vec![]
    };
    Ok(Tools {
        links,
        watchers,
        users,
        categories,
        split_from,
        policies,
    })
}

#[derive(Deserialize)]
pub struct ToolForm {
    /// `merge`, `split`, `link`, `watch`, `unwatch`, `category`, `policy`.
    op: String,
    #[serde(default)]
    other_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    message_id: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    policy: String,
}

/// The link kind chosen; another value is an invalid field.
fn link_kind(raw: &str) -> Result<LinkKind, ApiError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
        ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "kind".into(),
            reason: kefu_model::error::FieldProblem::Format,
        })
    })
}

fn some(s: String) -> Option<String> {
    let s = s.trim().to_owned();
    if s.is_empty() { None } else { Some(s) }
}

pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ToolForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let auth = &v.auth;
    let r: Result<String, ApiError> = async {
        let mut go = id.clone();
        match f.op.as_str() {
            "merge" => {
                let into = f.other_id.trim();
                go = service::workflow::merge(&state, auth, &id, into).await?.id;
            }
            "split" => {
                let t = service::workflow::split(&state, auth, &id, &f.message_id, some(f.subject))
                    .await?;
                go = t.id;
            }
            "link" => {
                let kind = link_kind(&f.kind)?;
                service::workflow::link(&state, auth, &id, f.other_id.trim(), kind).await?;
            }
            "watch" | "unwatch" => {
                let on = f.op == "watch";
                service::workflow::set_watcher(&state, auth, &id, &f.user_id, on).await?;
            }
            "category" => {
                service::categories::set_of_ticket(&state, auth, &id, some(f.category_id)).await?;
            }
            "policy" => {
                service::sla::assign_policy(&state, auth, &id, some(f.policy)).await?;
            }
            _ => return Err(ApiError::InvalidBody(format!("unknown op `{}`", f.op))),
        }
        Ok(go)
    }
    .await;
    Ok(match r {
        Ok(go) => Redirect::to(&format!("/tickets/{go}")).into_response(),
        Err(e) => form_failed(&format!("/tickets/{id}"), e),
    })
}
