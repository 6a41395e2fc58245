//! CRM pages: the customer list (search, lifecycle/tier/owner/segment filters), the customer
//! page (profile, consent, custom fields, owner, lifecycle, open tickets, timeline, notes),
//! merge review of duplicate candidates, and import with its validation report. Every form
//! calls the CRM's service, like the API.

use crate::AppState;
use crate::crm::service::transfer::{self, Source};
use crate::crm::service::{self, CustomerQuery, Found};
use crate::error::ApiError;
use crate::pages::{FormError, PageError, Tr, Viewer, after_form, render};
use crate::tickets::pages::list::{TicketRow, ticket_row};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_model::Action;
use kefu_store::PageRequest;
use kefu_store::crm::customers::{LIFECYCLE_STAGES, TimelineEntry, fields_of};
use kefu_store::crm::import::{Format, ImportReport};
use kefu_store::entity::customer;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(customers_page))
        .route("/customers/duplicates", get(duplicates_page))
        .route("/customers/import", get(import_page).post(import_submit))
        .route("/customers/{id}", get(customer_page))
        .route("/customers/{id}/lifecycle", post(lifecycle_submit))
        .route("/customers/{id}/adopt", post(adopt_submit))
        .route("/customers/{id}/note", post(note_submit))
        .route("/customers/{id}/merge", post(merge_submit))
}

pub(super) struct CustomerRow {
    id: String,
    name: String,
    phones: Vec<String>,
    emails: Vec<String>,
    organization: Option<String>,
    tags: Vec<String>,
    lifecycle: String,
    value_tier: String,
}

impl From<customer::Model> for CustomerRow {
    fn from(m: customer::Model) -> Self {
        let f = fields_of(&m);
        CustomerRow {
            id: m.id,
            name: f.name,
            phones: f.phones,
            emails: f.emails,
            organization: f.organization,
            tags: f.tags,
            lifecycle: m.lifecycle,
            value_tier: f.value_tier.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct CustomersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lifecycle: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    segment: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "crm/customers.html")]
struct CustomersPage {
    t: Tr,
    signed_in: bool,
    q: String,
    lifecycle: String,
    tier: String,
    mine: bool,
    segment: String,
    stages: Vec<&'static str>,
    tiers: Vec<String>,
    segments: Vec<(String, String)>,
    count: Option<u64>,
    rows: Vec<CustomerRow>,
    next_cursor: Option<String>,
    query: String,
    /// The export API's query for the current filter, if the viewer may export.
    export_query: Option<String>,
}

fn nonempty(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn customers_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<CustomersQuery>,
) -> Result<Response, ApiError> {
    let ctx = service::settings::context(&state, &v.auth).await?;
    let page_req = PageRequest {
        limit: Some(50),
        cursor: q.cursor.clone(),
    };
    let segments = service::segments::list(
        &state,
        &v.auth,
        &PageRequest {
            limit: Some(100),
            cursor: None,
        },
    )
    .await?
    .items
    .into_iter()
    .map(|s| (s.id, s.name))
    .collect();
    let segment = nonempty(&q.segment);
    let count = match &segment {
        Some(sid) => Some(service::segments::count(&state, &v.auth, sid).await?),
        None => None,
    };
    let filter = CustomerQuery {
        q: nonempty(&q.q),
        lifecycle: nonempty(&q.lifecycle),
        value_tier: nonempty(&q.tier),
        owner: (q.mine == "1").then(|| "me".to_owned()),
        segment,
        ..Default::default()
    };
    let page = service::list(&state, &v.auth, filter, &page_req).await?;
    let query = serde_urlencoded_pairs(&[
        ("q", &q.q),
        ("lifecycle", &q.lifecycle),
        ("tier", &q.tier),
        ("mine", &q.mine),
        ("segment", &q.segment),
    ]);
    let me = if q.mine == "1" {
        "me".to_owned()
    } else {
        String::new()
    };
    let export_query = v.auth.0.role.allows(Action::ExportCustomers).then(|| {
        serde_urlencoded_pairs(&[
            ("q", &q.q),
            ("lifecycle", &q.lifecycle),
            ("value_tier", &q.tier),
            ("owner", &me),
            ("segment", &q.segment),
        ])
    });
    Ok(render(CustomersPage {
        t: v.t(),
        signed_in: true,
        export_query,
        mine: q.mine == "1",
        q: q.q,
        lifecycle: q.lifecycle,
        tier: q.tier,
        segment: q.segment,
        stages: LIFECYCLE_STAGES.to_vec(),
        tiers: ctx.value_tiers,
        segments,
        count,
        rows: page.items.into_iter().map(CustomerRow::from).collect(),
        next_cursor: page.next_cursor,
        query,
    }))
}

/// `k=v&…` of the non-empty pairs, percent-encoded.
fn serde_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", enc(v)))
        .collect()
}

