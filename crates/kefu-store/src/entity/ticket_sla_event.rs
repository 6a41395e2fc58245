//! The `ticket_sla_events` table: what a ticket's SLA policy is matched on, as of creation
//! and of each change (`kind = attributes`: type, priority, customer tier), and policies
//! assigned by hand (`kind = policy`; `policy = NULL` withdraws the choice).
use kefu_model::{Priority, TicketType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_sla_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub workspace_id: String,
    pub ticket_id: String,
    pub at: DateTimeUtc,
    /// `attributes` or `policy`.
    pub kind: String,
    pub ticket_type: TicketType,
    pub priority: Priority,
    pub tier: Option<String>,
    pub policy: Option<String>,
    pub actor_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
