//! RFM (recency, frequency, monetary) for segments: `customer_rfm` holds each customer's
//! raw inputs as of the last refresh (last contact, contacts in the window, monetary value),
//! indexed for range conditions; `crm_rfm_settings` holds the workspace's settings and the
//! score bounds in force.

use super::{a, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct CrmRfm;

impl MigrationName for CrmRfm {
    fn name(&self) -> &str {
        "m20261123_000004_crm_rfm"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CrmRfm {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("customer_rfm"))
                .col(string_len(a("workspace_id"), 36))
                .col(string_len(a("customer_id"), 36))
                .col(timestamp_with_time_zone_null(a("last_contact_at")))
                .col(big_integer(a("frequency")))
                .col(double(a("monetary")))
                .primary_key(Index::create().col(a("workspace_id")).col(a("customer_id")))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_customer_rfm_recency", "last_contact_at"),
            ("ix_customer_rfm_frequency", "frequency"),
            ("ix_customer_rfm_monetary", "monetary"),
        ] {
            m.create_index(index(
                "customer_rfm",
                name,
                &["workspace_id", col, "customer_id"],
                false,
            ))
            .await?;
        }
        m.create_table(
            Table::create()
                .table(a("crm_rfm_settings"))
                .col(string_len(a("workspace_id"), 36).primary_key())
                .col(json(a("settings")))
                .col(json(a("bounds")))
                .col(timestamp_with_time_zone_null(a("refreshed_at")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
