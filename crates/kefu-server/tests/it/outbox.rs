//! The outbox: every change commits an event; consumers handle each exactly once in order and
//! resume from their stored position after a restart; the bus publishes committed events.

use crate::both;
use crate::common::{Backend, TestApp};
use kefu_server::bus::{Consumer, drain};
use kefu_server::kefu_store::Store;
use kefu_server::kefu_store::outbox::OutboxEvent;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Mutex;

both!(
    consumers_resume_after_restart,
    bus_publishes_committed_changes,
    openapi_health_and_metrics
);

struct Recorder {
    seen: Mutex<Vec<(i64, String)>>,
}

impl Consumer for Recorder {
    fn name(&self) -> &str {
        "test-recorder"
    }
    async fn handle(&self, e: &OutboxEvent) -> Result<(), String> {
        self.seen.lock().unwrap().push((e.seq, e.topic.clone()));
        Ok(())
    }
}

async fn consumers_resume_after_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tt = Some(t.as_str());
    let (_, tk) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            tt,
            Some(json!({"type": "inquiry", "subject": "x"})),
        )
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/tickets/{}/transitions", tk["id"].as_str().unwrap()),
        tt,
        Some(json!({"to": "open"})),
    )
    .await;

    let rec = Recorder {
        seen: Mutex::new(vec![]),
    };
    drain(&app.store, &rec).await.unwrap();
    let first: Vec<(i64, String)> = rec.seen.lock().unwrap().clone();
    let topics: Vec<&str> = first.iter().map(|(_, t)| t.as_str()).collect();
    // user.created (bootstrap), api_token.created (login session), ticket.created, ticket.transitioned
    assert_eq!(
        topics,
        [
            "user.created",
            "api_token.created",
            "ticket.created",
            "ticket.transitioned"
        ]
    );
    assert!(first.windows(2).all(|w| w[0].0 < w[1].0), "in commit order");

    // A second store on the same database stands for a restarted process.
    let url = app.database_url.clone();
    app.call(
        Method::POST,
        "/api/v1/customers",
        tt,
        Some(json!({"name": "新客户"})),
    )
    .await;
    let restarted = Store::connect(&url).await.unwrap();
    let rec2 = Recorder {
        seen: Mutex::new(vec![]),
    };
    assert_eq!(
        drain(&restarted, &rec2).await.unwrap(),
        1,
        "only the event after the stored position"
    );
    let after: Vec<(i64, String)> = rec2.seen.lock().unwrap().clone();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].1, "customer.created");
    assert!(after[0].0 > first.last().unwrap().0);
    assert_eq!(drain(&restarted, &rec2).await.unwrap(), 0);
    app.stop().await;
}

async fn bus_publishes_committed_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let mut rx = app.bus.subscribe();
    let (s, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&t),
            Some(json!({"name": "王五"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = c["id"].as_str().unwrap().to_owned();
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let e = rx.recv().await.expect("bus open");
            if e.topic == "customer.created" {
                return e;
            }
        }
    })
    .await
    .expect("event published within 5 s");
    assert_eq!(event.entity_id, id);
    assert_eq!(event.payload["after"]["name"], "王五");
    app.stop().await;
}

async fn openapi_health_and_metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/auth/token", &["post"][..]),
        ("/api/v1/tokens", &["get", "post"]),
        ("/api/v1/tokens/{id}", &["delete"]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{id}", &["get", "patch", "delete"]),
        ("/api/v1/teams", &["get", "post"]),
        ("/api/v1/teams/{id}", &["get", "patch", "delete"]),
        ("/api/v1/customers", &["get", "post"]),
        ("/api/v1/customers/{id}", &["get", "patch", "delete"]),
        ("/api/v1/tickets", &["get", "post"]),
        ("/api/v1/tickets/{id}", &["get", "patch", "delete"]),
        ("/api/v1/tickets/{id}/transitions", &["get", "post"]),
        ("/api/v1/interactions", &["get", "post"]),
        ("/api/v1/interactions/{id}", &["get", "patch", "delete"]),
        ("/api/v1/audit", &["get"]),
        ("/api/v1/wfm/erlang", &["post"]),
        ("/api/v1/wfm/staffing", &["post"]),
        ("/api/v1/wfm/requirements", &["get"]),
        ("/api/v1/wfm/forecast", &["post"]),
        ("/api/v1/wfm/schedule", &["post"]),
    ] {
        let p = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        for m in methods {
            assert!(p.get(*m).is_some(), "{m} {path} missing");
        }
    }
    let ticket_in = &doc["components"]["schemas"]["TicketIn"];
    assert!(
        ticket_in["properties"]["subject"].is_object(),
        "{ticket_in}"
    );
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("kefu_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("route=\"/api/v1/openapi.json\""),
        "{metrics}"
    );
    assert!(metrics.contains("kefu_db_pool_connections"), "{metrics}");
    assert!(
        metrics.contains("kefu_http_request_duration_seconds"),
        "{metrics}"
    );
    app.stop().await;
}
