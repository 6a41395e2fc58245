//! Login, tokens, rate limiting and roles.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

both!(
    login_tokens_and_revocation,
    failed_logins_are_rate_limited,
    roles_are_enforced
);

async fn login_tokens_and_revocation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (s, p) = app.call(Method::GET, "/api/v1/tickets", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(p["code"], "unauthorized");
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some("kefu_forged"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, tok) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({"name": "CRM sync"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tok}");
    let secret = tok["token"].as_str().unwrap().to_owned();
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some(&secret), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app
        .call(Method::GET, "/api/v1/tokens", Some(&admin), None)
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "sessions are not listed: {list}");
    assert_eq!(items[0]["name"], "CRM sync");
    assert!(
        items[0].get("token").is_none(),
        "the secret is shown only once"
    );
    // Only the hash is stored.
    let (_, audit) = app
        .call(
            Method::GET,
            "/api/v1/audit?entity_type=api_token",
            Some(&admin),
            None,
        )
        .await;
    assert!(!audit.to_string().contains(&secret));

    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", tok["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some(&secret), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a revoked token stops working");

    // A deactivated user's session stops working.
    let (uid, user_token) = app.user(&admin, "acme", "agent").await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{uid}"),
        Some(&admin),
        Some(json!({"active": false})),
    )
    .await;
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some(&user_token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn failed_logins_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.workspace("acme").await;
    let bad =
        json!({"workspace": "acme", "email": "admin@acme.test", "password": "wrong-password"});
    for _ in 0..5 {
        let (s, p) = app
            .call(Method::POST, "/api/v1/auth/token", None, Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(p["code"], "invalid_credentials");
    }
    let resp = app
        .client
        .post(format!("{}/api/v1/auth/token", app.base))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    // Even the right password is refused while locked out.
    let good = json!({"workspace": "acme", "email": "admin@acme.test", "password": "password-123"});
    let (s, p) = app
        .call(Method::POST, "/api/v1/auth/token", None, Some(good))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(p["code"], "too_many_attempts");
    app.stop().await;
}

async fn roles_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (_, qa) = app.user(&admin, "acme", "qa").await;
    let (_, customer) = app.user(&admin, "acme", "customer").await;
    let new_user = json!({"email": "x@acme.test", "name": "x", "role": "admin"});
    let (s, p) = app
        .call(Method::POST, "/api/v1/users", Some(&agent), Some(new_user))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(p["code"], "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("agent"));
    let ticket = json!({"type": "inquiry", "subject": "x"});
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&qa),
            Some(ticket.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some(&qa), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(Method::GET, "/api/v1/tickets", Some(&customer), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, t) = app
        .call(Method::POST, "/api/v1/tickets", Some(&agent), Some(ticket))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap()),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            Some(&agent),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}
