//! RFM (recency, frequency, monetary) for segments: each customer's raw inputs as of the
//! last refresh, as columns of `customers` with one index each that ends in `merged_into`,
//! so a score condition is an index range that a count answers from the index alone; and
//! `crm_rfm_settings` with the workspace's settings and the score bounds in force.

use crate::migration::{a, index};
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
        for mut c in [
            timestamp_with_time_zone_null(a("rfm_last_contact_at")),
            big_integer(a("rfm_frequency")).default(0).to_owned(),
            double(a("rfm_monetary")).default(0.0).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(a("customers"))
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        for (name, col) in [
            ("ix_customers_rfm_recency", "rfm_last_contact_at"),
            ("ix_customers_rfm_frequency", "rfm_frequency"),
            ("ix_customers_rfm_monetary", "rfm_monetary"),
        ] {
            m.create_index(index(
                "customers",
                name,
                &["workspace_id", col, "merged_into"],
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
