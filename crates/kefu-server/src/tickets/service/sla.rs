//! SLAs of the tickets: the workspace's policy set, a ticket's history as SLA clock events
//! evaluated with [`kefu_sla::evaluate`], statuses one at a time and in batches (lists, views,
//! the SLA timer, the reports), "breaching soon", hand-assigned policies, and the ticket
//! settings (policies, reopen window, complaint follow-up, pending-customer automation, the
//! tier-2 group).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use chrono::{DateTime, Utc};
use kefu_model::Action;
use kefu_sla::{EventKind, PolicySet, SlaStatus, TicketAttributes, TicketEvent};
use kefu_store::tickets::settings::TicketSettings;
use kefu_store::tickets::sla::TicketHistory;
use kefu_store::{Store, StoreError, WorkspaceScope};
use std::collections::HashMap;

/// The policy set of `settings`, if configured and valid.
pub fn policy_set_of(settings: &TicketSettings) -> Option<PolicySet> {
    settings
        .sla_policies
        .clone()
        .and_then(|v| serde_json::from_value::<PolicySet>(v).ok())
}

/// The workspace's policy set, if configured and valid.
pub async fn policy_set(
    state: &AppState,
    scope: &WorkspaceScope,
) -> Result<Option<PolicySet>, ApiError> {
    Ok(policy_set_of(&state.store.ticket_settings(scope).await?))
}

fn attributes(
    ticket_type: kefu_model::TicketType,
    priority: kefu_model::Priority,
    tier: Option<&str>,
) -> TicketAttributes {
    TicketAttributes {
        ticket_type,
        priority,
        tier: tier.map(str::to_owned),
    }
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
        Some(first) => attributes(first.ticket_type, first.priority, first.tier.as_deref()),
        // Tickets from before attributes were recorded: their present type and priority.
        None => attributes(t.ticket_type, t.priority, None),
    };
    out.push(TicketEvent {
        at: t.created_at,
        kind: EventKind::Created {
            attributes: created,
        },
    });
    for e in &h.sla_events {
        let kind = match e.kind.as_str() {
            "policy" => EventKind::PolicyAssigned {
                policy: e.policy.clone(),
            },
            _ => EventKind::AttributesChanged {
                attributes: attributes(e.ticket_type, e.priority, e.tier.as_deref()),
            },
        };
        // The creation snapshot itself is not a change.
        if e.at <= t.created_at && matches!(kind, EventKind::AttributesChanged { .. }) {
            continue;
        }
        out.push(TicketEvent { at: e.at, kind });
    }
    for m in &h.messages {
        let kind = if m.author_kind == kefu_model::AuthorKind::Customer {
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
        out.push(TicketEvent {
            at: tr.at,
            kind: EventKind::StateChanged { to: tr.to_state },
        });
    }
    // Stable: events at one instant keep the order above.
    out.sort_by_key(|e| e.at);
    out
}

/// The SLA status at `at` of the ticket of history `h` under `set`.
pub fn evaluate(h: &TicketHistory, set: &PolicySet, at: DateTime<Utc>) -> Option<SlaStatus> {
    kefu_sla::evaluate(&events(h), set, at).ok()
}

/// The SLA status now of the ticket of history `h` under the workspace's policies.
pub async fn status_of_history(
    state: &AppState,
    scope: &WorkspaceScope,
    h: &TicketHistory,
) -> Result<Option<SlaStatus>, ApiError> {
    Ok(policy_set(state, scope)
        .await?
        .and_then(|set| evaluate(h, &set, state.store.now())))
}

/// The SLA status of ticket `id` now under `set`.
pub async fn status_now(
    state: &AppState,
    scope: &WorkspaceScope,
    set: &PolicySet,
    id: &str,
) -> Result<Option<SlaStatus>, ApiError> {
    let h = state.store.ticket_history(scope, id).await?;
    Ok(evaluate(&h, set, state.store.now()))
}

/// The SLA status at `now` of each ticket of `ids` (in `scope`; others left out), from their
/// histories loaded in batches: the clock data for lists, views, the timer and SLA
/// compliance reports (`kefu_sla::compliance` over the statuses).
pub async fn statuses(
    store: &Store,
    scope: &WorkspaceScope,
    set: &PolicySet,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, SlaStatus)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for h in store.ticket_histories(scope, ids).await? {
        if let Some(s) = evaluate(&h, set, now) {
            out.push((h.ticket.id, s));
        }
    }
    Ok(out)
}

