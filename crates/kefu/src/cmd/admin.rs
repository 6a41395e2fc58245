//! `kefu admin`: administrative tasks.

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("kefu admin is not built yet")
}
