//! SLAs in the server: the workspace's calendars and policies (`/api/v1/sla/policies`, the
//! `kefu-sla` YAML/JSON format), ticket settings (`/api/v1/ticket-settings`: reopen window),
//! and each ticket's SLA status (`/api/v1/tickets/{id}/sla`), computed with
//! [`kefu_sla::evaluate`] from the ticket's history (creation, transitions, messages).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, path_id};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kefu_model::Action;
use kefu_sla::{EventKind, PolicySet, SlaStatus, TicketAttributes, TicketEvent};
use kefu_store::WorkspaceScope;
use kefu_store::tickets::sla::TicketHistory;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sla/policies", get(get_policies).put(put_policies))
        .route("/ticket-settings", get(get_settings).patch(patch_settings))
        .route("/tickets/{id}/sla", get(ticket_sla))
        .route(
            "/tickets/{id}/sla/policy",
            axum::routing::put(assign_policy),
        )
}

/// The workspace's policy set, if configured and valid.
pub async fn policy_set(
    state: &AppState,
    scope: &WorkspaceScope,
) -> Result<Option<PolicySet>, ApiError> {
    let settings = state.store.ticket_settings(scope).await?;
    Ok(settings
        .sla_policies
        .and_then(|v| serde_json::from_value::<PolicySet>(v).ok()))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(Value::String(s.to_owned())).ok()
}

fn attributes(ticket_type: &str, priority: &str, tier: Option<&str>) -> Option<TicketAttributes> {
    Some(TicketAttributes {
        ticket_type: parse(ticket_type)?,
        priority: parse(priority)?,
        tier: tier.map(str::to_owned),
    })
}

/// A ticket's history as SLA clock events: creation with the attributes recorded then (type,
/// priority, the customer's value tier), every later change of them and every policy
/// assigned by hand, every message (internal notes count as non-public agent replies, which
/// stop no clock) and every transition.
///
/// The rule for attribute changes (kept by `kefu-sla`): the policy in force when a target
/// stops (or now, while it runs) judges it, so a change of type, priority or tier changes
/// the targets from that moment on while the business time already used is kept.
pub fn events(h: &TicketHistory) -> Vec<TicketEvent> {
    let t = &h.ticket;
    let mut out =
        Vec::with_capacity(1 + h.transitions.len() + h.messages.len() + h.sla_events.len());
    let mut recorded = h.sla_events.iter().filter(|e| e.kind == "attributes");
    let created = match recorded.next() {
        Some(first) => attributes(&first.ticket_type, &first.priority, first.tier.as_deref()),
        // Tickets from before attributes were recorded: their present type and priority.
        None => attributes(&t.ticket_type, &t.priority, None),
    };
    if let Some(attributes) = created {
        out.push(TicketEvent {
            at: t.created_at,
            kind: EventKind::Created { attributes },
        });
    }
    for e in &h.sla_events {
        let kind = match e.kind.as_str() {
            "policy" => EventKind::PolicyAssigned {
                policy: e.policy.clone(),
            },
            _ => match attributes(&e.ticket_type, &e.priority, e.tier.as_deref()) {
                Some(attributes) => EventKind::AttributesChanged { attributes },
                None => continue,
            },
        };
        // The creation snapshot itself is not a change.
        if e.at <= t.created_at && matches!(kind, EventKind::AttributesChanged { .. }) {
            continue;
        }
        out.push(TicketEvent { at: e.at, kind });
    }
    for m in &h.messages {
        let kind = if m.author_kind == "customer" {
            EventKind::CustomerReply
        } else {
            EventKind::AgentReply { public: m.public }
        };
        out.push(TicketEvent {
            at: m.created_at,
            kind,
        });
    }
    for tr in &h.transitions {
        if let Some(to) = parse(&tr.to_state) {
            out.push(TicketEvent {
                at: tr.at,
                kind: EventKind::StateChanged { to },
            });
        }
    }
    // Stable: events at one instant keep the order above.
    out.sort_by_key(|e| e.at);
    out
}

