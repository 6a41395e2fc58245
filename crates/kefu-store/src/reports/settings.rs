//! Report settings of a workspace: the configured costs behind cost per contact
//! (平均单呼成本), one JSON document per workspace. The server validates the document; the
//! store keeps it and audits every change (`report_costs` / `updated`) in its transaction.

use crate::audit::Change;
use crate::migration::a;
use crate::{Actor, Result, Store, WorkspaceScope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde_json::Value;

async fn load<C: ConnectionTrait>(conn: &C, workspace_id: &str) -> Result<Option<Value>> {
    let q = Query::select()
        .column(a("costs"))
        .from(a("report_settings"))
        .and_where(Expr::col(a("workspace_id")).eq(workspace_id))
        .to_owned();
    let Some(row) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    let text: String = row.try_get_by_index(0)?;
    Ok(serde_json::from_str(&text).ok())
}

impl Store {
    /// The workspace's cost settings, if any were saved.
    pub async fn report_costs(&self, scope: &WorkspaceScope) -> Result<Option<Value>> {
        load(self.db(), scope.id()).await
    }

    /// Replaces the workspace's cost settings (audited with before and after).
    pub async fn put_report_costs(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        costs: Value,
    ) -> Result<Value> {
        let txn = self.write(scope, actor).await?;
        let before = load(&txn, scope.id()).await?;
        let text = costs.to_string();
        let q = Query::insert()
            .into_table(a("report_settings"))
            .columns([a("workspace_id"), a("costs"), a("updated_at")])
            .values_panic([scope.id().into(), text.into(), txn.now().timestamp().into()])
            .on_conflict(
                OnConflict::column(a("workspace_id"))
                    .update_columns([a("costs"), a("updated_at")])
                    .to_owned(),
            )
            .to_owned();
        txn.execute(&q).await?;
        txn.record(Change {
            action: "updated",
            entity_type: "report_costs",
            entity_id: scope.id(),
            before,
            after: Some(costs.clone()),
        })
        .await?;
        txn.commit().await?;
        Ok(costs)
    }
}
