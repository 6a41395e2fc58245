//! What surrounds a ticket: its tags, watchers and links to other tickets.

use crate::audit::Change;
use crate::entity::{ticket, ticket_link, ticket_tag, ticket_watcher, user};
use crate::tickets::audit_ticket;
use crate::write::Write;
use crate::write::{check_ref, find_scoped};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use chrono::Utc;
use kefu_model::validate::{self};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The kinds of links between tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Symmetric.
    Related,
    /// The other ticket is a follow-up of this one.
    FollowUp,
    /// This ticket duplicates the other.
    Duplicate,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Related => "related",
            LinkKind::FollowUp => "follow_up",
            LinkKind::Duplicate => "duplicate",
        }
    }
}

/// A link as seen from one ticket: `outgoing` when that ticket is the link's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkView {
    pub other_id: String,
    pub kind: String,
    pub outgoing: bool,
    pub created_at: chrono::DateTime<Utc>,
}

pub(crate) async fn tags_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    ticket_id: &str,
) -> Result<Vec<String>> {
    Ok(ticket_tag::Entity::find()
        .filter(ticket_tag::Column::WorkspaceId.eq(scope.id()))
        .filter(ticket_tag::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_tag::Column::Tag)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect())
}

pub(crate) async fn watchers_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    ticket_id: &str,
) -> Result<Vec<String>> {
    Ok(ticket_watcher::Entity::find()
        .filter(ticket_watcher::Column::WorkspaceId.eq(scope.id()))
        .filter(ticket_watcher::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_watcher::Column::Seq)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.user_id)
        .collect())
}

