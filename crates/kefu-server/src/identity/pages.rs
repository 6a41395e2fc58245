//! Identity pages: sign in (through the identity service, like the API's login), sign out,
//! the language switch.

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::identity::service::{self, LoginIn, SESSION_DAYS};
use crate::pages::{LANG_COOKIE, Tr, page_lang, render};
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tickets") }))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", get(logout))
        .route("/lang/{code}", get(switch_lang))
}

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    t: Tr,
    signed_in: bool,
    failed: bool,
    workspace: String,
}

async fn login_page(parts: Parts) -> Response {
    render(LoginPage {
        t: Tr(page_lang(&parts)),
        signed_in: false,
        failed: false,
        workspace: String::new(),
    })
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginIn>,
) -> Response {
    let lang = Lang::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    match service::login(&state, Some(client), &form).await {
        Ok(tok) => {
            let max_age = SESSION_DAYS * 24 * 3600;
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
                tok.token
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to("/tickets")).into_response()
        }
        Err(ApiError::InvalidCredentials | ApiError::TooManyAttempts { .. }) => render(LoginPage {
            t: Tr(lang),
            signed_in: false,
            failed: true,
            workspace: form.workspace,
        }),
        Err(e) => e.into_response(),
    }
}

async fn logout() -> Response {
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

async fn switch_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::En);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}
