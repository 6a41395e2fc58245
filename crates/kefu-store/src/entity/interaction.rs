//! The `interactions` table.
use kefu_model::{Channel, Direction, InteractionOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub channel: Channel,
    pub direction: Direction,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub offered_at: Option<DateTimeUtc>,
    pub queued_at: Option<DateTimeUtc>,
    pub ringing_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    pub abandoned_at: Option<DateTimeUtc>,
    pub held_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub wrap_up_ended_at: Option<DateTimeUtc>,
    pub ring_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub acw_s: i64,
    pub outcome: Option<InteractionOutcome>,
    pub disposition: Option<String>,
    pub transcript: Option<String>,
    pub recording_ref: Option<String>,
    /// The agent's note at wrap-up (live contacts).
    pub wrap_up_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
