//! Storage of macros and triggers (`ticket_automations`): audited CRUD, listed in evaluation
//! order (`position`, then creation). What they do is decided by the server, which validates
//! each definition before it is stored.

use crate::entity::ticket_automation as automation;
use crate::write::{Audited, delete_audited, find_scoped, insert_audited, update_audited};
use crate::{Actor, Result, Store, WorkspaceScope};
use chrono::Utc;
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

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
        let now = Utc::now();
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
        insert_audited::<automation::ActiveModel>(self, scope, actor, m, "automation_exists").await
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
        update_audited::<automation::ActiveModel, _>(self, scope, actor, id, "updated", "", |m| {
            m.name = name;
            m.position = f.position;
            m.active = f.active;
            m.definition = f.definition;
            m.updated_at = Utc::now();
            Ok(())
        })
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
