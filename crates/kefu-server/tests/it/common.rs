//! The test harness: `TestApp::spawn(backend)` starts the real application on 127.0.0.1:0
//! with a fresh database — a temp SQLite file, or a new database on the PostgreSQL server
//! named by `KEFU_TEST_PG_URL` (started by `cargo xtask test`). The `both!` macro runs one
//! test body on both backends.

use kefu_server::kefu_store::Store;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub database_url: String,
    pub bus: std::sync::Arc<dyn kefu_server::bus::EventBus>,
    running: Option<kefu_server::Running>,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh, empty database URL for `backend`.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("kefu.sqlite3").display()
            );
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin = std::env::var("KEFU_TEST_PG_URL").expect(
                "KEFU_TEST_PG_URL is not set: run the tests with `cargo xtask test`, which starts PostgreSQL",
            );
            let name = format!("kefu_t_{}", uuid::Uuid::now_v7().simple());
            let conn = sea_orm::Database::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            conn.close().await.ok();
            let (base, _) = admin.rsplit_once('/').expect("url has a database");
            (format!("{base}/{name}"), None)
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with_clock(backend, kefu_server::kefu_model::clock::system()).await
    }

    /// [`TestApp::spawn`] with `clock` as the time of the store, requests and workers.
    pub async fn spawn_with_clock(
        backend: Backend,
        clock: kefu_server::kefu_model::SharedClock,
    ) -> TestApp {
        let (database_url, dir) = fresh_database(backend).await;
        let config = kefu_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.clone(),
            clock,
        };
        let running = kefu_server::start(&config).await.expect("server starts");
        TestApp {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::new(),
            store: running.state.store.clone(),
            database_url,
            bus: running.state.bus.clone(),
            running: Some(running),
            _dir: dir,
        }
    }

    /// Creates workspace `slug` with admin `admin@SLUG.test` and returns the admin's token.
    pub async fn workspace(&self, slug: &str) -> String {
        let email = format!("admin@{slug}.test");
        kefu_server::identity::admin::bootstrap(&self.database_url, slug, &email, "password-123")
            .await
            .expect("bootstrap");
        self.login(slug, &email, "password-123").await
    }

    pub async fn login(&self, slug: &str, email: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({
                    "workspace": slug, "email": email, "password": password
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with `role` in the token's workspace and returns a token for it.
    pub async fn user(&self, admin: &str, slug: &str, role: &str) -> (String, String) {
        let email = format!("{role}-{}@{slug}.test", uuid::Uuid::now_v7().simple());
        let (s, u) = self
            .call(
                Method::POST,
                "/api/v1/users",
                Some(admin),
                Some(json!({
                    "email": email, "name": role, "role": role, "password": "password-123"
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{u}");
        let token = self.login(slug, &email, "password-123").await;
        (u["id"].as_str().unwrap().to_owned(), token)
    }

    /// Sends a request as `token` that must succeed (any 2xx); returns the body.
    pub async fn ok(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, Some(token), body).await;
        assert!(s.is_success(), "{path}: {s} {v}");
        v
    }

    /// `GET path` as `token`, which must answer 200; returns the body.
    pub async fn get_ok(&self, token: &str, path: &str) -> Value {
        let (s, v) = self.call(Method::GET, path, Some(token), None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// Sends a request; returns the status and the body as JSON (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (s, _, v) = self.call_full(method, path, token, body, None).await;
        (s, v)
    }

    /// Like `call`, with an `Accept-Language`, also returning the content type.
    pub async fn call_full(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        lang: Option<&str>,
    ) -> (StatusCode, String, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = resp.text().await.unwrap_or_default();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, ctype, value)
    }

    /// Sends a raw body with a content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        ctype: &str,
        body: &str,
    ) -> (StatusCode, String, Value) {
        let resp = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", ctype)
            .body(body.to_owned())
            .send()
            .await
            .expect("request sent");
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            ct,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Stops the server and starts a new one on the same database (a process restart);
    /// `between` runs while no server is up.
    pub async fn restart<F: std::future::Future<Output = ()>>(
        &mut self,
        between: impl FnOnce(String) -> F,
    ) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        between(self.database_url.clone()).await;
        let config = kefu_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url.clone(),
            clock: self.store.clock(),
        };
        let running = kefu_server::start(&config).await.expect("server restarts");
        self.base = format!("http://{}", running.addr);
        self.store = running.state.store.clone();
        self.bus = running.state.bus.clone();
        self.running = Some(running);
    }
}

/// Runs an async test body `fn(Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        pub mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        pub mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}
