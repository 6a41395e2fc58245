//! Macros and triggers. A macro is a list of actions applied by hand in one click (set fields,
//! assign, add tags, transition, reply from a template, notify); its actions and reply are
//! one transaction ([`kefu_store::tickets::actions`]): one failing action changes nothing. A
//! trigger has events (`create`, `update`), conditions and actions; the store runs triggers
//! inside the transaction of each change a person makes
//! ([`kefu_store::tickets::automations`]). Definitions are given as JSON ([`MacroIn`],
//! [`TriggerIn`]: the API's bodies and the admin page's text), validated here and stored in
//! the store's typed form.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::error::FieldProblem;
use kefu_model::{Action, Priority, TicketState, TicketType};
use kefu_store::WorkspaceScope;
use kefu_store::entity::ticket_automation;
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::automations::{self as store, AutomationFields};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn yes() -> bool {
    true
}

/// One action of a macro or trigger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AutoAction {
    SetPriority {
        #[schema(value_type = String)]
        priority: Priority,
    },
    Assign {
        assignee_id: Option<String>,
    },
    SetGroup {
        group_id: Option<String>,
    },
    AddTags {
        tags: Vec<String>,
    },
    Transition {
        #[schema(value_type = String)]
        to: TicketState,
        #[serde(default)]
        reason: String,
    },
    /// An in-app notification to the listed users, the ticket's assignee and/or the
    /// supervisors of its group; `{{subject}}` and `{{id}}` are filled in.
    Notify {
        #[serde(default)]
        user_ids: Vec<String>,
        #[serde(default)]
        assignee: bool,
        #[serde(default)]
        supervisors: bool,
        text: String,
    },
    /// A reply from a template; `{{subject}}` and `{{id}}` are filled in.
    Reply {
        body: String,
        #[serde(default = "yes")]
        public: bool,
    },
}

/// When a trigger is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum On {
    Create,
    Update,
}

/// Conditions of a trigger; each empty list matches anything; all must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub types: Vec<TicketType>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub states: Vec<TicketState>,
    /// The ticket has at least one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The subject contains this text.
    #[serde(default)]
    pub subject_contains: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroIn {
    pub name: String,
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub actions: Vec<AutoAction>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerIn {
    pub name: String,
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub on: Vec<On>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<AutoAction>,
}

/// A definition: a macro or a trigger.
#[derive(Debug)]
pub enum Definition {
    Macro(MacroIn),
    Trigger(TriggerIn),
}

/// Macros or triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Macro,
    Trigger,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Macro => "macro",
            Kind::Trigger => "trigger",
        }
    }
}

impl From<AutoAction> for TicketAction {
    fn from(a: AutoAction) -> TicketAction {
        match a {
            AutoAction::SetPriority { priority } => TicketAction::SetPriority { priority },
            AutoAction::Assign { assignee_id } => TicketAction::Assign { assignee_id },
            AutoAction::SetGroup { group_id } => TicketAction::SetGroup { group_id },
            AutoAction::AddTags { tags } => TicketAction::AddTags { tags },
            AutoAction::Transition { to, reason } => TicketAction::Transition { to, reason },
            AutoAction::Reply { body, public } => TicketAction::Reply { body, public },
            AutoAction::Notify {
                user_ids,
                assignee,
                supervisors,
                text,
            } => TicketAction::Notify {
                user_ids,
                assignee,
                supervisors,
                text,
            },
        }
    }
}

impl From<On> for store::On {
    fn from(o: On) -> store::On {
        match o {
            On::Create => store::On::Create,
            On::Update => store::On::Update,
        }
    }
}

impl From<Conditions> for store::Conditions {
    fn from(c: Conditions) -> store::Conditions {
        store::Conditions {
            types: c.types,
            priorities: c.priorities,
            states: c.states,
            tags: c.tags,
            subject_contains: c.subject_contains,
        }
    }
}

/// The stored definition of a macro's actions.
fn actions_def(actions: Vec<AutoAction>) -> Vec<TicketAction> {
    actions.into_iter().map(TicketAction::from).collect()
}

fn invalid(field: &str, reason: FieldProblem) -> ApiError {
    ApiError::Model(kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason,
    })
}

