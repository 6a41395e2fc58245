//! A customer's timeline paged by keyset: every entry exactly once, newest first, also when
//! many entries share a timestamp, and the same pages whether read in small or large steps;
//! the customer page links the older entries (Chromium).

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

both!(
    crm_timeline_pages_by_keyset,
    crm_customer_page_pages_its_timeline
);

async fn read_all(app: &TestApp, t: &str, id: &str, limit: u64) -> Vec<(String, String, String)> {
    let mut out = vec![];
    let mut cursor = String::new();
    loop {
        let (s, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{id}/timeline?limit={limit}{cursor}"),
                Some(t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() as u64 <= limit);
        for i in items {
            out.push((
                i["at"].as_str().unwrap().to_owned(),
                i["kind"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    out
}

async fn crm_timeline_pages_by_keyset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    let (_, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "王小明"})),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    // 25 interactions offered at the very same instant, one long ago.
    for i in 0..26 {
        let at = if i == 25 {
            "2020-01-01T08:00:00Z"
        } else {
            "2026-01-05T08:00:00Z"
        };
        let (s, r) = app
            .call(
                Method::POST,
                "/api/v1/interactions",
                tk,
                Some(
                    json!({"channel": "voice", "direction": "inbound", "customer_id": id,
                    "offered_at": at}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    for i in 0..3 {
        let (s, tkt) = app
            .call(
                Method::POST,
                "/api/v1/tickets",
                tk,
                Some(json!({"type": "after_sales", "subject": format!("报修{i}"), "customer_id": id})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{tkt}");
        let tid = tkt["id"].as_str().unwrap();
        let (s, r) = app
            .call(
                Method::POST,
                &format!("/api/v1/tickets/{tid}/transitions"),
                tk,
                Some(json!({"to": "open"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        app.call(
            Method::POST,
            &format!("/api/v1/customers/{id}/notes"),
            tk,
            Some(json!({"body": format!("note {i}")})),
        )
        .await;
    }
    // Another customer's history stays out.
    let (_, other) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "李四"})),
        )
        .await;
    let (_, ot) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            tk,
            Some(json!({"type": "after_sales", "subject": "别人的", "customer_id": other["id"]})),
        )
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/tickets/{}/transitions", ot["id"].as_str().unwrap()),
        tk,
        Some(json!({"to": "open"})),
    )
    .await;

    let whole = read_all(&app, &t, &id, 200).await;
    // 26 interactions + 3 tickets + their 3 transitions + 3 notes.
    assert_eq!(whole.len(), 35, "{whole:?}");
    let count = |k: &str| whole.iter().filter(|e| e.1 == k).count();
    assert_eq!(
        (
            count("interaction"),
            count("ticket"),
            count("ticket_transition"),
            count("note")
        ),
        (26, 3, 3, 3)
    );
    let ats: Vec<chrono::DateTime<chrono::Utc>> =
        whole.iter().map(|e| e.0.parse().unwrap()).collect();
    assert!(
        ats.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {whole:?}"
    );
    assert_eq!(
        whole.last().unwrap().1,
        "interaction",
        "the old call is last"
    );
    for limit in [1, 4, 7] {
        assert_eq!(read_all(&app, &t, &id, limit).await, whole, "limit {limit}");
    }

    for bad in ["abc", "dDF8MjAyNi0wMS0wMVQwMDowMDowMFp8OXx4"] {
        let (s, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{id}/timeline?cursor={bad}"),
                tk,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(p["code"], "invalid_cursor");
    }
    app.stop().await;
}

async fn crm_customer_page_pages_its_timeline(backend: Backend) {
    use crate::ui::{browser, click, fill, shows, text};
    use fantoccini::Locator;
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let (_, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&t),
            Some(json!({"name": "王小明"})),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    for i in 0..55 {
        let (s, r) = app
            .call(
                Method::POST,
                &format!("/api/v1/customers/{id}/notes"),
                Some(&t),
                Some(json!({"body": format!("回访记录{i:02}")})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let b = browser().await;
    let base = &app.base;
    b.goto(&format!("{base}/login")).await.unwrap();
    fill(&b, "workspace", "acme").await;
    fill(&b, "email", "admin@acme.test").await;
    fill(&b, "password", "password-123").await;
    click(&b, "login-submit").await;
    text(&b, "#views").await;
    b.goto(&format!("{base}/customers/{id}")).await.unwrap();
    let first = shows(&b, "#timeline", "回访记录54").await;
    assert!(
        first.contains("回访记录05") && !first.contains("回访记录04"),
        "{first}"
    );
    click(&b, "timeline-older").await;
    let older = shows(&b, "#timeline", "回访记录00").await;
    assert!(
        older.contains("回访记录04") && !older.contains("回访记录05"),
        "{older}"
    );
    assert!(b.find(Locator::Id("timeline-older")).await.is_err());
    b.close().await.unwrap();
    app.stop().await;
}
