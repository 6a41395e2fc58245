//! CRM administration page (`/customers/settings`): the workspace's custom field
//! definitions and segments — add, edit, delete — through the CRM's service, like the API;
//! a refused change comes back translated (see `pages`).

use crate::AppState;
use crate::crm::service;
use crate::error::ApiError;
use crate::pages::{FormError, PageError, Tr, Viewer, after_form, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_model::Action;
use kefu_store::PageRequest;
use kefu_store::crm::admin::FieldPatch;
use kefu_store::crm::customers::FIELD_TYPES;
use kefu_store::crm::segments::Rule;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/settings", get(page))
        .route("/customers/settings/fields", post(field_create))
        .route("/customers/settings/fields/{id}", post(field_update))
        .route("/customers/settings/fields/{id}/delete", post(field_delete))
        .route("/customers/settings/segments", post(segment_create))
        .route("/customers/settings/segments/{id}", post(segment_update))
        .route(
            "/customers/settings/segments/{id}/delete",
            post(segment_delete),
        )
}

struct FieldRow {
    id: String,
    key: String,
    label: String,
    field_type: String,
    choices: String,
}

struct SegmentRow {
    id: String,
    name: String,
    rules: String,
}

#[derive(Template)]
#[template(path = "crm/settings.html")]
struct SettingsPage {
    t: Tr,
    signed_in: bool,
    error: Option<PageError>,
    types: Vec<&'static str>,
    fields: Vec<FieldRow>,
    segments: Vec<SegmentRow>,
}

async fn page(
    State(state): State<AppState>,
    v: Viewer,
    FormError(error): FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ManageCrm)?;
    let ctx = service::settings::context(&state, &v.auth).await?;
    let all = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    let segments = service::segments::list(&state, &v.auth, &all).await?.items;
    Ok(render(SettingsPage {
        t: v.t(),
        signed_in: true,
        error,
        types: FIELD_TYPES.to_vec(),
        fields: ctx
            .fields
            .into_iter()
            .map(|f| FieldRow {
                choices: serde_json::from_value::<Vec<String>>(f.choices)
                    .unwrap_or_default()
                    .join(", "),
                id: f.id,
                key: f.key,
                label: f.label,
                field_type: f.field_type,
            })
            .collect(),
        segments: segments
            .into_iter()
            .map(|s| SegmentRow {
                id: s.id,
                name: s.name,
                rules: serde_json::to_string_pretty(&s.rules).unwrap_or_default(),
            })
            .collect(),
    }))
}

/// Back to the page, with the problem code if the change failed.
fn back<T>(r: Result<T, ApiError>) -> Response {
    after_form("/customers/settings", r)
}

fn choices(s: &str) -> Vec<String> {
    s.split([',', '，', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Deserialize)]
struct FieldForm {
    #[serde(default)]
    key: String,
    label: String,
    field_type: String,
    #[serde(default)]
    choices: String,
}

async fn field_create(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<FieldForm>,
) -> Result<Response, ApiError> {
    let r = service::settings::create_field(
        &state,
        &v.auth,
        &f.key,
        &f.label,
        &f.field_type,
        choices(&f.choices),
    )
    .await;
    Ok(back(r))
}

async fn field_update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<FieldForm>,
) -> Result<Response, ApiError> {
    let patch = FieldPatch {
        label: Some(f.label),
        field_type: Some(f.field_type),
        choices: Some(choices(&f.choices)),
    };
    Ok(back(
        service::settings::update_field(&state, &v.auth, &id, patch).await,
    ))
}

async fn field_delete(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(back(
        service::settings::delete_field(&state, &v.auth, &id).await,
    ))
}

#[derive(Deserialize)]
struct SegmentForm {
    name: String,
    rules: String,
}

fn rules(s: &str) -> Result<Vec<Rule>, ApiError> {
    serde_json::from_str(s).map_err(|_| {
        ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "rules".into(),
            reason: kefu_model::error::FieldProblem::Format,
        })
    })
}

async fn segment_create(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<SegmentForm>,
) -> Result<Response, ApiError> {
    let r = match rules(&f.rules) {
        Ok(rules) => service::segments::create(&state, &v.auth, &f.name, rules)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    Ok(back(r))
}

async fn segment_update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<SegmentForm>,
) -> Result<Response, ApiError> {
    let r = match rules(&f.rules) {
        Ok(rules) => service::segments::update(&state, &v.auth, &id, Some(f.name), Some(rules))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    Ok(back(r))
}

async fn segment_delete(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(back(service::segments::delete(&state, &v.auth, &id).await))
}
