//! End-to-end tests of the `kefu` binary: each module runs the real executable.

mod kpi;
mod admin;
mod crash;
mod sim;
mod sla;
mod wfm;
