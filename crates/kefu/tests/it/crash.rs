//! Durability: the real binary takes a few hundred concurrent writes, is killed with SIGKILL
//! mid-way, restarts, and every write that got a 2xx is there (with its audit row) — on
//! SQLite and on PostgreSQL.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Db {
    pub flags: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

/// Database flags for a fresh database: a temp data dir, or a new PostgreSQL database.
pub async fn fresh_db(postgres: bool) -> Db {
    if !postgres {
        let dir = tempfile::tempdir().unwrap();
        return Db {
            flags: vec!["--data-dir".into(), dir.path().display().to_string()],
            _dir: Some(dir),
        };
    }
    let admin = std::env::var("KEFU_TEST_PG_URL")
        .expect("KEFU_TEST_PG_URL is not set: run the tests with `cargo xtask test`");
    let name = format!("kefu_c_{}", uuid::Uuid::now_v7().simple());
    let conn = sea_orm::Database::connect(&admin).await.unwrap();
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    conn.close().await.ok();
    let base = admin.rsplit_once('/').unwrap().0;
    Db {
        flags: vec!["--database-url".into(), format!("{base}/{name}")],
        _dir: None,
    }
}

pub fn kefu(args: &[&str], db: &Db) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .args(&db.flags)
        .output()
        .unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `kefu serve`, killed (SIGKILL) and reaped when dropped.
pub struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `kefu serve` and waits until it answers /healthz.
pub async fn serve(db: &Db, port: u16) -> Server {
    let child = Server(
        Command::new(env!("CARGO_BIN_EXE_kefu"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(&db.flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await
            && r.status().is_success()
        {
            return child;
        }
        assert!(Instant::now() < deadline, "kefu serve did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn login(port: u16) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/token"))
        .json(&json!({"workspace": "acme", "email": "admin@acme.test", "password": "password-123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

async fn crash_loses_nothing_acknowledged(postgres: bool) {
    let db = fresh_db(postgres).await;
    let out = kefu(
        &[
            "admin",
            "bootstrap",
            "--workspace",
            "acme",
            "--email",
            "admin@acme.test",
            "--password",
            "password-123",
        ],
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let mut child = serve(&db, port).await;
    let token = login(port).await;

    let client = reqwest::Client::new();
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400 {
        let (client, token, acked) = (client.clone(), token.clone(), acked.clone());
        tasks.spawn(async move {
            let name = format!("crash-{i}");
            let resp = client
                .post(format!("http://127.0.0.1:{port}/api/v1/customers"))
                .bearer_auth(&token)
                .json(&json!({"name": name, "tags": ["crash"]}))
                .send()
                .await;
            if let Ok(r) = resp
                && r.status().is_success()
                && let Ok(v) = r.json::<Value>().await
            {
                acked
                    .lock()
                    .unwrap()
                    .push((v["id"].as_str().unwrap().to_owned(), name));
            }
        });
    }
    // Kill the server once some writes are acknowledged and others are still in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 100 {
        assert!(Instant::now() < deadline, "writes were not acknowledged");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill(); // SIGKILL
    while tasks.join_next().await.is_some() {}
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 100 && acked.len() < 400,
        "the kill landed mid-way: {} acknowledged",
        acked.len()
    );

    let port = free_port();
    let mut child = serve(&db, port).await;
    // The session token issued before the crash still works.
    let mut found: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("http://127.0.0.1:{port}/api/v1/customers?tag=crash&limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            found.insert(format!(
                "{}|{}",
                item["id"].as_str().unwrap(),
                item["name"].as_str().unwrap()
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    for (id, name) in &acked {
        assert!(
            found.contains(&format!("{id}|{name}")),
            "acknowledged {id} ({name}) was lost"
        );
    }
    let audit: Value = client
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/audit?entity_type=customer&limit=500"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audited: HashSet<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        audited.len(),
        found.len(),
        "one audit row per stored customer, no more, no less"
    );
    child.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_sqlite() {
    crash_loses_nothing_acknowledged(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_postgres() {
    crash_loses_nothing_acknowledged(true).await;
}
