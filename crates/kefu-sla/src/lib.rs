//! `kefu-sla`: business calendars and SLA clocks. Pure: no I/O, no wall clock; every instant
//! (including "now") comes in as a value, so the same inputs always give the same answer.
//!
//! - [`calendar`]: a business calendar (time zone, weekly hours, holidays, extra working days)
//!   with [`Calendar::due`] and [`Calendar::elapsed_seconds`] in business time.
//! - [`policy`]: SLA policies (targets per ticket type, priority and customer tier) and their
//!   YAML format.
//! - [`clock`]: the SLA clock of one ticket, a pure function of its event history.
//! - [`compliance`](mod@compliance): SLA compliance per policy over a set of tickets.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use kefu_sla::Calendar;
//!
//! let cal = Calendar::from_yaml(r#"
//! time_zone: Asia/Shanghai
//! weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"],
//!          wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"],
//!          fri: ["09:00-12:00", "13:00-18:00"]}
//! holidays: ["2026-10-01..2026-10-07"]
//! extra_workdays: {"2026-09-27": mon}
//! "#)?;
//! let start: DateTime<Utc> = "2026-09-30T08:00:00Z".parse().unwrap(); // Wed 16:00 in Shanghai
//! let due = cal.due(start, 180)?; // 2 h on Wednesday, the holiday week, 1 h on Thursday Oct 8
//! assert_eq!(due.to_rfc3339(), "2026-10-08T02:00:00+00:00");
//! assert_eq!(cal.elapsed_minutes(start, due)?, 180);
//! # Ok::<(), kefu_sla::SlaError>(())
//! ```

pub mod calendar;
pub mod clock;
pub mod compliance;
pub mod error;
mod offsets;
pub mod policy;

pub use calendar::{Calendar, CalendarSpec};
pub use clock::{EventKind, Metric, SlaStatus, TargetStatus, TicketEvent, TicketState, evaluate};
pub use compliance::{MetricCompliance, PolicyCompliance, compliance};
pub use error::SlaError;
pub use policy::{
    Escalation, Policy, PolicySet, PolicySetSpec, Priority, TicketAttributes, TicketType,
};
