//! KPI accumulators kept by deltas: `kpi_contacts` holds what each interaction last added to
//! the accumulators (its row key and every count and sum), so an event subtracts that and adds
//! the interaction's new contribution. Roll-ups per grouping: `kpi_quarter_by`,
//! `kpi_hour_by` and `kpi_day_by` hold, per 15-minute bucket, UTC hour or local day, one row
//! per dimension (`none`, `queue`, `team`, `agent`) and group, so a report reads exactly its
//! rows and sums nothing. They replace `kpi_hours`, `kpi_days` (summed over every
//! dimension at read time) and `kpi_contact_buckets`; the accumulators are derived data, so
//! they are emptied here and the `kpi-buckets` consumer rebuilds them by replaying the
//! outbox from the start.

use super::kpi_buckets::SUM_COLUMNS;
use crate::migration::a;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct KpiDeltas;

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
        for name in ["kpi_quarter_by", "kpi_hour_by", "kpi_day_by"] {
            let mut t = Table::create();
            t.table(a(name))
                .col(string_len(a("workspace_id"), 36))
                .col(string_len(a("dim"), 8))
                .col(big_integer(a("bucket_start")))
                .col(string(a("grp")));
            for c in SUM_COLUMNS {
                t.col(big_integer(a(c)).default(0));
            }
            t.primary_key(
                Index::create()
                    .col(a("workspace_id"))
                    .col(a("dim"))
                    .col(a("bucket_start"))
                    .col(a("grp")),
            );
            m.create_table(t.to_owned()).await?;
        }
        for t in ["kpi_contact_buckets", "kpi_hours", "kpi_days"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        let db = m.get_connection();
        for t in ["kpi_buckets", "kpi_samples"] {
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
