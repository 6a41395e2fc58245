//! The agent desktop (`/desk`) and the wallboard (`/wallboard`): server-rendered shells whose
//! script drives the live REST contract (`/api/v1/live/...`) with the page's session, so the
//! desktop does exactly what a softphone or CRM plug-in can do. They survive a reload or a
//! server restart: the state lives in the engine, not the page.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Tr, Viewer, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use kefu_model::Action;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk", get(desk))
        .route("/wallboard", get(wallboard))
}

#[derive(Template)]
#[template(path = "live/desk.html")]
pub struct DeskPage {
    t: Tr,
    signed_in: bool,
}

#[derive(Template)]
#[template(path = "live/wallboard.html")]
pub struct WallboardPage {
    t: Tr,
    signed_in: bool,
}

/// The agent desktop.
pub async fn desk(State(_state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::TakeContacts)?;
    Ok(render(DeskPage {
        t: v.t(),
        signed_in: true,
    }))
}

/// The supervisors' wallboard.
pub async fn wallboard(State(_state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::SuperviseLive)?;
    Ok(render(WallboardPage {
        t: v.t(),
        signed_in: true,
    }))
}
