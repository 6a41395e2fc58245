//! Customer import and export (SPEC C1): CSV and JSON Lines in, every row validated before
//! anything is written; with any invalid row the result is a report and nothing is stored.
//! A valid file is written in one transaction (customers, identities, audit and outbox rows
//! in batches). Duplicates against existing records are reported, skipped or merged.

use crate::crm::customers::{CrmContext, CustomerFields, LIFECYCLE_STAGES, Profile, new_customer};
use crate::entity::{audit, customer, customer_identity, customer_name_key, outbox};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::ModelError;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The format of an import or export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// What to do with a row whose phone, e-mail or external id belongs to an existing customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Import it anyway and list it (for review with the dedupe tools).
    #[default]
    Report,
    /// Leave it out and list it.
    Skip,
    /// Unite its fields into the existing customer.
    Merge,
}

/// One problem of one row (row 1 is the first data row; 0 is the header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A row that matches an existing customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDuplicate {
    pub row: usize,
    pub customer_id: String,
}

/// The result of an import: on any error nothing was written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub merged: usize,
    pub skipped: usize,
    pub errors: Vec<RowError>,
    pub duplicates: Vec<RowDuplicate>,
}

/// One record of a JSON Lines file (the API's field names).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRow {
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub value_tier: Option<String>,
    pub lifecycle: Option<String>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default)]
    pub custom: BTreeMap<String, Value>,
}

fn row_error(row: usize, e: StoreError) -> RowError {
    match e {
        StoreError::Model(ModelError::InvalidField { field, reason }) => RowError {
            row,
            field,
            code: reason.code().into(),
            message: reason.to_string(),
        },
        other => RowError {
            row,
            field: String::new(),
            code: "invalid_row".into(),
            message: other.to_string(),
        },
    }
}

fn split(v: &str) -> Vec<String> {
    v.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" => Some(false),
        "true" | "1" | "yes" | "y" => Some(true),
        _ => None,
    }
}

/// Reads one CSV record into a row; `types` are the custom field types by key.
fn csv_row(
    headers: &[String],
    rec: &csv::StringRecord,
    types: &HashMap<String, String>,
) -> std::result::Result<ImportRow, (String, &'static str)> {
    let mut r = ImportRow::default();
    for (h, v) in headers.iter().zip(rec.iter()) {
        let bad = || (h.clone(), "invalid_format");
        let opt = || Some(v.trim().to_owned()).filter(|s| !s.is_empty());
        match h.as_str() {
            "name" => r.name = v.to_owned(),
            "phones" => r.phones = split(v),
            "emails" => r.emails = split(v),
            "tags" => r.tags = split(v),
            "external_ids" => {
                for kv in split(v) {
                    let (k, val) = kv.split_once(':').ok_or_else(bad)?;
                    r.external_ids
                        .insert(k.trim().to_owned(), val.trim().to_owned());
                }
            }
            "organization" => r.organization = opt(),
            "value_tier" => r.value_tier = opt(),
            "lifecycle" => r.lifecycle = opt(),
            "birthday" => {
                r.profile.birthday = match opt() {
                    Some(d) => Some(d.parse().map_err(|_| bad())?),
                    None => None,
                }
            }
            "preferred_channel" => r.profile.preferred_channel = opt(),
            "language" => r.profile.language = opt(),
            "contact_hours" => r.profile.contact_hours = opt(),
            "do_not_call" => r.profile.consent.do_not_call = parse_bool(v).ok_or_else(bad)?,
            "do_not_email" => r.profile.consent.do_not_email = parse_bool(v).ok_or_else(bad)?,
            "do_not_sms" => r.profile.consent.do_not_sms = parse_bool(v).ok_or_else(bad)?,
            "address.country" => r.profile.address.country = opt(),
            "address.province" => r.profile.address.province = opt(),
            "address.city" => r.profile.address.city = opt(),
            "address.district" => r.profile.address.district = opt(),
            "address.street" => r.profile.address.street = opt(),
            "address.postal_code" => r.profile.address.postal_code = opt(),
            other => {
                let key = other
                    .strip_prefix("custom.")
                    .ok_or((other.to_owned(), "unknown_field"))?;
                let Some(v) = opt() else { continue };
                let value = match types.get(key).map(String::as_str) {
                    Some("number") => json!(v.parse::<f64>().map_err(|_| bad())?),
                    Some("boolean") => json!(parse_bool(&v).ok_or_else(bad)?),
                    Some("multi_choice") => json!(split(&v)),
                    Some(_) => json!(v),
                    None => return Err((other.to_owned(), "unknown_field")),
                };
                r.custom.insert(key.to_owned(), value);
            }
        }
    }
    Ok(r)
}

