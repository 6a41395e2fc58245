//! `cargo xtask bench [--no-criterion] [--no-load] [--dry-run] [NAME…]`: the benchmarks.
//!
//! 1. Criterion benchmarks of every crate (`cargo bench --workspace`).
//! 2. The side-by-side comparisons in `bench/<name>/`, against the release `kefu` binary.
//!    After `bench/wfm`, the scheduler against HiGHS in-process (kefu-wfm's `highs` feature;
//!    Debian's `cmake` and `libclang-dev` are installed first when missing): the
//!    `highs_compare` example (timings), then the test `within_half_a_percent_of_highs`, which
//!    only exists with that feature, so `cargo xtask test` never runs it.
//! 3. The live center under load (`live_load.rs` of the `kefu` crate: 2,000 agents on push
//!    streams, 50 contacts a second for five minutes), then the server's load benchmarks: the
//!    `#[ignore]`d tests of `crm_bench.rs` and
//!    `tickets_bench.rs` in kefu-server's test binary, optimised and one at a time. CRM import,
//!    segment counts and the RFM refresh at `KEFU_BENCH_ROWS` customers (default 1,000,000);
//!    ticket lists, views and the SLA sweep on SQLite and on PostgreSQL (a throwaway cluster,
//!    as in `cargo xtask test`, unless `KEFU_TEST_PG_URL` names one).
//!
//! With names, only the comparisons `bench/NAME` run (`wfm` with its HiGHS step).
//! `--no-criterion` skips step 1, `--no-load` step 3. `--dry-run` prints the steps instead
//! of running them.
//!
//! A test step whose name filter matches no test fails, rather than passing with nothing run.

use crate::{root, run_cmd, target_dir};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// One step of the benchmark run.
enum Step {
    /// A command.
    Cmd(Command),
    /// `cargo test` of named tests: fails when they are not found, and with `postgres`
    /// runs with `KEFU_TEST_PG_URL` set.
    Tests { cmd: Command, postgres: bool },
    /// Debian packages to install (the ones found missing when planning).
    Packages(Vec<&'static str>),
}

struct Options<'a> {
    names: Vec<&'a str>,
    criterion: bool,
    load: bool,
    dry_run: bool,
}

