//! Errors and their one mapping to HTTP: RFC 9457 `application/problem+json` with a stable
//! snake_case `code`. API and page handlers return [`ApiError`]; [`ApiError::into_problem`] is
//! the one place an error becomes a [`Problem`] and where every 5xx is logged, with its source
//! chain. The API's response carries the problem, which the `localize` middleware renders in the
//! request's language; pages show [`message`] (see `pages`).

use crate::i18n::{Lang, has_message, tr};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentArgs;
use kefu_model::ModelError;
use kefu_store::StoreError;

/// Everything an API call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_s: u64 },
    #[error("forbidden")]
    Forbidden { role: String },
    #[error("invalid json: {0}")]
    InvalidJson(String),
    #[error("invalid body: {0}")]
    InvalidBody(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Wfm(#[from] kefu_wfm::WfmError),
    /// Something failed on our side: what we were doing, and why (logged, never shown).
    #[error("{context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An import with invalid rows (the JSON list of row errors); nothing was imported.
    #[error("import has invalid rows")]
    ImportInvalid(String),
}

/// A rendered-later problem: status, code and the arguments of its messages.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An internal error: `context` says what failed, `source` why (a message or an error).
    pub fn internal(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ApiError {
        ApiError::Internal {
            context,
            source: source.into(),
        }
    }

    /// The problem this error answers with. A 5xx is logged here, once, with the error's
    /// source chain: every way an error leaves a request (API response, page, form redirect,
    /// one item of a bulk change) goes through this.
    pub fn into_problem(self) -> Problem {
        let problem = self.table();
        if problem.status.is_server_error() {
            tracing::error!(
                status = problem.status.as_u16(),
                code = problem.code,
                error = %chain(&self),
                "request failed"
            );
        }
        problem
    }

    /// The one table from errors to status codes and stable codes.
    fn table(&self) -> Problem {
        use StatusCode as S;
        let p = |status, code, args: Vec<(&'static str, String)>| Problem { status, code, args };
        match self {
            ApiError::NotFound => p(S::NOT_FOUND, "not_found", vec![]),
            ApiError::Unauthorized => p(S::UNAUTHORIZED, "unauthorized", vec![]),
            ApiError::InvalidCredentials => p(S::UNAUTHORIZED, "invalid_credentials", vec![]),
            ApiError::TooManyAttempts { retry_after_s } => p(
                S::TOO_MANY_REQUESTS,
                "too_many_attempts",
                vec![("seconds", retry_after_s.to_string())],
            ),
            ApiError::Forbidden { role } => {
                p(S::FORBIDDEN, "forbidden", vec![("role", role.clone())])
            }
            ApiError::InvalidJson(r) => {
                p(S::BAD_REQUEST, "invalid_json", vec![("reason", r.clone())])
            }
            ApiError::InvalidBody(r) => p(
                S::UNPROCESSABLE_ENTITY,
                "invalid_body",
                vec![("reason", r.clone())],
            ),
            ApiError::UnsupportedMediaType => {
                p(S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", vec![])
            }
            ApiError::InvalidQuery(r) => {
                p(S::BAD_REQUEST, "invalid_query", vec![("reason", r.clone())])
            }
            ApiError::PayloadTooLarge => p(S::PAYLOAD_TOO_LARGE, "payload_too_large", vec![]),
            ApiError::Model(m) | ApiError::Store(StoreError::Model(m)) => match m {
                ModelError::InvalidTransition { from, to } => p(
                    S::CONFLICT,
                    "invalid_transition",
                    vec![("from", from.clone()), ("to", to.clone())],
                ),
                ModelError::InvalidField { field, reason } => p(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid_field",
                    vec![
                        ("field", field.clone()),
                        ("problem", reason.code().to_owned()),
                    ],
                ),
                ModelError::UnknownValue { kind, value } => p(
                    S::UNPROCESSABLE_ENTITY,
                    "unknown_value",
                    vec![("kind", (*kind).to_owned()), ("value", value.clone())],
                ),
            },
            ApiError::Store(s) => match s {
                StoreError::NotFound => p(S::NOT_FOUND, "not_found", vec![]),
                StoreError::Conflict { code, .. } => {
                    p(S::CONFLICT, code, vec![("code", (*code).to_owned())])
                }
                StoreError::UnknownReference { field } => p(
                    S::UNPROCESSABLE_ENTITY,
                    "unknown_reference",
                    vec![("field", (*field).to_owned())],
                ),
                StoreError::BadCursor => p(S::BAD_REQUEST, "invalid_cursor", vec![]),
                StoreError::Model(_)
                | StoreError::Config(_)
                | StoreError::Corrupt { .. }
                | StoreError::Db(_) => p(S::INTERNAL_SERVER_ERROR, "internal", vec![]),
            },
            ApiError::Wfm(e) => p(
                S::UNPROCESSABLE_ENTITY,
                "invalid_input",
                vec![("reason", e.to_string())],
            ),
            ApiError::Internal { .. } => p(S::INTERNAL_SERVER_ERROR, "internal", vec![]),
            ApiError::ImportInvalid(errors) => p(
                S::UNPROCESSABLE_ENTITY,
                "import_invalid",
                vec![("errors", errors.clone())],
            ),
        }
    }
}

/// An error and its sources, `outer: inner: …` (a source already in the text is left out).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        next = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::TooManyAttempts { retry_after_s } => Some(*retry_after_s),
            _ => None,
        };
        let problem = self.into_problem();
        let mut resp = problem.status.into_response();
        if let Some(s) = retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(problem);
        resp
    }
}

