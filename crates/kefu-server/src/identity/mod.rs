//! Identity: sessions and sign-in, API tokens, users, teams, the audit log, bootstrap — the
//! application service, API and pages.

pub mod admin;
pub mod api;
pub mod pages;
pub mod service;
