//! End-to-end tests of the `kefu` binary: each module runs the real executable.

mod admin;
mod crash;
mod crm_cli;
mod kpi;
mod live_crash;
mod live_load;
mod sim;
mod sla;
mod wfm;
