//! Import and export of customers. An import validates every row first: with any invalid row
//! nothing is imported and the report lists the row errors (the API answers 422
//! `import_invalid`, the page shows the table). An export writes the customers a list query
//! selects as CSV, JSON Lines or XLSX, newest first.

use super::CustomerQuery;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use kefu_model::Action;
use kefu_store::crm::import::{self, Format, ImportReport, OnDuplicate, Opener};

/// What to do with rows that match existing customers, as given: `report` (import and list
/// them, the default), `skip` or `merge`; anything else is an invalid query.
pub fn on_duplicate(s: Option<&str>) -> Result<OnDuplicate, ApiError> {
    Ok(match s {
        None | Some("report") => OnDuplicate::Report,
        Some("skip") => OnDuplicate::Skip,
        Some("merge") => OnDuplicate::Merge,
        Some(o) => return Err(ApiError::InvalidQuery(format!("on_duplicate: `{o}`"))),
    })
}

/// Whether the caller may import (checked before an upload is read).
pub fn may_import(auth: &Auth) -> Result<(), ApiError> {
    auth.require(Action::ImportCustomers).map(|_| ())
}

/// Where an import's rows come from.
pub enum Source<'a> {
    /// The whole file, in memory (a form).
    Bytes(&'a [u8]),
    /// A file read twice, row by row (the API's spooled body).
    File(&'a Opener<'a>),
}

/// Imports customers from `source` (validates only with `dry_run`); the report, with the
/// row errors if any row is invalid (then nothing was imported).
pub async fn import(
    state: &AppState,
    auth: &Auth,
    source: Source<'_>,
    format: Format,
    dry_run: bool,
    on_duplicate: OnDuplicate,
) -> Result<ImportReport, ApiError> {
    let p = auth.require(Action::ImportCustomers)?;
    let (scope, actor) = (&p.scope, p.actor());
    Ok(match source {
        Source::Bytes(b) => {
            state
                .store
                .import_customers(scope, &actor, b, format, dry_run, on_duplicate)
                .await?
        }
        Source::File(open) => {
            state
                .store
                .import_customers_streaming(
                    scope,
                    &actor,
                    open,
                    format,
                    dry_run,
                    on_duplicate,
                    None,
                )
                .await?
        }
    })
}

/// An exported file.
pub struct Export {
    pub content_type: &'static str,
    pub file_name: &'static str,
    pub bytes: Vec<u8>,
}

/// The customers `q` selects as `format`: `csv` (default), `jsonl` or `xlsx`; another
/// format is an invalid query.
pub async fn export(
    state: &AppState,
    auth: &Auth,
    q: CustomerQuery,
    format: Option<&str>,
) -> Result<Export, ApiError> {
    let p = auth.require(Action::ExportCustomers)?;
    let filter = q.filter(p)?;
    let ctx = state.store.crm_context(&p.scope).await?;
    let keys: Vec<String> = ctx.fields.iter().map(|d| d.key.clone()).collect();
    let internal =
        |e: &dyn std::fmt::Display| ApiError::internal("exporting customers", e.to_string());
    match format.unwrap_or("csv") {
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(import::csv_header(&keys))
                .map_err(|e| internal(&e))?;
            let mut err = None;
            state
                .store
                .export_customers(&p.scope, &filter, 500, |rows| {
                    for m in rows {
                        if let Err(e) = w.write_record(import::csv_record(&m, &keys)) {
                            err = Some(e);
                        }
                    }
                    Ok(())
                })
                .await?;
            if let Some(e) = err {
                return Err(internal(&e));
            }
            let bytes = w.into_inner().map_err(|e| internal(&e))?;
            Ok(Export {
                content_type: "text/csv; charset=utf-8",
                file_name: "customers.csv",
                bytes,
            })
        }
        "jsonl" => {
            let mut out = Vec::new();
            state
                .store
                .export_customers(&p.scope, &filter, 500, |rows| {
                    for m in rows {
                        out.extend(import::json_record(&m).to_string().into_bytes());
                        out.push(b'\n');
                    }
                    Ok(())
                })
                .await?;
            Ok(Export {
                content_type: "application/x-ndjson",
                file_name: "customers.jsonl",
                bytes: out,
            })
        }
        "xlsx" => {
            let mut rows = vec![import::csv_header(&keys)];
            state
                .store
                .export_customers(&p.scope, &filter, 500, |batch| {
                    rows.extend(batch.iter().map(|m| import::csv_record(m, &keys)));
                    Ok(())
                })
                .await?;
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write_string(r as u32, c as u16, v)
                        .map_err(|e| internal(&e))?;
                }
            }
            let bytes = wb.save_to_buffer().map_err(|e| internal(&e))?;
            Ok(Export {
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                file_name: "customers.xlsx",
                bytes,
            })
        }
        other => Err(ApiError::InvalidQuery(format!("format: `{other}`"))),
    }
}
