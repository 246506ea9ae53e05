//! Everruns reference server: the v1 HTTP API over the `everruns-runtime` turn engine, a
//! durable SQLite store (event log, turn queue, files, storage, llmsim scripts, API keys) and
//! SSE fan-out.
//!
//! Entry points: [`serve`] (what the binary runs) and [`App::build`] + [`router`] for tests.
#![warn(missing_docs)]

pub mod agent_md;
pub mod auth;
pub mod channels;
pub mod config;
pub mod conn;
pub mod console;
pub mod crypto;
pub mod error;
pub mod hub;
pub mod interaction;
pub mod links;
pub mod metering;
pub mod openapi;
pub mod providers;
pub mod routes;
pub mod service;
pub mod sse;
pub mod store;
pub mod util;
pub mod worker;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use everruns_core::LlmSimScript;
use everruns_runtime::{
    EntryFileSystem, PlatformDefinition, RuntimeBackends, RuntimeConfig, SessionFileSystem,
    TurnEngine,
};
use tokio::sync::watch;

use crate::config::ServeArgs;
use crate::store::Store;
use crate::worker::Worker;

/// Shared state of every handler.
#[derive(Clone)]
pub struct App {
    /// The store.
    pub store: Store,
    /// Server options.
    pub config: Arc<ServeArgs>,
    /// The turn engine.
    pub engine: TurnEngine,
    /// The runtime's view of the store.
    pub backends: RuntimeBackends,
    /// Session files (rules of the runtime over the store's file table), in each session's
    /// workspace, with its agent's memories mounted read-only (`runtime::fs::mounts`).
    pub files: Arc<dyn SessionFileSystem>,
    /// The same file table addressed by owner key (a workspace's or memory's), no mounts:
    /// what `/v1/workspaces/{id}/fs…` and `/v1/memories/{id}/fs…` use.
    pub owner_files: Arc<dyn SessionFileSystem>,
    /// The turn worker.
    pub worker: Arc<Worker>,
    /// Flips to true when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// Dev mode: default llmsim scripts by agent name (from `--llmsim-scripts`).
    pub llmsim_defaults: Arc<HashMap<String, LlmSimScript>>,
    /// Bytes SSE subscribers may queue (per subscriber and over the process).
    pub sse_budget: sse::Budget,
    /// The server's secret key: seals connections and session secrets.
    pub sealer: Arc<crypto::Sealer>,
}

