//! CRM (SPEC C1): the full customer profile (profile, custom fields, lifecycle, value tier,
//! owner, merge redirect), the identity index used for lookups and dedupe, the customer
//! event log (lifecycle/owner changes, notes, merges), custom field definitions and the
//! per-workspace CRM settings.

use crate::migration::{a, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Crm;

impl MigrationName for Crm {
    fn name(&self) -> &str {
        "m20261123_000002_crm"
    }
}

fn add_col(col: ColumnDef) -> TableAlterStatement {
    let mut c = col;
    Table::alter()
        .table(a("customers"))
        .add_column(&mut c)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Crm {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in [
            json_null(a("profile")),
            json_null(a("custom")),
            string_len(a("lifecycle"), 20)
                .default("prospect")
                .to_owned(),
            string_len_null(a("value_tier"), 20),
            string_len_null(a("owner_id"), 36),
            string_len_null(a("merged_into"), 36),
        ] {
            m.alter_table(add_col(c)).await?;
        }
        m.create_table(
            Table::create()
                .table(a("customer_identities"))
                .col(string_len(a("workspace_id"), 36))
                .col(string_len(a("kind"), 100))
                .col(string_len(a("value"), 500))
                .col(string_len(a("customer_id"), 36))
                .primary_key(
                    Index::create()
                        .col(a("workspace_id"))
                        .col(a("kind"))
                        .col(a("value"))
                        .col(a("customer_id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(table(
            "customer_events",
            vec![
                string_len(a("id"), 36).primary_key().to_owned(),
                string_len(a("workspace_id"), 36),
                string_len(a("customer_id"), 36),
                string_len(a("kind"), 20),
                string_len_null(a("from_value"), 100),
                string_len_null(a("to_value"), 100),
                text(a("body")),
                string_len_null(a("actor_id"), 36),
                timestamp_with_time_zone(a("at")),
            ],
        ))
        .await?;
        m.create_table(table(
            "custom_field_defs",
            vec![
                string_len(a("id"), 36).primary_key().to_owned(),
                string_len(a("workspace_id"), 36),
                string_len(a("key"), 64),
                string(a("label")),
                string_len(a("field_type"), 20),
                json(a("choices")),
                timestamp_with_time_zone(a("created_at")),
            ],
        ))
        .await?;
        m.create_table(table(
            "segments",
            vec![
                string_len(a("id"), 36).primary_key().to_owned(),
                string_len(a("workspace_id"), 36),
                string(a("name")),
                json(a("rules")),
                timestamp_with_time_zone(a("created_at")),
            ],
        ))
        .await?;
        m.create_table(table(
            "crm_settings",
            vec![
                string_len(a("workspace_id"), 36).primary_key().to_owned(),
                string_len(a("default_region"), 2),
                json(a("value_tiers")),
            ],
        ))
        .await?;
        for i in [
            index(
                "customers",
                "ix_customers_ws_lifecycle",
                &["workspace_id", "lifecycle", "id"],
                false,
            ),
            index(
                "customers",
                "ix_customers_ws_owner",
                &["workspace_id", "owner_id", "id"],
                false,
            ),
            index(
                "customers",
                "ix_customers_ws_tier",
                &["workspace_id", "value_tier", "id"],
                false,
            ),
            index(
                "segments",
                "ix_segments_ws_id",
                &["workspace_id", "id"],
                false,
            ),
            index(
                "customer_identities",
                "ix_identities_value",
                &["workspace_id", "value"],
                false,
            ),
            index(
                "customer_identities",
                "ix_identities_customer",
                &["workspace_id", "customer_id"],
                false,
            ),
            index(
                "customer_events",
                "ix_customer_events_customer",
                &["workspace_id", "customer_id", "id"],
                false,
            ),
            index(
                "custom_field_defs",
                "ux_custom_field_defs_key",
                &["workspace_id", "key"],
                true,
            ),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
