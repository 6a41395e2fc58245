//! Isolation: with two workspaces, every endpoint called with one workspace's token and the
//! other's ids answers 404 (or an empty list), and nothing of the other workspace changes:
//! every record it tried to change reads the same afterwards, field for field.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(workspaces_never_see_each_other);

async fn workspaces_never_see_each_other(backend: Backend) {
    // A clock that stands still: a record reads the same twice unless it was changed.
    let clock = kefu_server::kefu_model::ManualClock::new("2026-03-01T09:00:00Z".parse().unwrap());
    let app = TestApp::spawn_with_clock(backend, std::sync::Arc::new(clock)).await;
    let a = app.workspace("alpha").await;
    let b = app.workspace("beta").await;
    let bt = Some(b.as_str());
    let (b_user, _) = app.user(&b, "beta", "agent").await;
    let (_, b_team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            bt,
            Some(json!({"name": "B team"})),
        )
        .await;
    let (_, b_cust) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            bt,
            Some(json!({"name": "B customer", "tags": ["b"]})),
        )
        .await;
    let (_, b_ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            bt,
            Some(json!({"type": "complaint", "subject": "B", "customer_id": b_cust["id"]})),
        )
        .await;
    let (_, b_inter) = app
        .call(
            Method::POST,
            "/api/v1/interactions",
            bt,
            Some(json!({"channel": "chat", "direction": "inbound", "customer_id": b_cust["id"]})),
        )
        .await;
    let (_, b_token) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            bt,
            Some(json!({"name": "B token"})),
        )
        .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let (b_team, b_cust, b_ticket, b_inter, b_token) = (
        id(&b_team),
        id(&b_cust),
        id(&b_ticket),
        id(&b_inter),
        id(&b_token),
    );

    // Each of beta's records that alpha tries to change below, as beta reads it.
    let records = || {
        let paths = [
            format!("/api/v1/customers/{b_cust}"),
            format!("/api/v1/tickets/{b_ticket}"),
            format!("/api/v1/tickets/{b_ticket}/transitions"),
            format!("/api/v1/interactions/{b_inter}"),
            format!("/api/v1/users/{b_user}"),
            format!("/api/v1/teams/{b_team}"),
        ];
        let (app, b_token) = (&app, &b_token);
        async move {
            let mut out = vec![];
            for path in paths {
                let (s, v) = app.call(Method::GET, &path, bt, None).await;
                assert_eq!(s, StatusCode::OK, "{path}: {v}");
                out.push((path, v));
            }
            // Tokens are read from their list.
            let (s, v) = app.call(Method::GET, "/api/v1/tokens", bt, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let token = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == json!(b_token))
                .cloned();
            out.push((
                format!("/api/v1/tokens/{b_token}"),
                token.expect("beta's token"),
            ));
            out
        }
    };
    let before = records().await;
    assert_eq!(before[0].1["name"], "B customer");
    assert_eq!(
        (&before[1].1["subject"], &before[1].1["state"]),
        (&json!("B"), &json!("new"))
    );
    assert_eq!(before[4].1["active"], true);

    let at = Some(a.as_str());
    let not_found: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/customers/{b_cust}"), None),
        (
            Method::PATCH,
            format!("/api/v1/customers/{b_cust}"),
            Some(json!({"name": "taken"})),
        ),
        (Method::DELETE, format!("/api/v1/customers/{b_cust}"), None),
        (Method::GET, format!("/api/v1/tickets/{b_ticket}"), None),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{b_ticket}"),
            Some(json!({"subject": "taken"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{b_ticket}/transitions"),
            Some(json!({"to": "open"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{b_ticket}/transitions"),
            None,
        ),
        (Method::DELETE, format!("/api/v1/tickets/{b_ticket}"), None),
        (Method::GET, format!("/api/v1/interactions/{b_inter}"), None),
        (
            Method::PATCH,
            format!("/api/v1/interactions/{b_inter}"),
            Some(json!({"queue": "x"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/interactions/{b_inter}"),
            None,
        ),
        (Method::GET, format!("/api/v1/users/{b_user}"), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{b_user}"),
            Some(json!({"name": "taken"})),
        ),
        (Method::DELETE, format!("/api/v1/users/{b_user}"), None),
        (Method::GET, format!("/api/v1/teams/{b_team}"), None),
        (
            Method::PATCH,
            format!("/api/v1/teams/{b_team}"),
            Some(json!({"name": "taken"})),
        ),
        (Method::DELETE, format!("/api/v1/teams/{b_team}"), None),
        (Method::DELETE, format!("/api/v1/tokens/{b_token}"), None),
    ];
    for (m, path, body) in not_found {
        let (s, p) = app.call(m.clone(), &path, at, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}: {p}");
        assert_eq!(p["code"], "not_found");
    }
    let empty = [
        "/api/v1/customers".to_string(),
        "/api/v1/customers?tag=b".into(),
        "/api/v1/tickets".into(),
        format!("/api/v1/tickets?customer_id={b_cust}"),
        "/api/v1/interactions".into(),
        format!("/api/v1/interactions?customer_id={b_cust}"),
        "/api/v1/teams".into(),
        "/api/v1/tokens".into(),
        format!("/api/v1/audit?entity_id={b_ticket}"),
        format!("/api/v1/audit?actor_id={b_user}"),
    ];
    for path in empty {
        let (s, v) = app.call(Method::GET, &path, at, None).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert_eq!(v["items"].as_array().unwrap().len(), 0, "{path}: {v}");
    }
    let (_, users) = app.call(Method::GET, "/api/v1/users", at, None).await;
    assert_eq!(
        users["items"].as_array().unwrap().len(),
        1,
        "only alpha's admin"
    );

    // Another workspace's ids cannot be referenced either.
    let refs = [
        (
            "/api/v1/tickets",
            json!({"type": "inquiry", "subject": "x", "customer_id": b_cust}),
            "customer_id",
        ),
        (
            "/api/v1/tickets",
            json!({"type": "inquiry", "subject": "x", "assignee_id": b_user}),
            "assignee_id",
        ),
        (
            "/api/v1/tickets",
            json!({"type": "inquiry", "subject": "x", "group_id": b_team}),
            "group_id",
        ),
        (
            "/api/v1/interactions",
            json!({"channel": "sms", "direction": "outbound", "ticket_id": b_ticket}),
            "ticket_id",
        ),
        (
            "/api/v1/teams",
            json!({"name": "x", "member_ids": [b_user]}),
            "member_ids",
        ),
        (
            "/api/v1/tokens",
            json!({"name": "x", "user_id": b_user}),
            "user_id",
        ),
    ];
    for (path, body, field) in refs {
        let (s, p) = app.call(Method::POST, path, at, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path} {field}: {p}");
        assert_eq!(p["code"], "unknown_reference");
        assert_eq!(p["field"], field);
    }

    // Beta's records are untouched: each reads exactly as before.
    let after = records().await;
    assert_eq!(after.len(), before.len());
    for ((path, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(is, was, "{path} changed");
    }
    app.stop().await;
}
