//! What a ticket's SLA clock is matched on, kept as history (`ticket_sla_events`): the
//! ticket's type, priority and its customer's value tier (CRM `value_tier`) as of creation
//! and as of every change of one of them, and policies assigned by hand. Each row is written
//! in the transaction of the change that caused it, so the clock (a pure function of this
//! history, the transitions and the messages) is never stale. Also the in-app notification
//! inbox (`notifications`), written in the transaction of what it tells about.

use crate::audit::{Change, record};
use crate::crud::find_scoped;
use crate::entity::{
    customer, notification, team_member, ticket, ticket_message, ticket_sla_event,
    ticket_transition, ticket_watcher, user,
};
use crate::page::page_of;
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
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
pub(crate) async fn record_attributes_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    actor: &Actor,
    t: &ticket::Model,
    at: DateTime<Utc>,
) -> Result<bool> {
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
        ticket_type: Set(t.ticket_type.clone()),
        priority: Set(t.priority.clone()),
        tier: Set(tier),
        policy: Set(None),
        actor_id: Set(actor.user_id.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// Adds one inbox entry per user in `users` (duplicates and `skip` left out).
pub(crate) async fn notify_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    users: &[String],
    skip: Option<&str>,
    kind: &str,
    ticket_id: Option<&str>,
    text: &str,
) -> Result<usize> {
    let mut done: Vec<&str> = vec![];
    let now = Utc::now();
    for u in users {
        if done.contains(&u.as_str()) || Some(u.as_str()) == skip {
            continue;
        }
        done.push(u);
        notification::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            user_id: Set(u.clone()),
            kind: Set(kind.to_owned()),
            ticket_id: Set(ticket_id.map(str::to_owned)),
            text: Set(text.chars().take(500).collect()),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(done.len())
}

/// The supervisors (and admins) who are members of group `group_id`.
pub(crate) async fn group_supervisors_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    group_id: &str,
) -> Result<Vec<String>> {
    let members: Vec<String> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::UserId)
        .filter(team_member::Column::WorkspaceId.eq(scope.id()))
        .filter(team_member::Column::TeamId.eq(group_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .filter(user::Column::Id.is_in(members.iter().map(String::as_str)))
        .filter(user::Column::Role.is_in(["supervisor", "admin"]))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// A `notify` action: `users` (those of the workspace), the ticket's assignee and/or the
/// supervisors of its group get an entry of kind `trigger`.
pub(crate) async fn notify_ticket_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    t: &ticket::Model,
    users: &[String],
    assignee: bool,
    supervisors: bool,
    text: &str,
) -> Result<usize> {
    let mut to: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .filter(user::Column::Id.is_in(users.iter().map(String::as_str)))
        .into_tuple()
        .all(conn)
        .await?;
    if assignee {
        to.extend(t.assignee_id.iter().cloned());
    }
    if supervisors && let Some(g) = &t.group_id {
        to.extend(group_supervisors_on(conn, scope, g).await?);
    }
    notify_on(conn, scope, &to, None, "trigger", Some(&t.id), text).await
}

/// The ticket's assignee and watchers.
pub(crate) async fn assignee_and_watchers_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    t: &ticket::Model,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = t.assignee_id.iter().cloned().collect();
    out.extend(
        ticket_watcher::Entity::find()
            .filter(ticket_watcher::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_watcher::Column::TicketId.eq(t.id.as_str()))
            .order_by_asc(ticket_watcher::Column::Seq)
            .all(conn)
            .await?
            .into_iter()
            .map(|w| w.user_id),
    );
    Ok(out)
}

/// The users of `scope` mentioned in `body` as `@name` (their display name without spaces
/// or their e-mail's local part, case-insensitive).
pub(crate) async fn mentioned_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    body: &str,
) -> Result<Vec<String>> {
    let handles: Vec<String> = body
        .split(|c: char| c.is_whitespace() || ",;:!?()，。".contains(c))
        .filter_map(|w| w.strip_prefix('@'))
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    if handles.is_empty() {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .filter(|u| {
            let name = u.name.replace(' ', "").to_lowercase();
            let local = u.email.split('@').next().unwrap_or("").to_lowercase();
            handles.iter().any(|h| *h == name || *h == local)
        })
        .map(|u| u.id)
        .collect())
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
        let txn = self.db().begin().await?;
        let t = find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        ticket_sla_event::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            ticket_id: Set(t.id.clone()),
            at: Set(Utc::now()),
            kind: Set("policy".into()),
            ticket_type: Set(t.ticket_type.clone()),
            priority: Set(t.priority.clone()),
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
        record(&txn, scope, actor, change).await?;
        txn.commit().await?;
        self.signal_outbox();
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
        let txn = self.db().begin().await?;
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket::Column::CustomerId.eq(customer_id))
            .filter(ticket::Column::State.is_not_in(["resolved", "closed"]))
            .all(&txn)
            .await?;
        let mut n = 0;
        let system = Actor { user_id: None };
        for t in &tickets {
            // Never before the ticket's own creation snapshot.
            let at = at.max(t.created_at);
            if record_attributes_on(&txn, &scope, &system, t, at).await? {
                n += 1;
            }
        }
        txn.commit().await?;
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

    /// One page of `user_id`'s notifications, newest first (`unread` only if asked).
    pub async fn notifications(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
        unread: bool,
        page: &PageRequest,
    ) -> Result<Page<notification::Model>> {
        let mut q = notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id));
        if unread {
            q = q.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(after) = page.after()? {
            let seq: i64 = after.parse().map_err(|_| StoreError::BadCursor)?;
            q = q.filter(notification::Column::Seq.lt(seq));
        }
        let rows = q
            .order_by_desc(notification::Column::Seq)
            .limit(page.limit() + 1)
            .all(self.db())
            .await?;
        Ok(page_of(rows, page.limit(), |n| n.seq.to_string()))
    }

    /// How many notifications of `user_id` are unread.
    pub async fn unread_notifications(&self, scope: &WorkspaceScope, user_id: &str) -> Result<u64> {
        Ok(notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }

    /// Marks `user_id`'s notifications read: the given ones (`Some(seqs)`) or all. Returns
    /// how many changed. Another user's entries are left alone.
    pub async fn mark_notifications_read(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
        seqs: Option<&[i64]>,
    ) -> Result<u64> {
        let mut q = notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(s) = seqs {
            q = q.filter(notification::Column::Seq.is_in(s.iter().copied()));
        }
        Ok(q.exec(self.db()).await?.rows_affected)
    }
}