/// The SLA status of ticket `id` at `now` under `set`.
pub async fn status_of(
    state: &AppState,
    scope: &WorkspaceScope,
    set: &PolicySet,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<SlaStatus>, ApiError> {
    let h = state.store.ticket_history(scope, id).await?;
    let ev = events(&h);
    Ok(kefu_sla::evaluate(&ev, set, now).ok())
}

/// The SLA fields of a ticket response: the status as JSON, or `None` without policies.
pub async fn sla_json(
    state: &AppState,
    scope: &WorkspaceScope,
    set: Option<&PolicySet>,
    id: &str,
) -> Result<Option<Value>, ApiError> {
    let Some(set) = set else { return Ok(None) };
    let s = status_of(state, scope, set, id, state.store.now()).await?;
    Ok(s.map(|s| serde_json::to_value(s).unwrap_or(Value::Null)))
}

/// Get the workspace's SLA calendars and policies (the `kefu-sla` spec as JSON).
#[utoipa::path(get, path = "/api/v1/sla/policies", tag = "sla",
    responses((status = 200, body = Object)))]
pub async fn get_policies(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let s = state.store.ticket_settings(&p.scope).await?;
    Ok(Json(s.sla_policies.unwrap_or_else(
        || serde_json::json!({"calendars": {}, "policies": []}),
    )))
}

/// Replace the workspace's SLA calendars and policies. The body is the `kefu-sla` policy
/// file, as JSON or as YAML (`Content-Type: application/yaml`); it is validated in full
/// (calendars, time zones, hours, policy references) and 422 `invalid_body` if wrong.
#[utoipa::path(put, path = "/api/v1/sla/policies", tag = "sla", request_body = Object,
    responses((status = 200, body = Object), (status = 422, description = "invalid_body")))]
pub async fn put_policies(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = auth.require(Action::ManageSla)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = std::str::from_utf8(&body).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    let set = if ct.starts_with("application/yaml")
        || ct.starts_with("application/x-yaml")
        || ct.starts_with("text/yaml")
    {
        PolicySet::from_yaml(text).map_err(|e| ApiError::InvalidBody(e.to_string()))?
    } else if ct.starts_with("application/json") {
        let v: Value =
            serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
        serde_json::from_value::<PolicySet>(v).map_err(|e| ApiError::InvalidBody(e.to_string()))?
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    let spec =
        serde_json::to_value(&set).map_err(|e| ApiError::internal("encoding SLA policies", e))?;
    let saved = state
        .store
        .update_ticket_settings(&p.scope, &p.actor(), |s| s.sla_policies = Some(spec))
        .await?;
    Ok(Json(saved.sla_policies.unwrap_or(Value::Null)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsOut {
    /// A closed ticket can be reopened for this many minutes; after that a follow-up
    /// ticket is created instead.
    pub reopen_window_minutes: i64,
    /// Whether SLA policies are configured.
    pub sla_configured: bool,
    /// A complaint cannot be closed before its follow-up call (回访) is recorded.
    pub complaint_follow_up_required: bool,
    /// Remind the customer after a ticket waits this long in `pending_customer` (0: never).
    pub pending_remind_minutes: i64,
    /// Resolve a ticket after it waits this long in `pending_customer` (0: never).
    pub pending_resolve_minutes: i64,
    /// The tier-2 group (提送二线): an escalated ticket moves to it.
    pub tier2_group_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub reopen_window_minutes: Option<i64>,
    pub complaint_follow_up_required: Option<bool>,
    pub pending_remind_minutes: Option<i64>,
    pub pending_resolve_minutes: Option<i64>,
    #[serde(default, deserialize_with = "crate::http::nullable")]
    #[schema(value_type = Option<String>)]
    pub tier2_group_id: Option<Option<String>>,
}

/// The workspace's ticket settings.
#[utoipa::path(get, path = "/api/v1/ticket-settings", tag = "sla",
    responses((status = 200, body = SettingsOut)))]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<SettingsOut>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let s = state.store.ticket_settings(&p.scope).await?;
    Ok(Json(SettingsOut {
        reopen_window_minutes: s.reopen_window_minutes,
        sla_configured: s.sla_policies.is_some(),
        complaint_follow_up_required: s.complaint_follow_up_required,
        pending_remind_minutes: s.pending_remind_minutes,
        pending_resolve_minutes: s.pending_resolve_minutes,
        tier2_group_id: s.tier2_group_id,
    }))
}

/// Change the workspace's ticket settings.
#[utoipa::path(patch, path = "/api/v1/ticket-settings", tag = "sla", request_body = SettingsPatch,
    responses((status = 200, body = SettingsOut), (status = 422)))]
