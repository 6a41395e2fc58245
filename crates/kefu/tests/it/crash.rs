//! Durability: the real binary takes a few hundred concurrent writes, is killed with SIGKILL
//! mid-way, restarts, and every write that got a 2xx is there (with its audit row) — on
//! SQLite and on PostgreSQL. A write may go unanswered only because of the kill: any other
//! answer than a 2xx, or a connection failing before the kill, fails the test.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

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

/// Bootstraps workspace `acme` (admin `admin@acme.test`, password `password-123`) in `db`.
pub fn bootstrap(db: &Db) {
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
        db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn crash_loses_nothing_acknowledged(postgres: bool) {
    let db = fresh_db(postgres).await;
    bootstrap(&db);
    let port = free_port();
    let mut child = serve(&db, port).await;
    let token = login(port).await;

    let client = reqwest::Client::new();
    let writes: Arc<Mutex<Writes>> = Arc::default();
    let killed = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400 {
        let (client, token, writes, killed) = (
            client.clone(),
            token.clone(),
            writes.clone(),
            killed.clone(),
        );
        tasks.spawn(async move {
            let name = format!("crash-{i}");
            let outcome = create(&client, port, &token, &name).await;
            let mut w = writes.lock().unwrap();
            match outcome {
                Ok(id) => w.acked.push((id, name)),
                // Only the kill may leave a write unanswered.
                Err(NoId::Unanswered(_)) if killed.load(Ordering::SeqCst) => w.cut_off += 1,
                Err(NoId::Unanswered(e)) => w
                    .failed
                    .push(format!("{name}: no answer before the kill: {e}")),
                Err(NoId::Refused(e)) => w.failed.push(format!("{name}: {e}")),
            }
        });
    }
    // Kill the server once some writes are acknowledged and others are still in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    while writes.lock().unwrap().acked.len() < 100 {
        assert!(Instant::now() < deadline, "writes were not acknowledged");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    killed.store(true, Ordering::SeqCst);
    child.kill(); // SIGKILL
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let Writes {
        acked,
        cut_off,
        failed,
    } = std::mem::take(&mut *writes.lock().unwrap());
    assert!(
        failed.is_empty(),
        "{} writes failed (not cut off by the kill):\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!(acked.len() + cut_off, 400);
    assert!(
        acked.len() >= 100 && cut_off > 0,
        "the kill landed mid-way: {} acknowledged, {cut_off} cut off",
        acked.len()
    );

    let port = free_port();
    let mut child = serve(&db, port).await;
    // The session token issued before the crash still works.
    let stored: HashMap<String, String> = all_pages(&client, port, &token, "customers?tag=crash")
        .await
        .iter()
        .map(|c| (text(c, "id"), text(c, "name")))
        .collect();
    // Audit rows of customers: action, and the name the row records.
    let mut audited: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for a in all_pages(&client, port, &token, "audit?entity_type=customer").await {
        let name = a["after"]["name"].as_str().unwrap_or_default().to_owned();
        audited
            .entry(text(&a, "entity_id"))
            .or_default()
            .push((text(&a, "action"), name));
    }
    for (id, name) in &acked {
        assert_eq!(
            stored.get(id),
            Some(name),
            "acknowledged customer {id} ({name}) was lost"
        );
        assert_eq!(
            audited.get(id),
            Some(&vec![("created".to_owned(), name.clone())]),
            "acknowledged customer {id} ({name}) has not exactly its one audit row"
        );
    }
    // Writes cut off by the kill may or may not have committed, but never half: a stored
    // customer has its audit row, and an audit row its customer.
    let stored_ids: HashSet<&String> = stored.keys().collect();
    let audited_ids: HashSet<&String> = audited.keys().collect();
    assert_eq!(
        stored_ids, audited_ids,
        "stored customers and audited customers differ"
    );
    child.kill();
}

/// The outcomes of the concurrent writes.
#[derive(Default)]
struct Writes {
    /// (id, name) of every write answered with a 2xx.
    acked: Vec<(String, String)>,
    /// Writes left unanswered by the kill.
    cut_off: usize,
    /// Everything else, described.
    failed: Vec<String>,
}

/// Why a write got no id.
enum NoId {
    /// No (whole) answer: the connection failed or was cut.
    Unanswered(reqwest::Error),
    /// An answer other than a 2xx with the new customer (the server was alive to give it).
    Refused(String),
}

/// Creates customer `name`; its id if the server acknowledged it.
async fn create(
    client: &reqwest::Client,
    port: u16,
    token: &str,
    name: &str,
) -> Result<String, NoId> {
    let r = client
        .post(format!("http://127.0.0.1:{port}/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"name": name, "tags": ["crash"]}))
        .send()
        .await
        .map_err(NoId::Unanswered)?;
    let status = r.status();
    let body = r.text().await.map_err(NoId::Unanswered)?;
    if !status.is_success() {
        return Err(NoId::Refused(format!("{status}: {body}")));
    }
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .ok_or_else(|| NoId::Refused(format!("{status} without an id: {body}")))
}

/// Every item of a paginated list (`/api/v1/{path}`), following `next_cursor`.
async fn all_pages(client: &reqwest::Client, port: u16, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("http://127.0.0.1:{port}/api/v1/{path}&limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_sqlite() {
    crash_loses_nothing_acknowledged(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_postgres() {
    crash_loses_nothing_acknowledged(true).await;
}
