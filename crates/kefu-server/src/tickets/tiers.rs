//! The outbox consumer `ticket-tiers`: when a customer changes (their value tier may have),
//! the customer's active tickets get the new tier recorded in their SLA attribute history,
//! as of the change, so SLA policies matched on tiers re-target from that moment.

use crate::bus::{Consumer, run_consumer};
use kefu_store::Store;
use kefu_store::outbox::OutboxEvent;

pub struct TicketTiers(pub Store);

impl Consumer for TicketTiers {
    fn name(&self) -> &str {
        "ticket-tiers"
    }

    async fn handle(&self, event: &OutboxEvent) -> Result<(), String> {
        if event.entity_type != "customer" {
            return Ok(());
        }
        self.0
            .refresh_customer_tier(&event.workspace_id, &event.entity_id, event.created_at)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Runs the consumer until the task is aborted.
pub fn spawn(store: Store) -> tokio::task::JoinHandle<()> {
    run_consumer(store.clone(), TicketTiers(store))
}
