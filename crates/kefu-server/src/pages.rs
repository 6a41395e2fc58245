//! Shared page plumbing of the server-rendered UI: the signed-in [`Viewer`], translations for
//! templates ([`Tr`]), the page language and [`render`]. Domain pages live in each domain's
//! `pages` module; templates are compiled (askama) and every string comes from the Fluent files.

use crate::AppState;
use crate::auth::{Auth, SESSION_COOKIE, cookie, token_hash};
use crate::error::ApiError;
use crate::i18n::{Lang, tr};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use kefu_store::WorkspaceScope;

pub(crate) const LANG_COOKIE: &str = "kefu_lang";

/// Translations for a template.
pub struct Tr(pub(crate) Lang);

impl Tr {
    pub fn get(&self, id: &str) -> String {
        tr(self.0, id, None)
    }
    /// The label of an enumerated value, e.g. `label("state", "open")`.
    pub fn label(&self, kind: &str, value: &str) -> String {
        tr(self.0, &format!("{kind}-{value}"), None)
    }
    pub fn lang_code(&self) -> &'static str {
        self.0.code()
    }
    pub fn other_lang_code(&self) -> &'static str {
        match self.0 {
            Lang::En => "zh-CN",
            Lang::ZhCn => "en",
        }
    }
}

/// The page language: the `kefu_lang` cookie, else `Accept-Language`.
pub(crate) fn page_lang(parts: &Parts) -> Lang {
    cookie(parts, LANG_COOKIE)
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_else(|| {
            Lang::negotiate(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

/// A signed-in page request; anything else is sent to the login page.
pub struct Viewer {
    pub(crate) auth: Auth,
    pub(crate) lang: Lang,
    pub(crate) tz: chrono_tz::Tz,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = page_lang(parts);
        let to_login = || Redirect::to("/login").into_response();
        let token = cookie(parts, SESSION_COOKIE).ok_or_else(to_login)?;
        let principal = state
            .store
            .authenticate(&token_hash(&token), state.store.now())
            .await
            .map_err(|e| ApiError::from(e).into_response())?
            .ok_or_else(to_login)?;
        let tz = state
            .store
            .workspace(&principal.scope)
            .await
            .ok()
            .and_then(|w| w.time_zone.parse().ok())
            .unwrap_or(chrono_tz::Asia::Shanghai);
        Ok(Viewer {
            auth: Auth(principal),
            lang,
            tz,
        })
    }
}

impl Viewer {
    pub(crate) fn t(&self) -> Tr {
        Tr(self.lang)
    }
    pub(crate) fn scope(&self) -> &WorkspaceScope {
        &self.auth.0.scope
    }
    pub(crate) fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

/// `Some(s)` unless `s` is empty.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}
