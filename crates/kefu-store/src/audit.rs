//! The audit log: who changed what, when, with the record before and after. Written in the
//! same transaction as the change, together with its outbox event.

use crate::entity::{audit, outbox};
use crate::page::page_of;
use crate::{Actor, Page, PageRequest, Result, Store, WorkspaceScope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};

/// One change to record: `action` is e.g. `created`, `updated`, `deleted`, `transitioned`.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Writes the audit row and the outbox event of `change` on `conn` (a transaction).
pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    actor: &Actor,
    change: Change<'_>,
) -> Result<()> {
    let now = chrono::Utc::now();
    let payload = json!({
        "action": change.action,
        "entity_type": change.entity_type,
        "entity_id": change.entity_id,
        "actor_id": actor.user_id,
        "after": change.after,
    });
    audit::ActiveModel {
        workspace_id: Set(scope.id().to_owned()),
        actor_id: Set(actor.user_id.clone()),
        at: Set(now),
        action: Set(change.action.to_owned()),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set(change.entity_id.to_owned()),
        before: Set(change.before),
        after: Set(change.after),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    outbox::ActiveModel {
        workspace_id: Set(scope.id().to_owned()),
        topic: Set(format!("{}.{}", change.entity_type, change.action)),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set(change.entity_id.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Filters for the audit list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
}

impl Store {
    /// Audit rows of the workspace, newest first.
    pub async fn list_audit(
        &self,
        scope: &WorkspaceScope,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<audit::Model>> {
        let mut q = audit::Entity::find().filter(audit::Column::WorkspaceId.eq(scope.id()));
        if let Some(t) = &filter.entity_type {
            q = q.filter(audit::Column::EntityType.eq(t.as_str()));
        }
        if let Some(id) = &filter.entity_id {
            q = q.filter(audit::Column::EntityId.eq(id.as_str()));
        }
        if let Some(a) = &filter.actor_id {
            q = q.filter(audit::Column::ActorId.eq(a.as_str()));
        }
        if let Some(after) = page.after()? {
            let seq: i64 = after.parse().map_err(|_| crate::StoreError::BadCursor)?;
            q = q.filter(audit::Column::Seq.lt(seq));
        }
        let limit = page.limit();
        let rows = q
            .order_by_desc(audit::Column::Seq)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        Ok(page_of(rows, limit, |r| r.seq.to_string()))
    }
}
