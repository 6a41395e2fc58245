//! The live contact center: configuration, routing to agents over the REST contract, wrap-up,
//! the interaction's timestamps and the agent-state history, and a restart mid-traffic.

mod admin;
mod desk;
mod push;
mod restart;
mod routing;

use crate::common::TestApp;
use chrono::{DateTime, Duration, Utc};
use kefu_server::kefu_model::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// 2026-12-01 09:00:00 UTC: every live test's clock starts here.
pub fn t0() -> DateTime<Utc> {
    "2026-12-01T09:00:00Z".parse().unwrap()
}

pub async fn app(backend: crate::common::Backend) -> (TestApp, ManualClock) {
    let clock = ManualClock::new(t0());
    let app = TestApp::spawn_with_clock(backend, Arc::new(clock.clone())).await;
    (app, clock)
}

/// Sets the clock to `s` seconds after [`t0`].
pub fn at(clock: &ManualClock, s: i64) {
    clock.set(t0() + Duration::seconds(s));
}

/// The instant `s` seconds after [`t0`], as the API writes it.
pub fn ts(s: i64) -> Value {
    json!((t0() + Duration::seconds(s)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// Puts `state` (and `reason`) for the caller.
pub async fn go(app: &TestApp, token: &str, state: &str) -> Value {
    app.ok(
        token,
        Method::PUT,
        "/api/v1/live/agents/me/state",
        Some(json!({"state": state})),
    )
    .await
}

/// A new contact in `queue` (with `customer`): the interaction's id.
pub async fn contact(app: &TestApp, token: &str, queue: &str, customer: Option<&str>) -> String {
    let v = app
        .ok(
            token,
            Method::POST,
            "/api/v1/live/contacts",
            Some(json!({"queue": queue, "customer_id": customer})),
        )
        .await;
    v["id"].as_str().unwrap().to_owned()
}
