//! A restart in the middle of traffic: the engine is rebuilt from its log, so the contacts in
//! conversation stay with their agents, waiting contacts keep their order and their wait, and
//! an offer that was ringing times out when it would have.

use super::{app, at, contact, go, ts};
use crate::both;
use crate::common::Backend;
use reqwest::Method;
use serde_json::json;

both!(a_restart_keeps_every_contact_where_it_was);

async fn a_restart_keeps_every_contact_where_it_was(backend: Backend) {
    let (mut app, clock) = app(backend).await;
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
    let (a1, t1) = app.user(&admin, "acme", "agent").await;
    let (_a2, t2) = app.user(&admin, "acme", "agent").await;
    go(&app, &t1, "ready").await;
    let c0 = contact(&app, &admin, &queue, None).await;
    app.ok(
        &t1,
        Method::POST,
        &format!("/api/v1/live/offers/{c0}/accept"),
        None,
    )
    .await;
    let mut waiting = vec![];
    for s in [10, 20, 30, 40] {
        at(&clock, s);
        waiting.push(contact(&app, &admin, &queue, None).await);
    }
    at(&clock, 45);
    // The second agent's offer (the first waiting contact) rings until 60 s.
    let d2 = go(&app, &t2, "ready").await;
    assert_eq!(d2["offers"][0]["interaction_id"], waiting[0].as_str());
    assert_eq!(d2["offers"][0]["expires_at"], ts(60));

    at(&clock, 50);
    app.restart(|_| async {}).await;

    let d1 = app.get_ok(&t1, "/api/v1/live/agents/me").await;
    assert_eq!(
        (d1["state"].as_str(), &d1["active"][0]["interaction_id"]),
        (Some("busy"), &json!(c0))
    );
    let d2 = app.get_ok(&t2, "/api/v1/live/agents/me").await;
    assert_eq!(d2["offers"][0]["interaction_id"], waiting[0].as_str());
    assert_eq!(d2["offers"][0]["expires_at"], ts(60));
    for (i, (c, arrived)) in waiting[1..].iter().zip([20, 30, 40]).enumerate() {
        let st = app
            .get_ok(&admin, &format!("/api/v1/live/contacts/{c}"))
            .await;
        assert_eq!(st["state"], "waiting");
        assert_eq!(st["position"], i as u64 + 1, "{st}");
        assert_eq!(st["waited_s"], 50 - arrived, "{st}");
    }

    // The ringing offer times out at 60 s on the rebuilt engine's timers.
    at(&clock, 61);
    let mut timed_out = false;
    for _ in 0..50 {
        let audit = app
            .get_ok(&admin, &format!("/api/v1/audit?entity_id={}", waiting[0]))
            .await;
        timed_out = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "offer_timed_out");
        if timed_out {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(timed_out, "the offer ringing over the restart timed out");
    // The contact in conversation still ends normally, with its whole talk time.
    at(&clock, 70);
    app.ok(
        &t1,
        Method::POST,
        &format!("/api/v1/live/interactions/{c0}/end"),
        None,
    )
    .await;
    let i = app
        .get_ok(&admin, &format!("/api/v1/interactions/{c0}"))
        .await;
    assert_eq!(
        (i["agent_id"].as_str(), i["talk_s"].as_i64()),
        (Some(a1.as_str()), Some(70))
    );
}
