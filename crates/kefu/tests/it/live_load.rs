//! Load benchmark of the live center (run by `cargo xtask bench`, `#[ignore]`d otherwise):
//! the release binary on SQLite, `KEFU_BENCH_AGENTS` agents (default 2,000) each on its push
//! stream, `KEFU_BENCH_RATE` new contacts a second (default 50) for `KEFU_BENCH_SECS`
//! seconds (default 300); each agent accepts what rings and ends it 20 s later. Prints the
//! time from a contact's arrival (its POST sent) to its offer reaching the agent's stream
//! (p50, p99, max), and the server's CPU (cores) and peak RSS. The load client runs on the
//! same machine.

use crate::crash::{bootstrap, free_port, fresh_db, login, serve};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds the process `pid` has used (user + system).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A `/proc/PID/status` value in MiB (`VmHWM`: peak RSS; `VmRSS`: now).
fn status_mib(pid: u32, key: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// One agent: ready, then on its stream accepts each offer and ends it after `hold`.
async fn agent(
    c: Arc<Client>,
    token: String,
    seen: Arc<Mutex<HashMap<String, Instant>>>,
    hold: Duration,
) {
    c.send(
        &token,
        reqwest::Method::PUT,
        "/api/v1/live/agents/me/state",
        Some(json!({"state": "ready"})),
    )
    .await;
    let mut resp = c
        .http
        .get(format!("{}/api/v1/live/agents/me/events", c.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("stream");
    let mut buf = String::new();
    let mut taken = std::collections::HashSet::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let Ok(desk) = serde_json::from_str::<Value>(data) else {
                continue;
            };
            for o in desk["offers"].as_array().into_iter().flatten() {
                let id = o["interaction_id"].as_str().unwrap_or_default().to_owned();
                if !taken.insert(id.clone()) {
                    continue;
                }
                seen.lock()
                    .unwrap()
                    .entry(id.clone())
                    .or_insert_with(Instant::now);
                let (c, token) = (c.clone(), token.clone());
                tokio::spawn(async move {
                    let r = c
                        .http
                        .post(format!("{}/api/v1/live/offers/{id}/accept", c.base))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    if r.is_ok_and(|r| r.status().is_success()) {
                        tokio::time::sleep(hold).await;
                        let _ = c
                            .http
                            .post(format!("{}/api/v1/live/interactions/{id}/end", c.base))
                            .bearer_auth(&token)
                            .send()
                            .await;
                    }
                });
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "load benchmark: cargo xtask bench"]
async fn live_load_offers_reach_agents_fast() {
    let (agents, rate, secs) = (
        env("KEFU_BENCH_AGENTS", 2000) as usize,
        env("KEFU_BENCH_RATE", 50),
        env("KEFU_BENCH_SECS", 300),
    );
    let db = fresh_db(false).await;
    bootstrap(&db);
    let port = free_port();
    let server = serve(&db, port).await;
    let admin = login(port).await;
    let c = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    });
    let queue = c
        .send(
            &admin,
            reqwest::Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "General"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Agents without passwords, each with an API token minted by the admin.
    let started = Instant::now();
    let mut tokens = vec![];
    let mut set = tokio::task::JoinSet::new();
    for i in 0..agents {
        let (c, admin) = (c.clone(), admin.clone());
        set.spawn(async move {
            let u = c
                .send(&admin, reqwest::Method::POST, "/api/v1/users", Some(json!({
                    "email": format!("agent{i}@acme.test"), "name": format!("agent {i}"), "role": "agent"})))
                .await;
            let t = c
                .send(&admin, reqwest::Method::POST, "/api/v1/tokens", Some(json!({
                    "name": "desk", "user_id": u["id"]})))
                .await;
            t["token"].as_str().unwrap().to_owned()
        });
        if set.len() >= 16 {
            tokens.push(set.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(t) = set.join_next().await {
        tokens.push(t.unwrap());
    }
    eprintln!(
        "live_load: {agents} agents made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut streams = tokio::task::JoinSet::new();
    for t in tokens {
        streams.spawn(agent(c.clone(), t, seen.clone(), Duration::from_secs(20)));
    }
    // Every agent ready and listening.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let f = c
            .send(&admin, reqwest::Method::GET, "/api/v1/live/queues", None)
            .await;
        if f[0]["agents"]["available"].as_u64() == Some(agents as u64) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "agents did not all get ready: {f}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let pid = server.pid();
    let (cpu0, wall0) = (cpu_seconds(pid), Instant::now());
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut posts = tokio::task::JoinSet::new();
    let total = rate * secs;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    for _ in 0..total {
        tick.tick().await;
        let (c, admin, queue, sent) = (c.clone(), admin.clone(), queue.clone(), sent.clone());
        posts.spawn(async move {
            let at = Instant::now();
            let v = c
                .send(
                    &admin,
                    reqwest::Method::POST,
                    "/api/v1/live/contacts",
                    Some(json!({"queue": queue})),
                )
                .await;
            sent.lock()
                .unwrap()
                .insert(v["id"].as_str().unwrap().to_owned(), at);
        });
    }
    while posts.join_next().await.is_some() {}
    tokio::time::sleep(Duration::from_secs(3)).await;
    let wall = wall0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu0;
    let (peak, rss) = (status_mib(pid, "VmHWM:"), status_mib(pid, "VmRSS:"));

    let sent = sent.lock().unwrap().clone();
    let seen = seen.lock().unwrap().clone();
    let mut lat: Vec<f64> = sent
        .iter()
        .filter_map(|(id, at)| {
            seen.get(id)
                .map(|s| s.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    eprintln!(
        "live_load: {agents} agents, {rate}/s for {secs} s: {} contacts, {} offers seen; \
         arrival → offer on the agent's stream p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         server CPU {:.2} cores ({cpu:.1} s in {wall:.1} s), RSS peak {peak:.0} MiB, now {rss:.0} MiB",
        sent.len(),
        lat.len(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        cpu / wall,
    );
    assert_eq!(sent.len() as u64, total, "every contact was accepted");
    assert_eq!(
        lat.len(),
        sent.len(),
        "every contact was offered to an agent"
    );
    streams.abort_all();
    drop(server);
}
