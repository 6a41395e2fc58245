//! CRM: customers, settings, RFM, name search, timeline, pages, load benchmarks.

mod admin;
mod bench;
mod customers;
mod rfm;
mod search;
mod timeline;
mod ui;
