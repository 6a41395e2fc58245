//! The `ticket_automations` table: macros (applied by hand) and triggers (on ticket create or
//! update), evaluated in `position` order; `definition` holds conditions and actions.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_automations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    /// `macro` or `trigger`.
    pub kind: String,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub definition: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
