//! The macro and trigger admin page (`/tickets/automations`): every macro and trigger with
//! its definition; a new one is written as the API's JSON (`MacroIn` / `TriggerIn`) and
//! validated the same way (clear errors, nothing saved); delete. Needs
//! `Action::ManageAutomations`.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{FormError, Tr, Viewer, after_form, render};
use crate::tickets::api::automations::{MacroIn, TriggerIn, macro_fields, trigger_fields};
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
    for kind in ["macro", "trigger"] {
        for m in state.store.list_automations(v.scope(), kind).await? {
            rows.push(Row {
                id: m.id,
                kind: kind.to_owned(),
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
    let p = v.auth.require(Action::ManageAutomations)?;
    let r: Result<(), ApiError> = async {
        match f.op.as_str() {
            "delete" => {
                let id = crate::http::path_id(&f.id)?;
                state
                    .store
                    .delete_automation(&p.scope, &p.actor(), &id)
                    .await?;
            }
            _ => {
                let fields = if f.kind == "trigger" {
                    let b: TriggerIn = serde_json::from_str(&f.json)
                        .map_err(|e| ApiError::InvalidBody(e.to_string()))?;
                    trigger_fields(b)?
                } else {
                    let b: MacroIn = serde_json::from_str(&f.json)
                        .map_err(|e| ApiError::InvalidBody(e.to_string()))?;
                    macro_fields(b)?
                };
                state
                    .store
                    .create_automation(&p.scope, &p.actor(), fields)
                    .await?;
            }
        }
        Ok(())
    }
    .await;
    // A refused definition comes back with its reason (e.g. the JSON error with its line
    // and column).
    Ok(after_form("/tickets/automations", r))
}
