//! `cargo xtask test | bench | tidy`: the project's tasks.
//!
//! - `test`: the one test command (see `test.rs`): services, tidy, lints, every test.
//! - `bench`: criterion benchmarks of every crate, the side-by-side comparisons under
//!   `bench/<name>/` (each has `requirements.txt` and `run.py`; they run in one Python venv at
//!   `target/bench-venv` with `KEFU_BIN` pointing at the release binary), the scheduler
//!   against HiGHS, and the server's load benchmarks (see `bench.rs`).
//! - `tidy`: the repository's own rules (see `tidy.rs`): paths named by `ARCHITECTURE.md`
//!   exist and the file stays short, every Rust source starts with `//!` module docs, and
//!   there is one clock. Also the first step of `test`.

mod bench;
mod test;
mod tidy;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("tidy") => tidy::run(&args[1..]),
        Some(other) => bail!("unknown task `{other}`; tasks: test, bench, tidy"),
        None => bail!("usage: cargo xtask <test|bench|tidy>"),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the root) or `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
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