/// The rows of an import file, read one at a time (a CSV reader or JSON Lines over any
/// `Read`): each row number with its parsed row or the error that kept it from parsing.
pub struct Rows<R: std::io::Read> {
    inner: RowsInner<R>,
}

enum RowsInner<R: std::io::Read> {
    Csv {
        headers: Vec<String>,
        types: HashMap<String, String>,
        records: csv::StringRecordsIntoIter<R>,
        row: usize,
    },
    Jsonl(std::iter::Enumerate<std::io::Lines<std::io::BufReader<R>>>),
    Failed(Option<RowError>),
}

impl<R: std::io::Read> Rows<R> {
    pub fn new(reader: R, format: Format, ctx: &CrmContext) -> Rows<R> {
        let types: HashMap<String, String> = ctx
            .fields
            .iter()
            .map(|d| (d.key.clone(), d.field_type.clone()))
            .collect();
        let inner = match format {
            Format::Jsonl => {
                use std::io::BufRead;
                RowsInner::Jsonl(std::io::BufReader::new(reader).lines().enumerate())
            }
            Format::Csv => {
                let mut rdr = csv::ReaderBuilder::new()
                    .flexible(false)
                    .trim(csv::Trim::Headers)
                    .from_reader(reader);
                match rdr.headers() {
                    Err(e) => RowsInner::Failed(Some(RowError {
                        row: 0,
                        field: String::new(),
                        code: "invalid_csv".into(),
                        message: e.to_string(),
                    })),
                    Ok(h) => {
                        let headers: Vec<String> = h
                            .iter()
                            .map(|s| s.trim_start_matches('\u{feff}').to_owned())
                            .collect();
                        if headers.iter().any(|h| h == "name") {
                            RowsInner::Csv {
                                headers,
                                types,
                                records: rdr.into_records(),
                                row: 0,
                            }
                        } else {
                            RowsInner::Failed(Some(RowError {
                                row: 0,
                                field: "name".into(),
                                code: "missing_column".into(),
                                message: "the header has no `name` column".into(),
                            }))
                        }
                    }
                }
            }
        };
        Rows { inner }
    }
}

