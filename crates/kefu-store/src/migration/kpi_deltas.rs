//! KPI accumulators kept by deltas: `kpi_contacts` holds what each interaction last added to
//! the accumulators (its row key and every count and sum), so an event subtracts that and adds
//! the interaction's new contribution. Replaces `kpi_contact_buckets`; the accumulators are
//! derived data, so they are emptied here and the `kpi-buckets` consumer rebuilds them by
//! replaying the outbox from the start.

use super::a;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(super) struct KpiDeltas;

impl MigrationName for KpiDeltas {
    fn name(&self) -> &str {
        "m20261123_000202_kpi_deltas"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for KpiDeltas {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("kpi_contacts"))
                .col(string_len(a("workspace_id"), 36))
                .col(string_len(a("interaction_id"), 36))
                .col(big_integer(a("bucket_start")))
                .col(string(a("queue")))
                .col(string(a("team")))
                .col(string(a("agent")))
                .col(text(a("sums")))
                .primary_key(
                    Index::create()
                        .col(a("workspace_id"))
                        .col(a("interaction_id")),
                )
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a("kpi_contact_buckets")).to_owned())
            .await?;
        let db = m.get_connection();
        for t in ["kpi_buckets", "kpi_hours", "kpi_days", "kpi_samples"] {
            db.execute(&Query::delete().from_table(a(t)).to_owned())
                .await?;
        }
        db.execute(
            &Query::delete()
                .from_table(a("consumer_offsets"))
                .and_where(Expr::col(a("consumer")).eq("kpi-buckets"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
