//! The ticket page's workflow tools (what used to be API-only): merge into another ticket,
//! split a message off into a new linked ticket, links, watchers, the category and (for SLA
//! managers) a hand-assigned SLA policy. One form handler, `POST /tickets/{id}/tools`, with
//! an `op`; each op uses the same store call and role check as its API.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Viewer, form_failed};
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
        crate::tickets::api::sla::policy_set(state, scope)
            .await?
            .map(|s| s.policies().iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
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
    let p = v.auth.require(Action::WriteTickets)?;
    let id = crate::http::path_id(&id)?;
    let (scope, actor) = (p.scope.clone(), p.actor());
    let r: Result<String, ApiError> = async {
        let mut go = id.clone();
        match f.op.as_str() {
            "merge" => {
                let into = crate::http::path_id(f.other_id.trim())?;
                let t = state
                    .store
                    .merge_tickets(&scope, &actor, &id, &into)
                    .await?;
                go = t.id;
            }
            "split" => {
                let m = crate::http::path_id(&f.message_id)?;
                let t = state
                    .store
                    .split_ticket(&scope, &actor, &id, &m, some(f.subject))
                    .await?;
                go = t.id;
            }
            "link" => {
                let other = crate::http::path_id(f.other_id.trim())?;
                let kind = match f.kind.as_str() {
                    "follow_up" => LinkKind::FollowUp,
                    "duplicate" => LinkKind::Duplicate,
                    _ => LinkKind::Related,
                };
                state
                    .store
                    .link_tickets(&scope, &actor, &id, &other, kind)
                    .await?;
            }
            "watch" | "unwatch" => {
                let u = crate::http::path_id(&f.user_id)?;
                state
                    .store
                    .set_ticket_watcher(&scope, &actor, &id, &u, f.op == "watch")
                    .await?;
            }
            "category" => {
                let c = crate::http::opt_id("category_id", some(f.category_id))?;
                state
                    .store
                    .set_ticket_category(&scope, &actor, &id, c)
                    .await?;
            }
            "policy" => {
                v.auth.require(Action::ManageSla)?;
                let name = some(f.policy);
                let set = crate::tickets::api::sla::policy_set(&state, &scope).await?;
                if let Some(n) = &name
                    && set.as_ref().and_then(|s| s.policy(n)).is_none()
                {
                    return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
                        field: "policy".into(),
                        reason: kefu_model::error::FieldProblem::Format,
                    }));
                }
                state
                    .store
                    .assign_sla_policy(&scope, &actor, &id, name)
                    .await?;
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
