//! Bad input: always a 4xx problem (never a 500), localized, and nothing half-written.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

both!(bad_input_is_a_problem_and_writes_nothing);

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
