//! The `custom_field_defs` table: customer fields an admin defines per workspace.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "custom_field_defs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub key: String,
    pub label: String,
    /// `text`, `number`, `date`, `choice`, `multi_choice` or `boolean`.
    pub field_type: String,
    pub choices: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
