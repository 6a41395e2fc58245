//! The `ticket_complaints` table: the complaint handling of a `complaint` ticket (SPEC C3,
//! seeds 002/003): classification, root cause, responsibility, compensation with its
//! approval, and the follow-up call (回访).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_complaints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: String,
    pub workspace_id: String,
    /// `routine` (常规), `exploratory` (发掘性) or `concentrated` (集中性).
    pub classification: Option<String>,
    pub root_cause: String,
    pub responsible_team_id: Option<String>,
    pub responsible_user_id: Option<String>,
    /// `none`, `proposed`, `approved` or `rejected`.
    pub compensation_status: String,
    /// What is offered (补偿), e.g. "refund 200 CNY".
    pub compensation: String,
    pub compensation_proposed_by: Option<String>,
    pub compensation_decided_by: Option<String>,
    pub compensation_decision_reason: String,
    pub follow_up_at: Option<DateTimeUtc>,
    pub follow_up_by: Option<String>,
    pub follow_up_note: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
