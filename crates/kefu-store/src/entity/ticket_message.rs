//! The `ticket_messages` table: public replies and internal notes of a ticket.
use kefu_model::{AuthorKind, Channel};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ticket_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub ticket_id: String,
    pub author_id: Option<String>,
    /// `agent` or `customer`.
    pub author_kind: AuthorKind,
    /// A public reply (seen by the customer) or an internal note.
    pub public: bool,
    pub channel: Channel,
    pub body: String,
    /// `[{name, content_type, size, url}]`: metadata only; the bytes live elsewhere.
    pub attachments: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
