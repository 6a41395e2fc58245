//! The `ticket_sla_notices` table: each SLA warning or breach (per ticket, metric and cycle,
//! identified by the cycle's start) that the SLA timer has acted on, so it acts once.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_sla_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub workspace_id: String,
    pub ticket_id: String,
    /// `warning` or `breach`.
    pub kind: String,
    /// `first_response`, `next_response` or `resolution`.
    pub metric: String,
    pub started_at: DateTimeUtc,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
