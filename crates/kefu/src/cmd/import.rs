//! `kefu import customers FILE` and `kefu export customers`: customer files straight to and
//! from the database, acting as the user of an API token (`KEFU_TOKEN`), with the same
//! validation, atomicity, audit and report as `POST /api/v1/customers/import`.

use super::database::DbArgs;
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use kefu_server::kefu_store::crm::import::{self, Format, OnDuplicate};
use kefu_server::kefu_store::identity::workspaces::Principal;
use kefu_server::kefu_store::{Store, StoreError};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    what: ImportWhat,
}

#[derive(Debug, clap::Subcommand)]
enum ImportWhat {
    /// Import customers from CSV or JSON Lines; with any invalid row nothing is imported.
    Customers {
        /// A `.csv`, `.jsonl` or `.ndjson` file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        /// An API token of the workspace (the import is audited as its user).
        #[arg(long, env = "KEFU_TOKEN")]
        token: String,
        /// Only validate.
        #[arg(long)]
        dry_run: bool,
        /// report (import and list), skip, or merge into the existing customer.
        #[arg(long, default_value = "report")]
        on_duplicate: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    what: ExportWhat,
}

#[derive(Debug, clap::Subcommand)]
enum ExportWhat {
    /// Export every customer as CSV or JSON Lines (to stdout unless --out).
    Customers {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "KEFU_TOKEN")]
        token: String,
        /// csv or jsonl.
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

async fn principal(store: &Store, token: &str) -> anyhow::Result<Principal> {
    store
        .authenticate(&kefu_server::auth::token_hash(token), store.now())
        .await?
        .context("the token is unknown, expired or revoked")
}

pub fn run_import(args: ImportArgs) -> anyhow::Result<()> {
    let ImportWhat::Customers {
        file,
        db,
        token,
        dry_run,
        on_duplicate,
    } = args.what;
    let format = match file.extension().and_then(|e| e.to_str()) {
        Some("csv") => Format::Csv,
        Some("jsonl" | "ndjson") => Format::Jsonl,
        _ => bail!("{}: use a .csv, .jsonl or .ndjson file", file.display()),
    };
    let on_dup = match on_duplicate.as_str() {
        "report" => OnDuplicate::Report,
        "skip" => OnDuplicate::Skip,
        "merge" => OnDuplicate::Merge,
        o => bail!("--on-duplicate {o}: use report, skip or merge"),
    };
    // The file is read twice (validate, then write), a row at a time; never held whole.
    std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
    let path = file.clone();
    let open = move || -> std::io::Result<Box<dyn std::io::Read + Send>> {
        Ok(Box::new(std::fs::File::open(&path)?))
    };
    let url = db.url()?;
    let rt = tokio::runtime::Runtime::new()?;
    let report = rt.block_on(async {
        let store = Store::connect(&url).await?;
        let p = principal(&store, &token).await?;
        let bar = ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message("validating");
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        let shown = bar.clone();
        let progress = move |phase: &str, n: u64| shown.set_message(format!("{phase} {n} rows"));
        let r = store
            .import_customers_streaming(
                &p.scope,
                &p.actor(),
                &open,
                format,
                dry_run,
                on_dup,
                Some(&progress),
            )
            .await;
        bar.finish_and_clear();
        Ok::<_, anyhow::Error>(r?)
    })?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !report.errors.is_empty() {
        bail!(
            "{} invalid rows; nothing was imported",
            report
                .errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
    }
    Ok(())
}

pub fn run_export(args: ExportArgs) -> anyhow::Result<()> {
    let ExportWhat::Customers {
        db,
        token,
        format,
        out,
    } = args.what;
    if format != "csv" && format != "jsonl" {
        bail!(
            "--format {format}: use csv or jsonl (XLSX: GET /api/v1/customers/export?format=xlsx)"
        );
    }
    let url = db.url()?;
    let rt = tokio::runtime::Runtime::new()?;
    let sink: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let n = rt.block_on(async {
        let store = Store::connect(&url).await?;
        let p = principal(&store, &token).await?;
        let keys: Vec<String> = store
            .crm_context(&p.scope)
            .await?
            .fields
            .into_iter()
            .map(|d| d.key)
            .collect();
        let (mut csv, mut lines) = if format == "csv" {
            let mut w = csv::Writer::from_writer(sink);
            w.write_record(import::csv_header(&keys))?;
            (Some(w), None)
        } else {
            (None, Some(sink))
        };
        let mut n = 0u64;
        store
            .export_customers(&p.scope, &Default::default(), 500, |rows| {
                for m in rows {
                    n += 1;
                    let r = match (&mut csv, &mut lines) {
                        (Some(w), _) => w
                            .write_record(import::csv_record(&m, &keys))
                            .map_err(|e| e.to_string()),
                        (_, Some(w)) => {
                            let line = import::json_record(&m).to_string();
                            writeln!(w, "{line}").map_err(|e| e.to_string())
                        }
                        _ => Ok(()),
                    };
                    r.map_err(StoreError::Config)?;
                }
                Ok(())
            })
            .await?;
        if let Some(mut w) = csv {
            w.flush()?;
        }
        if let Some(mut w) = lines {
            w.flush()?;
        }
        Ok::<_, anyhow::Error>(n)
    })?;
    eprintln!("exported {n} customers");
    Ok(())
}
