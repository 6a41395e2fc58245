//! Timings of the SLA-bearing ticket reads (ignored by default; run with
//! `cargo test -p kefu-server --test it -- --ignored tickets_bench --nocapture`): lists and
//! views evaluate each ticket's SLA clock from its history on every request.

use crate::common::{Backend, TestApp};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

const POLICIES: &str = r#"
calendars:
  cn:
    time_zone: Asia/Shanghai
    weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"], wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"], fri: ["09:00-12:00", "13:00-18:00"]}
    holidays: ["2026-10-01..2026-10-07"]
policies:
  - name: all
    calendar: cn
    targets: {first_response: 240, next_response: 480, resolution: 2400}
"#;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let t = Some(admin.as_str());
    app.raw(
        Method::PUT,
        "/api/v1/sla/policies",
        &admin,
        "application/yaml",
        POLICIES,
    )
    .await;
    let n = 200;
    let mut ids = vec![];
    for i in 0..n {
        let (_, tk) = app
            .call(
                Method::POST,
                "/api/v1/tickets",
                t,
                Some(json!({"type": "after_sales", "subject": format!("t{i}")})),
            )
            .await;
        let id = tk["id"].as_str().unwrap().to_owned();
        for body in [
            json!({"body": "a"}),
            json!({"body": "b", "author": "customer"}),
            json!({"body": "c", "public": false}),
        ] {
            app.call(
                Method::POST,
                &format!("/api/v1/tickets/{id}/messages"),
                t,
                Some(body),
            )
            .await;
        }
        app.call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            t,
            Some(json!({"to": "open"})),
        )
        .await;
        ids.push(id);
    }
    let time = |path: String| {
        let app = &app;
        async move {
            let mut v = vec![];
            for _ in 0..15 {
                let s = Instant::now();
                let (st, _) = app.call(Method::GET, &path, t, None).await;
                assert!(st.is_success());
                v.push(s.elapsed());
            }
            median(v)
        }
    };
    let list = time("/api/v1/tickets?limit=50".into()).await;
    let one = time(format!("/api/v1/tickets/{}", ids[0])).await;
    let views = time("/api/v1/ticket-views".into()).await;
    let breaching = time("/api/v1/tickets?view=breaching_soon&limit=50".into()).await;
    let mine = time("/api/v1/tickets?view=mine&limit=50".into()).await;
    println!("breaching_soon list {breaching:?}, mine list {mine:?}");
    let by_due = time("/api/v1/tickets?sort=due&limit=50".into()).await;
    let by_priority = time("/api/v1/tickets?sort=priority&limit=50".into()).await;
    let overview = time("/api/v1/tickets/overview?limit=50".into()).await;
    println!(
        "sorted by SLA due (all {n} evaluated) {by_due:?}, by priority {by_priority:?}, supervisor overview {overview:?}"
    );
    let store = kefu_store::Store::connect(&app.database_url).await.unwrap();
    let s = Instant::now();
    let sw = kefu_server::tickets::sla_timer::sweep(&store, store.now())
        .await
        .unwrap();
    let sweep = s.elapsed();
    println!(
        "{backend:?}: {n} tickets × (3 messages, 1 transition): list of 50 with SLA {list:?}, one ticket {one:?}, view counts (SLA of all {n}) {views:?}, timer sweep of {} tickets {sweep:?}",
        sw.tickets
    );
    store.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn tickets_bench_sqlite() {
    run(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn tickets_bench_postgres() {
    run(Backend::Postgres).await
}
