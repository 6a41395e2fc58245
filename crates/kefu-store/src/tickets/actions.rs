//! Several changes to one ticket as one unit: the actions of a macro (with its reply) or of
//! one trigger. Either every action is applied — each audited as if made alone — or, when one
//! fails (a bad reference, a transition the state machine refuses, …), nothing is.

use crate::entity::{ticket, ticket_automation as automation};
use crate::tickets::audit_ticket;
use crate::tickets::automations::MacroDef;
use crate::tickets::messages::{AuthorKind, NewMessage};
use crate::write::{Write, find_scoped};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::{Channel, Priority, TicketState};
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// One action on a ticket; stored in macro and trigger definitions as
/// `{"action": "set_priority", "priority": "high"}` and so on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TicketAction {
    SetPriority {
        priority: Priority,
    },
    Assign {
        assignee_id: Option<String>,
    },
    SetGroup {
        group_id: Option<String>,
    },
    /// Adds these tags (the ticket keeps its others).
    AddTags {
        tags: Vec<String>,
    },
    /// A transition; none when the ticket is already in that state.
    Transition {
        to: TicketState,
        #[serde(default)]
        reason: String,
    },
    /// A transition that must be allowed from the ticket's state, the same state included
    /// (bulk changes by hand); never stored in a definition.
    #[serde(skip)]
    TransitionStrict {
        to: TicketState,
        reason: String,
    },
    /// In-app notifications to these users, the assignee and/or the group's supervisors;
    /// `{{subject}}` and `{{id}}` are filled in.
    Notify {
        #[serde(default)]
        user_ids: Vec<String>,
        #[serde(default)]
        assignee: bool,
        #[serde(default)]
        supervisors: bool,
        text: String,
    },
    /// A reply (or internal note) by the actor; `{{subject}}` and `{{id}}` are filled in.
    Reply {
        body: String,
        #[serde(default = "yes")]
        public: bool,
    },
}

fn fill(template: &str, t: &ticket::Model) -> String {
    template
        .replace("{{subject}}", &t.subject)
        .replace("{{id}}", &t.id)
}

impl Store {
    /// Applies macro `macro_id` to ticket `id` (see [`Store::apply_ticket_actions`]).
    pub async fn apply_macro(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        macro_id: &str,
    ) -> Result<()> {
        self.apply_ticket_actions(scope, actor, id, &[], Some(macro_id))
            .await
    }

    /// Applies `actions`, then the actions of macro `macro_id` if given, to ticket `id` in
    /// order, in one transaction: each sees the changes of the ones before; the first failure
    /// rolls every one back. A macro is audited `macro_applied` on the ticket; only a macro's
    /// id names a macro (anything else is "not found"). The triggers the changes call for run
    /// once, in the same transaction.
    pub async fn apply_ticket_actions(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        actions: &[TicketAction],
        macro_id: Option<&str>,
    ) -> Result<()> {
        let w = self.write(scope, actor).await?;
        find_scoped::<ticket::Entity, _>(&w, scope, id).await?;
        apply_actions_on(&w, id, actions).await?;
        if let Some(macro_id) = macro_id {
            let m = find_scoped::<automation::Entity, _>(&w, scope, macro_id).await?;
            if m.kind != "macro" {
                return Err(StoreError::NotFound);
            }
            let def: MacroDef = serde_json::from_value(m.definition)
                .map_err(|e| StoreError::Config(format!("macro `{}`: {e}", m.name)))?;
            apply_actions_on(&w, id, &def.actions).await?;
            audit_ticket(
                &w,
                "macro_applied",
                id,
                serde_json::json!({"macro_id": m.id, "name": m.name}),
            )
            .await?;
        }
        w.commit().await
    }
}

/// Applies `actions` in order to ticket `id` inside `w`; the first failure is returned (and
/// the caller's transaction or savepoint undoes the rest).
pub(crate) async fn apply_actions_on(
    w: &Write<'_>,
    id: &str,
    actions: &[TicketAction],
) -> Result<()> {
    for a in actions {
        let t = find_scoped::<ticket::Entity, _>(w, w.scope(), id).await?;
        match a.clone() {
            TicketAction::SetPriority { priority: p } => {
                crate::tickets::ticket::update_fields_on(w, id, |f| f.priority = p).await?;
            }
            TicketAction::Assign { assignee_id: u } => {
                crate::tickets::ticket::update_fields_on(w, id, |f| f.assignee_id = u).await?;
            }
            TicketAction::SetGroup { group_id: g } => {
                crate::tickets::ticket::update_fields_on(w, id, |f| f.group_id = g).await?;
            }
            TicketAction::AddTags { tags } => {
                let mut all = crate::tickets::relations::tags_on(w, w.scope(), id).await?;
                let before = all.len();
                for tag in tags {
                    if !all.contains(&tag) {
                        all.push(tag);
                    }
                }
                if all.len() != before {
                    crate::tickets::relations::set_tags_on(w, id, &all).await?;
                }
            }
            TicketAction::Transition { to, reason } => {
                if t.state != to {
                    crate::tickets::ticket::transition_on(w, id, to, &reason).await?;
                }
            }
            TicketAction::TransitionStrict { to, reason } => {
                crate::tickets::ticket::transition_on(w, id, to, &reason).await?;
            }
            TicketAction::Reply { body, public } => {
                let m = NewMessage {
                    author: AuthorKind::Agent,
                    public,
                    channel: Channel::WebForm,
                    body: fill(&body, &t),
                    attachments: vec![],
                };
                crate::tickets::messages::add_message_on(w, id, m).await?;
            }
            TicketAction::Notify {
                user_ids,
                assignee,
                supervisors,
                text,
            } => {
                crate::tickets::notify::notify_ticket_on(
                    w,
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
    Ok(())
}
