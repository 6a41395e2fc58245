//! The `live_log` table: every command the routing engine of a workspace accepted, with the
//! engine time it was applied at; replayed in order, it rebuilds the engine exactly.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "live_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub workspace_id: String,
    /// Engine time: milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub command: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
