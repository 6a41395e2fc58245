//! Shared page plumbing of the server-rendered UI: the signed-in [`Viewer`], translations for
//! templates ([`Tr`]), the page language, [`render`], and how errors reach the page: a form
//! that fails redirects back with its problem ([`form_failed`], read back by [`FormError`]);
//! any other page error becomes an HTML page ([`problem_page`]). Both take the error through
//! [`ApiError::into_problem`], the API's one mapping, where every 5xx is logged. Domain pages
//! live in each domain's `pages` module; templates are compiled (askama) and every string
//! comes from the Fluent files.

use crate::AppState;
use crate::auth::{Auth, SESSION_COOKIE, cookie, token_hash};
use crate::error::{ApiError, Problem};
use crate::i18n::{Lang, tr};
use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
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
        // Without the workspace's zone the page still shows, in Shanghai time; a failure to
        // read it is reported like any other.
        let tz = match state.store.workspace(&principal.scope).await {
            Ok(w) => w.time_zone.parse().ok(),
            Err(e) => {
                ApiError::from(e).into_problem();
                None
            }
        }
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
        Err(e) => ApiError::internal("rendering a page", e).into_response(),
    }
}

/// `Some(s)` unless `s` is empty.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A problem as a page shows it: the translated message and the stable code.
#[derive(Debug, Clone)]
pub struct PageError {
    pub code: String,
    pub message: String,
}

impl PageError {
    /// `error`'s problem in `lang` (a 5xx is logged on the way, see [`ApiError::into_problem`]).
    pub(crate) fn of(error: ApiError, lang: Lang) -> PageError {
        let problem = error.into_problem();
        PageError {
            message: problem.message(lang),
            code: problem.code.to_owned(),
        }
    }

    /// The message, followed by the code in parentheses unless the message already names it.
    pub fn with_code(&self) -> String {
        if self.message.contains(&self.code) {
            self.message.clone()
        } else {
            format!("{} ({})", self.message, self.code)
        }
    }
}

/// The query key of a failed form's problem code; its arguments follow as `error.NAME`.
const ERROR_KEY: &str = "error";

/// Back to `to` after a form that failed with `error`: its problem (code and arguments) rides
/// along in the query string for [`FormError`] to show.
pub(crate) fn form_failed(to: &str, error: ApiError) -> Response {
    let problem = error.into_problem();
    let mut q = vec![(ERROR_KEY.to_owned(), problem.code.to_owned())];
    q.extend(
        problem
            .args
            .into_iter()
            .filter(|(k, _)| *k != "errors")
            .map(|(k, v)| (format!("{ERROR_KEY}.{k}"), v)),
    );
    let sep = if to.contains('?') { '&' } else { '?' };
    let q = serde_urlencoded::to_string(&q).unwrap_or_default();
    Redirect::to(&format!("{to}{sep}{q}")).into_response()
}

/// Back to `to` after a form: plainly on success, with the problem otherwise.
pub(crate) fn after_form<T>(to: &str, r: Result<T, ApiError>) -> Response {
    match r {
        Ok(_) => Redirect::to(to).into_response(),
        Err(e) => form_failed(to, e),
    }
}

/// The problem a failed form brought back ([`form_failed`]), translated into the page
/// language; `None` without one.
pub struct FormError(pub Option<PageError>);

impl<S: Send + Sync> FromRequestParts<S> for FormError {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let pairs: Vec<(String, String)> = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let Some(code) = pairs
            .iter()
            .find(|(k, _)| k == ERROR_KEY)
            .map(|(_, v)| v.clone())
            .filter(|c| {
                !c.is_empty()
                    && c.len() <= 64
                    && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
        else {
            return Ok(FormError(None));
        };
        let mut args = fluent_bundle::FluentArgs::new();
        for (k, v) in pairs {
            if let Some(name) = k.strip_prefix("error.") {
                args.set(name.to_owned(), v);
            }
        }
        let message = crate::error::message(page_lang(parts), &code, &args);
        Ok(FormError(Some(PageError { code, message })))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    signed_in: bool,
    title: String,
    error: PageError,
}

/// Middleware of the page routes: a response carrying a [`Problem`] (a page or form handler
/// failed) becomes an HTML page with the problem's status, title and message in the page
/// language, instead of the API's problem document.
pub(crate) async fn problem_page(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = page_lang(&parts);
    let signed_in = cookie(&parts, SESSION_COOKIE).is_some();
    let resp = next.run(Request::from_parts(parts, body)).await;
    let Some(problem) = resp.extensions().get::<Problem>().cloned() else {
        return resp;
    };
    let mut page = render(ErrorPage {
        t: Tr(lang),
        signed_in,
        title: problem.title(lang),
        error: PageError {
            message: problem.message(lang),
            code: problem.code.to_owned(),
        },
    });
    *page.status_mut() = problem.status;
    if let Some(v) = resp.headers().get(header::RETRY_AFTER) {
        page.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    page
}
