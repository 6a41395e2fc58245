//! Reading the outbox: events in commit order (`seq`), and the positions of named consumers,
//! so a consumer resumes after a restart exactly where it stopped.

use crate::entity::{consumer_offset, outbox};
use crate::{Result, Store};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub use outbox::Model as OutboxEvent;

impl Store {
    /// Up to `limit` events with `seq > after`, oldest first.
    pub async fn outbox_after(&self, after: i64, limit: u64) -> Result<Vec<OutboxEvent>> {
        Ok(outbox::Entity::find()
            .filter(outbox::Column::Seq.gt(after))
            .order_by_asc(outbox::Column::Seq)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// The last event `consumer` has handled (0 if it never ran).
    pub async fn consumer_position(&self, consumer: &str) -> Result<i64> {
        Ok(consumer_offset::Entity::find_by_id(consumer.to_owned())
            .one(self.db())
            .await?
            .map_or(0, |r| r.position))
    }

    /// Records that `consumer` has handled every event up to `position`.
    pub async fn set_consumer_position(&self, consumer: &str, position: i64) -> Result<()> {
        write_position(self.db(), consumer, position, self.now()).await
    }
}

/// Upserts `consumer`'s position on `conn` (also inside a transaction that handles an event).
pub(crate) async fn write_position<C: ConnectionTrait>(
    conn: &C,
    consumer: &str,
    position: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    consumer_offset::Entity::insert(consumer_offset::ActiveModel {
        consumer: Set(consumer.to_owned()),
        position: Set(position),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(consumer_offset::Column::Consumer)
            .update_columns([
                consumer_offset::Column::Position,
                consumer_offset::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}
