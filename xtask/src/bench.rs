//! `cargo xtask bench [NAME…]`: criterion benchmarks, then the comparisons in `bench/`.
//!
//! Then the server's load benchmarks, which are `#[ignore]`d tests of the server's test
//! binary (SQLite, sizes from `KEFU_BENCH_ROWS`): CRM import and segment counts, ticket
//! lists and the SLA sweep.
//!
//! With names, only `bench/NAME` comparisons run (criterion and the server benchmarks are
//! skipped); `--no-criterion` skips both too.
//!
//! `bench/wfm` also runs the scheduler against HiGHS in-process (kefu-wfm's `highs`
//! feature), installing Debian's `cmake` and `libclang-dev` first when they are missing.

use crate::{root, run_cmd};
use anyhow::Result;
use std::process::Command;

pub fn run(args: &[String]) -> Result<()> {
    let root = root();
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let criterion = names.is_empty() && !args.iter().any(|a| a == "--no-criterion");
    if criterion {
        run_cmd(
            Command::new("cargo")
                .current_dir(&root)
                .args(["bench", "--workspace"]),
        )?;
    }
    run_cmd(
        Command::new("cargo")
            .current_dir(&root)
            .args(["build", "--release", "-p", "kefu"]),
    )?;
    let kefu_bin = root.join("target/release/kefu");

    let mut dirs: Vec<_> = std::fs::read_dir(root.join("bench"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("run.py").is_file())
        .filter(|p| {
            names.is_empty()
                || names
                    .iter()
                    .any(|n| p.file_name().is_some_and(|f| f == n.as_str()))
        })
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Ok(());
    }
    let venv = root.join("target/bench-venv");
    if !venv.join("bin/python").exists() {
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let python = venv.join("bin/python");
    for dir in &dirs {
        let req = dir.join("requirements.txt");
        if req.is_file() {
            run_cmd(
                Command::new(&python)
                    .args(["-m", "pip", "install", "-q", "-r"])
                    .arg(&req),
            )?;
        }
    }
    for dir in &dirs {
        run_cmd(
            Command::new(&python)
                .arg(dir.join("run.py"))
                .current_dir(&root)
                .env("KEFU_BIN", &kefu_bin),
        )?;
        if dir.file_name().is_some_and(|f| f == "wfm") {
            highs_in_process(&root)?;
        }
    }
    Ok(())
}

/// The scheduler and HiGHS on the same program, in one process (`--features highs`).
fn highs_in_process(root: &std::path::Path) -> Result<()> {
    let has_libclang = ["/usr/lib/llvm-14", "/usr/lib/llvm-15", "/usr/lib/llvm-16"]
        .iter()
        .any(|d| std::path::Path::new(d).join("lib/libclang.so").exists());
    let has_cmake = Command::new("cmake").arg("--version").output().is_ok();
    if !has_cmake || !has_libclang {
        if !crate::test::is_root() {
            anyhow::bail!(
                "building HiGHS needs cmake and libclang: `sudo apt-get install cmake libclang-dev`"
            );
        }
        eprintln!("xtask: installing cmake libclang-dev for HiGHS");
        run_cmd(Command::new("apt-get").args(["update", "-q"]))?;
        run_cmd(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(["cmake", "libclang-dev"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    run_cmd(Command::new("cargo").current_dir(root).args([
        "run",
        "--release",
        "-p",
        "kefu-wfm",
        "--features",
        "highs",
        "--example",
        "highs_compare",
    ]))
}
