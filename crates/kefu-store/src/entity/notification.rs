//! The `notifications` table: one user's in-app inbox entries (SLA warnings and breaches,
//! escalations, reminders, trigger notifications, mentions and watched tickets).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub workspace_id: String,
    pub user_id: String,
    pub kind: String,
    pub ticket_id: Option<String>,
    pub text: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
