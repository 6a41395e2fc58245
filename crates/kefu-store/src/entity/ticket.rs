//! The `tickets` table.
use kefu_model::{Priority, TicketState, TicketType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub customer_id: Option<String>,
    pub ticket_type: TicketType,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    pub state: TicketState,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