pub async fn patch_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<SettingsPatch>,
) -> Result<Json<SettingsOut>, ApiError> {
    let p = auth.require(Action::ManageSla)?;
    let tier2 = b
        .tier2_group_id
        .map(|g| crate::http::opt_id("tier2_group_id", g))
        .transpose()?;
    let s = state
        .store
        .update_ticket_settings(&p.scope, &p.actor(), |s| {
            if let Some(g) = tier2 {
                s.tier2_group_id = g;
            }
            if let Some(m) = b.reopen_window_minutes {
                s.reopen_window_minutes = m;
            }
            if let Some(f) = b.complaint_follow_up_required {
                s.complaint_follow_up_required = f;
            }
            if let Some(m) = b.pending_remind_minutes {
                s.pending_remind_minutes = m;
            }
            if let Some(m) = b.pending_resolve_minutes {
                s.pending_resolve_minutes = m;
            }
        })
        .await?;
    Ok(Json(SettingsOut {
        reopen_window_minutes: s.reopen_window_minutes,
        sla_configured: s.sla_policies.is_some(),
        complaint_follow_up_required: s.complaint_follow_up_required,
        pending_remind_minutes: s.pending_remind_minutes,
        pending_resolve_minutes: s.pending_resolve_minutes,
        tier2_group_id: s.tier2_group_id,
    }))
}

/// The SLA status of a ticket now: first response, next response (one entry per cycle) and
/// resolution, each with due time, warning and breach; `null` fields without policies.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/sla", tag = "sla",
    responses((status = 200, body = Object), (status = 404)))]
pub async fn ticket_sla(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let id = path_id(&id)?;
    state.store.get_ticket(&p.scope, &id).await?;
    let set = policy_set(&state, &p.scope).await?;
    let v = sla_json(&state, &p.scope, set.as_ref(), &id).await?;
    Ok(Json(v.unwrap_or(Value::Null)))
}

/// The SLA status at `now` of each ticket of `ids` (in `scope`; others left out), from their
/// histories loaded in batches: the clock data for lists, views, the timer and SLA
/// compliance reports (`kefu_sla::compliance` over the statuses).
pub async fn statuses(
    store: &kefu_store::Store,
    scope: &WorkspaceScope,
    set: &PolicySet,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, SlaStatus)>, kefu_store::StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for h in store.ticket_histories(scope, ids).await? {
        if let Ok(s) = kefu_sla::evaluate(&events(&h), set, now) {
            out.push((h.ticket.id, s));
        }
    }
    Ok(out)
}

/// The active tickets of `scope` with an unmet SLA target in warning or breached at `now`
/// ("breaching soon"), or none without policies.
pub async fn breaching_ids(
    state: &AppState,
    scope: &WorkspaceScope,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let Some(set) = policy_set(state, scope).await? else {
        return Ok(vec![]);
    };
    let ids = state.store.active_ticket_ids(scope).await?;
    Ok(statuses(&state.store, scope, &set, &ids, now)
        .await?
        .into_iter()
        .filter(|(_, s)| {
            s.targets()
                .any(|t| t.met_at.is_none() && (t.warning || t.breached))
        })
        .map(|(id, _)| id)
        .collect())
}

/// The SLA fields of many tickets at once (for lists): id → status JSON.
pub async fn sla_many(
    state: &AppState,
    scope: &WorkspaceScope,
    set: &PolicySet,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Value>, ApiError> {
    Ok(statuses(&state.store, scope, set, ids, state.store.now())
        .await?
        .into_iter()
        .map(|(id, s)| (id, serde_json::to_value(s).unwrap_or(Value::Null)))
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyAssignIn {
    /// A policy name of the workspace's set; `null` to match by attributes again.
    pub policy: Option<String>,
}

/// Assign an SLA policy to a ticket by hand (from now on; the business time already used is
/// kept and judged against the new targets), or `null` to match by attributes again.
/// Audited `sla_policy_assigned`. An unknown name is 422 `invalid_field`.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/sla/policy", tag = "sla",
    request_body = PolicyAssignIn,
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn assign_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PolicyAssignIn>,
) -> Result<Json<Value>, ApiError> {
    let p = auth.require(Action::ManageSla)?;
    let id = path_id(&id)?;
    state.store.get_ticket(&p.scope, &id).await?;
    let set = policy_set(&state, &p.scope).await?;
    if let Some(name) = &b.policy
        && set.as_ref().and_then(|s| s.policy(name)).is_none()
    {
        return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "policy".into(),
            reason: kefu_model::error::FieldProblem::Format,
        }));
    }
    state
        .store
        .assign_sla_policy(&p.scope, &p.actor(), &id, b.policy)
        .await?;
    let v = sla_json(&state, &p.scope, set.as_ref(), &id).await?;
    Ok(Json(v.unwrap_or(Value::Null)))
}
