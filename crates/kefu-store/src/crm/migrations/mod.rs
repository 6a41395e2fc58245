//! The CRM's schema migrations, in the order [`crate::migration::Migrator`] applies them.

pub(crate) mod profile;
pub(crate) mod rfm;
pub(crate) mod rfm_cells;
pub(crate) mod search;