fn options(args: &[String]) -> Result<Options<'_>> {
    let mut o = Options {
        names: vec![],
        criterion: true,
        load: true,
        dry_run: false,
    };
    for arg in args {
        match arg.as_str() {
            "--no-criterion" => o.criterion = false,
            "--no-load" => o.load = false,
            "--dry-run" => o.dry_run = true,
            flag if flag.starts_with('-') => bail!(
                "unknown flag `{flag}`; usage: cargo xtask bench [--no-criterion] [--no-load] \
                 [--dry-run] [NAME…]"
            ),
            name => o.names.push(name),
        }
    }
    if !o.names.is_empty() {
        o.criterion = false;
        o.load = false;
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<()> {
    let root = root();
    let opts = options(args)?;
    let steps = plan(&root, &opts)?;
    for step in steps {
        if opts.dry_run {
            println!("{}", describe(&step));
        } else {
            execute(&root, step)?;
        }
    }
    Ok(())
}

/// The steps for these options, in order.
fn plan(root: &Path, opts: &Options) -> Result<Vec<Step>> {
    let target = target_dir(root);
    let mut steps = vec![];
    if opts.criterion {
        steps.push(Step::Cmd(cargo(root, &["bench", "--workspace"])));
    }

    let mut dirs: Vec<_> = std::fs::read_dir(root.join("bench"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("run.py").is_file())
        .collect();
    dirs.sort();
    let dir_name = |p: &Path| {
        p.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    for name in &opts.names {
        if !dirs.iter().any(|d| dir_name(d) == *name) {
            let known: Vec<String> = dirs.iter().map(|d| dir_name(d)).collect();
            bail!(
                "no comparison bench/{name}/run.py; there are: {}",
                known.join(", ")
            );
        }
    }
    dirs.retain(|d| opts.names.is_empty() || opts.names.contains(&dir_name(d).as_str()));
    if !dirs.is_empty() {
        steps.push(Step::Cmd(cargo(
            root,
            &["build", "--release", "-p", "kefu"],
        )));
        let kefu_bin = target.join("release/kefu");
        let venv = target.join("bench-venv");
        let python = venv.join("bin/python");
        if !python.exists() {
            let mut cmd = Command::new("python3");
            cmd.args(["-m", "venv"]).arg(&venv);
            steps.push(Step::Cmd(cmd));
        }
        for dir in &dirs {
            let req = dir.join("requirements.txt");
            if req.is_file() {
                let mut cmd = Command::new(&python);
                cmd.args(["-m", "pip", "install", "-q", "-r"]).arg(&req);
                steps.push(Step::Cmd(cmd));
            }
        }
        for dir in &dirs {
            let mut cmd = Command::new(&python);
            cmd.arg(dir.join("run.py"))
                .current_dir(root)
                .env("KEFU_BIN", &kefu_bin);
            steps.push(Step::Cmd(cmd));
            if dir_name(dir) == "wfm" {
                steps.extend(highs_in_process(root));
            }
        }
    }

    if opts.load {
        steps.push(Step::Tests {
            cmd: live_load(root),
            postgres: false,
        });
        steps.push(Step::Tests {
            cmd: load_benchmarks(root),
            postgres: true,
        });
    }
    Ok(steps)
}

/// The live center's load benchmark: the release binary, agents on push streams, contacts
/// arriving (`live_load.rs` in the `kefu` crate's tests; sizes from `KEFU_BENCH_*`).
fn live_load(root: &Path) -> Command {
    let mut cmd = cargo(root, &["test", "--release", "-p", "kefu", "--test", "it"]);
    cmd.args([
        "--",
        "--ignored",
        "--test-threads=1",
        "--nocapture",
        "live_load::",
    ]);
    cmd
}

/// `cargo` in the workspace root with these arguments.
fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root).args(args);
    cmd
}

/// The scheduler and HiGHS on the same program, in one process (`--features highs`): the
/// timings of the `highs_compare` example, then the test that our cost stays within 0.5 %
/// of HiGHS's optimum.
fn highs_in_process(root: &Path) -> Vec<Step> {
    let has_libclang = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with("llvm-"))
        })
        .any(|p| p.join("lib/libclang.so").exists());
    let has_cmake = Command::new("cmake").arg("--version").output().is_ok();
    let mut steps = vec![];
    if !has_cmake || !has_libclang {
        steps.push(Step::Packages(vec!["cmake", "libclang-dev"]));
    }
    let highs = ["--release", "-p", "kefu-wfm", "--features", "highs"];
    let mut example = cargo(root, &["run"]);
    example.args(highs).args(["--example", "highs_compare"]);
    steps.push(Step::Cmd(example));
    let mut test = cargo(root, &["test"]);
    test.args(highs)
        .args(["--test", "it", "--", "--nocapture"])
        .arg("schedule::within_half_a_percent_of_highs");
    steps.push(Step::Tests {
        cmd: test,
        postgres: false,
    });
    steps
}

/// The server's `#[ignore]`d load benchmarks: every ignored test of the `crm_bench` and
/// `tickets_bench` modules, optimised, one at a time, printing their timings.
fn load_benchmarks(root: &Path) -> Command {
    let mut cmd = cargo(
        root,
        &["test", "--release", "-p", "kefu-server", "--test", "it"],
    );
    cmd.args(["--", "--ignored", "--test-threads=1", "--nocapture"])
        .args(["crm_bench::", "tickets_bench::"]);
    cmd
}

/// What a step does, as printed by `--dry-run`.
fn describe(step: &Step) -> String {
    match step {
        Step::Cmd(cmd) => format!("{cmd:?}"),
        Step::Tests {
            cmd,
            postgres: false,
        } => format!("{cmd:?} (must run at least one test)"),
        Step::Tests {
            cmd,
            postgres: true,
        } => format!(
            "{cmd:?} (must run at least one test; with KEFU_TEST_PG_URL, else a throwaway \
             PostgreSQL)"
        ),
        Step::Packages(p) => format!("apt-get install {} (missing)", p.join(" ")),
    }
}

fn execute(root: &Path, step: Step) -> Result<()> {
    match step {
        Step::Cmd(mut cmd) => run_cmd(&mut cmd),
        Step::Tests {
            mut cmd,
            postgres: false,
        } => run_tests(&mut cmd),
        Step::Tests {
            mut cmd,
            postgres: true,
        } => {
            if std::env::var_os("KEFU_TEST_PG_URL").is_some() {
                return run_tests(&mut cmd);
            }
            crate::test::ensure_packages(false)?;
            let pg = crate::test::Postgres::start(root)?;
            let result = run_tests(cmd.env("KEFU_TEST_PG_URL", pg.url()));
            drop(pg);
            result
        }
        Step::Packages(packages) => install(&packages),
    }
}

