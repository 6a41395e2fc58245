//! Workforce planning (SPEC C15): Erlang staffing, requirements and forecasts from the stored
//! contacts, shift schedules — the application service, API and pages.

pub mod api;
pub mod pages;
pub mod service;