/// The SLA status now of each ticket of `ids` (for lists): id → status.
pub async fn status_map(
    state: &AppState,
    scope: &WorkspaceScope,
    set: &PolicySet,
    ids: &[String],
) -> Result<HashMap<String, SlaStatus>, ApiError> {
    Ok(statuses(&state.store, scope, set, ids, state.store.now())
        .await?
        .into_iter()
        .collect())
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

/// The names of the workspace's policies (none without policies).
pub async fn policy_names(
    state: &AppState,
    scope: &WorkspaceScope,
) -> Result<Vec<String>, ApiError> {
    Ok(policy_set(state, scope)
        .await?
        .map(|s| s.policies().iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default())
}

/// The SLA status of ticket `id` now; `None` without policies.
pub async fn ticket_status(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<Option<SlaStatus>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let id = path_id(id)?;
    state.store.get_ticket(&p.scope, &id).await?;
    match policy_set(state, &p.scope).await? {
        Some(set) => status_now(state, &p.scope, &set, &id).await,
        None => Ok(None),
    }
}

/// Assigns SLA policy `policy` to ticket `id` by hand (from now on; the business time already
/// used is kept and judged against the new targets), or `None` to match by attributes again.
/// An unknown name is 422 `invalid_field`. Returns the ticket's SLA status now.
pub async fn assign_policy(
    state: &AppState,
    auth: &Auth,
    id: &str,
    policy: Option<String>,
) -> Result<Option<SlaStatus>, ApiError> {
    let p = auth.require(Action::ManageSla)?;
    let id = path_id(id)?;
    state.store.get_ticket(&p.scope, &id).await?;
    let set = policy_set(state, &p.scope).await?;
    if let Some(name) = &policy
        && set.as_ref().and_then(|s| s.policy(name)).is_none()
    {
        return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "policy".into(),
            reason: kefu_model::error::FieldProblem::Format,
        }));
    }
    state
        .store
        .assign_sla_policy(&p.scope, &p.actor(), &id, policy)
        .await?;
    match set {
        Some(set) => status_now(state, &p.scope, &set, &id).await,
        None => Ok(None),
    }
}

/// The workspace's ticket settings.
pub async fn settings(state: &AppState, auth: &Auth) -> Result<TicketSettings, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.ticket_settings(&p.scope).await?)
}

/// A change of the ticket settings: each `Some` is applied.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// The calendars and policies (`Some(None)` removes them).
    pub policies: Option<Option<PolicySet>>,
    pub reopen_window_minutes: Option<i64>,
    pub complaint_follow_up_required: Option<bool>,
    pub pending_remind_minutes: Option<i64>,
    pub pending_resolve_minutes: Option<i64>,
    /// The tier-2 group, as given (`Some(None)` clears it).
    pub tier2_group_id: Option<Option<String>>,
}

/// Changes the workspace's ticket settings (SLA managers); returns them as saved.
pub async fn update_settings(
    state: &AppState,
    auth: &Auth,
    c: SettingsChange,
) -> Result<TicketSettings, ApiError> {
    let p = auth.require(Action::ManageSla)?;
    let tier2 = c
        .tier2_group_id
        .map(|g| opt_id("tier2_group_id", g))
        .transpose()?;
    let policies = c
        .policies
        .map(|set| {
            set.map(|s| serde_json::to_value(&s))
                .transpose()
                .map_err(|e| ApiError::internal("encoding SLA policies", e))
        })
        .transpose()?;
    Ok(state
        .store
        .update_ticket_settings(&p.scope, &p.actor(), |s| {
            if let Some(g) = tier2 {
                s.tier2_group_id = g;
            }
            if let Some(v) = policies {
                s.sla_policies = v;
            }
            if let Some(m) = c.reopen_window_minutes {
                s.reopen_window_minutes = m;
            }
            if let Some(f) = c.complaint_follow_up_required {
                s.complaint_follow_up_required = f;
            }
            if let Some(m) = c.pending_remind_minutes {
                s.pending_remind_minutes = m;
            }
            if let Some(m) = c.pending_resolve_minutes {
                s.pending_resolve_minutes = m;
            }
        })
        .await?)
}