struct TimelineRow {
    at: String,
    kind: String,
    title: String,
    change: String,
    body: String,
    ticket_id: Option<String>,
}

#[derive(Template)]
#[template(path = "crm/customer.html")]
struct CustomerPage {
    t: Tr,
    signed_in: bool,
    c: CustomerRow,
    owner: Option<String>,
    mine: bool,
    address: String,
    birthday: String,
    preferred_channel: String,
    language: String,
    contact_hours: String,
    do_not_call: bool,
    do_not_email: bool,
    do_not_sms: bool,
    custom: Vec<(String, String)>,
    stages: Vec<&'static str>,
    tickets: Vec<TicketRow>,
    timeline: Vec<TimelineRow>,
    /// The cursor of the timeline's next (older) page.
    timeline_next: Option<String>,
    error: Option<PageError>,
}

#[derive(Deserialize)]
struct TimelineQuery {
    /// Where the timeline starts (its `next_cursor`); the newest entries when absent.
    #[serde(default)]
    timeline: String,
}

async fn customer_page(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(eq): Query<TimelineQuery>,
    FormError(error): FormError,
) -> Result<Response, ApiError> {
    let c = match service::get(&state, &v.auth, &id).await? {
        Found::Here(c) => c,
        Found::MergedInto(s) => return Ok(Redirect::to(&format!("/customers/{s}")).into_response()),
    };
    let list = crate::tickets::service::views::ListQuery {
        customer_id: Some(c.id.clone()),
        page: PageRequest {
            limit: Some(100),
            cursor: None,
        },
        ..Default::default()
    };
    let tickets = crate::tickets::service::views::list(&state, &v.auth, list).await?;
    let cursor = nonempty(&eq.timeline);
    let (entries, timeline_next) =
        match service::timeline(&state, &v.auth, &c.id, cursor.as_deref(), 50).await? {
            Found::Here(t) => t,
            Found::MergedInto(s) => {
                return Ok(Redirect::to(&format!("/customers/{s}")).into_response());
            }
        };
    let owner = match &c.owner_id {
        Some(o) => Some(
            state
                .store
                .get_user(v.scope(), o)
                .await
                .map(|u| u.name)
                .unwrap_or_else(|_| o.clone()),
        ),
        None => None,
    };
    let t = v.t();
    let timeline = entries
        .into_iter()
        .map(|e: TimelineEntry| {
            let label = |v: &str| match e.kind.as_str() {
                "lifecycle" => t.label("crm-stage", v),
                "ticket" | "ticket_transition" => t.label("state", v),
                _ => v.to_owned(),
            };
            let change = match (&e.from, &e.to) {
                (Some(f), Some(to)) => format!("{} → {}", label(f), label(to)),
                (None, Some(to)) => label(to),
                (Some(f), None) => format!("{} → —", label(f)),
                _ => String::new(),
            };
            TimelineRow {
                at: v.time(e.at),
                title: match e.kind.as_str() {
                    "ticket" | "ticket_transition" | "interaction" => e.title.clone(),
                    _ => String::new(),
                },
                kind: t.label("crm-event", &e.kind),
                change,
                body: e.body.unwrap_or_default(),
                ticket_id: e.ticket_id,
            }
        })
        .collect();
    let f = fields_of(&c);
    let p = f.profile.clone();
    let a = &p.address;
    let address = [
        &a.country,
        &a.province,
        &a.city,
        &a.district,
        &a.street,
        &a.postal_code,
    ]
    .iter()
    .filter_map(|x| x.as_deref())
    .collect::<Vec<_>>()
    .join(" ");
    let custom = f
        .custom
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (k.clone(), shown)
        })
        .collect();
    Ok(render(CustomerPage {
        mine: c.owner_id.as_deref() == Some(v.auth.0.user_id.as_str()),
        owner,
        address,
        birthday: p.birthday.map(|d| d.to_string()).unwrap_or_default(),
        preferred_channel: p.preferred_channel.clone().unwrap_or_default(),
        language: p.language.clone().unwrap_or_default(),
        contact_hours: p.contact_hours.clone().unwrap_or_default(),
        do_not_call: p.consent.do_not_call,
        do_not_email: p.consent.do_not_email,
        do_not_sms: p.consent.do_not_sms,
        custom,
        stages: LIFECYCLE_STAGES.to_vec(),
        tickets: tickets
            .items
            .into_iter()
            .map(|m| ticket_row(&v, m))
            .collect(),
        timeline,
        timeline_next,
        error,
        c: c.into(),
        t,
        signed_in: true,
    }))
}

