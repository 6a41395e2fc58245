//! `kefu-sla`: business calendars and SLA clocks. Pure: no I/O, no wall clock; every instant
//! (including "now") comes in as a value, so the same inputs always give the same answer.
//!
//! - [`calendar`]: a business calendar (time zone, weekly hours, holidays, extra working days)
//!   with [`Calendar::due`] and [`Calendar::elapsed_seconds`] in business time.
//! - [`policy`]: SLA policies (targets per ticket type, priority and customer tier) and their
//!   YAML format.
//! - [`clock`]: the SLA clock of one ticket, a pure function of its event history.
//! - [`compliance`]: SLA compliance per policy over a set of tickets.

pub mod calendar;
pub mod clock;
pub mod compliance;
pub mod error;
pub mod policy;

pub use calendar::{Calendar, CalendarSpec};
pub use clock::{EventKind, Metric, SlaStatus, TargetStatus, TicketEvent, TicketState, evaluate};
pub use compliance::{MetricCompliance, PolicyCompliance, compliance};
pub use error::SlaError;
pub use policy::{
    Escalation, Policy, PolicySet, PolicySetSpec, Priority, TicketAttributes, TicketType,
};
