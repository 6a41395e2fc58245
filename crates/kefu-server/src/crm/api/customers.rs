//! Customers (`/api/v1/customers`): the full profile of SPEC C1, lifecycle, owners (认养),
//! notes, the timeline, dedupe and merge (with redirects from merged ids), import and export.

use crate::AppState;
use crate::auth::Auth;
use crate::crm::service::transfer::{self, Source};
use crate::crm::service::{self, CustomerChange, CustomerQuery as Query, Found};
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, nullable, page_req};
use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_store::crm::customers::{CustomerFields, Profile, TimelineEntry, fields_of};
use kefu_store::crm::import::{Format, ImportReport};
use kefu_store::entity::customer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// The largest import body (a 1M-row CSV is about 100 MB).
pub const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/duplicates", get(list_duplicates))
        .route("/customers/assign", post(bulk_assign))
        .route("/customers/export", get(export_customers))
        .route(
            "/customers/import",
            post(import_customers).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route(
            "/customers/{id}",
            get(get_customer)
                .patch(update_customer)
                .delete(delete_customer),
        )
        .route("/customers/{id}/timeline", get(timeline))
        .route("/customers/{id}/lifecycle", post(set_lifecycle))
        .route("/customers/{id}/owner", post(set_owner))
        .route("/customers/{id}/notes", post(add_note))
        .route("/customers/{id}/merge", post(merge))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    pub name: String,
    /// Any common spelling; stored as E.164 (default region of the workspace, CN if unset).
    #[serde(default)]
    pub phones: Vec<String>,
    /// Stored lower-case.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Channel or system → id, e.g. `{"wechat": "wxid_123"}`.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Address, birthday, preferred_channel, language, contact_hours (`HH:MM-HH:MM`), consent.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub profile: Profile,
    /// One of the workspace's value tiers (default vip/high/normal/low).
    pub value_tier: Option<String>,
    /// Custom field key → value, checked against the workspace's definitions.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub external_ids: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub profile: Option<Profile>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub value_tier: Option<Option<String>>,
    /// Keys given replace their values; a null value removes the key.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub profile: Profile,
    pub value_tier: Option<String>,
    #[schema(value_type = Object)]
    pub custom: BTreeMap<String, Value>,
    pub lifecycle: String,
    pub owner_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<customer::Model> for CustomerOut {
    fn from(m: customer::Model) -> Self {
        let f = fields_of(&m);
        CustomerOut {
            id: m.id,
            name: f.name,
            phones: f.phones,
            emails: f.emails,
            external_ids: f.external_ids,
            organization: f.organization,
            tags: f.tags,
            profile: f.profile,
            value_tier: f.value_tier,
            custom: f.custom,
            lifecycle: m.lifecycle,
            owner_id: m.owner_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// The start of a name, of one of its words or Chinese characters, of its pinyin
    /// (`wangxiaoming`, `wang xiao ming`) or pinyin initials (`wxm`); or a phone / e-mail /
    /// external id (exact, after normalization).
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
    pub lifecycle: Option<String>,
    pub value_tier: Option<String>,
    /// A user id, or `me` for "my customers".
    pub owner: Option<String>,
    /// Only the customers of this segment (keyset paged like the rest of the list).
    pub segment: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// A permanent redirect from a merged customer to the one it was merged into.
fn redirect_to(survivor: &str, suffix: &str) -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(
            header::LOCATION,
            format!("/api/v1/customers/{survivor}{suffix}"),
        )],
    )
        .into_response()
}

/// Create a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerIn,
    responses((status = 201, body = CustomerOut), (status = 422, description = "invalid_field")))]
pub async fn create_customer(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CustomerIn>,
) -> Result<(StatusCode, Json<CustomerOut>), ApiError> {
    let fields = CustomerFields {
        name: b.name,
        phones: b.phones,
        emails: b.emails,
        external_ids: b.external_ids,
        organization: b.organization,
        tags: b.tags,
        profile: b.profile,
        value_tier: b.value_tier,
        custom: b.custom,
    };
    let m = service::create(&state, &auth, fields).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List customers (merged records left out).
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = PageOut<CustomerOut>)))]
pub async fn list_customers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CustomerQuery>,
) -> Result<Json<PageOut<CustomerOut>>, ApiError> {
    let query = Query {
        q: q.q,
        organization: q.organization,
        tag: q.tag,
        lifecycle: q.lifecycle,
        value_tier: q.value_tier,
        owner: q.owner,
        segment: q.segment,
    };
    let page = service::list(&state, &auth, query, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, CustomerOut::from)))
}

