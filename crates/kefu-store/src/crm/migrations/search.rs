//! CRM search at scale: `customer_name_keys` (normalized name, pinyin and initials keys for
//! prefix search, see `crate::crm::name_search`), filled for the customers that already exist; and
//! the identity value index made covering (`workspace_id, value, kind, customer_id`) so that a
//! lookup by value is an index seek on SQLite (the old two-column index lost to the primary
//! key, which the planner then scanned by `workspace_id` alone).

use crate::migration::{a, index};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct CrmSearch;

impl MigrationName for CrmSearch {
    fn name(&self) -> &str {
        "m20261123_000003_crm_search"
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: String,
    workspace_id: String,
    name: String,
}

#[async_trait::async_trait]
impl MigrationTrait for CrmSearch {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Keys are compared byte-wise (prefix ranges); SQLite's default collation already is.
        let mut key = string_len(a("key"), 100);
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            key.extra("COLLATE \"C\"");
        }
        m.create_table(
            Table::create()
                .table(a("customer_name_keys"))
                .col(string_len(a("workspace_id"), 36))
                .col(key)
                .col(string_len(a("customer_id"), 36))
                .primary_key(
                    Index::create()
                        .col(a("workspace_id"))
                        .col(a("key"))
                        .col(a("customer_id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "customer_name_keys",
            "ix_name_keys_customer",
            &["workspace_id", "customer_id", "key"],
            false,
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_identities_value")
                .table(a("customer_identities"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "customer_identities",
            "ix_identities_value",
            &["workspace_id", "value", "kind", "customer_id"],
            false,
        ))
        .await?;
        // Backfill, 1,000 customers at a time in id order.
        let db = m.get_connection();
        let mut after = String::new();
        loop {
            let q = Query::select()
                .columns([a("id"), a("workspace_id"), a("name")])
                .from(a("customers"))
                .and_where(Expr::col(a("merged_into")).is_null())
                .and_where(Expr::col(a("id")).gt(after.clone()))
                .order_by(a("id"), Order::Asc)
                .limit(1000)
                .to_owned();
            let rows = Row::find_by_statement(db.get_database_backend().build(&q))
                .all(db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let keys: Vec<_> = rows
                .iter()
                .flat_map(|r| crate::crm::name_search::rows(&r.workspace_id, &r.id, &r.name))
                .collect();
            for chunk in keys.chunks(1000) {
                crate::entity::customer_name_key::Entity::insert_many(chunk.to_vec())
                    .exec(db)
                    .await?;
            }
        }
        Ok(())
    }
}
