//! kefu's domain types, shared by every crate: ids, roles and permissions, tickets and their
//! state machine, interactions and channels, validation limits. No I/O.

pub mod clock;
pub mod error;
pub mod id;
pub mod interaction;
pub mod role;
pub mod ticket;
pub mod validate;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::ModelError;
pub use id::{Id, new_id};
pub use interaction::{Channel, Direction, InteractionOutcome};
pub use role::{Action, Role};
pub use ticket::{AuthorKind, Priority, TicketState, TicketType};
