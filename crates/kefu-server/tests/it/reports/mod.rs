//! Reports: KPI accumulators and the report API, ticket KPIs, complaint analytics, the daily
//! report.

mod complaints;
mod daily;
pub(crate) mod kpi;
pub(crate) mod tickets;
