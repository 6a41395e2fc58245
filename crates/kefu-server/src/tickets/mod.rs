//! Tickets (SPEC C3/C4): the after-sales workflow, SLAs, complaints, views, automations and
//! categories — the application service, API, pages, the SLA timer and the customer-tier
//! consumer.

pub mod api;
pub mod pages;
pub mod service;
pub mod sla_timer;
pub mod tiers;
