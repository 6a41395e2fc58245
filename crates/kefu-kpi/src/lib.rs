//! kefu-kpi: every KPI of the SPEC's KPI table, computed exactly from interaction, agent-state,
//! ticket, QA, survey and schedule records. Pure: no I/O, no clock, deterministic.
//!
//! Records are accumulated into mergeable per-15-minute-bucket × queue × team × agent
//! accumulators ([`Buckets`], [`Sums`]); reports roll them up to 15/30/60 minutes, day, week or
//! month in the workspace's time zone, grouped by none/queue/team/agent, and compute every rate
//! from the accumulated counts ([`Kpis::compute`]), null on a zero denominator. Industry variants
//! are explicit options ([`SlVariant`], [`AsaVariant`], the short-abandon threshold) and every
//! report carries its [`Definitions`]. [`daily`] compares a day with the same weekday a week
//! earlier (日报); [`complaints`] breaks complaints down into hotspots; [`crisis`] detects
//! complaint surges.

pub mod accum;
pub mod calendar;
pub mod complaints;
pub mod crisis;
pub mod daily;
mod error;
pub mod kpis;
pub mod options;
pub mod percentile;
pub mod record;
pub mod report;

pub use accum::{Bucket, BucketKey, Buckets, Contact, Names, Sums, Sym};
pub use calendar::{Calendar, Interval};
pub use daily::{DailyReport, Trend};
pub use error::KpiError;
pub use kpis::Kpis;
pub use options::{AsaVariant, ComputeOptions, Definitions, GroupBy, IngestOptions, SlVariant};
pub use record::{
    Activity, AgentState, AgentStateRecord, CostConfig, Direction, Evaluation, Interaction,
    OutboundOutcome, ScheduleSegment, SurveyKind, SurveyResponse, Ticket, TicketKind,
};
pub use report::{Cell, Inputs, Report, ReportSpec, Row, report};
