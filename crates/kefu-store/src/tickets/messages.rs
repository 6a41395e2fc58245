//! Messages on a ticket: public replies and internal notes with author, channel, body and
//! attachment metadata; each audited on the ticket.

use crate::entity::{ticket, ticket_message};
use crate::tickets::{audit_ticket, invalid};
use crate::write::Write;
use crate::write::{Audited, find_scoped};
use crate::{Actor, Result, Store, WorkspaceScope};
use kefu_model::Channel;
use kefu_model::validate::{self, LONG_TEXT, MAX_ITEMS, SHORT_TEXT};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

impl Audited for ticket_message::Model {
    const KIND: &'static str = "ticket_message";
    fn id(&self) -> &str {
        &self.id
    }
}

pub use kefu_model::AuthorKind;

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
        let txn = self.write(scope, actor).await?;
        let saved = add_message_on(&txn, ticket_id, m).await?;
        txn.commit().await?;
        Ok(saved)
    }
}

/// [`Store::add_ticket_message`] on an open transaction `txn`.
pub(crate) async fn add_message_on(
    w: &Write<'_>,
    ticket_id: &str,
    m: NewMessage,
) -> Result<ticket_message::Model> {
    let (txn, scope, actor) = (w, w.scope(), w.actor());
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
        author_kind: m.author,
        public: m.public,
        channel: m.channel,
        body: m.body,
        attachments: serde_json::to_value(&m.attachments).unwrap_or(Value::Array(vec![])),
        created_at: w.now(),
    };
    let after = model.snapshot();
    let saved = model.into_active_model().reset_all().insert(txn).await?;
    let action = if saved.public { "replied" } else { "noted" };
    audit_ticket(txn, action, ticket_id, json!({"message": after})).await?;
    // The inbox: @mentioned users, then the assignee and watchers (not the writer).
    use crate::notifications::notify_on;
    use crate::tickets::notify::{assignee_and_watchers_on, mentioned_on};
    let me = actor.user_id.as_deref();
    let excerpt: String = saved.body.chars().take(200).collect();
    let text = format!("{} — {}", t.subject, excerpt);
    let mentioned = mentioned_on(txn, scope, &saved.body).await?;
    notify_on(txn, &mentioned, me, "mentioned", Some(ticket_id), &text).await?;
    let mut others = assignee_and_watchers_on(txn, scope, &t).await?;
    others.retain(|u| !mentioned.contains(u));
    notify_on(txn, &others, me, "ticket_message", Some(ticket_id), &text).await?;
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
}
