//! kefu's application: composes the store, the engines and the HTTP surface.
//!
//! One folder per domain ([`identity`], [`crm`], [`tickets`], [`interactions`], [`live`],
//! [`reports`], [`planning`], [`notifications`]), each with its application service (`service`: the use
//! cases, their role checks and store calls), its REST API (`api`: wire types + thin
//! handlers over the service, documented by [`openapi`]), its pages (`pages`, over the same
//! service; never the API) and its workers.
//! - [`http`]: shared API plumbing (extractors, ids, pages of lists); [`pages`]: shared page
//!   plumbing (the viewer, translations, rendering).
//! - [`auth`]: tokens, passwords, the login limiter, and the one role check.
//! - [`error`]: the one mapping from errors to RFC 9457 problems.
//! - [`bus`]: the event bus fed from the outbox, and consumers that resume after restarts.
//! - [`metrics`]: Prometheus metrics.

pub mod auth;
pub mod bus;
pub mod crm;
pub mod error;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod interactions;
pub mod live;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod pages;
pub mod planning;
pub mod reports;
pub mod tickets;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use kefu_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use kefu_kpi;
pub use kefu_model;
pub use kefu_store;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Shared state of every request handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limiter: Arc<auth::LoginLimiter>,
    pub bus: Arc<dyn bus::EventBus>,
    /// The live contact center: each workspace's routing engine.
    pub live: Arc<live::center::Center>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            limiter: Arc::new(auth::LoginLimiter::new(5, Duration::from_secs(15 * 60))),
            bus: Arc::new(bus::InProcessBus::new(1024)),
            live: live::center::Center::new(store.clone()),
            store,
        }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api_router())
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::serve))
        .merge(page_router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::localize))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            // A failed request is logged by `error` with its cause; the trace keeps the
            // status line at debug level so a 5xx is not logged twice.
            tower_http::trace::TraceLayer::new_for_http().on_failure(
                tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
            ),
        )
        .with_state(state)
}

/// Every domain's pages; their errors are HTML pages.
fn page_router() -> Router<AppState> {
    Router::new()
        .merge(identity::pages::router())
        .merge(tickets::pages::router())
        .merge(crm::pages::router())
        .merge(reports::pages::router())
        .merge(planning::pages::router())
        .merge(notifications::pages::router())
        .merge(live::pages::router())
        .layer(axum::middleware::from_fn(pages::problem_page))
}

/// Every domain's `/api/v1` routes.
fn api_router() -> Router<AppState> {
    Router::new()
        .merge(identity::api::router())
        .merge(crm::api::router())
        .merge(tickets::api::router())
        .merge(interactions::api::router())
        .merge(live::api::router())
        .merge(reports::api::router())
        .merge(planning::api::router())
        .merge(notifications::api::router())
        .fallback(|| async { error::ApiError::NotFound })
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, error::ApiError> {
    state.store.ping().await?;
    Ok("ok")
}

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    /// The clock of the store, the requests and the workers (the system clock in production).
    pub clock: kefu_model::SharedClock,
}

/// A running server: its address and a handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting connections and waits for the server task.
    pub async fn stop(self) {
        self.state.live.close();
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        for w in self.workers {
            w.abort();
        }
    }
}

/// Opens the store, starts the outbox publisher and serves HTTP on `config.listen`.
pub async fn start(config: &Config) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::connect_with_clock(&config.database_url, config.clock.clone()).await?;
    let state = AppState::new(store);
    metrics::init();
    state.live.start().await?;
    let workers = vec![
        bus::spawn_publisher(state.store.clone(), state.bus.clone()),
        tickets::sla_timer::spawn(state.store.clone()),
        tickets::tiers::spawn(state.store.clone()),
        reports::spawn(state.store.clone()),
    ];
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        })
        .await
    });
    Ok(Running {
        addr,
        state,
        shutdown: tx,
        task,
        workers,
    })
}