/// Installs Debian packages (as root; otherwise fails saying how).
fn install(packages: &[&str]) -> Result<()> {
    if !crate::test::is_root() {
        bail!(
            "building HiGHS needs {}: `sudo apt-get install {}`",
            packages.join(" and "),
            packages.join(" ")
        );
    }
    eprintln!("xtask: installing {packages:?}");
    run_cmd(Command::new("apt-get").args(["update", "-q"]))?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Runs `cargo test …`, passing its output through, and fails unless it succeeds having run
/// at least one test (a name filter that matches nothing would otherwise pass silently).
fn run_tests(cmd: &mut Command) -> Result<()> {
    let desc = format!("{cmd:?}");
    eprintln!("xtask: {desc}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("spawning {desc}"))?;
    let stdout = child.stdout.take().context("test output")?;
    let mut ran = 0;
    let mut out = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        ran += tests_running(&line).unwrap_or(0);
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{desc} failed: {status}");
    }
    if ran == 0 {
        bail!("{desc} ran no test: its name filter matches none");
    }
    Ok(())
}

/// The count of libtest's `running N tests` line.
fn tests_running(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("running ")?;
    let n = rest
        .strip_suffix(" tests")
        .or_else(|| rest.strip_suffix(" test"))?;
    n.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn described(steps: &[Step]) -> Vec<String> {
        steps.iter().map(describe).collect()
    }

    #[test]
    fn libtest_counts() {
        assert_eq!(tests_running("running 4 tests"), Some(4));
        assert_eq!(tests_running("running 1 test"), Some(1));
        assert_eq!(tests_running("running 0 tests"), Some(0));
        assert_eq!(tests_running("test a ... ok"), None);
        assert_eq!(tests_running("running the sweep"), None);
    }

    #[test]
    fn flags() {
        let a = args(&["--no-load", "--dry-run"]);
        let o = options(&a).unwrap();
        assert!(o.criterion && !o.load && o.dry_run && o.names.is_empty());
        let a = args(&["wfm"]);
        let o = options(&a).unwrap();
        assert!(!o.criterion && !o.load && o.names == ["wfm"]);
        assert!(options(&args(&["--no-lod"])).is_err());
    }

    #[test]
    fn everything_by_default_and_load_benchmarks_by_module() {
        let a = args(&[]);
        let steps = plan(&root(), &options(&a).unwrap()).unwrap();
        let d = described(&steps);
        assert!(d[0].contains(r#""bench" "--workspace""#), "{d:?}");
        assert!(d.iter().any(|s| s.contains("highs_compare")), "{d:?}");
        let highs_test = d
            .iter()
            .find(|s| s.contains("within_half_a_percent_of_highs"))
            .unwrap();
        assert!(
            highs_test.contains(r#""--features" "highs""#),
            "{highs_test}"
        );
        let load = d.last().unwrap();
        for part in [
            r#""test" "--release" "-p" "kefu-server" "--test" "it""#,
            r#""--ignored" "--test-threads=1" "--nocapture" "crm_bench::" "tickets_bench::""#,
            "PostgreSQL",
        ] {
            assert!(load.contains(part), "{load}");
        }
    }

    #[test]
    fn a_name_runs_only_its_comparison() {
        let a = args(&["wfm"]);
        let d = described(&plan(&root(), &options(&a).unwrap()).unwrap());
        assert!(!d.iter().any(|s| s.contains("--workspace")), "{d:?}");
        assert!(!d.iter().any(|s| s.contains("kefu-server")), "{d:?}");
        assert!(d.iter().any(|s| s.contains("bench/wfm/run.py")), "{d:?}");
        assert!(!d.iter().any(|s| s.contains("bench/sla/run.py")), "{d:?}");
        assert!(
            d.iter()
                .any(|s| s.contains("within_half_a_percent_of_highs"))
        );

        let a = args(&["sla"]);
        let d = described(&plan(&root(), &options(&a).unwrap()).unwrap());
        assert!(!d.iter().any(|s| s.contains("highs")), "{d:?}");

        let a = args(&["nope"]);
        assert!(plan(&root(), &options(&a).unwrap()).is_err());
    }

    #[test]
    fn no_load_skips_the_server_benchmarks() {
        let a = args(&["--no-load", "--no-criterion"]);
        let d = described(&plan(&root(), &options(&a).unwrap()).unwrap());
        assert!(!d.iter().any(|s| s.contains("kefu-server")), "{d:?}");
        assert!(!d.iter().any(|s| s.contains("--workspace")), "{d:?}");
        assert!(d.iter().any(|s| s.contains("bench/kpi/run.py")), "{d:?}");
    }
}
