//! Integration tests of the server: the real application over HTTP, on SQLite and PostgreSQL.

mod common;

mod auth;
mod crm;
mod crm_bench;
mod crm_ui;
mod errors;
mod outbox;
mod records;
mod tenancy;
mod ui;
