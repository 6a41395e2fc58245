//! CRM (SPEC C1): customers, their timeline, import and export, custom fields, segments, RFM.

pub mod api;
pub mod pages;
