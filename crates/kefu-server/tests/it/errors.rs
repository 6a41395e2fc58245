//! Bad input: always a 4xx problem (never a 500), localized, and nothing half-written. Pages
//! go through the same mapping: a refused form shows the translated message, a page that
//! fails is an HTML page, and a 5xx behind a form is logged (with its cause) and shown as
//! the internal-error message.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};

both!(
    bad_input_is_a_problem_and_writes_nothing,
    page_errors_are_translated,
    page_5xx_is_logged_and_shown
);

async fn bad_input_is_a_problem_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let count = |app: &TestApp, t: String| {
        let app_base = app.base.clone();
        let client = app.client.clone();
        async move {
            let v: serde_json::Value = client
                .get(format!("{app_base}/api/v1/tickets?limit=500"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["items"].as_array().unwrap().len()
        }
    };
    let ghost = "01a206aa-abd2-7449-9cc9-64f5f1743e33";
    let long = "长".repeat(501);
    let too_long = format!("{{\"type\":\"inquiry\",\"subject\":\"{long}\"}}");
    let ghost_ref =
        format!("{{\"type\":\"inquiry\",\"subject\":\"x\",\"customer_id\":\"{ghost}\"}}");
    let cases: Vec<(&str, &str, u16, &str)> = vec![
        (
            "application/json",
            "{\"type\": \"inquiry\", ",
            400,
            "invalid_json",
        ),
        ("application/json", "\"text\"", 422, "invalid_body"),
        (
            "text/plain",
            "{\"type\":\"inquiry\",\"subject\":\"x\"}",
            415,
            "unsupported_media_type",
        ),
        (
            "application/json",
            "{\"type\":\"inquiry\",\"subject\":\"x\",\"colour\":\"red\"}",
            422,
            "invalid_body",
        ),
        (
            "application/json",
            "{\"type\":\"inquiry\",\"subject\":42}",
            422,
            "invalid_body",
        ),
        (
            "application/json",
            "{\"type\":\"inquiry\",\"subject\":\"x\",\"priority\":\"asap\"}",
            422,
            "invalid_body",
        ),
        (
            "application/json",
            "{\"type\":\"inquiry\",\"subject\":\"   \"}",
            422,
            "invalid_field",
        ),
        ("application/json", &too_long, 422, "invalid_field"),
        (
            "application/json",
            "{\"type\":\"inquiry\",\"subject\":\"x\",\"customer_id\":\"nope\"}",
            422,
            "invalid_field",
        ),
        ("application/json", &ghost_ref, 422, "unknown_reference"),
    ];
    for (ctype, body, status, code) in cases {
        let (s, ct, p) = app
            .raw(Method::POST, "/api/v1/tickets", &t, ctype, body)
            .await;
        assert_eq!(s.as_u16(), status, "{body}: {p}");
        assert_eq!(ct, "application/problem+json", "{body}");
        assert_eq!(p["code"], code, "{body}: {p}");
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert_eq!(
        count(&app, t.clone()).await,
        0,
        "no rejected request wrote anything"
    );

    // The server answers 413 before reading the whole body and closes that connection, so
    // send it on a connection of its own.
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/customers", app.base))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("request sent");
    let s = resp.status();
    let p: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(p["code"], "payload_too_large");

    let (s, _, p) = app
        .call_full(
            Method::GET,
            "/api/v1/tickets/not-an-id",
            Some(&t),
            None,
            Some("zh-CN,zh;q=0.9"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(p["code"], "not_found");
    assert_eq!(p["title"], "未找到");
    let (s, p) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{ghost}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(p["title"], "Not found");
    let (s, p) = app
        .call(Method::GET, "/api/v1/tickets?limit=ten", Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "invalid_query");
    let (s, p) = app
        .call(Method::GET, "/api/v1/tickets?cursor=forged", Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "invalid_cursor");
    let (s, p) = app
        .call(Method::GET, "/api/v1/no-such-thing", Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(p["code"], "not_found");

    let (_, _, p) = app
        .call_full(
            Method::POST,
            "/api/v1/tickets",
            Some(&t),
            Some(json!({"type": "inquiry", "subject": ""})),
            Some("zh-CN"),
        )
        .await;
    assert_eq!(p["detail"], "字段“subject”不能为空。");
    app.stop().await;
}

/// A client that keeps the signed-in session and does not follow redirects.
fn browser_like() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs a page as the session `token` in `lang`; the status, content type and HTML.
async fn page(app: &TestApp, token: &str, path: &str, lang: &str) -> (StatusCode, String, String) {
    let resp = browser_like()
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("kefu_session={token}; kefu_lang={lang}"))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, ct, resp.text().await.unwrap())
}

/// POSTs a form as the session `token`; the status and where it redirects.
async fn submit(
    app: &TestApp,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let resp = browser_like()
        .post(format!("{}{path}", app.base))
        .header("cookie", format!("kefu_session={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    let to = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (resp.status(), to)
}

async fn page_errors_are_translated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let (agent, _) = app.user(&t, "acme", "agent").await;

    // A refused form: back to its page with the problem, shown translated in both languages.
    let (s, to) = submit(
        &app,
        &t,
        "/tickets/skills",
        &[("user_id", &agent), ("skills", "english")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        to.starts_with("/tickets/skills?error=invalid_field"),
        "{to}"
    );
    let (s, _, html) = page(&app, &t, &to, "en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("has an invalid format."), "{html}");
    assert!(html.contains("skills"), "{html}");
    assert!(html.contains("(invalid_field)"), "{html}");
    let (_, _, html) = page(&app, &t, &to, "zh-CN").await;
    assert!(html.contains("格式无效。"), "{html}");

    // A refused transition: the rule, with the states, on the ticket page.
    let (s, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&t),
            Some(json!({"type": "inquiry", "subject": "页面错误"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ticket}");
    let id = ticket["id"].as_str().unwrap();
    let (s, to) = submit(
        &app,
        &t,
        &format!("/tickets/{id}/transition"),
        &[("to", "closed"), ("reason", "")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(to.contains("error=invalid_transition"), "{to}");
    let (_, _, html) = page(&app, &t, &to, "zh-CN").await;
    assert!(html.contains("工单不能从“new”变为“closed”。"), "{html}");
    let (_, _, html) = page(&app, &t, &to, "en").await;
    assert!(html.contains("A ticket cannot go from"), "{html}");

    // A code that is not a problem's shows nothing; a page that fails is an HTML page.
    let (_, _, html) = page(&app, &t, &format!("/tickets/{id}?error=<b>"), "en").await;
    assert!(!html.contains("ticket-error"), "{html}");
    let ghost = "01a206aa-abd2-7449-9cc9-64f5f1743e33";
    let (s, ct, html) = page(&app, &t, &format!("/tickets/{ghost}"), "zh-CN").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(html.contains("未找到"), "{html}");
    let (_, agent_token) = app.user(&t, "acme", "agent").await;
    let (s, _, html) = page(&app, &agent_token, "/tickets/automations", "en").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Your role (agent) may not do this."),
        "{html}"
    );
    app.stop().await;
}

/// Every error event logged while the tests run (the subscriber of this test binary).
fn logged() -> Arc<Mutex<Vec<String>>> {
    use tracing_subscriber::layer::SubscriberExt;
    static LOGS: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(vec![]));
        let subscriber = tracing_subscriber::registry().with(Capture(logs.clone()));
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        logs
    })
    .clone()
}

/// A layer that keeps each error event as `message field=value …`.
struct Capture(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={v:?}", f.name()));
            }
        }
        if *event.metadata().level() != tracing::Level::ERROR {
            return;
        }
        let mut fields = Fields(event.metadata().target().to_owned());
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
}

async fn page_5xx_is_logged_and_shown(backend: Backend) {
    let logs = logged();
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    // The database fails under the segment form: its table is gone for a moment.
    let missing = match backend {
        Backend::Sqlite => "no such table: segments",
        Backend::Postgres => "relation \"segments\" does not exist",
    };
    let count = || {
        logs.lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(missing))
            .count()
    };
    let before = count();
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("ALTER TABLE segments RENAME TO segments_away")
        .await
        .unwrap();
    let (s, to) = submit(
        &app,
        &t,
        "/customers/settings/segments",
        &[("name", "老客户"), ("rules", "[]")],
    )
    .await;
    db.execute_unprepared("ALTER TABLE segments_away RENAME TO segments")
        .await
        .unwrap();
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(to, "/customers/settings?error=internal");
    let lines: Vec<String> = logs
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(missing))
        .cloned()
        .collect();
    assert_eq!(count() - before, 1, "logged once: {lines:?}");
    let line = lines.last().unwrap();
    assert!(line.contains("request failed"), "{line}");
    assert!(line.contains("status=500"), "{line}");
    assert!(line.contains("database error"), "{line}");

    // The page shows the internal-error message, translated.
    let (s, _, html) = page(&app, &t, &to, "en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Something went wrong on our side; it has been logged."),
        "{html}"
    );
    let (_, _, html) = page(&app, &t, &to, "zh-CN").await;
    assert!(html.contains("crm-error"), "{html}");
    assert!(html.contains("服务器内部出错，已记录日志。"), "{html}");
    db.close().await.ok();
    app.stop().await;
}
