//! The tickets' schema migrations, in the order [`crate::migration::Migrator`] applies them.

pub(crate) mod sla_notify;
pub(crate) mod workflow;
