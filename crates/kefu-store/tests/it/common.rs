//! The harness: a fresh database per test (a temp SQLite file, or a new database on the
//! PostgreSQL server named by `KEFU_TEST_PG_URL`), the `both!` macro that runs one test body
//! on both backends, and readers of the whole audit log, outbox and database.

use chrono::{DateTime, Duration, Utc};
use kefu_model::{Clock, ManualClock, Priority, SharedClock, TicketType};
use kefu_store::audit::AuditFilter;
use kefu_store::entity::audit;
use kefu_store::identity::workspaces::{Bootstrap, UserFilter};
use kefu_store::outbox::OutboxEvent;
use kefu_store::tickets::automations::AutomationFields;
use kefu_store::tickets::ticket::TicketFields;
use kefu_store::{Actor, PageRequest, Store, WorkspaceScope};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
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

/// A store on a fresh database.
pub struct Db {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    /// A fresh database on `backend`, read with `clock`.
    pub async fn open(backend: Backend, clock: SharedClock) -> Db {
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("kefu.sqlite3");
                (format!("sqlite://{}?mode=rwc", path.display()), Some(dir))
            }
            Backend::Postgres => {
                let admin = std::env::var("KEFU_TEST_PG_URL")
                    .expect("KEFU_TEST_PG_URL is not set: run the tests with `cargo xtask test`");
                let name = format!("kefu_s_{}", uuid::Uuid::now_v7().simple());
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
        };
        let store = Store::connect_with_clock(&url, clock)
            .await
            .expect("store connects");
        Db {
            store,
            url,
            _dir: dir,
        }
    }

    /// A fresh database whose clock stands at [`t0`] until moved.
    pub async fn manual(backend: Backend) -> (Db, ManualClock) {
        let clock = ManualClock::new(t0());
        (Db::open(backend, Arc::new(clock.clone())).await, clock)
    }

    /// Every row of every table, as JSON text per row, sorted; so two dumps are equal exactly
    /// when the database holds the same data.
    pub async fn dump(&self) -> BTreeMap<String, Vec<String>> {
        let conn = sea_orm::Database::connect(&self.url)
            .await
            .expect("second connection");
        let backend = conn.get_database_backend();
        let texts = |sql: String| {
            let conn = &conn;
            async move {
                conn.query_all_raw(Statement::from_string(backend, sql))
                    .await
                    .expect("dump query")
                    .into_iter()
                    .map(|r| r.try_get_by_index::<String>(0).expect("text column"))
                    .collect::<Vec<String>>()
            }
        };
        let tables = texts(match backend {
            DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' \
                                  AND name NOT LIKE 'sqlite_%' ORDER BY name"
                .to_owned(),
            _ => "SELECT table_name::text FROM information_schema.tables \
                  WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
                .to_owned(),
        })
        .await;
        let mut out = BTreeMap::new();
        for t in tables {
            let sql = match backend {
                DbBackend::Sqlite => {
                    let cols = texts(format!("SELECT name FROM pragma_table_info('{t}')")).await;
                    let pairs: Vec<String> =
                        cols.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
                    format!(
                        "SELECT json_object({}) AS j FROM \"{t}\" ORDER BY 1",
                        pairs.join(", ")
                    )
                }
                _ => format!("SELECT row_to_json(t)::text AS j FROM \"{t}\" t ORDER BY 1"),
            };
            let rows = texts(sql).await;
            out.insert(t, rows);
        }
        conn.close().await.ok();
        out
    }
}

/// 2026-03-01 09:00:00 UTC, the start of every manual clock.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A clock one second later at every reading: two readings never agree, so rows with the
/// same time were stamped from one reading.
#[derive(Debug)]
pub struct Ticking(Mutex<DateTime<Utc>>);

impl Ticking {
    pub fn shared() -> SharedClock {
        Arc::new(Ticking(Mutex::new(t0())))
    }
}

impl Clock for Ticking {
    fn now(&self) -> DateTime<Utc> {
        let mut t = self.0.lock().unwrap();
        *t += Duration::seconds(1);
        *t
    }
}

/// A workspace and its admin.
pub struct Ws {
    pub scope: WorkspaceScope,
    pub admin_id: String,
    pub admin: Actor,
}

/// Bootstraps workspace `slug` with admin `admin@SLUG.test`.
pub async fn workspace(store: &Store, slug: &str) -> Ws {
    let hash = format!("hash-{slug}");
    let (done, scope) = store
        .bootstrap(slug, &format!("admin@{slug}.test"), hash.clone(), |h| {
            h == hash
        })
        .await
        .expect("bootstrap");
    assert_eq!(done, Bootstrap::Created);
    let users = store
        .list_users(&scope, &UserFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let admin_id = users.items[0].id.clone();
    Ws {
        scope,
        admin: Actor {
            user_id: Some(admin_id.clone()),
        },
        admin_id,
    }
}

/// An inquiry with `subject`, normal priority, no references.
pub fn inquiry(subject: &str) -> TicketFields {
    TicketFields {
        customer_id: None,
        ticket_type: TicketType::Inquiry,
        subject: subject.into(),
        description: String::new(),
        priority: Priority::Normal,
        assignee_id: None,
        group_id: None,
    }
}

/// Stores an active trigger.
pub async fn trigger(store: &Store, ws: &Ws, name: &str, position: i32, definition: Value) {
    store
        .create_automation(
            &ws.scope,
            &ws.admin,
            AutomationFields {
                kind: "trigger",
                name: name.into(),
                position,
                active: true,
                definition,
            },
        )
        .await
        .expect("trigger stored");
}

/// The whole audit log of `scope`, oldest first.
pub async fn audit_log(store: &Store, scope: &WorkspaceScope) -> Vec<audit::Model> {
    audit_of(store, scope, &AuditFilter::default()).await
}

/// The audit rows of one entity, oldest first.
pub async fn audit_of_entity(store: &Store, scope: &WorkspaceScope, id: &str) -> Vec<audit::Model> {
    let f = AuditFilter {
        entity_id: Some(id.into()),
        ..Default::default()
    };
    audit_of(store, scope, &f).await
}

async fn audit_of(store: &Store, scope: &WorkspaceScope, f: &AuditFilter) -> Vec<audit::Model> {
    let mut out = vec![];
    let mut page = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    loop {
        let p = store.list_audit(scope, f, &page).await.unwrap();
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    out.reverse();
    out
}

/// The whole outbox, in commit order.
pub async fn outbox(store: &Store) -> Vec<OutboxEvent> {
    store.outbox_after(0, 1_000_000).await.unwrap()
}

/// The rows of `after` past `before`, which must be an unchanged prefix of it.
pub fn added<'a, T: PartialEq + std::fmt::Debug>(before: &[T], after: &'a [T]) -> &'a [T] {
    assert!(after.len() >= before.len(), "rows disappeared");
    assert_eq!(&after[..before.len()], before, "earlier rows changed");
    &after[before.len()..]
}

/// `(entity_type, entity_id, action)` of audit rows.
pub fn actions(rows: &[audit::Model]) -> Vec<(&str, &str, &str)> {
    rows.iter()
        .map(|r| {
            (
                r.entity_type.as_str(),
                r.entity_id.as_str(),
                r.action.as_str(),
            )
        })
        .collect()
}

/// The topics of outbox events.
pub fn topics(events: &[OutboxEvent]) -> Vec<&str> {
    events.iter().map(|e| e.topic.as_str()).collect()
}
