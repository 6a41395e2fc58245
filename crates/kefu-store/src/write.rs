//! The one write path shared by every audited record: load within the workspace, change,
//! write, record audit + outbox, commit — all in one transaction.

use crate::audit::{Change, record};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PrimaryKeyTrait, QueryFilter, TransactionTrait,
};
use serde_json::Value;

pub(crate) type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// A record kept in the audit log.
pub(crate) trait Audited: serde::Serialize {
    /// The `entity_type` of audit rows and outbox events.
    const KIND: &'static str;
    fn id(&self) -> &str;
    /// What the audit log keeps of the record (secrets left out).
    fn snapshot(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Finds a record by id, only within `scope`.
pub(crate) async fn find_scoped<E, C>(
    conn: &C,
    scope: &WorkspaceScope,
    id: &str,
) -> Result<E::Model>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = String>,
    C: ConnectionTrait,
{
    E::find_by_id(id.to_owned())
        .filter(Expr::col(Alias::new("workspace_id")).eq(scope.id()))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Inserts `model`, auditing it as `created`. A unique violation becomes `unique_code`.
pub(crate) async fn insert_audited<A>(
    store: &Store,
    scope: &WorkspaceScope,
    actor: &Actor,
    model: ModelOf<A>,
    unique_code: &'static str,
) -> Result<ModelOf<A>>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send + 'static,
    ModelOf<A>: IntoActiveModel<A> + Audited + Send + Sync,
{
    let txn = store.db().begin().await?;
    let after = model.snapshot();
    let id = model.id().to_owned();
    let saved = model
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, unique_code))?;
    let change = Change {
        action: "created",
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: &id,
        before: None,
        after: Some(after),
    };
    record(&txn, scope, actor, change).await?;
    txn.commit().await?;
    store.signal_outbox();
    Ok(saved)
}

/// Loads the record `id` of `scope`, applies `apply`, writes it and audits it as `action`.
/// `check` may read other rows on the same transaction (e.g. references) before the write.
pub(crate) async fn update_audited<A, F>(
    store: &Store,
    scope: &WorkspaceScope,
    actor: &Actor,
    id: &str,
    action: &str,
    unique_code: &'static str,
    apply: F,
) -> Result<ModelOf<A>>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send + 'static,
    <A::Entity as EntityTrait>::PrimaryKey: PrimaryKeyTrait<ValueType = String>,
    ModelOf<A>: IntoActiveModel<A> + Audited + Clone + Send + Sync,
    F: FnOnce(&mut ModelOf<A>) -> Result<()>,
{
    let txn = store.db().begin().await?;
    let current = find_scoped::<A::Entity, _>(&txn, scope, id).await?;
    let before = current.snapshot();
    let mut next = current.clone();
    apply(&mut next)?;
    let after = next.snapshot();
    let saved = next
        .into_active_model()
        .reset_all()
        .update(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, unique_code))?;
    let change = Change {
        action,
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: id,
        before: Some(before),
        after: Some(after),
    };
    record(&txn, scope, actor, change).await?;
    txn.commit().await?;
    store.signal_outbox();
    Ok(saved)
}

/// Deletes the record `id` of `scope`, auditing it as `deleted`.
pub(crate) async fn delete_audited<A>(
    store: &Store,
    scope: &WorkspaceScope,
    actor: &Actor,
    id: &str,
) -> Result<()>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send + 'static,
    <A::Entity as EntityTrait>::PrimaryKey: PrimaryKeyTrait<ValueType = String>,
    ModelOf<A>: IntoActiveModel<A> + Audited + Send + Sync,
{
    let txn = store.db().begin().await?;
    let current = find_scoped::<A::Entity, _>(&txn, scope, id).await?;
    let before = current.snapshot();
    A::Entity::delete_by_id(id.to_owned()).exec(&txn).await?;
    let change = Change {
        action: "deleted",
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: id,
        before: Some(before),
        after: None,
    };
    record(&txn, scope, actor, change).await?;
    txn.commit().await?;
    store.signal_outbox();
    Ok(())
}

/// One page of the records of `scope` matching `cond`, newest first (keyset on `id`).
pub(crate) async fn list_scoped<E>(
    store: &Store,
    scope: &WorkspaceScope,
    cond: sea_orm::Condition,
    page: &crate::PageRequest,
) -> Result<crate::Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Audited,
{
    use sea_orm::{Order, QueryOrder, QuerySelect};
    let mut q = E::find()
        .filter(Expr::col(Alias::new("workspace_id")).eq(scope.id()))
        .filter(cond);
    if let Some(after) = page.after()? {
        q = q.filter(Expr::col(Alias::new("id")).lt(after));
    }
    let limit = page.limit();
    let rows = q
        .order_by(Expr::col(Alias::new("id")), Order::Desc)
        .limit(limit + 1)
        .all(store.db())
        .await?;
    Ok(crate::page::page_of(rows, limit, |r| r.id().to_owned()))
}

/// Fails with `UnknownReference(field)` unless record `id` exists in `scope`.
pub(crate) async fn check_ref<E>(
    store: &Store,
    scope: &WorkspaceScope,
    field: &'static str,
    id: Option<&str>,
) -> Result<()>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = String>,
{
    if let Some(id) = id {
        match find_scoped::<E, _>(store.db(), scope, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(StoreError::UnknownReference { field }),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
