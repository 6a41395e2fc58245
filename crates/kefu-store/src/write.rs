//! The write path. Every change to workspace data runs in a [`Write`]: one transaction that
//! records each change's audit row and outbox event ([`Write::record`]), runs the ticket
//! triggers its changes call for, and commits only with at least one audit record (a write
//! that recorded nothing is rolled back); the commit wakes the outbox consumers. Derived data that can be rebuilt from audited records (KPI
//! accumulators, RFM scores, consumer positions) is written through [`Store::derive`].
//!
//! Also the generic audited CRUD helpers built on it (`insert_audited`, `update_audited`,
//! `delete_audited`, `list_scoped`, `check_ref`).

use crate::audit::Change;
use crate::entity::{audit, outbox};
use crate::tickets::automations::On;
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, Utc};
use sea_orm::prelude::async_trait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, ExecResult, IntoActiveModel, PrimaryKeyTrait, QueryFilter, QueryResult, Set,
    Statement, TransactionTrait,
};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A change in progress (see the module docs). Dropping it without [`Write::commit`] rolls
/// everything back.
pub struct Write<'s> {
    store: &'s Store,
    txn: DatabaseTransaction,
    scope: WorkspaceScope,
    actor: Actor,
    now: DateTime<Utc>,
    /// Inside a trigger's actions: changes fire no further triggers.
    in_trigger: bool,
    recorded: AtomicUsize,
    /// The tickets this write changed and the trigger event each calls for, in order.
    ticket_events: Mutex<Vec<(String, On)>>,
}

/// Audit actions on a ticket by a person that fire `update` triggers (`created` fires
/// `create`). Links, watchers, merges, complaints and SLA bookkeeping do not.
const UPDATE_ACTIONS: &[&str] = &[
    "updated",
    "transitioned",
    "replied",
    "noted",
    "tagged",
    "categorized",
    "macro_applied",
];

impl Store {
    /// Starts a change in `scope` made by `actor`.
    pub(crate) async fn write(&self, scope: &WorkspaceScope, actor: &Actor) -> Result<Write<'_>> {
        Ok(Write {
            store: self,
            txn: self.db().begin().await?,
            scope: scope.clone(),
            actor: actor.clone(),
            now: self.now(),
            in_trigger: false,
            recorded: AtomicUsize::new(0),
            ticket_events: Mutex::new(vec![]),
        })
    }

    /// A transaction for derived data only (accumulators, scores, consumer positions): no
    /// audit, no outbox, no triggers; everything it writes can be rebuilt from audited data.
    pub(crate) async fn derive(&self) -> Result<DatabaseTransaction> {
        Ok(self.db().begin().await?)
    }
}

impl<'s> Write<'s> {
    pub(crate) fn scope(&self) -> &WorkspaceScope {
        &self.scope
    }

    pub(crate) fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The time of this change (read once from the store's clock).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// This change happened at `at` (the routing engine's time), not when it was written.
    pub(crate) fn at(mut self, at: DateTime<Utc>) -> Self {
        self.now = at;
        self
    }

    /// Writes the audit row and the outbox event of `change`, made by this write's actor.
    pub(crate) async fn record(&self, change: Change<'_>) -> Result<()> {
        let actor = self.actor.clone();
        self.record_as(&actor, change).await
    }

