//! The audit log: who changed what, when, with the record before and after. Written by
//! [`crate::write::Write::record`] in the transaction of the change, with its outbox event.

use crate::entity::audit;
use crate::page::page_of;
use crate::{Page, PageRequest, Result, Store, WorkspaceScope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

/// One change to record: `action` is e.g. `created`, `updated`, `deleted`, `transitioned`.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
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
