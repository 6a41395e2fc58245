//! The reports' schema migrations, in the order [`crate::migration::Migrator`] applies them.

pub(crate) mod kpi_buckets;
pub(crate) mod kpi_deltas;
pub(crate) mod settings;