/// After a form: back to the customer page, with the problem if it failed.
fn back<T>(id: &str, r: Result<T, ApiError>) -> Response {
    after_form(&format!("/customers/{id}"), r)
}

#[derive(Deserialize)]
struct LifecycleForm {
    stage: String,
    #[serde(default)]
    reason: String,
}

async fn lifecycle_submit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<LifecycleForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = service::set_lifecycle(&state, &v.auth, &id, &f.stage, &f.reason).await;
    Ok(back(&id, r))
}

async fn adopt_submit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = service::adopt(&state, &v.auth, &id).await;
    Ok(back(&id, r))
}

#[derive(Deserialize)]
struct NoteForm {
    body: String,
}

async fn note_submit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let r = service::add_note(&state, &v.auth, &id, &f.body).await;
    Ok(back(&id, r))
}

struct DuplicateRow {
    kind: String,
    value: String,
    survivor: CustomerRow,
    others: Vec<CustomerRow>,
    from: String,
}

#[derive(Template)]
#[template(path = "crm/duplicates.html")]
struct DuplicatesPage {
    t: Tr,
    signed_in: bool,
    groups: Vec<DuplicateRow>,
}

async fn duplicates_page(State(state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    let groups = service::duplicates(&state, &v.auth, 100).await?;
    let mut rows = vec![];
    for g in groups {
        let mut cs = vec![];
        for id in &g.customer_ids {
            if let Found::Here(c) = service::get(&state, &v.auth, id).await? {
                cs.push(CustomerRow::from(c));
            }
        }
        if cs.is_empty() {
            continue;
        }
        // The oldest record survives by default.
        let survivor = cs.remove(0);
        rows.push(DuplicateRow {
            kind: g.kind,
            value: g.value,
            from: cs
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
                .join(","),
            survivor,
            others: cs,
        });
    }
    Ok(render(DuplicatesPage {
        t: v.t(),
        signed_in: true,
        groups: rows,
    }))
}

#[derive(Deserialize)]
struct MergeForm {
    from: String,
}

async fn merge_submit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> Result<Response, ApiError> {
    let id = crate::http::path_id(&id)?;
    let from = f
        .from
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let r = service::merge(&state, &v.auth, &id, from).await;
    Ok(back(&id, r))
}

#[derive(Template)]
#[template(path = "crm/import.html")]
struct ImportPage {
    t: Tr,
    signed_in: bool,
    report: Option<ImportReport>,
    data: String,
    format: String,
}

async fn import_page(v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::ImportCustomers)?;
    Ok(render(ImportPage {
        t: v.t(),
        signed_in: true,
        report: None,
        data: String::new(),
        format: "csv".into(),
    }))
}

#[derive(Deserialize)]
struct ImportForm {
    format: String,
    data: String,
    #[serde(default)]
    dry_run: Option<String>,
    #[serde(default)]
    on_duplicate: String,
}

async fn import_submit(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<ImportForm>,
) -> Result<Response, ApiError> {
    let format = match f.format.as_str() {
        "csv" => Format::Csv,
        "jsonl" => Format::Jsonl,
        other => return Err(ApiError::InvalidBody(format!("format: `{other}`"))),
    };
    let on_dup = transfer::on_duplicate(Some(f.on_duplicate.as_str()).filter(|s| !s.is_empty()))?;
    let report = transfer::import(
        &state,
        &v.auth,
        Source::Bytes(f.data.as_bytes()),
        format,
        f.dry_run.is_some(),
        on_dup,
    )
    .await?;
    Ok(render(ImportPage {
        t: v.t(),
        signed_in: true,
        report: Some(report),
        data: f.data,
        format: f.format,
    }))
}
