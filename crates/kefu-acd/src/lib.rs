//! kefu-acd: the routing engine (automatic contact distribution, SPEC C5) and the discrete-event
//! contact-center simulator (SPEC C15).
//!
//! Pure and deterministic: no I/O, no async, no wall clock. Time is a value passed in by the
//! caller (milliseconds, [`Time`]); randomness exists only in the simulator, from a seeded RNG.
//!
//! The engine is driven by commands and answers with events:
//! ```
//! use kefu_acd::*;
//! let mut e = Engine::new(EngineConfig::default());
//! let sales = QueueId(0);
//! let s = SkillId(0);
//! e.handle(0, Command::UpsertQueue { id: sales, config: QueueConfig {
//!     requirements: vec![Requirement::new(s, 1)], ..QueueConfig::default() } }).unwrap();
//! e.handle(0, Command::UpsertAgent { id: AgentId(0), config: AgentConfig::voice(&[(s, 2)]) }).unwrap();
//! e.handle(0, Command::Login { agent: AgentId(0) }).unwrap();
//! let ev = e.handle(1_000, Command::Arrive(Arrival::new(ContactId(7), sales))).unwrap();
//! assert!(ev.iter().any(|e| matches!(e, Event::Offered { agent: AgentId(0), .. })));
//! ```
//! See `ARCHITECTURE-acd.md` at the repository root for the data structures.

mod engine;
mod hash;
mod hours;
pub mod sim;
mod timers;
mod types;

pub use engine::{AgentView, AgentsByState, ContactState, ContactView, Engine, QueueSnapshot};
pub use hours::{Hours, WeeklyHours};
pub use types::*;
