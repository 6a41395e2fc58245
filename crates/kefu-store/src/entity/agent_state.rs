//! The `agent_states` table: the agent-state history (each change of a live agent's state,
//! with its aux reason), the record occupancy, adherence and attendance read.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "agent_states")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub workspace_id: String,
    pub user_id: String,
    /// `logged_out`, `available`, `reserved`, `busy`, `wrap_up` or `aux`.
    pub state: String,
    /// The aux reason (`break`, `lunch`, `training`, `meeting`, `no_answer`, `other`).
    pub reason: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
