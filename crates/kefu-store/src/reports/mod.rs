//! Reports (SPEC C14): KPI accumulators, report settings, the read side of ticket KPIs.

pub mod kpi_buckets;
pub(crate) mod migrations;
pub mod settings;
pub mod tickets;
