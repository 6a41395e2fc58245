//! CRM (SPEC C1): customer profiles, identities, lifecycle, timeline, import, segments, RFM.

pub mod admin;
pub mod customers;
pub mod import;
pub(crate) mod migrations;
pub mod name_search;
pub mod phone;
pub mod rfm;
pub mod segments;
pub mod timeline;