impl<R: std::io::Read> Iterator for Rows<R> {
    type Item = (usize, Result<ImportRow, RowError>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowsInner::Failed(e) => e.take().map(|e| (0, Err(e))),
            RowsInner::Jsonl(lines) => loop {
                let (i, line) = lines.next()?;
                let row = i + 1;
                let line = match line {
                    Ok(l) => l,
                    Err(e) => {
                        return Some((
                            row,
                            Err(RowError {
                                row,
                                field: String::new(),
                                code: "invalid_json".into(),
                                message: e.to_string(),
                            }),
                        ));
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                return Some((
                    row,
                    serde_json::from_str::<ImportRow>(&line).map_err(|e| RowError {
                        row,
                        field: String::new(),
                        code: "invalid_json".into(),
                        message: e.to_string(),
                    }),
                ));
            },
            RowsInner::Csv {
                headers,
                types,
                records,
                row,
            } => {
                let rec = records.next()?;
                *row += 1;
                let row = *row;
                Some((
                    row,
                    match rec {
                        Ok(rec) => {
                            csv_row(headers, &rec, types).map_err(|(field, code)| RowError {
                                row,
                                message: format!("`{field}`: {code}"),
                                field,
                                code: code.into(),
                            })
                        }
                        Err(e) => Err(RowError {
                            row,
                            field: String::new(),
                            code: "invalid_csv".into(),
                            message: e.to_string(),
                        }),
                    },
                ))
            }
        }
    }
}

/// Parses `body` into rows, or row errors for what cannot be read.
pub fn parse(
    body: &[u8],
    format: Format,
    ctx: &CrmContext,
) -> (Vec<(usize, ImportRow)>, Vec<RowError>) {
    let mut rows = vec![];
    let mut errors = vec![];
    for (row, r) in Rows::new(body, format, ctx) {
        match r {
            Ok(r) => rows.push((row, r)),
            Err(e) => errors.push(e),
        }
    }
    (rows, errors)
}

/// A parsed row validated against the workspace: its fields and lifecycle stage.
fn validate_row(
    row: usize,
    r: ImportRow,
    ctx: &CrmContext,
) -> Result<(CustomerFields, String), RowError> {
    let lifecycle = r.lifecycle.unwrap_or_else(|| "prospect".into());
    if !LIFECYCLE_STAGES.contains(&lifecycle.as_str()) {
        return Err(RowError {
            row,
            field: "lifecycle".into(),
            code: "invalid_format".into(),
            message: "unknown lifecycle stage".into(),
        });
    }
    let f = CustomerFields {
        name: r.name,
        phones: r.phones,
        emails: r.emails,
        external_ids: r.external_ids,
        organization: r.organization,
        tags: r.tags,
        profile: r.profile,
        value_tier: r.value_tier,
        custom: r.custom,
    };
    f.validated(ctx)
        .map(|f| (f, lifecycle))
        .map_err(|e| row_error(row, e))
}

/// Told the rows done in a phase (`validated`, `written`).
pub type Progress = dyn Fn(&str, u64) + Send + Sync;

/// Opens the import file anew for each pass.
/// The directory uploads are spooled to: the data directory, i.e. the SQLite database's
/// directory, else `KEFU_DATA_DIR`, else the system's temporary directory.
pub fn spool_dir(database_url: &str) -> std::path::PathBuf {
    if let Some(rest) = database_url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or("");
        if !path.is_empty() && !path.starts_with(':') {
            let parent = std::path::Path::new(path).parent();
            return match parent {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
        }
    }
    std::env::var_os("KEFU_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

pub type Opener<'a> = dyn Fn() -> std::io::Result<Box<dyn std::io::Read + Send>> + Send + Sync + 'a;

const CHUNK: usize = 500;

impl Store {
    /// Validates every row of `body`; with no errors and not `dry_run`, imports them all in
    /// one transaction. With any error nothing is written.
    pub async fn import_customers(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        body: &[u8],
        format: Format,
        dry_run: bool,
        on_duplicate: OnDuplicate,
    ) -> Result<ImportReport> {
        let body = body.to_vec();
        let open = move || -> std::io::Result<Box<dyn std::io::Read + Send>> {
            Ok(Box::new(std::io::Cursor::new(body.clone())))
        };
        self.import_customers_streaming(scope, actor, &open, format, dry_run, on_duplicate, None)
            .await
    }

    /// The import, streaming: a first pass reads the file row by row, validates every row
    /// and looks up existing identities a chunk at a time (memory: the duplicates found,
    /// not the file); with any error the report is the answer and nothing is written. A
    /// second pass reads the file again and writes it in chunks of 500 rows (multi-row
    /// inserts of customers, identities, name keys, audit and outbox rows) inside ONE
    /// transaction, so the import stays all-or-nothing. `progress` is told the rows done
    /// (validated, then written).
    #[allow(clippy::too_many_arguments)]
    pub async fn import_customers_streaming(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        open: &Opener<'_>,
        format: Format,
        dry_run: bool,
        on_duplicate: OnDuplicate,
        progress: Option<&Progress>,
    ) -> Result<ImportReport> {
        let ctx = self.crm_context(scope).await?;
        let io = |e: std::io::Error| StoreError::Config(format!("reading the import: {e}"));
        let tell = |phase: &str, n: u64| {
            if let Some(p) = progress {
                p(phase, n);
            }
        };
        // Pass 1: validate, find duplicates against existing records.
        let mut report = ImportReport {
            dry_run,
            ..Default::default()
        };
        let mut errors = vec![];
        let mut existing: HashMap<(String, String), String> = HashMap::new();
        let mut pending: Vec<(String, String)> = vec![];
        let mut n = 0u64;
        let mut rows = Rows::new(open().map_err(io)?, format, &ctx);
        loop {
            let next = rows.next();
            let done = next.is_none();
            if let Some((row, r)) = next {
                n += 1;
                match r.and_then(|r| validate_row(row, r, &ctx)) {
                    Ok((f, _)) => pending.extend(f.identities()),
                    Err(e) => errors.push(e),
                }
                if n.is_multiple_of(10_000) {
                    tell("validated", n);
                }
            }
            if pending.len() >= CHUNK || (done && !pending.is_empty()) {
                let values: Vec<String> = pending.drain(..).map(|(_, v)| v).collect();
                let found: Vec<(String, String, String)> = customer_identity::Entity::find()
                    .select_only()
                    .column(customer_identity::Column::Kind)
                    .column(customer_identity::Column::Value)
                    .column(customer_identity::Column::CustomerId)
                    .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
                    .filter(customer_identity::Column::Value.is_in(values))
                    .into_tuple()
                    .all(self.db())
                    .await?;
                for (k, v, c) in found {
                    existing.entry((k, v)).or_insert(c);
                }
            }
            if done {
                break;
            }
        }
        tell("validated", n);
        report.rows = n as usize;
        errors.sort_by_key(|e| e.row);
        report.errors = errors;
        if !report.errors.is_empty() {
            return Ok(report);
        }
        // Pass 2: the file again, written in chunks inside one transaction.
        let txn = if dry_run {
            None
        } else {
            Some(self.write(scope, actor).await?)
        };
        let mut merges: BTreeMap<String, Vec<CustomerFields>> = BTreeMap::new();
        let now = self.now();
        let topic = "customer.created".to_owned();
        let mut batch = Vec::with_capacity(CHUNK);
        let mut idents = Vec::with_capacity(CHUNK * 2);
        let mut names = Vec::with_capacity(CHUNK * 8);
        let mut audits = Vec::with_capacity(CHUNK);
        let mut events = Vec::with_capacity(CHUNK);
        let mut written = 0u64;
        let mut rows = Rows::new(open().map_err(io)?, format, &ctx);
        loop {
            let next = rows.next();
            let done = next.is_none();
            if let Some((row, r)) = next {
                let (f, lifecycle) = r.and_then(|r| validate_row(row, r, &ctx)).map_err(|e| {
                    StoreError::Config(format!("row {row} changed between passes: {}", e.message))
                })?;
                let dup = f
                    .identities()
                    .into_iter()
                    .find_map(|k| existing.get(&k).cloned());
                if let Some(c) = &dup {
                    report.duplicates.push(RowDuplicate {
                        row,
                        customer_id: c.clone(),
                    });
                }
                match (dup, on_duplicate) {
                    (Some(_), OnDuplicate::Skip) => report.skipped += 1,
                    (Some(c), OnDuplicate::Merge) => {
                        report.merged += 1;
                        merges.entry(c).or_default().push(f);
                    }
                    _ => {
                        report.created += 1;
                        if txn.is_some() {
                            let ids = f.identities();
                            let mut m = new_customer(scope, f, now);
                            m.lifecycle = lifecycle;
                            names.extend(crate::crm::name_search::rows(scope.id(), &m.id, &m.name));
                            for (kind, value) in ids {
                                idents.push(customer_identity::ActiveModel {
                                    workspace_id: Set(scope.id().to_owned()),
                                    kind: Set(kind),
                                    value: Set(value),
                                    customer_id: Set(m.id.clone()),
                                });
                            }
                            let snap = json!(m);
                            audits.push(audit::ActiveModel {
                                workspace_id: Set(scope.id().to_owned()),
                                actor_id: Set(actor.user_id.clone()),
                                at: Set(now),
                                action: Set("imported".into()),
                                entity_type: Set("customer".into()),
                                entity_id: Set(m.id.clone()),
                                before: Set(None),
                                after: Set(Some(snap.clone())),
                                ..Default::default()
                            });
                            events.push(outbox::ActiveModel {
                                workspace_id: Set(scope.id().to_owned()),
                                topic: Set(topic.clone()),
                                entity_type: Set("customer".into()),
                                entity_id: Set(m.id.clone()),
                                payload: Set(
                                    json!({"action": "imported", "entity_type": "customer",
                                    "entity_id": m.id, "actor_id": actor.user_id, "after": snap}),
                                ),
                                created_at: Set(now),
                                ..Default::default()
                            });
                            batch.push(m.into_active_model().reset_all());
                        }
                    }
                }
            }
            if let Some(txn) = &txn
                && (batch.len() >= CHUNK || (done && !batch.is_empty()))
            {
                written += batch.len() as u64;
                customer::Entity::insert_many(std::mem::take(&mut batch))
                    .exec(txn)
                    .await?;
                for c in std::mem::take(&mut idents).chunks(CHUNK * 2) {
                    customer_identity::Entity::insert_many(c.to_vec())
                        .exec(txn)
                        .await?;
                }
                for c in std::mem::take(&mut names).chunks(CHUNK * 2) {
                    customer_name_key::Entity::insert_many(c.to_vec())
                        .exec(txn)
                        .await?;
                }
                txn.record_many(std::mem::take(&mut audits), std::mem::take(&mut events))
                    .await?;
                if written % 10_000 < CHUNK as u64 {
                    tell("written", written);
                }
            }
            if done {
                break;
            }
        }
        let Some(txn) = txn else {
            return Ok(report);
        };
        for (id, rows) in merges {
            let current =
                crate::write::find_scoped::<customer::Entity, _>(&txn, scope, &id).await?;
            let mut f = crate::crm::customers::fields_of(&current);
            for r in rows {
                f.absorb(r);
            }
            let f = f.validated(&ctx)?;
            let ids = f.identities();
            let mut next = current.clone();
            f.write_to(&mut next);
            next.updated_at = now;
            let saved = next.into_active_model().reset_all().update(&txn).await?;
            crate::crm::customers::write_identities(&txn, scope, &id, ids, true).await?;
            let change = crate::audit::Change {
                action: "import_merged",
                entity_type: "customer",
                entity_id: &id,
                before: Some(json!(current)),
                after: Some(json!(saved)),
            };
            txn.record(change).await?;
        }
        txn.commit().await?;
        tell("written", written);
        Ok(report)
    }

    /// The live customers of the workspace that `filter` selects (the customer list's
    /// filters: search, segment, lifecycle, tier, owner, …), newest first, `batch` at a time,
    /// to `sink`. Keyset paged, so memory holds one batch.
    pub async fn export_customers<F>(
        &self,
        scope: &WorkspaceScope,
        filter: &crate::crm::customers::CustomerFilter,
        batch: u64,
        mut sink: F,
    ) -> Result<()>
    where
        F: FnMut(Vec<customer::Model>) -> Result<()>,
    {
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .list_customers(
                    scope,
                    filter,
                    &crate::PageRequest {
                        limit: Some(batch),
                        cursor,
                    },
                )
                .await?;
            if !page.items.is_empty() {
                sink(page.items)?;
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(()),
            }
        }
    }
}

/// The CSV header of an export (custom fields appended as `custom.KEY`).
pub fn csv_header(custom_keys: &[String]) -> Vec<String> {
    let mut h: Vec<String> = [
        "id",
        "name",
        "phones",
        "emails",
        "external_ids",
        "organization",
        "tags",
        "value_tier",
        "lifecycle",
        "owner_id",
        "birthday",
        "preferred_channel",
        "language",
        "contact_hours",
        "do_not_call",
        "do_not_email",
        "do_not_sms",
        "address.country",
        "address.province",
        "address.city",
        "address.district",
        "address.street",
        "address.postal_code",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(custom_keys.iter().map(|k| format!("custom.{k}")));
    h
}

/// One customer as a CSV record matching [`csv_header`].
pub fn csv_record(m: &customer::Model, custom_keys: &[String]) -> Vec<String> {
    let f = crate::crm::customers::fields_of(m);
    let p = &f.profile;
    let a = &p.address;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut r = vec![
        m.id.clone(),
        f.name.clone(),
        f.phones.join(";"),
        f.emails.join(";"),
        f.external_ids
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(";"),
        o(&f.organization),
        f.tags.join(";"),
        o(&f.value_tier),
        m.lifecycle.clone(),
        o(&m.owner_id),
        p.birthday.map(|d| d.to_string()).unwrap_or_default(),
        o(&p.preferred_channel),
        o(&p.language),
        o(&p.contact_hours),
        p.consent.do_not_call.to_string(),
        p.consent.do_not_email.to_string(),
        p.consent.do_not_sms.to_string(),
        o(&a.country),
        o(&a.province),
        o(&a.city),
        o(&a.district),
        o(&a.street),
        o(&a.postal_code),
    ];
    for k in custom_keys {
        r.push(match f.custom.get(k) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            Some(v) => v.to_string(),
        });
    }
    r
}

/// One customer as a JSON Lines record (the import's field names).
pub fn json_record(m: &customer::Model) -> Value {
    let f = crate::crm::customers::fields_of(m);
    json!({
        "id": m.id, "name": f.name, "phones": f.phones, "emails": f.emails,
        "external_ids": f.external_ids, "organization": f.organization, "tags": f.tags,
        "value_tier": f.value_tier, "lifecycle": m.lifecycle, "owner_id": m.owner_id,
        "profile": f.profile, "custom": f.custom,
    })
}
