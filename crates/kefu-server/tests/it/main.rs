//! Integration tests of the server: the real application over HTTP, on SQLite and PostgreSQL.

mod common;

mod auth;
mod errors;
mod outbox;
mod records;
mod reports;
mod reports_daily;
mod tenancy;
mod ui;
