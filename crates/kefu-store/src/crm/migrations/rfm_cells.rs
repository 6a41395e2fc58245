//! RFM scores stored per customer: `customers.rfm_cell` = r·100 + f·10 + m (each 1–5, 111
//! until the first refresh), with the one index `(workspace_id, rfm_cell, merged_into)`, so
//! that any box of scores — one range or several together — is an `IN` list on that index and
//! a count reads the index only. The per-input indexes of `crm_rfm.rs` are dropped: segments
//! no longer read the raw inputs, and every refresh had to rewrite them.

use crate::migration::{a, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct CrmRfmCells;

impl MigrationName for CrmRfmCells {
    fn name(&self) -> &str {
        "m20261123_000005_crm_rfm_cells"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CrmRfmCells {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("customers"))
                .add_column(integer(a("rfm_cell")).default(111).to_owned())
                .to_owned(),
        )
        .await?;
        for name in [
            "ix_customers_rfm_recency",
            "ix_customers_rfm_frequency",
            "ix_customers_rfm_monetary",
        ] {
            m.drop_index(Index::drop().name(name).table(a("customers")).to_owned())
                .await?;
        }
        m.create_index(index(
            "customers",
            "ix_customers_rfm_cell",
            &["workspace_id", "rfm_cell", "merged_into"],
            false,
        ))
        .await?;
        Ok(())
    }
}
