//! What a ticket's SLA clock is matched on, kept as history (`ticket_sla_events`): the
//! ticket's type, priority and its customer's value tier (CRM `value_tier`) as of creation
//! and as of every change of one of them, and policies assigned by hand. Each row is written
//! in the transaction of the change that caused it, so the clock (a pure function of this
//! history, the transitions and the messages) is never stale.

use crate::audit::Change;
use crate::entity::{customer, ticket, ticket_message, ticket_sla_event, ticket_transition};
use crate::write::Write;
use crate::write::find_scoped;
use crate::{Actor, Result, Store, WorkspaceScope};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

/// Everything a ticket's SLA clock is computed from, each list oldest first.
#[derive(Debug, Clone)]
pub struct TicketHistory {
    pub ticket: ticket::Model,
    pub transitions: Vec<ticket_transition::Model>,
    pub messages: Vec<ticket_message::Model>,
    /// Attribute snapshots (the first is the one at creation) and hand-assigned policies.
    pub sla_events: Vec<ticket_sla_event::Model>,
}

/// The value tier of `customer_id` now (`None` without a customer or a tier).
pub(crate) async fn tier_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    customer_id: Option<&str>,
) -> Result<Option<String>> {
    let Some(id) = customer_id else {
        return Ok(None);
    };
    Ok(customer::Entity::find_by_id(id.to_owned())
        .filter(customer::Column::WorkspaceId.eq(scope.id()))
        .one(conn)
        .await?
        .and_then(|c| c.value_tier))
}

/// Records `t`'s SLA attributes (type, priority, its customer's tier now) at `at` unless
/// they equal the last recorded ones. Returns whether a row was written.
pub(crate) async fn record_attributes_on(
    w: &Write<'_>,
    t: &ticket::Model,
    at: DateTime<Utc>,
) -> Result<bool> {
    let (conn, scope, actor) = (w, w.scope(), w.actor());
    let tier = tier_on(conn, scope, t.customer_id.as_deref()).await?;
    let last = ticket_sla_event::Entity::find()
        .filter(ticket_sla_event::Column::WorkspaceId.eq(scope.id()))
        .filter(ticket_sla_event::Column::TicketId.eq(t.id.as_str()))
        .filter(ticket_sla_event::Column::Kind.eq("attributes"))
        .order_by_desc(ticket_sla_event::Column::Seq)
        .one(conn)
        .await?;
    if let Some(l) = &last
        && l.ticket_type == t.ticket_type
        && l.priority == t.priority
        && l.tier == tier
    {
        return Ok(false);
    }
    ticket_sla_event::ActiveModel {
        workspace_id: Set(scope.id().to_owned()),
        ticket_id: Set(t.id.clone()),
        at: Set(at),
        kind: Set("attributes".into()),
        ticket_type: Set(t.ticket_type),
        priority: Set(t.priority),
        tier: Set(tier),
        policy: Set(None),
        actor_id: Set(actor.user_id.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

impl Store {
    /// Assigns SLA policy `policy` to a ticket by hand (`None`: match by attributes again),
    /// from now on; audited `sla_policy_assigned`. The caller checks that the name exists.
    pub async fn assign_sla_policy(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        policy: Option<String>,
    ) -> Result<()> {
        if let Some(p) = &policy {
            kefu_model::validate::required("policy", p, kefu_model::validate::SHORT_TEXT)?;
        }
        let txn = self.write(scope, actor).await?;
        let t = find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        ticket_sla_event::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            ticket_id: Set(t.id.clone()),
            at: Set(txn.now()),
            kind: Set("policy".into()),
            ticket_type: Set(t.ticket_type),
            priority: Set(t.priority),
            tier: Set(None),
            policy: Set(policy.clone()),
            actor_id: Set(actor.user_id.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let change = Change {
            action: "sla_policy_assigned",
            entity_type: "ticket",
            entity_id: ticket_id,
            before: None,
            after: Some(json!({"sla": {"policy": policy}})),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Re-reads the value tier of customer `customer_id` of workspace `workspace_id` and
    /// records it, as of `at`, on each of the customer's active tickets whose last recorded
    /// tier differs (a system task run on the customer's outbox events). Returns how many
    /// tickets changed.
    pub async fn refresh_customer_tier(
        &self,
        workspace_id: &str,
        customer_id: &str,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let scope = WorkspaceScope::new(workspace_id.to_owned());
        let txn = self.write(&scope, &Actor::default()).await?;
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket::Column::CustomerId.eq(customer_id))
            .filter(ticket::Column::State.is_not_in(["resolved", "closed"]))
            .all(&txn)
            .await?;
        let mut n = 0;
        for t in &tickets {
            // Never before the ticket's own creation snapshot.
            let at = at.max(t.created_at);
            if record_attributes_on(&txn, t, at).await? {
                n += 1;
                crate::tickets::audit_ticket(
                    &txn,
                    "sla_tier_refreshed",
                    &t.id,
                    json!({"customer_id": customer_id, "at": at}),
                )
                .await?;
            }
        }
        if n > 0 {
            txn.commit().await?;
        }
        Ok(n)
    }

    /// The SLA events of a ticket, oldest first.
    pub async fn ticket_sla_events(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Vec<ticket_sla_event::Model>> {
        Ok(ticket_sla_event::Entity::find()
            .filter(ticket_sla_event::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_sla_event::Column::TicketId.eq(ticket_id))
            .order_by_asc(ticket_sla_event::Column::Seq)
            .all(self.db())
            .await?)
    }
}
