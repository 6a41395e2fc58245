//! What the SLA timer reads and records: the workspaces and tickets it sweeps, one notice per
//! (ticket, metric, cycle, warning|breach), and the time-based automation of pending tickets.

use crate::entity::{ticket, ticket_settings, ticket_transition};
use crate::tickets::audit_ticket;
use crate::tickets::settings::TicketSettings;
use crate::tickets::ticket::transition_on;
use crate::write::find_scoped;
use crate::{Actor, Result, Store, WorkspaceScope};
use chrono::{Duration, Utc};
use kefu_model::TicketState;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// What the SLA timer does about one target of a ticket.
#[derive(Debug, Clone)]
pub struct SlaNotice {
    /// `warning` or `breach`.
    pub kind: &'static str,
    pub metric: String,
    /// Start of the target's cycle (identifies next-response cycles).
    pub started_at: chrono::DateTime<Utc>,
    pub due: chrono::DateTime<Utc>,
    /// On a breach: `tier2` moves the ticket to `escalated`; `supervisor` alerts the
    /// supervisors (an audited `sla_escalated` event for their overview and notifications).
    pub escalate_to: Option<String>,
}

impl Store {
    /// The workspaces with ticket settings (SLA policies or time-based automations), for the
    /// SLA timer (a system task, not a request).
    pub async fn sla_workspaces(&self) -> Result<Vec<WorkspaceScope>> {
        Ok(ticket_settings::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| WorkspaceScope::new(s.workspace_id))
            .collect())
    }

    /// Ids of the tickets of `scope` that are not resolved or closed.
    pub async fn active_ticket_ids(&self, scope: &WorkspaceScope) -> Result<Vec<String>> {
        use sea_orm::QuerySelect;
        Ok(ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(
                ticket::Column::State
                    .is_not_in([TicketState::Resolved.as_str(), TicketState::Closed.as_str()]),
            )
            .into_tuple::<String>()
            .all(self.db())
            .await?)
    }

    /// Acts on an SLA warning or breach once: records the notice, audits `sla_warning` /
    /// `sla_breached` on the ticket (the outbox event notifies), and on a breach escalates
    /// (`tier2`: transition to `escalated` if the state machine allows; `supervisor`: an
    /// `sla_escalated` event). Returns false if this notice was already acted on.
    pub async fn record_sla_notice(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
        n: &SlaNotice,
    ) -> Result<bool> {
        use crate::entity::ticket_sla_notice as notice;
        let actor = Actor { user_id: None };
        let txn = self.write(scope, &actor).await?;
        let t = find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        let seen = notice::Entity::find()
            .filter(notice::Column::WorkspaceId.eq(scope.id()))
            .filter(notice::Column::TicketId.eq(ticket_id))
            .filter(notice::Column::Kind.eq(n.kind))
            .filter(notice::Column::Metric.eq(n.metric.as_str()))
            .filter(notice::Column::StartedAt.eq(n.started_at))
            .one(&txn)
            .await?;
        if seen.is_some() {
            return Ok(false);
        }
        notice::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            ticket_id: Set(ticket_id.to_owned()),
            kind: Set(n.kind.to_owned()),
            metric: Set(n.metric.clone()),
            started_at: Set(n.started_at),
            at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let info = json!({"sla": {"metric": n.metric, "due": n.due, "escalate_to": n.escalate_to}});
        let action = match n.kind {
            "warning" => "sla_warning",
            "reminder" => "pending_reminder",
            _ => "sla_breached",
        };
        audit_ticket(&txn, action, ticket_id, info.clone()).await?;
        {
            use crate::notifications::notify_on;
            let text = format!("{} — {} {}", t.subject, n.metric, n.due.to_rfc3339());
            let assignee: Vec<String> = t.assignee_id.iter().cloned().collect();
            notify_on(&txn, &assignee, None, action, Some(ticket_id), &text).await?;
            if n.kind == "breach" && n.escalate_to.as_deref() == Some("supervisor") {
                let sups = match &t.group_id {
                    Some(g) => crate::tickets::notify::group_supervisors_on(&txn, scope, g).await?,
                    None => vec![],
                };
                notify_on(&txn, &sups, None, "sla_escalated", Some(ticket_id), &text).await?;
            }
        }
        if n.kind == "breach" {
            match n.escalate_to.as_deref() {
                Some("tier2") => {
                    let from = t.state;
                    if from != TicketState::Escalated
                        && from.transition(TicketState::Escalated).is_ok()
                    {
                        let reason = format!("SLA {} breached", n.metric);
                        transition_on(&txn, ticket_id, TicketState::Escalated, &reason).await?;
                    }
                }
                Some(_) => {
                    audit_ticket(&txn, "sla_escalated", ticket_id, info).await?;
                }
                None => {}
            }
        }
        txn.commit().await?;
        Ok(true)
    }

    /// The tickets of `scope` with an SLA breach on record, newest first.
    pub async fn sla_breached_ticket_ids(&self, scope: &WorkspaceScope) -> Result<Vec<String>> {
        use crate::entity::ticket_sla_notice as notice;
        let mut out: Vec<String> = Vec::new();
        for n in notice::Entity::find()
            .filter(notice::Column::WorkspaceId.eq(scope.id()))
            .filter(notice::Column::Kind.eq("breach"))
            .order_by_desc(notice::Column::Seq)
            .all(self.db())
            .await?
        {
            if !out.contains(&n.ticket_id) {
                out.push(n.ticket_id);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Time-based automation of one ticket waiting in `pending_customer` since `since`: after
    /// the remind delay an audited `pending_reminder` event (once per wait; the outbox event
    /// notifies the customer), after the resolve delay a transition to `resolved` by the
    /// system. Returns what was done: `Some("reminded")`, `Some("resolved")` or `None`.
    pub async fn pending_automation(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
        settings: &TicketSettings,
        now: chrono::DateTime<Utc>,
    ) -> Result<Option<&'static str>> {
        let t = self.get_ticket(scope, ticket_id).await?;
        if t.state != TicketState::PendingCustomer {
            return Ok(None);
        }
        let since = ticket_transition::Entity::find()
            .filter(ticket_transition::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_transition::Column::TicketId.eq(ticket_id))
            .order_by_desc(ticket_transition::Column::Seq)
            .one(self.db())
            .await?
            .map(|tr| tr.at)
            .unwrap_or(t.updated_at);
        let waited = now - since;
        let actor = Actor { user_id: None };
        if settings.pending_resolve_minutes > 0
            && waited >= Duration::minutes(settings.pending_resolve_minutes)
        {
            self.transition_ticket(
                scope,
                &actor,
                ticket_id,
                TicketState::Resolved,
                "no reply from the customer",
            )
            .await?;
            return Ok(Some("resolved"));
        }
        if settings.pending_remind_minutes > 0
            && waited >= Duration::minutes(settings.pending_remind_minutes)
        {
            let n = SlaNotice {
                kind: "reminder",
                metric: "pending_customer".into(),
                started_at: since,
                due: since + Duration::minutes(settings.pending_remind_minutes),
                escalate_to: None,
            };
            if self.record_sla_notice(scope, ticket_id, &n).await? {
                return Ok(Some("reminded"));
            }
        }
        Ok(None)
    }
}
