//! The `ticket_settings` table: one row per workspace (SLA calendars and policies as the
//! `kefu-sla` spec, reopen window of closed tickets).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: String,
    pub sla_policies: Option<Json>,
    pub reopen_window_minutes: i64,
    /// A complaint cannot be closed before its follow-up call (回访) is recorded.
    pub complaint_follow_up_required: bool,
    /// Remind the customer after a ticket waits this long in `pending_customer` (0: never).
    pub pending_remind_minutes: i64,
    /// Resolve a ticket waiting this long in `pending_customer` (0: never).
    pub pending_resolve_minutes: i64,
    pub updated_at: DateTimeUtc,
    /// The tier-2 group (提送二线): escalated tickets move to it.
    pub tier2_group_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
