//! The `kefu` binary: the command line. Thin: each subcommand parses its arguments and calls
//! into a library crate (`kefu-server` for the service, the pure engines for offline commands).

mod cmd;

use clap::{Parser, Subcommand};

/// kefu (客服): a self-hostable customer service center.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (HTTP API, web UI, background workers).
    Serve(cmd::serve::Args),
    /// Administrative tasks (bootstrap a workspace and its first admin, …).
    Admin(cmd::admin::Args),
    /// Business calendars and SLA clocks: due times and elapsed business minutes.
    Sla(cmd::sla::Args),
    /// Workforce math: Erlang B/C/A, staffing, forecasting, scheduling.
    Wfm(cmd::wfm::Args),
    /// Compute KPIs from an interaction export (JSON Lines).
    Kpi(cmd::kpi::Args),
    /// Simulate a contact center against the routing engine.
    Sim(cmd::sim::Args),
    /// Import records from files (customers: CSV or JSON Lines).
    Import(cmd::import::ImportArgs),
    /// Export records to files (customers: CSV or JSON Lines).
    Export(cmd::import::ExportArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(args),
        Command::Admin(args) => cmd::admin::run(args),
        Command::Sla(args) => cmd::sla::run(args),
        Command::Wfm(args) => cmd::wfm::run(args),
        Command::Kpi(args) => cmd::kpi::run(args),
        Command::Sim(args) => cmd::sim::run(args),
        Command::Import(args) => cmd::import::run_import(args),
        Command::Export(args) => cmd::import::run_export(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