pub(crate) async fn insert_link(
    conn: &Write<'_>,
    scope: &WorkspaceScope,
    from: &str,
    to: &str,
    kind: &str,
) -> Result<bool> {
    // `related` is symmetric: one row whichever way it was made.
    let mut existing = Condition::any().add(
        Condition::all()
            .add(ticket_link::Column::TicketId.eq(from))
            .add(ticket_link::Column::OtherId.eq(to)),
    );
    if kind == LinkKind::Related.as_str() {
        existing = existing.add(
            Condition::all()
                .add(ticket_link::Column::TicketId.eq(to))
                .add(ticket_link::Column::OtherId.eq(from)),
        );
    }
    let found = ticket_link::Entity::find()
        .filter(ticket_link::Column::WorkspaceId.eq(scope.id()))
        .filter(ticket_link::Column::Kind.eq(kind))
        .filter(existing)
        .one(conn)
        .await?;
    if found.is_some() || from == to {
        return Ok(false);
    }
    ticket_link::ActiveModel {
        workspace_id: Set(scope.id().to_owned()),
        ticket_id: Set(from.to_owned()),
        other_id: Set(to.to_owned()),
        kind: Set(kind.to_owned()),
        created_at: Set(conn.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

impl Store {
    /// The tags of a ticket, sorted.
    pub async fn ticket_tags(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Vec<String>> {
        self.get_ticket(scope, ticket_id).await?;
        tags_on(self.db(), scope, ticket_id).await
    }

    /// Replaces the tags of a ticket (trimmed, duplicates removed); returns them sorted.
    pub async fn set_ticket_tags(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>> {
        let txn = self.write(scope, actor).await?;
        let after = set_tags_on(&txn, ticket_id, tags).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The watchers (user ids) of a ticket.
    pub async fn ticket_watchers(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Vec<String>> {
        self.get_ticket(scope, ticket_id).await?;
        watchers_on(self.db(), scope, ticket_id).await
    }

    /// Adds (`watch = true`) or removes a watcher; idempotent. Returns the watchers.
    pub async fn set_ticket_watcher(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        user_id: &str,
        watch: bool,
    ) -> Result<Vec<String>> {
        self.get_ticket(scope, ticket_id).await?;
        check_ref::<user::Entity>(self, scope, "user_id", Some(user_id)).await?;
        let txn = self.write(scope, actor).await?;
        let current = watchers_on(&txn, scope, ticket_id).await?;
        let has = current.iter().any(|u| u == user_id);
        if watch && !has {
            ticket_watcher::ActiveModel {
                workspace_id: Set(scope.id().to_owned()),
                ticket_id: Set(ticket_id.to_owned()),
                user_id: Set(user_id.to_owned()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        } else if !watch && has {
            ticket_watcher::Entity::delete_many()
                .filter(ticket_watcher::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket_watcher::Column::TicketId.eq(ticket_id))
                .filter(ticket_watcher::Column::UserId.eq(user_id))
                .exec(&txn)
                .await?;
        } else {
            return Ok(current);
        }
        let after = watchers_on(&txn, scope, ticket_id).await?;
        let action = if watch { "watched" } else { "unwatched" };
        audit_ticket(&txn, action, ticket_id, json!({"watchers": after})).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Links `ticket_id → other_id`. Linking a ticket to itself is 409 `self_link`; an
    /// existing link is left as it is.
    pub async fn link_tickets(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        other_id: &str,
        kind: LinkKind,
    ) -> Result<Vec<LinkView>> {
        if ticket_id == other_id {
            return Err(StoreError::conflict(
                "self_link",
                "a ticket cannot link to itself",
            ));
        }
        self.get_ticket(scope, ticket_id).await?;
        check_ref::<ticket::Entity>(self, scope, "other_id", Some(other_id)).await?;
        let txn = self.write(scope, actor).await?;
        if insert_link(&txn, scope, ticket_id, other_id, kind.as_str()).await? {
            let after = json!({"link": {"other_id": other_id, "kind": kind}});
            audit_ticket(&txn, "linked", ticket_id, after).await?;
            txn.commit().await?;
        } else {
            // An existing link changes nothing: nothing to audit, nothing to commit.
            txn.undo().await?;
        }
        self.ticket_links(scope, ticket_id).await
    }

    /// The links of a ticket, both ways, oldest first.
    pub async fn ticket_links(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Vec<LinkView>> {
        self.get_ticket(scope, ticket_id).await?;
        let rows = ticket_link::Entity::find()
            .filter(ticket_link::Column::WorkspaceId.eq(scope.id()))
            .filter(
                Condition::any()
                    .add(ticket_link::Column::TicketId.eq(ticket_id))
                    .add(ticket_link::Column::OtherId.eq(ticket_id)),
            )
            .order_by_asc(ticket_link::Column::Seq)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|l| {
                let outgoing = l.ticket_id == ticket_id;
                LinkView {
                    other_id: if outgoing { l.other_id } else { l.ticket_id },
                    kind: l.kind,
                    outgoing,
                    created_at: l.created_at,
                }
            })
            .collect())
    }
}

/// [`Store::set_ticket_tags`] on an open transaction `txn`.
pub(crate) async fn set_tags_on(
    w: &Write<'_>,
    ticket_id: &str,
    tags: &[String],
) -> Result<Vec<String>> {
    let (txn, scope) = (w, w.scope());
    let tags = validate::list("tags", tags)?;
    find_scoped::<ticket::Entity, _>(txn, scope, ticket_id).await?;
    let before = tags_on(txn, scope, ticket_id).await?;
    ticket_tag::Entity::delete_many()
        .filter(ticket_tag::Column::WorkspaceId.eq(scope.id()))
        .filter(ticket_tag::Column::TicketId.eq(ticket_id))
        .exec(txn)
        .await?;
    for tag in &tags {
        ticket_tag::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            ticket_id: Set(ticket_id.to_owned()),
            tag: Set(tag.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    let after = tags_on(txn, scope, ticket_id).await?;
    txn.record(Change {
        action: "tagged",
        entity_type: "ticket",
        entity_id: ticket_id,
        before: Some(json!({"tags": before})),
        after: Some(json!({"tags": after})),
    })
    .await?;
    Ok(after)
}
