//! One module per subcommand: argument structs and the glue that reads files, calls a
//! library and prints results.

pub mod admin;
pub mod csvin;
pub mod database;
pub mod import;
pub mod kpi;
pub mod serve;
pub mod sim;
pub mod sla;
pub mod wfm;
