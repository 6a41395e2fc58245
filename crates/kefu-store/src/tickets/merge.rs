//! Merging tickets, splitting one, and reopening one as a linked follow-up; each one
//! transaction.

use crate::audit::Change;
use crate::entity::{ticket, ticket_link, ticket_message, ticket_tag, ticket_watcher};
use crate::tickets::audit_ticket;
use crate::tickets::relations::{LinkKind, insert_link, tags_on, watchers_on};
use crate::tickets::ticket::transition_on;
use crate::write::{Audited, Write, check_ref, find_scoped};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::TicketState;
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde_json::json;

impl Store {
    /// Merges `source` into `target`: messages, links, tags and watchers move to the target,
    /// the source is marked a duplicate of the target and closed (through `resolved`), all in
    /// one transaction. 409 `merge_into_self` / `ticket_closed` (the target is closed).
    pub async fn merge_tickets(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        source: &str,
        target: &str,
    ) -> Result<ticket::Model> {
        if source == target {
            return Err(StoreError::conflict(
                "merge_into_self",
                "a ticket cannot merge into itself",
            ));
        }
        self.get_ticket(scope, source).await?;
        check_ref::<ticket::Entity>(self, scope, "into", Some(target)).await?;
        let txn = self.write(scope, actor).await?;
        let src = find_scoped::<ticket::Entity, _>(&txn, scope, source).await?;
        let dst = find_scoped::<ticket::Entity, _>(&txn, scope, target).await?;
        if dst.state == TicketState::Closed || src.state == TicketState::Closed {
            return Err(StoreError::conflict(
                "ticket_closed",
                "closed tickets cannot be merged",
            ));
        }
        let moved = ticket_message::Entity::update_many()
            .col_expr(
                ticket_message::Column::TicketId,
                sea_orm::sea_query::Expr::value(target),
            )
            .filter(ticket_message::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_message::Column::TicketId.eq(source))
            .exec(&txn)
            .await?
            .rows_affected;
        // Links of the source are re-pointed at the target.
        let links = ticket_link::Entity::find()
            .filter(ticket_link::Column::WorkspaceId.eq(scope.id()))
            .filter(
                Condition::any()
                    .add(ticket_link::Column::TicketId.eq(source))
                    .add(ticket_link::Column::OtherId.eq(source)),
            )
            .all(&txn)
            .await?;
        for l in links {
            let from = if l.ticket_id == source {
                target
            } else {
                l.ticket_id.as_str()
            };
            let to = if l.other_id == source {
                target
            } else {
                l.other_id.as_str()
            };
            insert_link(&txn, scope, from, to, &l.kind).await?;
            ticket_link::Entity::delete_by_id(l.seq).exec(&txn).await?;
        }
        let dst_tags = tags_on(&txn, scope, target).await?;
        for tag in tags_on(&txn, scope, source).await? {
            if !dst_tags.contains(&tag) {
                ticket_tag::ActiveModel {
                    workspace_id: Set(scope.id().to_owned()),
                    ticket_id: Set(target.to_owned()),
                    tag: Set(tag),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        let dst_watchers = watchers_on(&txn, scope, target).await?;
        for w in watchers_on(&txn, scope, source).await? {
            if !dst_watchers.contains(&w) {
                ticket_watcher::ActiveModel {
                    workspace_id: Set(scope.id().to_owned()),
                    ticket_id: Set(target.to_owned()),
                    user_id: Set(w),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        insert_link(&txn, scope, source, target, LinkKind::Duplicate.as_str()).await?;
        let reason = format!("merged into {target}");
        if src.state != TicketState::Resolved {
            transition_on(&txn, source, TicketState::Resolved, &reason).await?;
        }
        transition_on(&txn, source, TicketState::Closed, &reason).await?;
        let after = json!({"merged": {"source": source, "target": target, "messages": moved}});
        audit_ticket(&txn, "merged", target, after).await?;
        txn.commit().await?;
        self.get_ticket(scope, target).await
    }

    /// Splits a message off into a new ticket (same customer, type, priority, assignee and
    /// group; the message body as description), linked `related` to the original.
    pub async fn split_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        message_id: &str,
        subject: Option<String>,
    ) -> Result<ticket::Model> {
        let txn = self.write(scope, actor).await?;
        let t = find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        let msg = find_scoped::<ticket_message::Entity, _>(&txn, scope, message_id)
            .await
            .ok()
            .filter(|m| m.ticket_id == ticket_id)
            .ok_or(StoreError::UnknownReference {
                field: "message_id",
            })?;
        let subject = match subject {
            Some(s) => validate::required("subject", &s, SHORT_TEXT)?,
            None => {
                let s: String = format!("{} (split)", t.subject)
                    .chars()
                    .take(SHORT_TEXT)
                    .collect();
                s
            }
        };
        let new = insert_derived_ticket(&txn, &t, subject, msg.body.clone()).await?;
        let mut m = msg.into_active_model();
        m.ticket_id = Set(new.id.clone());
        m.update(&txn).await?;
        insert_link(&txn, scope, ticket_id, &new.id, LinkKind::Related.as_str()).await?;
        let after = json!({"split": {"message_id": message_id, "new_ticket_id": new.id}});
        audit_ticket(&txn, "split", ticket_id, after).await?;
        txn.commit().await?;
        Ok(new)
    }

    /// Reopens a closed or resolved ticket. Within the reopen window the ticket itself is
    /// reopened; after it a follow-up ticket is created (linked `follow_up`, same customer,
    /// type, priority, assignee and group). Returns the ticket that is now open and whether
    /// it is a new follow-up.
    pub async fn reopen_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        reason: &str,
    ) -> Result<(ticket::Model, bool)> {
        match self
            .transition_ticket(scope, actor, id, TicketState::Reopened, reason)
            .await
        {
            Ok(t) => Ok((t, false)),
            Err(StoreError::Conflict {
                code: "reopen_window_passed",
                ..
            }) => {
                let reason = validate::optional("reason", reason, SHORT_TEXT)?.to_owned();
                let txn = self.write(scope, actor).await?;
                let t = find_scoped::<ticket::Entity, _>(&txn, scope, id).await?;
                let subject: String = format!("{} (follow-up)", t.subject)
                    .chars()
                    .take(SHORT_TEXT)
                    .collect();
                let new = insert_derived_ticket(&txn, &t, subject, reason).await?;
                insert_link(&txn, scope, id, &new.id, LinkKind::FollowUp.as_str()).await?;
                let after = json!({"follow_up": new.id});
                audit_ticket(&txn, "followed_up", id, after).await?;
                txn.commit().await?;
                Ok((new, true))
            }
            Err(e) => Err(e),
        }
    }
}

/// Creates a new ticket that inherits `from`'s customer, type, priority, assignee and group
/// (a split-off part or a follow-up), audited as `created` on `txn`.
pub(crate) async fn insert_derived_ticket(
    txn: &Write<'_>,
    from: &ticket::Model,
    subject: String,
    description: String,
) -> Result<ticket::Model> {
    let (scope, now) = (txn.scope(), txn.now());
    let new = ticket::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        customer_id: from.customer_id.clone(),
        ticket_type: from.ticket_type,
        subject,
        description,
        priority: from.priority,
        state: TicketState::New,
        assignee_id: from.assignee_id.clone(),
        group_id: from.group_id.clone(),
        created_at: now,
        updated_at: now,
    };
    let snapshot = new.snapshot();
    let new = new.into_active_model().reset_all().insert(txn).await?;
    let change = Change {
        action: "created",
        entity_type: "ticket",
        entity_id: &new.id,
        before: None,
        after: Some(snapshot),
    };
    txn.record(change).await?;
    crate::tickets::sla::record_attributes_on(txn, &new, now).await?;
    Ok(new)
}
