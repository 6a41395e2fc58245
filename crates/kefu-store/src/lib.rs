//! Persistence on SQLite and PostgreSQL: the only crate that speaks SQL.
//!
//! - [`Store::connect`] opens either backend from a URL and runs the migrations.
//! - Every read and write of workspace data takes a [`WorkspaceScope`], which only this crate
//!   makes, and only from an authenticated principal ([`Store::authenticate`], [`Store::login`])
//!   or a bootstrap; so no query can leave its workspace.
//! - Every change runs in one [`write::Write`]: one transaction that writes the rows, an audit
//!   row and an outbox event per change, and the ticket triggers it calls for; the commit is
//!   the acknowledgement. Time comes from the store's injected clock ([`Store::now`]).

pub mod audit;
pub mod crm;
pub mod entity;
pub mod error;
pub mod identity;
pub mod interactions;
pub mod live;
pub mod migration;
pub mod notifications;
pub mod outbox;
pub mod page;
pub mod reports;
pub mod tickets;
pub(crate) mod write;

pub use error::StoreError;
pub use page::{Page, PageRequest};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    outbox_signal: Arc<tokio::sync::Notify>,
    spool_dir: Arc<std::path::PathBuf>,
    clock: kefu_model::SharedClock,
}

/// The workspace a request acts in. Made only by this crate, from an authenticated principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceScope {
    id: String,
}

impl WorkspaceScope {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub(crate) fn new(id: String) -> Self {
        Self { id }
    }
}

/// Who makes a change (recorded in the audit log); `None` is the system itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH?mode=rwc` or `postgres://…`) and brings its
    /// schema up to date. SQLite runs in WAL mode with full fsync, so a committed transaction
    /// survives a crash of the process or the machine.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with_clock(url, kefu_model::clock::system()).await
    }

    /// [`Store::connect`] with the clock every change and every "now" of the store reads.
    pub async fn connect_with_clock(url: &str, clock: kefu_model::SharedClock) -> Result<Store> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database url `{url}`: use sqlite://PATH or postgres://…"
            )));
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite => {
                // One connection: SQLite has one writer at a time, and a single connection
                // serializes transactions without busy errors on lock upgrades.
                opts.max_connections(1)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|o| {
                        o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                            .busy_timeout(Duration::from_secs(10))
                            .foreign_keys(true)
                            .create_if_missing(true)
                    });
            }
            Backend::Postgres => {
                opts.max_connections(16).min_connections(1);
            }
        }
        let db = Database::connect(opts).await.map_err(StoreError::from)?;
        migration::Migrator::up(&db, None)
            .await
            .map_err(StoreError::from)?;
        Ok(Store {
            db,
            backend,
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
            spool_dir: Arc::new(crm::import::spool_dir(url)),
            clock,
        })
    }

    /// The current time by the store's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The store's clock, for the workers and requests that share it.
    pub fn clock(&self) -> kefu_model::SharedClock {
        self.clock.clone()
    }

    /// Where uploads are spooled (see [`crm::import::spool_dir`]).
    pub fn spool_dir(&self) -> &std::path::Path {
        &self.spool_dir
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Wakes outbox consumers; called after each committed change.
    pub(crate) fn signal_outbox(&self) {
        self.outbox_signal.notify_waiters();
    }

    /// Resolves when a change has been committed since the call (or spuriously).
    pub fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_signal.clone()
    }

    /// Connection pool size and idle connections, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.backend {
            Backend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            Backend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
        }
    }

    /// A cheap round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<()> {
        self.db
            .execute_unprepared(match self.db.get_database_backend() {
                DbBackend::Postgres | DbBackend::Sqlite | DbBackend::MySql => "SELECT 1",
                _ => "SELECT 1",
            })
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(self) -> Result<()> {
        self.db.close().await.map_err(StoreError::from)
    }
}