/// Checks actions before they are stored: at least one, ids well formed, texts present.
fn check_actions(actions: &mut [AutoAction]) -> Result<(), ApiError> {
    if actions.is_empty() {
        return Err(invalid("actions", FieldProblem::Empty));
    }
    if actions.len() > 50 {
        return Err(invalid("actions", FieldProblem::TooMany));
    }
    for a in actions.iter_mut() {
        match a {
            AutoAction::Assign { assignee_id } => {
                *assignee_id = opt_id("assignee_id", assignee_id.take())?
            }
            AutoAction::SetGroup { group_id } => *group_id = opt_id("group_id", group_id.take())?,
            AutoAction::AddTags { tags } => {
                *tags = kefu_model::validate::list("tags", tags)?;
            }
            AutoAction::Reply { body, .. } => {
                *body = kefu_model::validate::required("body", body, 100_000)?;
            }
            AutoAction::Transition { reason, .. } => {
                kefu_model::validate::optional("reason", reason, 500)?;
            }
            AutoAction::Notify { user_ids, text, .. } => {
                *text = kefu_model::validate::required("text", text, 500)?;
                if user_ids.len() > 50 {
                    return Err(invalid("user_ids", FieldProblem::TooMany));
                }
                for u in user_ids.iter_mut() {
                    *u = opt_id("user_ids", Some(std::mem::take(u)))?.unwrap_or_default();
                }
            }
            AutoAction::SetPriority { .. } => {}
        }
    }
    Ok(())
}

/// Validates `d` into the store's form.
fn fields(d: Definition) -> Result<AutomationFields, ApiError> {
    let encode = |e| ApiError::internal("encoding an automation", e);
    Ok(match d {
        Definition::Macro(mut b) => {
            check_actions(&mut b.actions)?;
            AutomationFields {
                kind: Kind::Macro.as_str(),
                name: b.name,
                position: b.position,
                active: b.active,
                definition: serde_json::to_value(store::MacroDef {
                    actions: actions_def(b.actions),
                })
                .map_err(encode)?,
            }
        }
        Definition::Trigger(mut b) => {
            check_actions(&mut b.actions)?;
            if b.on.is_empty() {
                return Err(invalid("on", FieldProblem::Empty));
            }
            AutomationFields {
                kind: Kind::Trigger.as_str(),
                name: b.name,
                position: b.position,
                active: b.active,
                definition: serde_json::to_value(store::TriggerDef {
                    on: b.on.into_iter().map(store::On::from).collect(),
                    conditions: b.conditions.into(),
                    actions: actions_def(b.actions),
                })
                .map_err(encode)?,
            }
        }
    })
}

/// Automation `id` of `kind` (one of the other kind is "not found").
async fn fetch(
    state: &AppState,
    scope: &WorkspaceScope,
    kind: Kind,
    id: &str,
) -> Result<ticket_automation::Model, ApiError> {
    let m = state.store.get_automation(scope, &path_id(id)?).await?;
    if m.kind != kind.as_str() {
        return Err(ApiError::NotFound);
    }
    Ok(m)
}

/// Creates a macro or trigger.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    d: Definition,
) -> Result<ticket_automation::Model, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let f = fields(d)?;
    Ok(state
        .store
        .create_automation(&p.scope, &p.actor(), f)
        .await?)
}

/// The macros or triggers, in order.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    kind: Kind,
) -> Result<Vec<ticket_automation::Model>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state
        .store
        .list_automations(&p.scope, kind.as_str())
        .await?)
}

/// Macro or trigger `id`.
pub async fn get(
    state: &AppState,
    auth: &Auth,
    kind: Kind,
    id: &str,
) -> Result<ticket_automation::Model, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    fetch(state, &p.scope, kind, id).await
}

/// Replaces macro or trigger `id` (of the kind of `d`).
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    d: Definition,
) -> Result<ticket_automation::Model, ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let kind = match d {
        Definition::Macro(_) => Kind::Macro,
        Definition::Trigger(_) => Kind::Trigger,
    };
    let f = fields(d)?;
    let m = fetch(state, &p.scope, kind, id).await?;
    Ok(state
        .store
        .update_automation(&p.scope, &p.actor(), &m.id, f)
        .await?)
}

/// Deletes macro or trigger `id`.
pub async fn delete(state: &AppState, auth: &Auth, kind: Kind, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageAutomations)?;
    let m = fetch(state, &p.scope, kind, id).await?;
    Ok(state
        .store
        .delete_automation(&p.scope, &p.actor(), &m.id)
        .await?)
}
