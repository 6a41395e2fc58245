//! The live contact center's schema migrations, in the order [`crate::migration::Migrator`]
//! applies them.

pub(crate) mod center;
