//! The live contact center (SPEC C5, C7, C14): queues and agents, the routing engine of each
//! workspace running inside the server ([`center`], [`engine`]), and the use cases the agent
//! desktop, the wallboard and integrations drive ([`service`], [`api`]).

pub mod api;
pub mod center;
pub mod desk;
pub mod engine;
pub mod pages;
pub mod service;
