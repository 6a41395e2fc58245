//! Integration tests of the server: the real application over HTTP, on SQLite and PostgreSQL.

mod common;

mod auth;
mod crm;
mod crm_admin;
mod crm_bench;
mod crm_rfm;
mod crm_search;
mod crm_timeline;
mod crm_ui;
mod errors;
mod outbox;
mod records;
mod reports;
mod reports_daily;
mod tenancy;
mod tickets_automations;
mod tickets_bench;
mod tickets_complaints;
mod tickets_ui;
mod tickets_views;
mod tickets_workflow;
mod ui;
mod wfm;
