//! The skills page (`/tickets/skills`): every person who can handle tickets with their
//! departments, skills and open load; supervisors and admins edit a person's skills as
//! `name:level` pairs (e.g. `热水器:5, complaint:3`), saved through the tickets' service like
//! the API's.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{FormError, PageError, Tr, Viewer, after_form, render};
use crate::tickets::service::views::{self as service, Skill};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use kefu_model::Action;
use serde::Deserialize;

pub struct Row {
    id: String,
    name: String,
    teams: String,
    skills: String,
    open: u64,
}

#[derive(Template)]
#[template(path = "tickets/skills.html")]
pub struct SkillsPage {
    t: Tr,
    signed_in: bool,
    rows: Vec<Row>,
    can_edit: bool,
    error: Option<PageError>,
}

pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    FormError(error): FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ReadUsers)?;
    let (people, _) = state.store.handler_candidates(v.scope()).await?;
    let mut rows: Vec<Row> = people
        .into_iter()
        .map(|c| Row {
            skills: c
                .skills
                .iter()
                .map(|(s, l)| format!("{s}:{l}"))
                .collect::<Vec<_>>()
                .join(", "),
            id: c.user_id,
            name: c.name,
            teams: c.teams.join(", "),
            open: c.open_tickets,
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(render(SkillsPage {
        t: v.t(),
        signed_in: true,
        rows,
        can_edit: v.auth.0.role.allows(Action::ManageTeams),
        error,
    }))
}

#[derive(Deserialize)]
pub struct SkillsForm {
    user_id: String,
    #[serde(default)]
    skills: String,
}

/// Parses `name:level, name:level` (level 1–5); a missing level is a format error.
fn parse(text: &str) -> Result<Vec<Skill>, ApiError> {
    let bad = || {
        ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "skills".into(),
            reason: kefu_model::error::FieldProblem::Format,
        })
    };
    text.split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (name, level) = s.rsplit_once([':', '：']).ok_or_else(bad)?;
            let level: i32 = level.trim().parse().map_err(|_| bad())?;
            Ok(Skill {
                skill: name.trim().to_owned(),
                level,
            })
        })
        .collect()
}

pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    Form(f): Form<SkillsForm>,
) -> Result<Response, ApiError> {
    let r = match parse(&f.skills) {
        Ok(skills) => service::set_skills(&state, &v.auth, &f.user_id, skills).await,
        Err(e) => Err(e),
    };
    Ok(after_form("/tickets/skills", r))
}