impl Problem {
    /// The problem's arguments as Fluent arguments.
    fn fluent_args(&self) -> FluentArgs<'static> {
        let mut args = FluentArgs::new();
        for (k, v) in &self.args {
            args.set(*k, v.clone());
        }
        args
    }

    /// The problem's title in `lang` (conflicts have their own codes but share one title).
    pub fn title(&self, lang: Lang) -> String {
        tr(
            lang,
            &format!("problem-{}", self.message_id()),
            Some(&self.fluent_args()),
        )
    }

    /// The id of the problem's title and detail messages.
    fn message_id(&self) -> &'static str {
        if self.status == StatusCode::CONFLICT && self.code != "invalid_transition" {
            "conflict"
        } else {
            self.code
        }
    }

    /// What a page shows for this problem, in `lang` (see [`message`]).
    pub fn message(&self, lang: Lang) -> String {
        message(lang, self.code, &self.fluent_args())
    }
}

/// The message a page shows for problem `code` with `args`, in `lang`: the code's own message
/// (`problem-CODE`, e.g. a ticket rule) when it has one and no detail, else its detail
/// (`problem-CODE-detail`) with the arguments; a conflict without a message of its own is
/// the conflict detail naming its code.
pub fn message(lang: Lang, code: &str, args: &FluentArgs) -> String {
    let detail = format!("problem-{code}-detail");
    if has_message(&detail) {
        return tr(lang, &detail, Some(args));
    }
    let own = format!("problem-{code}");
    if has_message(&own) {
        return tr(lang, &own, Some(args));
    }
    let mut a = FluentArgs::new();
    a.set("code", code.to_owned());
    tr(lang, "problem-conflict-detail", Some(&a))
}

/// Renders a [`Problem`] as `application/problem+json` in `lang`.
pub fn render(problem: &Problem, lang: Lang) -> serde_json::Value {
    let args = problem.fluent_args();
    let msg = problem.message_id();
    let mut body = serde_json::json!({
        "type": format!("/problems/{}", problem.code),
        "title": problem.title(lang),
        "status": problem.status.as_u16(),
        "detail": tr(lang, &format!("problem-{msg}-detail"), Some(&args)),
        "code": problem.code,
    });
    for (k, v) in &problem.args {
        if matches!(*k, "field" | "from" | "to") {
            body[*k] = serde_json::Value::String(v.clone());
        }
        if *k == "errors" {
            body["errors"] = serde_json::from_str(v).unwrap_or_default();
        }
    }
    body
}

/// Middleware: turns responses that carry a [`Problem`] into localized problem documents.
pub async fn localize(req: Request, next: Next) -> Response {
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let resp = next.run(req).await;
    let Some(problem) = resp.extensions().get::<Problem>().cloned() else {
        return resp;
    };
    let (mut parts, _) = resp.into_parts();
    let body = render(&problem, lang);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_cause() {
        let io = std::io::Error::other("disk full");
        let e = ApiError::internal("spooling the import", io);
        assert_eq!(chain(&e), "spooling the import: disk full");
        let p = e.into_problem();
        assert_eq!(
            (p.status, p.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
    }

    #[test]
    fn pages_show_the_message_of_a_problem() {
        let args = |pairs: &[(&'static str, &str)]| {
            let mut a = FluentArgs::new();
            for (k, v) in pairs {
                a.set(*k, v.to_string());
            }
            a
        };
        // The detail, with its arguments.
        let m = message(
            Lang::En,
            "invalid_field",
            &args(&[("field", "skills"), ("problem", "format")]),
        );
        assert_eq!(m, "Field \"skills\" has an invalid format.");
        // A rule with a message of its own.
        let m = message(Lang::En, "follow_up_required", &args(&[]));
        assert!(m.contains("follow-up call"), "{m}");
        // A conflict without one: the conflict detail naming its code.
        let m = message(Lang::ZhCn, "custom_field_in_use", &args(&[]));
        assert!(m.contains("custom_field_in_use"), "{m}");
        let p = ApiError::Forbidden {
            role: "agent".into(),
        }
        .into_problem();
        assert_eq!(p.message(Lang::En), "Your role (agent) may not do this.");
        assert_eq!(
            p.title(Lang::ZhCn),
            tr(Lang::ZhCn, "problem-forbidden", None)
        );
    }
}