    /// [`Write::record`] for a change made by `actor` (the system, in a person's write).
    pub(crate) async fn record_as(&self, actor: &Actor, change: Change<'_>) -> Result<()> {
        let payload = json!({
            "action": change.action,
            "entity_type": change.entity_type,
            "entity_id": change.entity_id,
            "actor_id": actor.user_id,
            "after": change.after,
        });
        if change.entity_type == "ticket" && actor.user_id.is_some() && !self.in_trigger {
            let event = if change.action == "created" {
                Some(On::Create)
            } else if UPDATE_ACTIONS.contains(&change.action) {
                Some(On::Update)
            } else {
                None
            };
            if let Some(event) = event {
                let mut events = self.ticket_events.lock().unwrap_or_else(|e| e.into_inner());
                match events.iter_mut().find(|(id, _)| id == change.entity_id) {
                    // A ticket created in this write fires `create` only.
                    Some((_, seen)) => {
                        if event == On::Create {
                            *seen = On::Create;
                        }
                    }
                    None => events.push((change.entity_id.to_owned(), event)),
                }
            }
        }
        audit::ActiveModel {
            workspace_id: Set(self.scope.id().to_owned()),
            actor_id: Set(actor.user_id.clone()),
            at: Set(self.now),
            action: Set(change.action.to_owned()),
            entity_type: Set(change.entity_type.to_owned()),
            entity_id: Set(change.entity_id.to_owned()),
            before: Set(change.before),
            after: Set(change.after),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        outbox::ActiveModel {
            workspace_id: Set(self.scope.id().to_owned()),
            topic: Set(format!("{}.{}", change.entity_type, change.action)),
            entity_type: Set(change.entity_type.to_owned()),
            entity_id: Set(change.entity_id.to_owned()),
            payload: Set(payload),
            created_at: Set(self.now),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        self.recorded.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Writes many audit rows and their outbox events at once (bulk imports), each pair
    /// made like [`Write::record`]'s.
    pub(crate) async fn record_many(
        &self,
        audits: Vec<audit::ActiveModel>,
        events: Vec<outbox::ActiveModel>,
    ) -> Result<()> {
        let n = audits.len();
        if n == 0 {
            return Ok(());
        }
        audit::Entity::insert_many(audits).exec(&self.txn).await?;
        outbox::Entity::insert_many(events).exec(&self.txn).await?;
        self.recorded.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }

    /// Runs the triggers the recorded ticket changes call for (in this transaction), then
    /// commits and wakes the outbox consumers. A write that recorded nothing changed nothing
    /// (a link that exists, tags already set): it is rolled back, so no row ever commits
    /// without its audit record.
    pub(crate) async fn commit(self) -> Result<()> {
        let events =
            std::mem::take(&mut *self.ticket_events.lock().unwrap_or_else(|e| e.into_inner()));
        for (ticket_id, event) in events {
            crate::tickets::automations::fire_triggers(&self, &ticket_id, event).await?;
        }
        if self.recorded.load(Ordering::Relaxed) == 0 {
            self.txn.rollback().await?;
            return Ok(());
        }
        let store = self.store;
        self.txn.commit().await?;
        store.signal_outbox();
        Ok(())
    }

    /// A savepoint inside this write for one trigger's actions: its changes fire no triggers;
    /// [`Write::release`] keeps them, dropping it undoes them.
    pub(crate) async fn nested_for_trigger(&self) -> Result<Write<'s>> {
        Ok(Write {
            store: self.store,
            txn: self.txn.begin().await?,
            scope: self.scope.clone(),
            actor: self.actor.clone(),
            now: self.now,
            in_trigger: true,
            recorded: AtomicUsize::new(0),
            ticket_events: Mutex::new(vec![]),
        })
    }

    /// Undoes the changes of this write: a nested one's, or a whole write that found nothing to
    /// change.
    pub(crate) async fn undo(self) -> Result<()> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// Keeps the changes of a nested write in `parent`.
    pub(crate) async fn release(self, parent: &Write<'_>) -> Result<()> {
        parent
            .recorded
            .fetch_add(self.recorded.load(Ordering::Relaxed), Ordering::Relaxed);
        self.txn.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Write<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

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

/// Maps a unique violation to the conflict `code`, when the table has one to report.
fn unique(e: DbErr, code: Option<&'static str>) -> StoreError {
    match code {
        Some(code) => StoreError::unique_as(e, code),
        None => StoreError::Db(e),
    }
}

/// Inserts `model`, auditing it as `created`. A unique violation becomes `unique_code`.
pub(crate) async fn insert_audited<A>(
    store: &Store,
    scope: &WorkspaceScope,
    actor: &Actor,
    model: ModelOf<A>,
    unique_code: Option<&'static str>,
) -> Result<ModelOf<A>>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send + 'static,
    ModelOf<A>: IntoActiveModel<A> + Audited + Send + Sync,
{
    let w = store.write(scope, actor).await?;
    let after = model.snapshot();
    let id = model.id().to_owned();
    let saved = model
        .into_active_model()
        .reset_all()
        .insert(&w)
        .await
        .map_err(|e| unique(e, unique_code))?;
    w.record(Change {
        action: "created",
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: &id,
        before: None,
        after: Some(after),
    })
    .await?;
    w.commit().await?;
    Ok(saved)
}

/// Loads the record `id` of `scope`, applies `apply`, writes it and audits it as `action`.
pub(crate) async fn update_audited<A, F>(
    store: &Store,
    scope: &WorkspaceScope,
    actor: &Actor,
    id: &str,
    action: &str,
    unique_code: Option<&'static str>,
    apply: F,
) -> Result<ModelOf<A>>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send + 'static,
    <A::Entity as EntityTrait>::PrimaryKey: PrimaryKeyTrait<ValueType = String>,
    ModelOf<A>: IntoActiveModel<A> + Audited + Clone + Send + Sync,
    F: FnOnce(&mut ModelOf<A>, DateTime<Utc>) -> Result<()>,
{
    let w = store.write(scope, actor).await?;
    let current = find_scoped::<A::Entity, _>(&w, scope, id).await?;
    let before = current.snapshot();
    let mut next = current.clone();
    apply(&mut next, w.now())?;
    let after = next.snapshot();
    let saved = next
        .into_active_model()
        .reset_all()
        .update(&w)
        .await
        .map_err(|e| unique(e, unique_code))?;
    w.record(Change {
        action,
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: id,
        before: Some(before),
        after: Some(after),
    })
    .await?;
    w.commit().await?;
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
    let w = store.write(scope, actor).await?;
    let current = find_scoped::<A::Entity, _>(&w, scope, id).await?;
    let before = current.snapshot();
    A::Entity::delete_by_id(id.to_owned()).exec(&w).await?;
    w.record(Change {
        action: "deleted",
        entity_type: <ModelOf<A> as Audited>::KIND,
        entity_id: id,
        before: Some(before),
        after: None,
    })
    .await?;
    w.commit().await
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
