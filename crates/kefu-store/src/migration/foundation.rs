//! The first migration: workspaces, users, tokens, teams, customers, tickets and their
//! transitions, interactions, the audit log, the outbox and consumer positions.

use crate::migration::{a, id_col, id_null, index, table, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(super) struct Foundation;

impl MigrationName for Foundation {
    fn name(&self) -> &str {
        "m20261123_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Foundation {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let pk = |n: &str| string_len(a(n), 36).primary_key().to_owned();
        let tables = vec![
            table(
                "workspaces",
                vec![
                    pk("id"),
                    string_len_uniq(a("slug"), 63),
                    string(a("name")),
                    string(a("time_zone")),
                    ts("created_at"),
                ],
            ),
            table(
                "users",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    string(a("email")),
                    string(a("name")),
                    string_len(a("role"), 20),
                    string_null(a("password_hash")),
                    boolean(a("active")),
                    ts("created_at"),
                    ts("updated_at"),
                ],
            ),
            table(
                "api_tokens",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    id_col("user_id"),
                    string(a("name")),
                    string_len(a("kind"), 10),
                    string_len_uniq(a("token_hash"), 64),
                    ts("created_at"),
                    ts_null("expires_at"),
                    ts_null("revoked_at"),
                ],
            ),
            table(
                "teams",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    string(a("name")),
                    text_null(a("description")),
                    ts("created_at"),
                    ts("updated_at"),
                ],
            ),
            Table::create()
                .table(a("team_members"))
                .col(id_col("team_id"))
                .col(id_col("user_id"))
                .col(id_col("workspace_id"))
                .primary_key(Index::create().col(a("team_id")).col(a("user_id")))
                .to_owned(),
            table(
                "customers",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    string(a("name")),
                    json(a("phones")),
                    json(a("emails")),
                    json(a("external_ids")),
                    string_null(a("organization")),
                    json(a("tags")),
                    ts("created_at"),
                    ts("updated_at"),
                ],
            ),
            table(
                "tickets",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    id_null("customer_id"),
                    string_len(a("ticket_type"), 20),
                    string(a("subject")),
                    text(a("description")),
                    string_len(a("priority"), 10),
                    string_len(a("state"), 20),
                    id_null("assignee_id"),
                    id_null("group_id"),
                    ts("created_at"),
                    ts("updated_at"),
                ],
            ),
            table(
                "ticket_transitions",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_col("ticket_id"),
                    string_len(a("from_state"), 20),
                    string_len(a("to_state"), 20),
                    text(a("reason")),
                    id_col("actor_id"),
                    ts("at"),
                ],
            ),
            table(
                "interactions",
                vec![
                    pk("id"),
                    id_col("workspace_id"),
                    string_len(a("channel"), 20),
                    string_len(a("direction"), 10),
                    id_null("customer_id"),
                    string_null(a("queue")),
                    id_null("agent_id"),
                    id_null("ticket_id"),
                    ts_null("offered_at"),
                    ts_null("queued_at"),
                    ts_null("ringing_at"),
                    ts_null("answered_at"),
                    ts_null("abandoned_at"),
                    ts_null("held_at"),
                    ts_null("ended_at"),
                    ts_null("wrap_up_ended_at"),
                    big_integer(a("ring_s")),
                    big_integer(a("talk_s")),
                    big_integer(a("hold_s")),
                    big_integer(a("acw_s")),
                    string_len_null(a("outcome"), 20),
                    string_null(a("disposition")),
                    text_null(a("transcript")),
                    string_null(a("recording_ref")),
                    ts("created_at"),
                    ts("updated_at"),
                ],
            ),
            table(
                "audit_log",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    id_null("actor_id"),
                    ts("at"),
                    string(a("action")),
                    string_len(a("entity_type"), 40),
                    id_col("entity_id"),
                    json_null(a("before")),
                    json_null(a("after")),
                ],
            ),
            table(
                "outbox",
                vec![
                    big_pk_auto(a("seq")),
                    id_col("workspace_id"),
                    string(a("topic")),
                    string_len(a("entity_type"), 40),
                    id_col("entity_id"),
                    json(a("payload")),
                    ts("created_at"),
                ],
            ),
            table(
                "consumer_offsets",
                vec![
                    string_len(a("consumer"), 100).primary_key().to_owned(),
                    big_integer(a("position")),
                    ts("updated_at"),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let indexes = [
            index(
                "users",
                "ux_users_ws_email",
                &["workspace_id", "email"],
                true,
            ),
            index("users", "ix_users_ws_id", &["workspace_id", "id"], false),
            index(
                "api_tokens",
                "ix_tokens_ws_id",
                &["workspace_id", "id"],
                false,
            ),
            index("teams", "ix_teams_ws_id", &["workspace_id", "id"], false),
            index(
                "team_members",
                "ix_team_members_user",
                &["workspace_id", "user_id"],
                false,
            ),
            index(
                "customers",
                "ix_customers_ws_id",
                &["workspace_id", "id"],
                false,
            ),
            index(
                "tickets",
                "ix_tickets_ws_id",
                &["workspace_id", "id"],
                false,
            ),
            index(
                "tickets",
                "ix_tickets_ws_state",
                &["workspace_id", "state", "id"],
                false,
            ),
            index(
                "tickets",
                "ix_tickets_ws_assignee",
                &["workspace_id", "assignee_id", "id"],
                false,
            ),
            index(
                "tickets",
                "ix_tickets_ws_group",
                &["workspace_id", "group_id", "id"],
                false,
            ),
            index(
                "tickets",
                "ix_tickets_ws_customer",
                &["workspace_id", "customer_id", "id"],
                false,
            ),
            index(
                "ticket_transitions",
                "ix_transitions_ticket",
                &["workspace_id", "ticket_id", "seq"],
                false,
            ),
            index(
                "interactions",
                "ix_interactions_ws_id",
                &["workspace_id", "id"],
                false,
            ),
            index(
                "interactions",
                "ix_interactions_ws_customer",
                &["workspace_id", "customer_id", "id"],
                false,
            ),
            index(
                "interactions",
                "ix_interactions_ws_agent",
                &["workspace_id", "agent_id", "id"],
                false,
            ),
            index(
                "audit_log",
                "ix_audit_entity",
                &["workspace_id", "entity_type", "entity_id", "seq"],
                false,
            ),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }
}
