//! `kefu kpi`: placeholder until its engine lands.

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("kefu kpi is not built yet")
}