impl App {
    /// Opens the store, seeds it and starts the turn worker.
    pub async fn build(
        database_url: &str,
        config: ServeArgs,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self, store::StoreError> {
        let providers = providers::ProviderConfig::from_args(&config.providers)
            .map_err(store::StoreError::Other)?;
        let store = Store::open(database_url).await?;
        store.seed().await?;
        providers::register_extra_models(&store, &config.providers.extra_models)
            .await
            .map_err(store::StoreError::Other)?;
        let default_model = providers::choose_default_model(
            &store,
            config.providers.default_model.as_deref(),
            config.dev,
            &providers,
        )
        .await
        .map_err(store::StoreError::Other)?;
        store.set_default_model(Some(&default_model.id)).await?;
        tracing::info!(
            default_model = %default_model.model_id,
            openai_key = providers.has_key(&everruns_core::LlmProviderType::OpenAi),
            anthropic_key = providers.has_key(&everruns_core::LlmProviderType::Anthropic),
            "LLM providers configured"
        );
        if !providers.has_key(&default_model.provider_type) {
            tracing::warn!(
                model = %default_model.model_id,
                "the default model has no API key: turns on it will fail ({})",
                providers::key_hint(&default_model.provider_type).unwrap_or("configure a key")
            );
        }
        let llmsim_defaults = match (&config.llmsim_scripts, config.dev) {
            (Some(dir), true) => load_llmsim_scripts(dir).map_err(store::StoreError::Other)?,
            (Some(_), false) => {
                return Err(store::StoreError::Other(
                    "--llmsim-scripts needs --dev".to_string(),
                ))
            }
            (None, _) => HashMap::new(),
        };
        let mut rt_config = RuntimeConfig::default();
        rt_config.web_fetch.allow_private_hosts = config.web_fetch_allow.clone();
        if let Some(secs) = tool_results_timeout_from_env()? {
            rt_config.tool_results_timeout = std::time::Duration::from_secs(secs);
        }
        let sealer = Arc::new(
            crypto::Sealer::from_config(config.secret_key.as_ref(), config.dev)
                .map_err(store::StoreError::Other)?,
        );
        if sealer.is_insecure_default() {
            tracing::warn!("no --secret-key / EVERRUNS_SECRET_KEY: dev mode seals secrets with a public, insecure key");
        }
        rt_config.secret_key = sealer.raw_key();
        let budget_wait = rt_config.tool_results_timeout;
        let platform = PlatformDefinition::new(
            everruns_runtime::CapabilityRegistry::with_builtins(),
            metering::metered(providers::drivers(), store.clone(), budget_wait),
        );
        let engine = TurnEngine::new(platform, rt_config);
        let shared = Arc::new(store.clone());
        let owner_files: Arc<dyn SessionFileSystem> =
            Arc::new(EntryFileSystem::new(shared.clone()));
        let files: Arc<dyn SessionFileSystem> = Arc::new(
            everruns_runtime::WorkspaceFileSystem::new(owner_files.clone(), shared.clone()),
        );
        let backends = RuntimeBackends {
            events: shared.clone(),
            files: files.clone(),
            storage: shared.clone(),
            llmsim: shared,
            models: Arc::new(providers::ProviderCatalog::new(
                store.clone(),
                providers,
                sealer.clone(),
            )),
        };
        let worker = Worker::new(
            store.clone(),
            engine.clone(),
            backends.clone(),
            config.worker_concurrency,
            config.turn_lease(),
        );
        if store.backend() == store::Backend::Postgres {
            // Cross-process wake-ups (docs in `hub`): events for SSE, turns and cancels for
            // the worker.
            hub::spawn_pg_listener(
                database_url.to_string(),
                store.hub().clone(),
                worker.clone(),
                shutdown.clone(),
            );
        }
        let sse_budget =
            sse::Budget::new(config.sse_subscriber_buffer_bytes, config.sse_buffer_bytes);
        Ok(Self {
            sealer,
            sse_budget,
            store,
            config: Arc::new(config),
            engine,
            backends,
            files,
            owner_files,
            worker,
            shutdown,
            llmsim_defaults: Arc::new(llmsim_defaults),
        })
    }
}

/// `EVERRUNS_TOOL_RESULTS_TIMEOUT_SECS`: how long a turn waits for client-side tool results,
/// approvals or answers (default 3600).
fn tool_results_timeout_from_env() -> Result<Option<u64>, store::StoreError> {
    match std::env::var("EVERRUNS_TOOL_RESULTS_TIMEOUT_SECS") {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(store::StoreError::Other(format!(
                "EVERRUNS_TOOL_RESULTS_TIMEOUT_SECS must be a positive number of seconds, got {v:?}"
            ))),
        },
    }
}

/// Reads every `NAME.json` of `dir` as the default llmsim script of agent `NAME`.
fn load_llmsim_scripts(dir: &Path) -> Result<HashMap<String, LlmSimScript>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read --llmsim-scripts {}: {e}", dir.display()))?;
    let mut scripts = HashMap::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let script: LlmSimScript = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not an llmsim script: {e}", path.display()))?;
        scripts.insert(name.to_string(), script);
    }
    Ok(scripts)
}

/// The full router: `/health`, `/api/v1/…`, `/api/openapi.json`, `/api/docs` and the web
/// console (`/`, see [`console`]).
pub fn router(app: App) -> Router {
    let limit = app.config.max_body_bytes;
    let api = routes::v1_routes().layer(middleware::from_fn_with_state(
        app.clone(),
        auth::require_auth,
    ));
    // the Agent Execution API authorizes agent keys itself (no management auth layer)
    let api = api.merge(routes::channels::execution_routes());
    Router::new()
        .nest("/api/v1", api)
        .merge(routes::public_routes())
        .merge(console::routes())
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(
            move |req: Request<Body>, next: Next| content_length_limit(limit, req, next),
        ))
        .layer(middleware::from_fn(error::normalize_errors))
        .layer(middleware::from_fn(request_id))
        .with_state(app)
}

