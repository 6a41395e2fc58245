//! `kefu admin`: administrative tasks on the database.

use super::database::DbArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a workspace and its first admin (idempotent for the same values).
    Bootstrap {
        #[command(flatten)]
        db: DbArgs,
        /// Workspace slug (a-z, 0-9, -).
        #[arg(long)]
        workspace: String,
        /// The admin's e-mail.
        #[arg(long)]
        email: String,
        /// The admin's password (at least 8 characters).
        #[arg(long, env = "KEFU_ADMIN_PASSWORD")]
        password: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Bootstrap {
            db,
            workspace,
            email,
            password,
        } => {
            let url = db.url()?;
            let rt = tokio::runtime::Runtime::new()?;
            let outcome = rt.block_on(kefu_server::identity::admin::bootstrap(
                &url, &workspace, &email, &password,
            ))?;
            match outcome {
                kefu_server::kefu_store::identity::workspaces::Bootstrap::Created => {
                    println!("created workspace `{workspace}` with admin {email}")
                }
                kefu_server::kefu_store::identity::workspaces::Bootstrap::AlreadyDone => {
                    println!(
                        "workspace `{workspace}` with admin {email} already exists; nothing to do"
                    )
                }
            }
            Ok(())
        }
    }
}
