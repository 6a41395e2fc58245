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
mod reports_complaints;
mod reports_daily;
mod reports_tickets;
mod tenancy;
mod tickets_automations;
mod tickets_bench;
mod tickets_complaints;
mod tickets_handlers;
mod tickets_notify;
mod tickets_sla;
mod tickets_sorting;
mod tickets_ui;
mod tickets_ui_flow;
mod tickets_views;
mod tickets_workflow;
mod ui;
mod wfm;
