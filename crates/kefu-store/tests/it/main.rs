//! Integration tests of the store through its public API, each on SQLite and PostgreSQL: the
//! write path (audit and outbox with every change, nothing left by a failed one), tenancy,
//! ticket triggers in the change's transaction, bootstrap and the injected clock.

mod common;

mod bootstrap;
mod clock;
mod stored_values;
mod tenancy;
mod triggers;
mod write_path;
