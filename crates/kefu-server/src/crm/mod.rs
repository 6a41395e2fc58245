//! CRM (SPEC C1): customers, their timeline, import and export, custom fields, segments, RFM
//! — the application service, API and pages.

pub mod api;
pub mod pages;
pub mod service;
