//! The live contact center: queues (`live_queues`), agents' settings (`live_agents`), the
//! routing engine's command log (`live_log`), the agent-state history (`agent_states`) and the
//! wrap-up note of an interaction (`interactions.wrap_up_note`).

use crate::migration::{a, id_col, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct LiveCenter;

impl MigrationName for LiveCenter {
    fn name(&self) -> &str {
        "m20261202_000301_live_center"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LiveCenter {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            table(
                "live_queues",
                vec![
                    string_len(a("id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    string_len(a("name"), 200),
                    json(a("settings")),
                    boolean(a("deleted")),
                    timestamp_with_time_zone(a("created_at")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
            table(
                "live_agents",
                vec![
                    string_len(a("user_id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    json(a("settings")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
            table(
                "live_log",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    big_integer(a("at_ms")),
                    json(a("command")),
                ],
            ),
            table(
                "agent_states",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("user_id"),
                    string_len(a("state"), 20),
                    string_len_null(a("reason"), 20),
                    timestamp_with_time_zone(a("at")),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let mut c = text_null(a("wrap_up_note"));
        m.alter_table(
            Table::alter()
                .table(a("interactions"))
                .add_column(&mut c)
                .to_owned(),
        )
        .await?;
        for i in [
            index(
                "live_queues",
                "ix_live_queues_ws",
                &["workspace_id", "name"],
                false,
            ),
            index("live_agents", "ix_live_agents_ws", &["workspace_id"], false),
            index(
                "live_log",
                "ix_live_log_ws",
                &["workspace_id", "seq"],
                false,
            ),
            index(
                "agent_states",
                "ix_agent_states_user",
                &["workspace_id", "user_id", "at"],
                false,
            ),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
