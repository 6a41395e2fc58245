//! The `customer_rfm` table: a customer's RFM inputs as of the last refresh.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "customer_rfm")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: String,
    pub last_contact_at: Option<DateTimeUtc>,
    /// Interactions within the window.
    pub frequency: i64,
    pub monetary: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