/// Middleware: answers 413 at once when `Content-Length` announces a body over the limit
/// (without reading it); bodies without a length are cut by `DefaultBodyLimit`.
async fn content_length_limit(limit: usize, req: Request<Body>, next: Next) -> Response {
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        let mut resp = axum::response::IntoResponse::into_response(error::ApiError::too_large(
            format!("The request body exceeds the limit of {limit} bytes."),
        ));
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
        return resp;
    }
    next.run(req).await
}

/// Middleware: echoes a sane incoming `X-Request-Id` or mints one, on every response.
pub async fn request_id(req: Request<Body>, next: Next) -> Response {
    let incoming = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string);
    let id = incoming.unwrap_or_else(|| format!("req_{}", uuid::Uuid::now_v7().simple()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    tracing::debug!(request_id = %id, %method, %path, status = resp.status().as_u16(), "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Runs the server until SIGINT/SIGTERM: binds, prints `listening on http://ADDR`, serves,
/// then shuts down gracefully (SSE clients get `disconnecting` with reason `server_shutdown`);
/// connections still open `--shutdown-grace-secs` after the signal are dropped.
pub async fn serve(
    database_url: &str,
    config: ServeArgs,
) -> Result<(), Box<dyn std::error::Error>> {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let addr = config.bind_addr();
    let dev = config.dev;
    let app = App::build(database_url, config, shutdown_rx.clone()).await?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let listener = conn::GuardedListener::new(listener, app.config.write_stall());
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        out.flush()?;
    }
    tracing::info!(%local, dev, "everruns-server started");
    let worker = app.worker.clone();
    if app.config.no_worker {
        tracing::info!("--no-worker: turns run in `everruns-server worker` processes");
    } else {
        worker.start(shutdown_rx.clone());
    }
    let store = app.store.clone();
    let grace = app.config.shutdown_grace();
    let router = router(app);
    let mut rx = shutdown_rx.clone();
    let signal_task = tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested");
        let _ = shutdown_tx.send(true);
    });
    // Trailing slashes are trimmed before routing (`…/fs/` = `…/fs`).
    let service = tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        router,
    );
    let graceful = axum::serve(
        listener,
        axum::ServiceExt::<Request<Body>>::into_make_service(service),
    )
    .with_graceful_shutdown(async move {
        let _ = rx.wait_for(|v| *v).await;
    });
    // Connections still open `grace` after the signal (e.g. a peer that reads nothing) are
    // dropped with the serve future.
    let mut deadline_rx = shutdown_rx.clone();
    tokio::select! {
        r = graceful => r?,
        _ = async move {
            if deadline_rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_secs = grace.as_secs_f64(), "graceful shutdown deadline passed; dropping the remaining connections"),
    }
    worker.stop().await;
    store.close().await;
    signal_task.abort();
    tracing::info!("everruns-server stopped");
    Ok(())
}

/// Runs a worker process until SIGINT/SIGTERM: turns only, no HTTP. Prints
/// `worker WORKER_ID started` on stdout once it runs.
pub async fn work(database_url: &str, config: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if store::Backend::from_url(database_url)? != store::Backend::Postgres {
        return Err(
            "`everruns-server worker` needs PostgreSQL (--database-url postgres://…): \
                    on SQLite, `everruns-server serve` runs the turns itself"
                .into(),
        );
    }
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let app = App::build(database_url, config, shutdown_rx.clone()).await?;
    let worker = app.worker.clone();
    worker.start(shutdown_rx);
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "worker {} started", worker.owner())?;
        out.flush()?;
    }
    tracing::info!(owner = %worker.owner(), "everruns-server worker started");
    wait_for_signal().await;
    let _ = shutdown_tx.send(true);
    worker.stop().await;
    app.store.close().await;
    tracing::info!("everruns-server worker stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
