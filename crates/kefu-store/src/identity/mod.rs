//! Identity: workspaces (tenants), users, API and session tokens, teams.

pub mod teams;
pub mod workspaces;
