//! `cargo xtask test | bench`: the project's tasks.
//!
//! - `test`: the one test command (see `test.rs`): services, lints, every test.
//! - `bench`: criterion benchmarks of every crate, then the side-by-side comparisons under
//!   `bench/<name>/` (each has `requirements.txt` and `run.py`; they run in one Python venv at
//!   `target/bench-venv` with `KEFU_BIN` pointing at the release binary).

mod bench;
mod test;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some(other) => bail!("unknown task `{other}`; tasks: test, bench"),
        None => bail!("usage: cargo xtask <test|bench>"),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command, failing with its description when it exits non-zero.
pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let desc = format!("{cmd:?}");
    eprintln!("xtask: {desc}");
    let status = cmd.status().with_context(|| format!("spawning {desc}"))?;
    if !status.success() {
        bail!("{desc} failed: {status}");
    }
    Ok(())
}
