//! `kefu serve`: start the server.

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("kefu serve is not built yet")
}
