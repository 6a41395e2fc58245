//! Macros and triggers (`ticket_automations`): audited CRUD, listed in evaluation order
//! (`position`, then creation), and the one place triggers run.
//!
//! A trigger has events (`create`, `update`), conditions and actions. Triggers run inside the
//! transaction of the change that calls for them ([`fire_triggers`], called only by
//! [`crate::write::Write::commit`]): a ticket created by a person fires `create`; an update,
//! transition, reply or note, tags, category, reopen follow-up or macro application by a
//! person fires `update`, once per ticket and write. Active triggers run by `position`, then
//! creation; each sees the changes of the ones before and fires at most once per event; each
//! trigger's actions run in a savepoint, so a failing one is logged and undone alone while the
//! change and the other triggers commit. Changes made by triggers' actions fire no triggers, so
//! chains cannot loop. A crash loses the change and its triggers together or neither.

use crate::entity::ticket_automation as automation;
use crate::tickets::actions::{TicketAction, apply_actions_on};
use crate::write::Write;
use crate::write::{Audited, delete_audited, find_scoped, insert_audited, update_audited};
use crate::{Actor, Result, Store, WorkspaceScope};
use kefu_model::validate::{self, SHORT_TEXT};
use kefu_model::{Priority, TicketState, TicketType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

/// When a trigger is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum On {
    Create,
    Update,
}

/// Conditions of a trigger; each empty list matches anything; all must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub types: Vec<TicketType>,
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub states: Vec<TicketState>,
    /// The ticket has at least one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The subject contains this text.
    #[serde(default)]
    pub subject_contains: Option<String>,
}

impl Conditions {
    fn matches(&self, t: &crate::entity::ticket::Model, tags: &[String]) -> bool {
        (self.types.is_empty() || self.types.contains(&t.ticket_type))
            && (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && (self.states.is_empty() || self.states.contains(&t.state))
            && (self.tags.is_empty() || self.tags.iter().any(|x| tags.contains(x)))
            && self
                .subject_contains
                .as_ref()
                .is_none_or(|s| t.subject.contains(s.as_str()))
    }
}

/// What a stored macro does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MacroDef {
    pub actions: Vec<TicketAction>,
}

/// What a stored trigger does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TriggerDef {
    pub on: Vec<On>,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<TicketAction>,
}

/// The active triggers of `w`'s workspace in evaluation order, with their definitions.
async fn active_triggers<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
) -> Result<Vec<(String, TriggerDef)>> {
    let rows = automation::Entity::find()
        .filter(automation::Column::WorkspaceId.eq(scope.id()))
        .filter(automation::Column::Kind.eq("trigger"))
        .filter(automation::Column::Active.eq(true))
        .order_by_asc(automation::Column::Position)
        .order_by_asc(automation::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let def = serde_json::from_value::<TriggerDef>(r.definition).ok()?;
            Some((r.name, def))
        })
        .collect())
}

/// Runs the triggers for `event` on ticket `ticket_id` inside `w` (see the module docs).
pub(crate) async fn fire_triggers(w: &Write<'_>, ticket_id: &str, event: On) -> Result<()> {
    for (name, def) in active_triggers(w, w.scope()).await? {
        if !def.on.contains(&event) {
            continue;
        }
        let t = find_scoped::<crate::entity::ticket::Entity, _>(w, w.scope(), ticket_id).await?;
        let tags = crate::tickets::relations::tags_on(w, w.scope(), ticket_id).await?;
        if !def.conditions.matches(&t, &tags) {
            continue;
        }
        let nested = w.nested_for_trigger().await?;
        match apply_actions_on(&nested, ticket_id, &def.actions).await {
            Ok(()) => nested.release(w).await?,
            Err(e) => {
                nested.undo().await?;
                tracing::warn!(trigger = %name, ticket = ticket_id, error = %e, "trigger action failed");
            }
        }
    }
    Ok(())
}

impl Audited for automation::Model {
    const KIND: &'static str = "ticket_automation";
    fn id(&self) -> &str {
        &self.id
    }
}

/// A macro or trigger to store.
#[derive(Debug, Clone)]
pub struct AutomationFields {
    /// `macro` or `trigger`.
    pub kind: &'static str,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub definition: serde_json::Value,
}

impl Store {
    pub async fn create_automation(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        f: AutomationFields,
    ) -> Result<automation::Model> {
        let now = self.now();
        let m = automation::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            kind: f.kind.to_owned(),
            name: validate::required("name", &f.name, SHORT_TEXT)?,
            position: f.position,
            active: f.active,
            definition: f.definition,
            created_at: now,
            updated_at: now,
        };
        insert_audited::<automation::ActiveModel>(self, scope, actor, m, Some("automation_exists"))
            .await
    }

    pub async fn get_automation(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<automation::Model> {
        find_scoped::<automation::Entity, _>(self.db(), scope, id).await
    }

    /// The automations of one kind, in evaluation order.
    pub async fn list_automations(
        &self,
        scope: &WorkspaceScope,
        kind: &str,
    ) -> Result<Vec<automation::Model>> {
        Ok(automation::Entity::find()
            .filter(automation::Column::WorkspaceId.eq(scope.id()))
            .filter(automation::Column::Kind.eq(kind))
            .order_by_asc(automation::Column::Position)
            .order_by_asc(automation::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn update_automation(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        f: AutomationFields,
    ) -> Result<automation::Model> {
        let name = validate::required("name", &f.name, SHORT_TEXT)?;
        update_audited::<automation::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            None,
            |m, now| {
                m.name = name;
                m.position = f.position;
                m.active = f.active;
                m.definition = f.definition;
                m.updated_at = now;
                Ok(())
            },
        )
        .await
    }

    pub async fn delete_automation(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        delete_audited::<automation::ActiveModel>(self, scope, actor, id).await
    }
}
