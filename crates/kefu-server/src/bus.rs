//! The event bus behind a small interface, fed from the outbox after commit.
//!
//! The outbox table is the log: the publisher reads events in `seq` order and publishes
//! them on the bus for live listeners (pages, WebSocket pushes). Durable consumers do not
//! rely on the bus: [`run_consumer`] reads the outbox from the consumer's stored position,
//! handles each event and stores the new position, so after a crash it resumes exactly where
//! it stopped (at-least-once; handlers are idempotent). NATS can replace the in-process bus
//! behind [`EventBus`].

use kefu_store::Store;
use kefu_store::outbox::OutboxEvent;
use std::sync::Arc;
use std::time::Duration;

/// Publishes events to live subscribers.
pub trait EventBus: Send + Sync {
    fn publish(&self, event: &OutboxEvent);
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<OutboxEvent>;
}

/// A bus inside one process (tokio broadcast).
pub struct InProcessBus {
    tx: tokio::sync::broadcast::Sender<OutboxEvent>,
}

impl InProcessBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: tokio::sync::broadcast::channel(capacity).0,
        }
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: &OutboxEvent) {
        let _ = self.tx.send(event.clone());
    }
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<OutboxEvent> {
        self.tx.subscribe()
    }
}

/// How often consumers look at the outbox without a signal (changes made by other nodes).
const POLL: Duration = Duration::from_millis(500);
const BATCH: u64 = 500;

/// A durable consumer of outbox events.
pub trait Consumer: Send + Sync + 'static {
    /// A stable name: the key of its stored position.
    fn name(&self) -> &str;
    /// Handles one event; an error stops the batch and the event is retried later.
    fn handle(&self, event: &OutboxEvent) -> impl Future<Output = Result<(), String>> + Send;
}

/// Handles every outbox event after `consumer`'s stored position, once, in order, and
/// returns how many it handled. Runs until the outbox is drained.
pub async fn drain<C: Consumer>(
    store: &Store,
    consumer: &C,
) -> Result<usize, kefu_store::StoreError> {
    let mut position = store.consumer_position(consumer.name()).await?;
    let mut handled = 0;
    loop {
        let batch = store.outbox_after(position, BATCH).await?;
        if batch.is_empty() {
            return Ok(handled);
        }
        for event in &batch {
            if let Err(e) = consumer.handle(event).await {
                tracing::warn!(consumer = consumer.name(), seq = event.seq, error = %e, "consumer failed; will retry");
                store
                    .set_consumer_position(consumer.name(), position)
                    .await?;
                return Ok(handled);
            }
            position = event.seq;
            handled += 1;
        }
        store
            .set_consumer_position(consumer.name(), position)
            .await?;
    }
}

/// Runs `consumer` forever: drains the outbox whenever a change is committed (or every poll
/// interval).
pub fn run_consumer<C: Consumer>(store: Store, consumer: C) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let signal = store.outbox_signal();
        loop {
            let notified = signal.notified();
            if let Err(e) = drain(&store, &consumer).await {
                tracing::error!(consumer = consumer.name(), error = %e, "consumer stopped on a store error");
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    })
}

/// The consumer that publishes outbox events on the bus.
struct Publisher(Arc<dyn EventBus>);

impl Consumer for Publisher {
    fn name(&self) -> &str {
        "bus-publisher"
    }
    async fn handle(&self, event: &OutboxEvent) -> Result<(), String> {
        self.0.publish(event);
        Ok(())
    }
}

/// Starts publishing committed outbox events on `bus`.
pub fn spawn_publisher(store: Store, bus: Arc<dyn EventBus>) -> tokio::task::JoinHandle<()> {
    run_consumer(store, Publisher(bus))
}
