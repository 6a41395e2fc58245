//! The after-sales workflow around a ticket: messages (public replies and internal notes with
//! author, channel, body and attachment metadata), tags, watchers, links between tickets,
//! merge and split, and the workspace's ticket settings (SLA policies, reopen window). Every
//! change is audited on the ticket in its own transaction.

use crate::audit::{Change, record};
use crate::crud::{Audited, check_ref, find_scoped};
use crate::entity::{
    ticket, ticket_link, ticket_message, ticket_settings, ticket_tag, ticket_transition,
    ticket_watcher, user,
};
use crate::tickets::transition_on;
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use chrono::{Duration, Utc};
use kefu_model::validate::{self, LONG_TEXT, MAX_ITEMS, SHORT_TEXT};
use kefu_model::{Channel, TicketState};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Closed tickets may be reopened for this long unless the workspace says otherwise.
pub const DEFAULT_REOPEN_WINDOW_MINUTES: i64 = 7 * 24 * 60;

impl Audited for ticket_message::Model {
    const KIND: &'static str = "ticket_message";
    fn id(&self) -> &str {
        &self.id
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Agent,
    Customer,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Agent => "agent",
            AuthorKind::Customer => "customer",
        }
    }
}

/// Metadata of one attachment (the bytes are stored elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default)]
    pub url: Option<String>,
}

/// A message to add to a ticket.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub author: AuthorKind,
    /// A public reply, or an internal note (`false`; agents only).
    pub public: bool,
    pub channel: Channel,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

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

/// The workspace's ticket settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSettings {
    /// Calendars and policies in the `kefu-sla` spec form; `None` until configured.
    pub sla_policies: Option<Value>,
    pub reopen_window_minutes: i64,
    /// A complaint cannot be closed before its follow-up call (回访) is recorded.
    pub complaint_follow_up_required: bool,
    /// Time-based automation: remind after this long in `pending_customer` (0: never).
    pub pending_remind_minutes: i64,
    /// Time-based automation: resolve after this long in `pending_customer` (0: never).
    pub pending_resolve_minutes: i64,
    /// The tier-2 group (提送二线): a ticket escalated (by hand or on an SLA breach) moves
    /// to it; `None`: escalation keeps the group.
    pub tier2_group_id: Option<String>,
}

impl Default for TicketSettings {
    fn default() -> Self {
        TicketSettings {
            sla_policies: None,
            reopen_window_minutes: DEFAULT_REOPEN_WINDOW_MINUTES,
            complaint_follow_up_required: true,
            pending_remind_minutes: 0,
            pending_resolve_minutes: 0,
            tier2_group_id: None,
        }
    }
}

impl TicketSettings {
    fn of(r: &ticket_settings::Model) -> TicketSettings {
        TicketSettings {
            sla_policies: r.sla_policies.clone(),
            reopen_window_minutes: r.reopen_window_minutes,
            complaint_follow_up_required: r.complaint_follow_up_required,
            pending_remind_minutes: r.pending_remind_minutes,
            pending_resolve_minutes: r.pending_resolve_minutes,
            tier2_group_id: r.tier2_group_id.clone(),
        }
    }

    fn snapshot(&self) -> Value {
        json!({
            "sla_policies": self.sla_policies,
            "reopen_window_minutes": self.reopen_window_minutes,
            "complaint_follow_up_required": self.complaint_follow_up_required,
            "pending_remind_minutes": self.pending_remind_minutes,
            "pending_resolve_minutes": self.pending_resolve_minutes,
            "tier2_group_id": self.tier2_group_id,
        })
    }
}

fn invalid(field: &str, reason: kefu_model::error::FieldProblem) -> StoreError {
    StoreError::Model(kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason,
    })
}

async fn audit_ticket<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    actor: &Actor,
    action: &str,
    ticket_id: &str,
    after: Value,
) -> Result<()> {
    record(
        conn,
        scope,
        actor,
        Change {
            action,
            entity_type: "ticket",
            entity_id: ticket_id,
            before: None,
            after: Some(after),
        },
    )
    .await
}