/// Get a customer; a merged id redirects (308) to the customer it was merged into.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 200, body = CustomerOut), (status = 308), (status = 404)))]
pub async fn get_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(match service::get(&state, &auth, &id).await? {
        Found::Here(m) => Json(CustomerOut::from(m)).into_response(),
        Found::MergedInto(s) => redirect_to(&s, ""),
    })
}

/// Change a customer.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", request_body = CustomerPatch,
    responses((status = 200, body = CustomerOut), (status = 404), (status = 409, description = "customer_merged")))]
pub async fn update_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CustomerPatch>,
) -> Result<Json<CustomerOut>, ApiError> {
    let c = CustomerChange {
        name: b.name,
        phones: b.phones,
        emails: b.emails,
        external_ids: b.external_ids,
        organization: b.organization,
        tags: b.tags,
        profile: b.profile,
        value_tier: b.value_tier,
        custom: b.custom,
    };
    Ok(Json(service::update(&state, &auth, &id, c).await?.into()))
}

/// Delete a customer that no ticket or interaction refers to.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 204), (status = 404), (status = 409, description = "customer_in_use")))]
pub async fn delete_customer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineOut {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<TimelineEntry>,
    pub next_cursor: Option<String>,
}

/// The customer's timeline: interactions, tickets, ticket state changes, notes, lifecycle and
/// owner changes and merges, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "customers",
    params(TimelineQuery), responses((status = 200, body = TimelineOut), (status = 308), (status = 404)))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(50);
    Ok(
        match service::timeline(&state, &auth, &id, q.cursor.as_deref(), limit).await? {
            Found::Here((items, next_cursor)) => {
                Json(TimelineOut { items, next_cursor }).into_response()
            }
            Found::MergedInto(s) => redirect_to(&s, "/timeline"),
        },
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleIn {
    /// prospect, first_contact, opportunity, customer, repeat_customer, at_risk or lost.
    pub stage: String,
    #[serde(default)]
    pub reason: String,
}

/// Move a customer to a lifecycle stage (recorded on the timeline and in the audit log).
#[utoipa::path(post, path = "/api/v1/customers/{id}/lifecycle", tag = "customers",
    request_body = LifecycleIn, responses((status = 200, body = CustomerOut), (status = 404)))]
pub async fn set_lifecycle(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LifecycleIn>,
) -> Result<Json<CustomerOut>, ApiError> {
    let m = service::set_lifecycle(&state, &auth, &id, &b.stage, &b.reason).await?;
    Ok(Json(m.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerIn {
    /// A user of the workspace, or null to release the customer.
    pub owner_id: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Adopt (认养) a customer: set or clear its owner.
#[utoipa::path(post, path = "/api/v1/customers/{id}/owner", tag = "customers",
    request_body = OwnerIn, responses((status = 200, body = CustomerOut), (status = 404),
    (status = 422, description = "unknown_reference")))]
pub async fn set_owner(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OwnerIn>,
) -> Result<Json<CustomerOut>, ApiError> {
    let m = service::set_owner(&state, &auth, &id, b.owner_id, &b.reason).await?;
    Ok(Json(m.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// Lifecycle stages to assign, e.g. `["at_risk", "lost"]`.
    pub stages: Vec<String>,
    /// Users who receive the customers in turn.
    pub owners: Vec<String>,
    /// Also reassign customers that already have an owner.
    #[serde(default)]
    pub reassign: bool,
    /// At most this many customers (default 1000).
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignOut {
    pub assigned: u64,
}

/// Bulk-assign at-risk or lost customers to owners for win-back.
#[utoipa::path(post, path = "/api/v1/customers/assign", tag = "customers",
    request_body = AssignIn, responses((status = 200, body = AssignOut)))]
pub async fn bulk_assign(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<AssignIn>,
) -> Result<Json<AssignOut>, ApiError> {
    let n = service::bulk_assign(&state, &auth, &b.stages, b.owners, b.reassign, b.limit).await?;
    Ok(Json(AssignOut { assigned: n }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub body: String,
}

/// Add a note to a customer's timeline.
#[utoipa::path(post, path = "/api/v1/customers/{id}/notes", tag = "customers",
    request_body = NoteIn, responses((status = 201), (status = 404)))]
pub async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteIn>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let e = service::add_note(&state, &auth, &id, &b.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"id": e.id, "at": e.at, "body": e.body})),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateOut {
    /// `phone`, `email` or `ext:<system>`.
    pub kind: String,
    pub value: String,
    pub customer_ids: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DuplicateQuery {
    pub limit: Option<u64>,
}

/// Candidate duplicates: customers sharing a normalized phone, e-mail or external id.
#[utoipa::path(get, path = "/api/v1/customers/duplicates", tag = "customers",
    params(DuplicateQuery), responses((status = 200, body = Vec<DuplicateOut>)))]
