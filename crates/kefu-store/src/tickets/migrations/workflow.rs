//! Ticket workflow tables: messages (public replies and internal notes), tags, watchers,
//! links between tickets, complaint handling, macros and triggers, SLA warnings and breaches already acted on, and the per-workspace ticket settings (SLA calendars and policies,
//! reopen window).

use crate::migration::{a, id_col, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct TicketWorkflow;

impl MigrationName for TicketWorkflow {
    fn name(&self) -> &str {
        "m20261123_000005_ticket_workflow"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TicketWorkflow {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![
            table(
                "ticket_messages",
                vec![
                    string_len(a("id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    string_len_null(a("author_id"), 36),
                    string_len(a("author_kind"), 10),
                    boolean(a("public")),
                    string_len(a("channel"), 20),
                    text(a("body")),
                    json(a("attachments")),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "ticket_tags",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    string(a("tag")),
                ],
            ),
            table(
                "ticket_watchers",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    id_col("user_id"),
                ],
            ),
            table(
                "ticket_links",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    id_col("other_id"),
                    string_len(a("kind"), 20),
                    timestamp_with_time_zone(a("created_at")),
                ],
            ),
            table(
                "ticket_sla_notices",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    string_len(a("kind"), 10),
                    string_len(a("metric"), 20),
                    timestamp_with_time_zone(a("started_at")),
                    timestamp_with_time_zone(a("at")),
                ],
            ),
            table(
                "ticket_complaints",
                vec![
                    string_len(a("ticket_id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    string_len_null(a("classification"), 20),
                    text(a("root_cause")),
                    string_len_null(a("responsible_team_id"), 36),
                    string_len_null(a("responsible_user_id"), 36),
                    string_len(a("compensation_status"), 20),
                    text(a("compensation")),
                    string_len_null(a("compensation_proposed_by"), 36),
                    string_len_null(a("compensation_decided_by"), 36),
                    text(a("compensation_decision_reason")),
                    timestamp_with_time_zone_null(a("follow_up_at")),
                    string_len_null(a("follow_up_by"), 36),
                    text(a("follow_up_note")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
            table(
                "ticket_automations",
                vec![
                    string_len(a("id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    string_len(a("kind"), 10),
                    string(a("name")),
                    integer(a("position")),
                    boolean(a("active")),
                    json(a("definition")),
                    timestamp_with_time_zone(a("created_at")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
            table(
                "ticket_categories",
                vec![
                    string_len(a("id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    string_len_null(a("parent_id"), 36),
                    string(a("name")),
                    timestamp_with_time_zone(a("created_at")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
            table(
                "ticket_category_of",
                vec![
                    string_len(a("ticket_id"), 36).primary_key().to_owned(),
                    id_col("workspace_id"),
                    id_col("category_id"),
                ],
            ),
            table(
                "ticket_settings",
                vec![
                    string_len(a("workspace_id"), 36).primary_key().to_owned(),
                    json_null(a("sla_policies")),
                    big_integer(a("reopen_window_minutes")),
                    boolean(a("complaint_follow_up_required")),
                    big_integer(a("pending_remind_minutes")),
                    big_integer(a("pending_resolve_minutes")),
                    timestamp_with_time_zone(a("updated_at")),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index(
                "ticket_messages",
                "ix_ticket_messages_ticket",
                &["workspace_id", "ticket_id", "created_at"],
                false,
            ),
            index(
                "ticket_tags",
                "ux_ticket_tags",
                &["workspace_id", "ticket_id", "tag"],
                true,
            ),
            index(
                "ticket_tags",
                "ix_ticket_tags_tag",
                &["workspace_id", "tag"],
                false,
            ),
            index(
                "ticket_watchers",
                "ux_ticket_watchers",
                &["workspace_id", "ticket_id", "user_id"],
                true,
            ),
            index(
                "ticket_links",
                "ux_ticket_links",
                &["workspace_id", "ticket_id", "other_id", "kind"],
                true,
            ),
            index(
                "ticket_links",
                "ix_ticket_links_other",
                &["workspace_id", "other_id"],
                false,
            ),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "ticket_settings",
            "ticket_sla_notices",
            "ticket_complaints",
            "ticket_automations",
            "ticket_category_of",
            "ticket_categories",
            "ticket_links",
            "ticket_watchers",
            "ticket_tags",
            "ticket_messages",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