pub(crate) async fn reopen_window_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
) -> Result<Duration> {
    let minutes = ticket_settings::Entity::find_by_id(scope.id().to_owned())
        .one(conn)
        .await?
        .map(|s| s.reopen_window_minutes)
        .unwrap_or(DEFAULT_REOPEN_WINDOW_MINUTES);
    Ok(Duration::minutes(minutes))
}

pub(crate) async fn settings_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
) -> Result<TicketSettings> {
    Ok(
        match ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(conn)
            .await?
        {
            Some(r) => TicketSettings::of(&r),
            None => TicketSettings::default(),
        },
    )
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

async fn watchers_on<C: ConnectionTrait>(
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

async fn insert_link<C: ConnectionTrait>(
    conn: &C,
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
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

fn validated_message(m: NewMessage) -> Result<NewMessage> {
    if m.author == AuthorKind::Customer && !m.public {
        return Err(invalid("public", kefu_model::error::FieldProblem::Format));
    }
    if m.attachments.len() > MAX_ITEMS {
        return Err(invalid(
            "attachments",
            kefu_model::error::FieldProblem::TooMany,
        ));
    }
    for a in &m.attachments {
        validate::required("attachments.name", &a.name, SHORT_TEXT)?;
        validate::required("attachments.content_type", &a.content_type, SHORT_TEXT)?;
        if let Some(u) = &a.url {
            validate::optional("attachments.url", u, 2000)?;
        }
    }
    Ok(NewMessage {
        body: validate::required("body", &m.body, LONG_TEXT)?,
        ..m
    })
}

impl Store {
    /// Adds a message to a ticket. An agent message's author is the actor; a customer
    /// message's author is the ticket's customer.
    pub async fn add_ticket_message(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        m: NewMessage,
    ) -> Result<ticket_message::Model> {
        let txn = self.db().begin().await?;
        let saved = add_message_on(&txn, scope, actor, ticket_id, m).await?;
        txn.commit().await?;
        self.signal_outbox();
        Ok(saved)
    }
}

/// [`Store::add_ticket_message`] on an open transaction `txn`.
pub(crate) async fn add_message_on<C: ConnectionTrait>(
    txn: &C,
    scope: &WorkspaceScope,
    actor: &Actor,
    ticket_id: &str,
    m: NewMessage,
) -> Result<ticket_message::Model> {
    let m = validated_message(m)?;
    let t = find_scoped::<ticket::Entity, _>(txn, scope, ticket_id).await?;
    let author_id = match m.author {
        AuthorKind::Agent => actor.user_id.clone(),
        AuthorKind::Customer => t.customer_id.clone(),
    };
    let model = ticket_message::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        ticket_id: ticket_id.to_owned(),
        author_id,
        author_kind: m.author.as_str().into(),
        public: m.public,
        channel: m.channel.as_str().into(),
        body: m.body,
        attachments: serde_json::to_value(&m.attachments).unwrap_or(Value::Array(vec![])),
        created_at: Utc::now(),
    };
    let after = model.snapshot();
    let saved = model.into_active_model().reset_all().insert(txn).await?;
    let action = if saved.public { "replied" } else { "noted" };
    audit_ticket(
        txn,
        scope,
        actor,
        action,
        ticket_id,
        json!({"message": after}),
    )
    .await?;
    // The inbox: @mentioned users, then the assignee and watchers (not the writer).
    use crate::ticket_sla::{assignee_and_watchers_on, mentioned_on, notify_on};
    let me = actor.user_id.as_deref();
    let excerpt: String = saved.body.chars().take(200).collect();
    let text = format!("{} — {}", t.subject, excerpt);
    let mentioned = mentioned_on(txn, scope, &saved.body).await?;
    notify_on(
        txn,
        scope,
        &mentioned,
        me,
        "mentioned",
        Some(ticket_id),
        &text,
    )
    .await?;
    let mut others = assignee_and_watchers_on(txn, scope, &t).await?;
    others.retain(|u| !mentioned.contains(u));
    notify_on(
        txn,
        scope,
        &others,
        me,
        "ticket_message",
        Some(ticket_id),
        &text,
    )
    .await?;
    Ok(saved)
}

impl Store {
    /// The messages of a ticket, oldest first.
    pub async fn ticket_messages(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Vec<ticket_message::Model>> {
        self.get_ticket(scope, ticket_id).await?;
        Ok(ticket_message::Entity::find()
            .filter(ticket_message::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_message::Column::TicketId.eq(ticket_id))
            .order_by_asc(ticket_message::Column::CreatedAt)
            .order_by_asc(ticket_message::Column::Id)
            .all(self.db())
            .await?)
    }

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
        let txn = self.db().begin().await?;
        let after = set_tags_on(&txn, scope, actor, ticket_id, tags).await?;
        txn.commit().await?;
        self.signal_outbox();
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
        let txn = self.db().begin().await?;
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
        audit_ticket(
            &txn,
            scope,
            actor,
            action,
            ticket_id,
            json!({"watchers": after}),
        )
        .await?;
        txn.commit().await?;
        self.signal_outbox();
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
        let txn = self.db().begin().await?;
        if insert_link(&txn, scope, ticket_id, other_id, kind.as_str()).await? {
            let after = json!({"link": {"other_id": other_id, "kind": kind}});
            audit_ticket(&txn, scope, actor, "linked", ticket_id, after).await?;
        }
        txn.commit().await?;
        self.signal_outbox();
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
        let txn = self.db().begin().await?;
        let src = find_scoped::<ticket::Entity, _>(&txn, scope, source).await?;
        let dst = find_scoped::<ticket::Entity, _>(&txn, scope, target).await?;
        if dst.state == TicketState::Closed.as_str() || src.state == TicketState::Closed.as_str() {
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
        if src.state != TicketState::Resolved.as_str() {
            transition_on(&txn, scope, actor, source, TicketState::Resolved, &reason).await?;
        }
        transition_on(&txn, scope, actor, source, TicketState::Closed, &reason).await?;
        let after = json!({"merged": {"source": source, "target": target, "messages": moved}});
        audit_ticket(&txn, scope, actor, "merged", target, after).await?;
        txn.commit().await?;
        self.signal_outbox();
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
        let txn = self.db().begin().await?;
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
        let new = insert_derived_ticket(&txn, scope, actor, &t, subject, msg.body.clone()).await?;
        let mut m = msg.into_active_model();
        m.ticket_id = Set(new.id.clone());
        m.update(&txn).await?;
        insert_link(&txn, scope, ticket_id, &new.id, LinkKind::Related.as_str()).await?;
        let after = json!({"split": {"message_id": message_id, "new_ticket_id": new.id}});
        audit_ticket(&txn, scope, actor, "split", ticket_id, after).await?;
        txn.commit().await?;
        self.signal_outbox();
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
                let txn = self.db().begin().await?;
                let t = find_scoped::<ticket::Entity, _>(&txn, scope, id).await?;
                let subject: String = format!("{} (follow-up)", t.subject)
                    .chars()
                    .take(SHORT_TEXT)
                    .collect();
                let new = insert_derived_ticket(&txn, scope, actor, &t, subject, reason).await?;
                insert_link(&txn, scope, id, &new.id, LinkKind::FollowUp.as_str()).await?;
                let after = json!({"follow_up": new.id});
                audit_ticket(&txn, scope, actor, "followed_up", id, after).await?;
                txn.commit().await?;
                self.signal_outbox();
                Ok((new, true))
            }
            Err(e) => Err(e),
        }
    }

    /// The workspace's ticket settings (defaults when never set).
    pub async fn ticket_settings(&self, scope: &WorkspaceScope) -> Result<TicketSettings> {
        let row = ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(self.db())
            .await?;
        Ok(match row {
            Some(r) => TicketSettings::of(&r),
            None => TicketSettings::default(),
        })
    }

    /// Changes the workspace's ticket settings. The caller validates `sla_policies` (the
    /// `kefu-sla` spec); a negative reopen window is `invalid_field`.
    pub async fn update_ticket_settings(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        apply: impl FnOnce(&mut TicketSettings),
    ) -> Result<TicketSettings> {
        let txn = self.db().begin().await?;
        let row = ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(&txn)
            .await?;
        let mut s = match &row {
            Some(r) => TicketSettings::of(r),
            None => TicketSettings::default(),
        };
        let before = s.snapshot();
        apply(&mut s);
        for (field, v) in [
            ("reopen_window_minutes", s.reopen_window_minutes),
            ("pending_remind_minutes", s.pending_remind_minutes),
            ("pending_resolve_minutes", s.pending_resolve_minutes),
        ] {
            if v < 0 {
                return Err(invalid(field, kefu_model::error::FieldProblem::Format));
            }
        }
        if let Some(g) = &s.tier2_group_id
            && find_scoped::<crate::entity::team::Entity, _>(&txn, scope, g)
                .await
                .is_err()
        {
            return Err(StoreError::UnknownReference {
                field: "tier2_group_id",
            });
        }
        let model = ticket_settings::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            sla_policies: Set(s.sla_policies.clone()),
            reopen_window_minutes: Set(s.reopen_window_minutes),
            complaint_follow_up_required: Set(s.complaint_follow_up_required),
            pending_remind_minutes: Set(s.pending_remind_minutes),
            pending_resolve_minutes: Set(s.pending_resolve_minutes),
            updated_at: Set(Utc::now()),
            tier2_group_id: Set(s.tier2_group_id.clone()),
        };
        if row.is_some() {
            model.update(&txn).await?;
        } else {
            model.insert(&txn).await?;
        }
        let after = s.snapshot();
        record(
            &txn,
            scope,
            actor,
            Change {
                action: "updated",
                entity_type: "ticket_settings",
                entity_id: scope.id(),
                before: Some(before),
                after: Some(after),
            },
        )
        .await?;
        txn.commit().await?;
        self.signal_outbox();
        Ok(s)
    }

    /// Everything the SLA clock of a ticket is computed from.
    pub async fn ticket_history(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<TicketHistory> {
        let ticket = self.get_ticket(scope, ticket_id).await?;
        let transitions = self.ticket_transitions(scope, ticket_id).await?;
        let messages = self.ticket_messages(scope, ticket_id).await?;
        let sla_events = self.ticket_sla_events(scope, ticket_id).await?;
        Ok(TicketHistory {
            ticket,
            transitions,
            messages,
            sla_events,
        })
    }
}

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
        let txn = self.db().begin().await?;
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
            at: Set(Utc::now()),
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
        audit_ticket(&txn, scope, &actor, action, ticket_id, info.clone()).await?;
        {
            use crate::ticket_sla::notify_on;
            let text = format!("{} — {} {}", t.subject, n.metric, n.due.to_rfc3339());
            let assignee: Vec<String> = t.assignee_id.iter().cloned().collect();
            notify_on(&txn, scope, &assignee, None, action, Some(ticket_id), &text).await?;
            if n.kind == "breach" && n.escalate_to.as_deref() == Some("supervisor") {
                let sups = match &t.group_id {
                    Some(g) => crate::ticket_sla::group_supervisors_on(&txn, scope, g).await?,
                    None => vec![],
                };
                notify_on(
                    &txn,
                    scope,
                    &sups,
                    None,
                    "sla_escalated",
                    Some(ticket_id),
                    &text,
                )
                .await?;
            }
        }
        if n.kind == "breach" {
            match n.escalate_to.as_deref() {
                Some("tier2") => {
                    let from = TicketState::parse(&t.state).unwrap_or(TicketState::New);
                    if from != TicketState::Escalated
                        && from.transition(TicketState::Escalated).is_ok()
                    {
                        let reason = format!("SLA {} breached", n.metric);
                        transition_on(
                            &txn,
                            scope,
                            &actor,
                            ticket_id,
                            TicketState::Escalated,
                            &reason,
                        )
                        .await?;
                    }
                }
                Some(_) => {
                    audit_ticket(&txn, scope, &actor, "sla_escalated", ticket_id, info).await?;
                }
                None => {}
            }
        }
        txn.commit().await?;
        self.signal_outbox();
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
        if t.state != TicketState::PendingCustomer.as_str() {
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

pub use crate::ticket_sla::TicketHistory;

impl Store {
    /// The histories of many tickets of `scope` in four queries per 500 ids (tickets not
    /// in the workspace are left out), in the order of `ids`.
    pub async fn ticket_histories(
        &self,
        scope: &WorkspaceScope,
        ids: &[String],
    ) -> Result<Vec<TicketHistory>> {
        use std::collections::HashMap;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let keys = chunk.iter().map(String::as_str);
            let tickets: HashMap<String, ticket::Model> = ticket::Entity::find()
                .filter(ticket::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket::Column::Id.is_in(keys.clone()))
                .all(self.db())
                .await?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
            let mut trs: HashMap<String, Vec<ticket_transition::Model>> = HashMap::new();
            for t in ticket_transition::Entity::find()
                .filter(ticket_transition::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket_transition::Column::TicketId.is_in(keys.clone()))
                .order_by_asc(ticket_transition::Column::Seq)
                .all(self.db())
                .await?
            {
                trs.entry(t.ticket_id.clone()).or_default().push(t);
            }
            let mut msgs: HashMap<String, Vec<ticket_message::Model>> = HashMap::new();
            for m in ticket_message::Entity::find()
                .filter(ticket_message::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket_message::Column::TicketId.is_in(keys.clone()))
                .order_by_asc(ticket_message::Column::CreatedAt)
                .order_by_asc(ticket_message::Column::Id)
                .all(self.db())
                .await?
            {
                msgs.entry(m.ticket_id.clone()).or_default().push(m);
            }
            use crate::entity::ticket_sla_event as sev;
            let mut sla: HashMap<String, Vec<sev::Model>> = HashMap::new();
            for e in sev::Entity::find()
                .filter(sev::Column::WorkspaceId.eq(scope.id()))
                .filter(sev::Column::TicketId.is_in(keys))
                .order_by_asc(sev::Column::Seq)
                .all(self.db())
                .await?
            {
                sla.entry(e.ticket_id.clone()).or_default().push(e);
            }
            for id in chunk {
                if let Some(t) = tickets.get(id) {
                    out.push(TicketHistory {
                        ticket: t.clone(),
                        transitions: trs.remove(id).unwrap_or_default(),
                        messages: msgs.remove(id).unwrap_or_default(),
                        sla_events: sla.remove(id).unwrap_or_default(),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Creates a new ticket that inherits `from`'s customer, type, priority, assignee and group
/// (a split-off part or a follow-up), audited as `created` on `txn`.
async fn insert_derived_ticket(
    txn: &sea_orm::DatabaseTransaction,
    scope: &WorkspaceScope,
    actor: &Actor,
    from: &ticket::Model,
    subject: String,
    description: String,
) -> Result<ticket::Model> {
    let now = Utc::now();
    let new = ticket::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        customer_id: from.customer_id.clone(),
        ticket_type: from.ticket_type.clone(),
        subject,
        description,
        priority: from.priority.clone(),
        state: TicketState::New.as_str().into(),
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
    record(txn, scope, actor, change).await?;
    crate::ticket_sla::record_attributes_on(txn, scope, actor, &new, now).await?;
    Ok(new)
}

/// [`Store::set_ticket_tags`] on an open transaction `txn`.
pub(crate) async fn set_tags_on<C: ConnectionTrait>(
    txn: &C,
    scope: &WorkspaceScope,
    actor: &Actor,
    ticket_id: &str,
    tags: &[String],
) -> Result<Vec<String>> {
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
    record(
        txn,
        scope,
        actor,
        Change {
            action: "tagged",
            entity_type: "ticket",
            entity_id: ticket_id,
            before: Some(json!({"tags": before})),
            after: Some(json!({"tags": after})),
        },
    )
    .await?;
    Ok(after)
}
