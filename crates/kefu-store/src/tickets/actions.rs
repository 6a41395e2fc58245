//! Several changes to one ticket as one transaction: the actions of a macro (with its reply)
//! or of one trigger. Either every action is applied — each audited as if made alone — or,
//! when one fails (a bad reference, a transition the state machine refuses, …), nothing is.

use crate::entity::ticket;
use crate::tickets::messages::{AuthorKind, NewMessage};
use crate::write::find_scoped;
use crate::{Actor, Result, Store, WorkspaceScope};
use kefu_model::{Channel, Priority, TicketState};
use sea_orm::TransactionTrait;

/// One action on a ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketAction {
    SetPriority(Priority),
    Assign(Option<String>),
    SetGroup(Option<String>),
    /// Adds these tags (the ticket keeps its others).
    AddTags(Vec<String>),
    /// A transition; none when the ticket is already in that state.
    Transition {
        to: TicketState,
        reason: String,
    },
    /// A reply (or internal note) by the actor; `{{subject}}` and `{{id}}` are filled in.
    Reply {
        body: String,
        public: bool,
    },
    /// In-app notifications to these users, the assignee and/or the group's supervisors;
    /// `{{subject}}` and `{{id}}` are filled in.
    Notify {
        user_ids: Vec<String>,
        assignee: bool,
        supervisors: bool,
        text: String,
    },
}

fn fill(template: &str, t: &ticket::Model) -> String {
    template
        .replace("{{subject}}", &t.subject)
        .replace("{{id}}", &t.id)
}

impl Store {
    /// Applies `actions` in order to ticket `id` in one transaction (each sees the changes
    /// of the ones before); the first failure rolls every one back.
    pub async fn apply_ticket_actions(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        actions: &[TicketAction],
    ) -> Result<()> {
        let txn = self.db().begin().await?;
        find_scoped::<ticket::Entity, _>(&txn, scope, id).await?;
        for a in actions {
            let t = find_scoped::<ticket::Entity, _>(&txn, scope, id).await?;
            match a.clone() {
                TicketAction::SetPriority(p) => {
                    crate::tickets::ticket::update_fields_on(&txn, scope, actor, id, |f| {
                        f.priority = p
                    })
                    .await?;
                }
                TicketAction::Assign(u) => {
                    crate::tickets::ticket::update_fields_on(&txn, scope, actor, id, |f| {
                        f.assignee_id = u
                    })
                    .await?;
                }
                TicketAction::SetGroup(g) => {
                    crate::tickets::ticket::update_fields_on(&txn, scope, actor, id, |f| {
                        f.group_id = g
                    })
                    .await?;
                }
                TicketAction::AddTags(tags) => {
                    let mut all = crate::tickets::relations::tags_on(&txn, scope, id).await?;
                    let before = all.len();
                    for tag in tags {
                        if !all.contains(&tag) {
                            all.push(tag);
                        }
                    }
                    if all.len() != before {
                        crate::tickets::relations::set_tags_on(&txn, scope, actor, id, &all)
                            .await?;
                    }
                }
                TicketAction::Transition { to, reason } => {
                    if t.state != to.as_str() {
                        crate::tickets::ticket::transition_on(&txn, scope, actor, id, to, &reason)
                            .await?;
                    }
                }
                TicketAction::Reply { body, public } => {
                    let m = NewMessage {
                        author: AuthorKind::Agent,
                        public,
                        channel: Channel::WebForm,
                        body: fill(&body, &t),
                        attachments: vec![],
                    };
                    crate::tickets::messages::add_message_on(&txn, scope, actor, id, m).await?;
                }
                TicketAction::Notify {
                    user_ids,
                    assignee,
                    supervisors,
                    text,
                } => {
                    crate::tickets::notify::notify_ticket_on(
                        &txn,
                        scope,
                        &t,
                        &user_ids,
                        assignee,
                        supervisors,
                        &fill(&text, &t),
                    )
                    .await?;
                }
            }
        }
        txn.commit().await?;
        self.signal_outbox();
        Ok(())
    }
}
