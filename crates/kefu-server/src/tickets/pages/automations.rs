//! The macro and trigger admin page (`/tickets/automations`): every macro and trigger with
//! its definition; a new one is written as the API's JSON (`MacroIn` / `TriggerIn`) and goes
//! through the tickets' service like the API's (clear errors, nothing saved); delete. Needs
//! `Action::ManageAutomations`.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{FormError, Tr, Viewer, after_form, render};
use crate::tickets::service::automations::{self as service, Definition, Kind};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use kefu_model::Action;
use serde::Deserialize;

pub struct Row {
    id: String,
    kind: String,
    name: String,
    position: i32,
    active: bool,
    definition: String,
}

#[derive(Template)]
#[template(path = "tickets/automations.html")]
pub struct AutomationsPage {
    t: Tr,
    signed_in: bool,
    rows: Vec<Row>,
    error: Option<String>,
    draft: String,
}

pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    FormError(error): FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ManageAutomations)?;
    let mut rows = vec![];
    for kind in [Kind::Macro, Kind::Trigger] {
        for m in service::list(&state, &v.auth, kind).await? {
            rows.push(Row {
                id: m.id,
                kind: kind.as_str().to_owned(),
                name: m.name,
                position: m.position,
                active: m.active,
                definition: m.definition.to_string(),
            });
        }
    }
    Ok(render(AutomationsPage {
        t: v.t(),
        signed_in: true,
        rows,
        error: error.map(|e| e.message),
        draft: String::new(),
    }))
}

#[derive(Deserialize)]
pub struct AutomationForm {
    /// `create` or `delete`.
    op: String,
    /// `macro` or `trigger`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    json: String,
    #[serde(default)]
    id: String,
}

pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<AutomationForm>,
) -> Result<Response, ApiError> {
    let r: Result<(), ApiError> = async {
        let kind = match f.kind.as_str() {
            "macro" => Kind::Macro,
            "trigger" => Kind::Trigger,
            other => return Err(ApiError::InvalidBody(format!("unknown kind `{other}`"))),
        };
        let body = |e: serde_json::Error| ApiError::InvalidBody(e.to_string());
        match f.op.as_str() {
            "delete" => service::delete(&state, &v.auth, kind, &f.id).await?,
            "create" => {
                let d = match kind {
                    Kind::Macro => Definition::Macro(serde_json::from_str(&f.json).map_err(body)?),
                    Kind::Trigger => {
                        Definition::Trigger(serde_json::from_str(&f.json).map_err(body)?)
                    }
                };
                service::create(&state, &v.auth, d).await?;
            }
            other => return Err(ApiError::InvalidBody(format!("unknown op `{other}`"))),
        }
        Ok(())
    }
    .await;
    // A refused definition comes back with its reason (e.g. the JSON error with its line
    // and column).
    Ok(after_form("/tickets/automations", r))
}
