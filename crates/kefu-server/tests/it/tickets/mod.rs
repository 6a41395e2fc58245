//! Tickets: workflow, SLA, complaints, views and sorting, automations, notifications, pages,
//! load benchmarks.

mod automations;
mod bench;
mod complaints;
mod handlers;
mod notify;
mod sla;
mod sorting;
mod ui;
mod ui_flow;
mod views;
mod workflow;
