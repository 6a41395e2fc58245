//! Tickets, second step: the SLA attribute history of tickets (`ticket_sla_events`: type,
//! priority and customer tier as of creation and each change, and policies assigned by hand),
//! the in-app notification inbox (`notifications`), agents' skills (`user_skills`) and the
//! tier-2 group of the workflow settings (`ticket_settings.tier2_group_id`).

use crate::migration::{a, id_col, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct TicketSlaNotify;

impl MigrationName for TicketSlaNotify {
    fn name(&self) -> &str {
        "m20261123_000009_ticket_sla_notify"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TicketSlaNotify {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            table(
                "ticket_sla_events",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    timestamp_with_time_zone(a("at")),
                    string_len(a("kind"), 12),
                    string_len(a("ticket_type"), 20),
                    string_len(a("priority"), 10),
                    string_len_null(a("tier"), 20),
                    string_null(a("policy")),
                    string_len_null(a("actor_id"), 36),
                ],
            ),
            table(
                "notifications",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("user_id"),
                    string_len(a("kind"), 30),
                    string_len_null(a("ticket_id"), 36),
                    text(a("text")),
                    timestamp_with_time_zone(a("created_at")),
                    timestamp_with_time_zone_null(a("read_at")),
                ],
            ),
            table(
                "user_skills",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("user_id"),
                    string_len(a("skill"), 100),
                    integer(a("level")),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let mut c = string_len_null(a("tier2_group_id"), 36);
        m.alter_table(
            Table::alter()
                .table(a("ticket_settings"))
                .add_column(&mut c)
                .to_owned(),
        )
        .await?;
        for i in [
            index(
                "ticket_sla_events",
                "ix_ticket_sla_events_ticket",
                &["workspace_id", "ticket_id", "seq"],
                false,
            ),
            index(
                "notifications",
                "ix_notifications_user",
                &["workspace_id", "user_id", "seq"],
                false,
            ),
            index(
                "user_skills",
                "ux_user_skills",
                &["workspace_id", "user_id", "skill"],
                true,
            ),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["user_skills", "notifications", "ticket_sla_events"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
