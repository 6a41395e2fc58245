//! The ticket category tree and each ticket's category. A parent must exist in the workspace
//! when a category is made (so the tree has no cycles); a category with children or tickets
//! cannot be deleted (409 `category_in_use`).

use crate::audit::Change;
use crate::entity::{ticket, ticket_category as category, ticket_category_of as category_of};
use crate::write::{Audited, check_ref, delete_audited, find_scoped, insert_audited};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder,
};

impl Audited for category::Model {
    const KIND: &'static str = "ticket_category";
    fn id(&self) -> &str {
        &self.id
    }
}

impl Store {
    pub async fn create_category(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        parent_id: Option<String>,
        name: &str,
    ) -> Result<category::Model> {
        let name = validate::required("name", name, SHORT_TEXT)?;
        check_ref::<category::Entity>(self, scope, "parent_id", parent_id.as_deref()).await?;
        let now = self.now();
        let m = category::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            parent_id,
            name,
            created_at: now,
            updated_at: now,
        };
        insert_audited::<category::ActiveModel>(self, scope, actor, m, Some("category_exists"))
            .await
    }

    /// Every category, by name.
    pub async fn categories(&self, scope: &WorkspaceScope) -> Result<Vec<category::Model>> {
        Ok(category::Entity::find()
            .filter(category::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(category::Column::Name)
            .all(self.db())
            .await?)
    }

    pub async fn delete_category(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        find_scoped::<category::Entity, _>(self.db(), scope, id).await?;
        let children = category::Entity::find()
            .filter(category::Column::WorkspaceId.eq(scope.id()))
            .filter(category::Column::ParentId.eq(id))
            .count(self.db())
            .await?;
        let used = category_of::Entity::find()
            .filter(category_of::Column::WorkspaceId.eq(scope.id()))
            .filter(category_of::Column::CategoryId.eq(id))
            .count(self.db())
            .await?;
        if children + used > 0 {
            return Err(StoreError::conflict(
                "category_in_use",
                "the category has subcategories or tickets",
            ));
        }
        delete_audited::<category::ActiveModel>(self, scope, actor, id).await
    }

    /// The category of a ticket.
    pub async fn ticket_category(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<Option<String>> {
        self.get_ticket(scope, ticket_id).await?;
        Ok(category_of::Entity::find_by_id(ticket_id.to_owned())
            .filter(category_of::Column::WorkspaceId.eq(scope.id()))
            .one(self.db())
            .await?
            .map(|c| c.category_id))
    }

    /// Sets (or clears, with `None`) the category of a ticket.
    pub async fn set_ticket_category(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        category_id: Option<String>,
    ) -> Result<Option<String>> {
        check_ref::<category::Entity>(self, scope, "category_id", category_id.as_deref()).await?;
        let txn = self.write(scope, actor).await?;
        find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        let before = category_of::Entity::find_by_id(ticket_id.to_owned())
            .one(&txn)
            .await?;
        category_of::Entity::delete_many()
            .filter(category_of::Column::WorkspaceId.eq(scope.id()))
            .filter(category_of::Column::TicketId.eq(ticket_id))
            .exec(&txn)
            .await?;
        if let Some(c) = &category_id {
            category_of::Model {
                ticket_id: ticket_id.to_owned(),
                workspace_id: scope.id().to_owned(),
                category_id: c.clone(),
            }
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        }
        txn.record(Change {
            action: "categorized",
            entity_type: "ticket",
            entity_id: ticket_id,
            before: Some(serde_json::json!({"category_id": before.map(|b| b.category_id)})),
            after: Some(serde_json::json!({"category_id": category_id})),
        })
        .await?;
        txn.commit().await?;
        Ok(category_id)
    }
}
