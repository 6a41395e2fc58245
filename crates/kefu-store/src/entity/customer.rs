//! The `customers` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub phones: Json,
    pub emails: Json,
    pub external_ids: Json,
    pub organization: Option<String>,
    pub tags: Json,
    /// Address, birthday, preferences and consent (see `customers::Profile`).
    pub profile: Option<Json>,
    /// Custom field values by key.
    pub custom: Option<Json>,
    pub lifecycle: String,
    pub value_tier: Option<String>,
    pub owner_id: Option<String>,
    /// Set when this record was merged into another; reads redirect there.
    pub merged_into: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// RFM inputs as of the last refresh (see `rfm`): the last contact, the contacts
    /// within the window and the monetary value.
    pub rfm_last_contact_at: Option<DateTimeUtc>,
    pub rfm_frequency: i64,
    pub rfm_monetary: f64,
    /// The RFM scores as of the last refresh: r·100 + f·10 + m (111: no inputs).
    pub rfm_cell: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
