//! `cargo xtask test`: the one test command.
//!
//! 1. Runs `cargo xtask tidy` (see `tidy.rs`), `cargo fmt --check` and
//!    `cargo clippy --all-targets -D warnings`, then builds every test.
//! 2. Installs what the tests need and the machine lacks (Debian packages `postgresql`,
//!    `chromium`, `chromium-driver`).
//! 3. Starts a throwaway PostgreSQL cluster in a temp dir on a free loopback port and a
//!    chromedriver on another, exporting `KEFU_TEST_PG_URL` and `KEFU_TEST_WEBDRIVER`.
//! 4. Runs every test of the workspace (each server test body runs on SQLite and on
//!    PostgreSQL).
//! 5. Stops everything it started, also when a step fails.
//!
//! `--no-lint` skips tidy, fmt and clippy; arguments after `--` go to `cargo test`.

use crate::{root, run_cmd};
use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(args: &[String]) -> Result<()> {
    let (ours, cargo_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let lint = !ours.iter().any(|a| a == "--no-lint");
    let root = root();

    if lint {
        eprintln!("xtask: tidy");
        crate::tidy::check(&root)?;
        run_cmd(
            Command::new("cargo")
                .current_dir(&root)
                .args(["fmt", "--all", "--", "--check"]),
        )?;
        run_cmd(Command::new("cargo").current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    // Build the tests before starting services, so compile time is not spent with them up.
    run_cmd(
        Command::new("cargo")
            .current_dir(&root)
            .args(["test", "--workspace", "--no-run"]),
    )?;

    ensure_packages(true)?;
    let pg = Postgres::start(&root)?;
    let driver = ChromeDriver::start()?;
    let mut test = Command::new("cargo");
    test.current_dir(&root)
        .args(["test", "--workspace"])
        .args(cargo_args)
        .env("KEFU_TEST_PG_URL", pg.url())
        .env("KEFU_TEST_WEBDRIVER", driver.url())
        .env("KEFU_TEST_CHROMIUM", chromium_path().unwrap_or_default());
    let result = run_cmd(&mut test);
    drop(driver);
    drop(pg);
    result
}

fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn chromium_path() -> Option<String> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .map(str::to_owned)
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// Installs the Debian packages the tests need, if any is missing: PostgreSQL, and with
/// `browser` chromium and chromedriver.
pub(crate) fn ensure_packages(browser: bool) -> Result<()> {
    let mut missing = vec![];
    if pg_bin_dir().is_none() {
        missing.push("postgresql");
    }
    if browser && chromium_path().is_none() {
        missing.push("chromium");
    }
    if browser && !Path::new("/usr/bin/chromedriver").is_file() {
        missing.push("chromium-driver");
    }
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "missing packages {missing:?}: install them with `sudo apt-get install {}`",
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing {missing:?}");
    run_cmd(Command::new("apt-get").args(["update", "-q"]))?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A PostgreSQL cluster in a temp dir, stopped and removed on drop.
pub(crate) struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    pub(crate) fn start(root: &Path) -> Result<Postgres> {
        let bin = pg_bin_dir().context("PostgreSQL binaries not found")?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("kefu-xtask-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root: run the cluster as the `postgres` system user.
        let as_postgres = is_root();
        if as_postgres {
            run_cmd(
                Command::new("chown")
                    .arg("-R")
                    .arg("postgres:postgres")
                    .arg(&dir),
            )?;
        }
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.dir.join("data");
        pg.cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "kefu", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .stdout(Stdio::null())
            .status()
            .context("initdb")?
            .success()
            .then_some(())
            .context("initdb failed")?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            pg.dir.display()
        );
        let log = pg.dir.join("postgres.log");
        let ok = pg
            .cmd("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &opts, "-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .status()
            .context("pg_ctl start")?
            .success();
        if !ok {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("PostgreSQL did not start:\n{tail}");
        }
        eprintln!("xtask: PostgreSQL on 127.0.0.1:{port} ({})", root.display());
        Ok(pg)
    }

    fn cmd(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://kefu@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// chromedriver on a loopback port, killed on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> Result<ChromeDriver> {
        let port = free_port()?;
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver")?;
        let driver = ChromeDriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