pub async fn list_duplicates(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DuplicateQuery>,
) -> Result<Json<Vec<DuplicateOut>>, ApiError> {
    let groups = service::duplicates(&state, &auth, q.limit.unwrap_or(100)).await?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| DuplicateOut {
                kind: g.kind,
                value: g.value,
                customer_ids: g.customer_ids,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// Customers to merge into this one.
    pub from: Vec<String>,
}

/// Merge customers into this one: their tickets, interactions, notes and fields move here;
/// their ids redirect here afterwards.
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers",
    request_body = MergeIn, responses((status = 200, body = CustomerOut), (status = 404),
    (status = 409, description = "customer_merged"), (status = 422, description = "unknown_reference")))]
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MergeIn>,
) -> Result<Json<CustomerOut>, ApiError> {
    Ok(Json(
        service::merge(&state, &auth, &id, b.from).await?.into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Only validate.
    #[serde(default)]
    pub dry_run: bool,
    /// `report` (import and list, default), `skip` or `merge`.
    pub on_duplicate: Option<String>,
}

/// Import customers from CSV (`text/csv`) or JSON Lines (`application/x-ndjson`). Every row
/// is validated first; with any invalid row nothing is imported and the answer is a 422
/// `import_invalid` problem whose `errors` list row, field, code and message. The body is
/// spooled to a temporary file in the data directory as it arrives (at most
/// [`MAX_IMPORT_BYTES`], else 413) and the two passes of the importer read that file, so
/// memory holds neither the body nor the rows.
#[utoipa::path(post, path = "/api/v1/customers/import", tag = "customers", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Object), (status = 413), (status = 415), (status = 422, description = "import_invalid")))]
pub async fn import_customers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ImportReport>, ApiError> {
    // The role first: a body is spooled only for someone who may import it.
    transfer::may_import(&auth)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = if ct.starts_with("text/csv") {
        Format::Csv
    } else if ct.starts_with("application/x-ndjson") || ct.starts_with("application/jsonl") {
        Format::Jsonl
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    let on_duplicate = transfer::on_duplicate(q.on_duplicate.as_deref())?;
    let spool = spool(state.store.spool_dir(), body).await?;
    let path = spool.path().to_path_buf();
    let open = move || -> std::io::Result<Box<dyn std::io::Read + Send>> {
        Ok(Box::new(std::io::BufReader::with_capacity(
            256 * 1024,
            std::fs::File::open(&path)?,
        )))
    };
    let report = transfer::import(
        &state,
        &auth,
        Source::File(&open),
        format,
        q.dry_run,
        on_duplicate,
    )
    .await?;
    drop(spool);
    if !report.errors.is_empty() {
        return Err(ApiError::ImportInvalid(
            serde_json::to_string(&report.errors).unwrap_or_default(),
        ));
    }
    Ok(Json(report))
}

/// Writes `body` as it arrives into a new temporary file in `dir` (removed when dropped);
/// more than [`MAX_IMPORT_BYTES`] is 413.
async fn spool(dir: &std::path::Path, mut body: Body) -> Result<tempfile::NamedTempFile, ApiError> {
    use tokio::io::AsyncWriteExt;
    let io = |e: std::io::Error| ApiError::internal("spooling the import", e);
    let spool = tempfile::Builder::new()
        .prefix(".kefu-import-")
        .tempfile_in(dir)
        .map_err(io)?;
    let mut file = tokio::io::BufWriter::with_capacity(
        256 * 1024,
        tokio::fs::File::from_std(spool.reopen().map_err(io)?),
    );
    let mut size = 0usize;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| ApiError::InvalidBody(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            size += data.len();
            if size > MAX_IMPORT_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            file.write_all(&data).await.map_err(io)?;
        }
    }
    file.flush().await.map_err(io)?;
    Ok(spool)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default), `jsonl` or `xlsx`.
    pub format: Option<String>,
    /// The customer list's filters (all optional): only the customers they select.
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
    pub lifecycle: Option<String>,
    pub value_tier: Option<String>,
    /// A user id, or `me`.
    pub owner: Option<String>,
    pub segment: Option<String>,
}

/// Export the customers (all, or those the list's filters select) as CSV, JSON Lines or
/// XLSX, newest first.
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers", params(ExportQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn export_customers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let query = Query {
        q: q.q,
        organization: q.organization,
        tag: q.tag,
        lifecycle: q.lifecycle,
        value_tier: q.value_tier,
        owner: q.owner,
        segment: q.segment,
    };
    let f = transfer::export(&state, &auth, query, q.format.as_deref()).await?;
    Ok(file(f.content_type, f.file_name, f.bytes))
}

fn file(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
