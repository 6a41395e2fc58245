//! Integration tests of the server: the real application over HTTP, on SQLite and PostgreSQL.
//! One folder per domain; cross-cutting suites (errors, outbox, records, tenancy) at the top.

mod common;
mod ui;

mod crm;
mod errors;
mod identity;
mod live;
mod outbox;
mod planning;
mod records;
mod reports;
mod tenancy;
mod tickets;
