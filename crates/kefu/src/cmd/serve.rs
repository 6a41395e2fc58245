//! `kefu serve`: start the server on SQLite in a data directory, or on PostgreSQL.

use super::database::DbArgs;
use anyhow::Context;
use std::net::SocketAddr;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "KEFU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Log format.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    init_logs(args.log_format);
    let database_url = args.db.url()?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let config = kefu_server::Config {
            listen: args.listen,
            database_url: database_url.clone(),
            clock: kefu_server::kefu_model::clock::system(),
        };
        let running = kefu_server::start(&config)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("starting on {}", args.db.describe()))?;
        tracing::info!(addr = %running.addr, database = %args.db.describe(), "kefu is listening");
        println!("kefu listening on http://{}", running.addr);
        if running.state.store.workspace_count().await? == 0 {
            tracing::warn!(
                "no workspace yet: create one with `kefu admin bootstrap {} --workspace SLUG --email EMAIL --password PASSWORD`",
                args.db.cli_flags()
            );
        }
        tokio::signal::ctrl_c().await?;
        tracing::info!("shutting down");
        running.stop().await;
        Ok(())
    })
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
