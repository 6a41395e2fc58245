//! The desktop's push stream: `GET /api/v1/live/agents/me/events` sends the agent's desk at
//! once and again when an offer rings for them, and nothing for another agent's offer; a
//! stopping server ends the streams.

use super::{app, at, contact, go};
use crate::both;
use crate::common::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

both!(an_offer_is_pushed_to_its_agent_only);

/// Reads server-sent events from `resp` until one `desk` event has come (or `wait` passed).
async fn next_desk(
    resp: &mut reqwest::Response,
    buf: &mut String,
    wait: Duration,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: desk") {
                let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
                return Some(serde_json::from_str(data).unwrap());
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk()).await.ok()?;
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap()?));
    }
}

async fn an_offer_is_pushed_to_its_agent_only(backend: Backend) {
    let (app, clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let q = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "General"})),
        )
        .await;
    let queue = q["id"].as_str().unwrap().to_owned();
    let (_, t1) = app.user(&admin, "acme", "agent").await;
    let (_, t2) = app.user(&admin, "acme", "agent").await;
    go(&app, &t1, "ready").await;
    at(&clock, 5);
    go(&app, &t2, "ready").await;
    let open = |token: String| {
        let (client, base) = (app.client.clone(), app.base.clone());
        async move {
            client
                .get(format!("{base}/api/v1/live/agents/me/events"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let (mut s1, mut s2) = (open(t1.clone()).await, open(t2.clone()).await);
    assert_eq!(s1.headers()["content-type"], "text/event-stream");
    let (mut b1, mut b2) = (String::new(), String::new());
    let first = next_desk(&mut s1, &mut b1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        (first["state"].as_str(), first["offers"].clone()),
        (Some("available"), json!([]))
    );
    next_desk(&mut s2, &mut b2, Duration::from_secs(5))
        .await
        .unwrap();

    at(&clock, 10);
    let id = contact(&app, &admin, &queue, None).await;
    let pushed = next_desk(&mut s1, &mut b1, Duration::from_secs(5))
        .await
        .expect("a push");
    assert_eq!(pushed["state"], "reserved");
    assert_eq!(pushed["offers"][0]["interaction_id"], id.as_str());
    assert!(
        next_desk(&mut s2, &mut b2, Duration::from_millis(700))
            .await
            .is_none(),
        "the other agent hears nothing"
    );
    // Streams still open do not hold up a shutdown; they end.
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops with push streams open");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = s1.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended");
}
