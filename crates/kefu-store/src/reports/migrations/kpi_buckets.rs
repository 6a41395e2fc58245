//! KPI accumulators: one row per workspace × 15-minute UTC bucket × queue × team × agent with
//! every count and sum of `kefu_kpi::Sums`, the same per UTC hour and per local day, and the bucket each interaction was last counted
//! in (so an update or delete can recompute the bucket it left).

use crate::migration::{a, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The count and sum columns, in the order of `kefu_kpi::Sums::FIELDS` when this migration
/// was written. A field added to `Sums` later needs a new migration adding its column.
pub const SUM_COLUMNS: &[&str] = &[
    "offered",
    "short_abandoned",
    "answered",
    "abandoned",
    "answered_within_t",
    "abandoned_within_t",
    "queue_ms_answered",
    "queue_ms_offered",
    "ring_ms_answered",
    "handled",
    "talk_ms",
    "hold_ms",
    "acw_ms",
    "outbound_dials",
    "outbound_connected",
    "outbound_successes",
    "state_handling_ms",
    "state_available_ms",
    "state_logged_in_ms",
    "tickets_created",
    "complaints",
    "attitude_complaints",
    "tickets_resolved",
    "tickets_fcr",
    "first_response_due",
    "first_response_met",
    "resolution_due",
    "resolution_met",
    "evaluations",
    "evaluations_passed",
    "csat_responses",
    "csat_satisfied",
    "nps_responses",
    "nps_promoters",
    "nps_detractors",
    "shifts_scheduled",
    "shifts_attended",
    "scheduled_ms",
    "adherent_ms",
];

pub(crate) struct KpiBuckets;

impl MigrationName for KpiBuckets {
    fn name(&self) -> &str {
        "m20261123_000101_kpi_buckets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for KpiBuckets {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // kpi_buckets: 15-minute UTC buckets; kpi_hours: the same sums per UTC hour;
        // kpi_days: the same sums per local day of the workspace's time zone (bucket_start = the day's first instant), for fast
        // day/week/month reports.
        for name in ["kpi_buckets", "kpi_hours", "kpi_days"] {
            let mut t = Table::create();
            t.table(a(name))
                .col(string_len(a("workspace_id"), 36))
                .col(big_integer(a("bucket_start")))
                .col(string(a("queue")))
                .col(string(a("team")))
                .col(string(a("agent")));
            for c in SUM_COLUMNS {
                t.col(big_integer(a(c)).default(0));
            }
            t.primary_key(
                Index::create()
                    .col(a("workspace_id"))
                    .col(a("bucket_start"))
                    .col(a("queue"))
                    .col(a("team"))
                    .col(a("agent")),
            );
            m.create_table(t.to_owned()).await?;
        }
        // Ticket business-minute samples of a 15-minute row (few rows have any).
        m.create_table(
            Table::create()
                .table(a("kpi_samples"))
                .col(string_len(a("workspace_id"), 36))
                .col(big_integer(a("bucket_start")))
                .col(string(a("queue")))
                .col(string(a("team")))
                .col(string(a("agent")))
                .col(text(a("samples")))
                .primary_key(
                    Index::create()
                        .col(a("workspace_id"))
                        .col(a("bucket_start"))
                        .col(a("queue"))
                        .col(a("team"))
                        .col(a("agent")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("kpi_contact_buckets"))
                .col(string_len(a("workspace_id"), 36))
                .col(string_len(a("interaction_id"), 36))
                .col(big_integer(a("bucket_start")))
                .primary_key(
                    Index::create()
                        .col(a("workspace_id"))
                        .col(a("interaction_id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "interactions",
            "ix_interactions_ws_offered",
            &["workspace_id", "offered_at"],
            false,
        ))
        .await?;
        Ok(())
    }
}
