//! Identity: sessions and sign-in, API tokens, users, teams, the audit log, bootstrap.

pub mod admin;
pub mod api;
pub mod pages;
