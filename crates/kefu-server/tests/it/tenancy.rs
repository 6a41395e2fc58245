//! Isolation: with two workspaces, every endpoint called with one workspace's token and the
//! other's ids answers 404 (or an empty list), and nothing of the other workspace changes.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(workspaces_never_see_each_other);

async fn workspaces_never_see_each_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
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

    // Beta's records are untouched.
    let (_, t) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{b_ticket}"),
            bt,
            None,
        )
        .await;
    assert_eq!(t["subject"], "B");
    assert_eq!(t["state"], "new");
    let (_, c) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{b_cust}"),
            bt,
            None,
        )
        .await;
    assert_eq!(c["name"], "B customer");
    let (_, u) = app
        .call(Method::GET, &format!("/api/v1/users/{b_user}"), bt, None)
        .await;
    assert_eq!(u["active"], true);
    app.stop().await;
}
