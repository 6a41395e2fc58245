//! Teams (groups, departments) and their members.

use crate::audit::Change;
use crate::entity::{team, team_member, user};
use crate::write::{Audited, check_ref, find_scoped, insert_audited, list_scoped, update_audited};
use crate::{Actor, Page, PageRequest, Result, Store, WorkspaceScope};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

impl Audited for team::Model {
    const KIND: &'static str = "team";
    fn id(&self) -> &str {
        &self.id
    }
}

/// The editable fields of a team.
#[derive(Debug, Clone)]
pub struct TeamFields {
    pub name: String,
    pub description: Option<String>,
}

impl Store {
    pub async fn create_team(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        f: TeamFields,
    ) -> Result<team::Model> {
        let now = self.now();
        let model = team::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            name: f.name,
            description: f.description,
            created_at: now,
            updated_at: now,
        };
        insert_audited::<team::ActiveModel>(self, scope, actor, model, Some("team_exists")).await
    }

    pub async fn get_team(&self, scope: &WorkspaceScope, id: &str) -> Result<team::Model> {
        find_scoped::<team::Entity, _>(self.db(), scope, id).await
    }

    pub async fn list_teams(
        &self,
        scope: &WorkspaceScope,
        page: &PageRequest,
    ) -> Result<Page<team::Model>> {
        list_scoped::<team::Entity>(self, scope, Condition::all(), page).await
    }

    pub async fn update_team(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut TeamFields),
    ) -> Result<team::Model> {
        update_audited::<team::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            Some("team_exists"),
            |t, now| {
                let mut f = TeamFields {
                    name: t.name.clone(),
                    description: t.description.clone(),
                };
                apply(&mut f);
                t.name = f.name;
                t.description = f.description;
                t.updated_at = now;
                Ok(())
            },
        )
        .await
    }

    /// Deletes a team and its memberships in one transaction.
    pub async fn delete_team(&self, scope: &WorkspaceScope, actor: &Actor, id: &str) -> Result<()> {
        let w = self.write(scope, actor).await?;
        let current = find_scoped::<team::Entity, _>(&w, scope, id).await?;
        team_member::Entity::delete_many()
            .filter(team_member::Column::WorkspaceId.eq(scope.id()))
            .filter(team_member::Column::TeamId.eq(id))
            .exec(&w)
            .await?;
        team::Entity::delete_by_id(id.to_owned()).exec(&w).await?;
        w.record(Change {
            action: "deleted",
            entity_type: <team::Model as Audited>::KIND,
            entity_id: id,
            before: Some(current.snapshot()),
            after: None,
        })
        .await?;
        w.commit().await
    }

    /// The user ids of a team's members.
    pub async fn team_members(&self, scope: &WorkspaceScope, team_id: &str) -> Result<Vec<String>> {
        let mut ids: Vec<String> = team_member::Entity::find()
            .filter(team_member::Column::WorkspaceId.eq(scope.id()))
            .filter(team_member::Column::TeamId.eq(team_id))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Replaces a team's members (every id must be a user of the workspace).
    pub async fn set_team_members(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        team_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<String>> {
        for u in user_ids {
            check_ref::<user::Entity>(self, scope, "member_ids", Some(u)).await?;
        }
        let before = self.team_members(scope, team_id).await?;
        let team = self.get_team(scope, team_id).await?;
        let txn = self.write(scope, actor).await?;
        team_member::Entity::delete_many()
            .filter(team_member::Column::WorkspaceId.eq(scope.id()))
            .filter(team_member::Column::TeamId.eq(team_id))
            .exec(&txn)
            .await?;
        let mut after: Vec<String> = user_ids.to_vec();
        after.sort();
        after.dedup();
        if !after.is_empty() {
            team_member::Entity::insert_many(after.iter().map(|u| team_member::ActiveModel {
                team_id: Set(team_id.to_owned()),
                user_id: Set(u.clone()),
                workspace_id: Set(scope.id().to_owned()),
            }))
            .exec(&txn)
            .await?;
        }
        let change = crate::audit::Change {
            action: "members_set",
            entity_type: "team",
            entity_id: &team.id,
            before: Some(serde_json::json!({ "member_ids": before })),
            after: Some(serde_json::json!({ "member_ids": after })),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(after)
    }
}
