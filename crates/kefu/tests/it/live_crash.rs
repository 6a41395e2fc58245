//! The live center survives `kill -9`: with two contacts in conversation and five waiting,
//! the real binary is killed and restarted; the two still belong to their agents and the five
//! wait in the same order, their wait counted from their arrival — on SQLite and PostgreSQL.

use crate::crash::{Db, bootstrap, free_port, fresh_db, login, serve};
use serde_json::{Value, json};
use std::time::Duration;

struct Api {
    client: reqwest::Client,
    port: u16,
}

impl Api {
    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut r = self
            .client
            .request(
                method,
                format!("http://127.0.0.1:{}/api/v1{path}", self.port),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }
}

async fn agent(api: &Api, admin: &str, name: &str) -> (String, String) {
    let email = format!("{name}@acme.test");
    let u = api
        .call(
            admin,
            reqwest::Method::POST,
            "/users",
            Some(json!({
            "email": email, "name": name, "role": "agent", "password": "password-123"})),
        )
        .await;
    let r: Value = api
        .client
        .post(format!("http://127.0.0.1:{}/api/v1/auth/token", api.port))
        .json(&json!({"workspace": "acme", "email": email, "password": "password-123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        u["id"].as_str().unwrap().to_owned(),
        r["token"].as_str().unwrap().to_owned(),
    )
}

async fn waiting_order(api: &Api, admin: &str, ids: &[String]) -> Vec<(u64, u64)> {
    let mut out = vec![];
    for id in ids {
        let st = api
            .call(
                admin,
                reqwest::Method::GET,
                &format!("/live/contacts/{id}"),
                None,
            )
            .await;
        assert_eq!(st["state"], "waiting", "{st}");
        out.push((
            st["position"].as_u64().unwrap(),
            st["waited_s"].as_u64().unwrap(),
        ));
    }
    out
}

async fn live_center_survives_kill_9(db: Db) {
    bootstrap(&db);
    let port = free_port();
    let mut server = serve(&db, port).await;
    let api = Api {
        client: reqwest::Client::new(),
        port,
    };
    let admin = login(port).await;
    let q = api
        .call(
            &admin,
            reqwest::Method::POST,
            "/queues",
            Some(json!({"name": "General"})),
        )
        .await;
    let queue = q["id"].as_str().unwrap().to_owned();
    let put = |queue: String| json!({"queue": queue});
    let mut talking = vec![];
    for name in ["a1", "a2"] {
        let (user, token) = agent(&api, &admin, name).await;
        api.call(
            &token,
            reqwest::Method::PUT,
            "/live/agents/me/state",
            Some(json!({"state": "ready"})),
        )
        .await;
        let c = api
            .call(
                &admin,
                reqwest::Method::POST,
                "/live/contacts",
                Some(put(queue.clone())),
            )
            .await;
        let c = c["id"].as_str().unwrap().to_owned();
        api.call(
            &token,
            reqwest::Method::POST,
            &format!("/live/offers/{c}/accept"),
            None,
        )
        .await;
        talking.push((user, token, c));
    }
    let mut waiting = vec![];
    for _ in 0..5 {
        let c = api
            .call(
                &admin,
                reqwest::Method::POST,
                "/live/contacts",
                Some(put(queue.clone())),
            )
            .await;
        waiting.push(c["id"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let before = waiting_order(&api, &admin, &waiting).await;
    assert_eq!(
        before.iter().map(|p| p.0).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );

    drop(server); // SIGKILL
    tokio::time::sleep(Duration::from_secs(2)).await;
    server = serve(&db, port).await;

    let after = waiting_order(&api, &admin, &waiting).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0, "same place in line");
        assert!(
            a.1 >= b.1 + 2,
            "the wait goes on from the arrival: {b:?} then {a:?}"
        );
    }
    for (user, token, c) in &talking {
        let d = api
            .call(token, reqwest::Method::GET, "/live/agents/me", None)
            .await;
        assert_eq!(d["state"], "busy", "{d}");
        assert_eq!(d["active"][0]["interaction_id"], c.as_str());
        assert_eq!(d["user_id"], user.as_str());
    }
    // The first agent ends their call: the first waiting contact is offered to them.
    let (_, token, c) = &talking[0];
    api.call(
        token,
        reqwest::Method::POST,
        &format!("/live/interactions/{c}/end"),
        None,
    )
    .await;
    let d = api
        .call(token, reqwest::Method::GET, "/live/agents/me", None)
        .await;
    assert_eq!(d["offers"][0]["interaction_id"], waiting[0].as_str(), "{d}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_kill_9_sqlite() {
    live_center_survives_kill_9(fresh_db(false).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_kill_9_postgres() {
    live_center_survives_kill_9(fresh_db(true).await).await;
}
