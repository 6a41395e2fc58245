//! The `customer_events` table: lifecycle and owner changes, notes and merges of a customer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "customer_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub customer_id: String,
    /// `lifecycle`, `owner`, `note` or `merged`.
    pub kind: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    /// The reason of a change or the text of a note.
    pub body: String,
    pub actor_id: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
