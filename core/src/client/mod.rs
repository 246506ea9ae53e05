//! The Everruns HTTP client: configuration, auth headers, retries, typed errors and the
//! sub-clients (`agents`, `sessions`, `messages`, `events`, `filesystem`, `capabilities`,
//! `harnesses`, `models`).
//!
//! ```no_run
//! # async fn demo() -> everruns_core::client::Result<()> {
//! use everruns_core::client::Everruns;
//! use futures::StreamExt;
//!
//! let client = Everruns::from_env()?; // EVERRUNS_API_KEY, EVERRUNS_API_URL, …
//! let agent = client.agents().create("Research Assistant", "You research things.").await?;
//! let session = client.sessions().create_for_agent(&agent.id).await?;
//! client.messages().create(&session.id, "Hello!").await?;
//! let mut events = client.events().stream(&session.id, Default::default());
//! while let Some(event) = events.next().await {
//!     let event = event?;
//!     if event.is_terminal() {
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! One pooled `reqwest` client (rustls) is built per [`Everruns`] and shared by every clone,
//! every sub-client, every call and every event-stream reconnect.

mod agents;
mod budgets;
mod catalog;
pub(crate) mod cursor;
mod error;
pub(crate) mod events;
mod filesystem;
mod interaction;
pub mod logs;
mod messages;
mod net;
pub mod retry;
mod sessions;
pub(crate) mod transport;
mod versions;
mod workspaces;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

pub use crate::sse::stream::{AckHandle, EventStream, StopHandle, StreamOptions};
pub use agents::AgentsClient;
pub use budgets::{BudgetsClient, ConnectionsClient};
pub use catalog::{CapabilitiesClient, HarnessesClient, ModelsClient};
pub use error::{Error, Result};
pub use events::EventsClient;
pub use filesystem::{FileListing, FilesystemClient, FsEntry};
pub use messages::MessagesClient;
pub use net::{redact_proxy, TlsReason};
pub use reqwest::Method;
pub use retry::{AttemptOutcome, RetryDecision, RetryPolicy, StopReason};
pub use sessions::SessionsClient;
pub use versions::{
    check_change_reason, encode_change_reason, CHANGE_REASON_HEADER, MAX_CHANGE_REASON_CHARS,
};
pub use workspaces::{MemoriesClient, WorkspaceFilesClient, WorkspacesClient};

/// Environment variable holding the API token.
pub const ENV_API_KEY: &str = "EVERRUNS_API_KEY";
/// Environment variable holding the base URL (including `/api`).
pub const ENV_API_URL: &str = "EVERRUNS_API_URL";
/// Environment variable holding the `X-Org-Id` value.
pub const ENV_ORG_ID: &str = "EVERRUNS_ORG_ID";
/// Environment variable that turns on request logging (`1`, `true`, `yes`, `on`).
pub const ENV_DEBUG: &str = "EVERRUNS_DEBUG";
/// Base URL used when none is configured (the local dev server).
pub const DEFAULT_BASE_URL: &str = "http://localhost:9300/api";
/// Default whole-request timeout of REST calls.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default TCP/TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default SDK identification: `everruns-rust-sdk/{version of this crate}`.
pub fn default_user_agent() -> String {
    format!("everruns-rust-sdk/{}", env!("CARGO_PKG_VERSION"))
}

/// Per-call settings, applied with [`Everruns::with_options`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Whole-request timeout (overrides the client's).
    pub timeout: Option<Duration>,
    /// Retries after the first attempt (overrides the client's).
    pub max_retries: Option<u32>,
    /// Sent as `Idempotency-Key`; makes a `POST` safe to retry on any retryable outcome. Use a
    /// fresh key per logical operation.
    pub idempotency_key: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

impl RequestOptions {
    /// Empty options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the whole-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry count.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the `Idempotency-Key`.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn merged(&self, over: RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        headers.extend(over.headers);
        RequestOptions {
            timeout: over.timeout.or(self.timeout),
            max_retries: over.max_retries.or(self.max_retries),
            idempotency_key: over
                .idempotency_key
                .or_else(|| self.idempotency_key.clone()),
            headers,
        }
    }
}

type EnvSource = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds an [`Everruns`] client. Explicit settings win over the environment (read only when
/// [`EverrunsBuilder::with_env`] was called, as [`Everruns::from_env`] does).
#[derive(Clone, Default)]
pub struct EverrunsBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    org_id: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    retry_base_delay: Option<Duration>,
    retry_max_delay: Option<Duration>,
    max_retry_after: Option<Duration>,
    user_agent: Option<String>,
    debug: Option<bool>,
    net: net::NetSettings,
    env: Option<EnvSource>,
}

impl fmt::Debug for EverrunsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EverrunsBuilder")
            .field("api_key", &self.api_key.as_deref().map(redact_token))
            .field("base_url", &self.base_url)
            .field("org_id", &self.org_id)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.net.proxy)
            .field("ca_cert", &self.net.ca_cert)
            .field("client_cert", &self.net.client_cert)
            .field("with_env", &self.env.is_some())
            .finish_non_exhaustive()
    }
}

impl EverrunsBuilder {
    /// The token sent raw in `Authorization` (no `Bearer`). Without one no `Authorization`
    /// header is sent.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The base URL including `/api`, e.g. `https://app.everruns.com/api`. Trailing slashes
    /// and a trailing `/v1` segment are dropped; only `http` and `https` are accepted.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The organization sent as `X-Org-Id` (must not be empty or contain CR, LF or NUL).
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// Whole-request timeout of REST calls (default 30 s). Event streams have none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// TCP/TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt (default 3; 0 disables).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// First backoff delay (default 500 ms).
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry_base_delay = Some(delay);
        self
    }

    /// Backoff cap (default 8 s).
    pub fn retry_max_delay(mut self, delay: Duration) -> Self {
        self.retry_max_delay = Some(delay);
        self
    }

    /// Longest `Retry-After` honoured (default 60 s); a longer request surfaces the error.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = Some(delay);
        self
    }

    /// The product string sent as `User-Agent` and `X-SDK-Version`, e.g.
    /// `everruns-python-sdk/0.1.0` (default [`default_user_agent`]).
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Logs every request (method, URL, status, timing, request id; token redacted) at INFO
    /// through `tracing` instead of DEBUG.
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = Some(debug);
        self
    }

    /// Sends every request through this proxy (`http://[user:pass@]host:port`; the
    /// credentials are never logged). `"none"` or `""` turns proxies off, environment
    /// included. Without it, [`EverrunsBuilder::with_env`] reads `HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY`.
    pub fn proxy(mut self, proxy: impl AsRef<str>) -> Self {
        self.net.proxy = net::ProxySetting::parse(proxy.as_ref());
        self
    }

    /// Trusts the PEM certificates of this file in addition to the system's roots (default,
    /// with [`EverrunsBuilder::with_env`]: `SSL_CERT_FILE`).
    pub fn ca_cert(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.net.ca_cert = Some(path.into());
        self
    }

    /// Presents this client certificate for mutual TLS: `cert` is a PEM file with the
    /// certificate chain; `key` a PEM file with its private key (`None`: the key is in `cert`).
    pub fn client_cert(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: Option<std::path::PathBuf>,
    ) -> Self {
        self.net.client_cert = Some(cert.into());
        self.net.client_key = key;
        self
    }

    /// Fills unset values from `EVERRUNS_API_KEY`, `EVERRUNS_API_URL`, `EVERRUNS_ORG_ID`,
    /// `EVERRUNS_DEBUG`, the proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`) and `SSL_CERT_FILE`.
    pub fn with_env(self) -> Self {
        self.with_env_from(|k| std::env::var(k).ok())
    }

    /// Like [`EverrunsBuilder::with_env`] with a custom variable lookup (for tests and hosts
    /// that keep their own environment).
    pub fn with_env_from(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(Arc::new(lookup));
        self
    }

    /// Validates the settings and builds the client (and its one connection pool).
    pub fn build(self) -> Result<Everruns> {
        let env = |k: &str| -> Option<String> {
            self.env
                .as_ref()
                .and_then(|f| f(k))
                .filter(|v| !v.trim().is_empty())
        };
        let api_key = self.api_key.clone().or_else(|| env(ENV_API_KEY));
        let base_url = self
            .base_url
            .clone()
            .or_else(|| env(ENV_API_URL))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let org_id = self.org_id.clone().or_else(|| env(ENV_ORG_ID));
        let debug = self.debug.unwrap_or_else(|| {
            env(ENV_DEBUG).is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on" | "debug"
                )
            })
        });

        let base = normalize_base_url(&base_url)?;
        if let Some(key) = &api_key {
            if key.is_empty() || HeaderValue::from_str(key).is_err() {
                return Err(Error::config(
                    "the API key must be non-empty visible ASCII without CR, LF or NUL",
                ));
            }
        }
        if let Some(org) = &org_id {
            validate_org_id(org)?;
        }
        let user_agent = self.user_agent.clone().unwrap_or_else(default_user_agent);
        if user_agent.trim().is_empty() || HeaderValue::from_str(&user_agent).is_err() {
            return Err(Error::config(format!(
                "invalid user agent product {user_agent:?}"
            )));
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_retries: self.max_retries.unwrap_or(defaults.max_retries),
            base_delay: self.retry_base_delay.unwrap_or(defaults.base_delay),
            max_delay: self.retry_max_delay.unwrap_or(defaults.max_delay),
            max_retry_after: self.max_retry_after.unwrap_or(defaults.max_retry_after),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .user_agent(user_agent.clone());
        let env_lookup = self.env.is_some().then_some(&env as net::Env<'_>);
        let http = net::apply(http, &self.net, env_lookup)?
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Everruns {
            inner: Arc::new(Inner {
                http,
                base,
                api_key,
                org_id,
                user_agent,
                timeout,
                connect_timeout,
                retry,
                debug,
                cursors: cursor::CursorStore::default(),
                fs_routes: Mutex::new(HashMap::new()),
                closed: tokio::sync::watch::channel(false).0,
                streams: Mutex::new(Vec::new()),
            }),
            opts: RequestOptions::default(),
        })
    }
}

/// Checks an `X-Org-Id` value: not empty, no CR, LF or NUL.
pub fn validate_org_id(org_id: &str) -> Result<()> {
    if org_id.trim().is_empty() {
        return Err(Error::config("the organization id must not be empty"));
    }
    if org_id.contains(['\r', '\n', '\0']) {
        return Err(Error::config(
            "the organization id must not contain CR, LF or NUL",
        ));
    }
    if HeaderValue::from_str(org_id).is_err() {
        return Err(Error::config("the organization id must be visible ASCII"));
    }
    Ok(())
}

/// Normalises a base URL: http(s) only, query and fragment dropped, trailing slashes and a
/// trailing `v1` segment removed, path ending in exactly one `/`.
pub fn normalize_base_url(input: &str) -> Result<Url> {
    let trimmed = input.trim();
    let mut url = Url::parse(trimmed).map_err(|e| {
        Error::config(format!(
            "invalid base URL {trimmed:?}: {e} (expected e.g. http://localhost:9300/api)"
        ))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::config(format!(
            "the base URL must use http or https, not {:?}: {trimmed:?}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!(
            "the base URL has no host: {trimmed:?}"
        )));
    }
    url.set_query(None);
    url.set_fragment(None);
    let mut segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    if segments.last().is_some_and(|s| s == "v1") {
        segments.pop();
    }
    let mut path = String::from("/");
    for s in &segments {
        path.push_str(s);
        path.push('/');
    }
    url.set_path(&path);
    Ok(url)
}

/// Redacts a token for logs: `evr_****` for Everruns tokens, `****` otherwise.
pub fn redact_token(token: &str) -> String {
    if token.starts_with("evr_") {
        "evr_****".to_string()
    } else {
        "****".to_string()
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) api_key: Option<String>,
    pub(crate) org_id: Option<String>,
    pub(crate) user_agent: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) debug: bool,
    pub(crate) cursors: cursor::CursorStore,
    pub(crate) fs_routes: Mutex<HashMap<String, filesystem::FsRoute>>,
    /// `true` once [`Everruns::close`] was called.
    pub(crate) closed: tokio::sync::watch::Sender<bool>,
    /// The stop handles of the streams opened by this client (ended by `close`).
    pub(crate) streams: Mutex<Vec<crate::sse::stream::StopRef>>,
}

/// The Everruns client. Cheap to clone: clones share one connection pool, the per-session
/// stream cursors and the filesystem route cache.
#[derive(Clone)]
pub struct Everruns {
    pub(crate) inner: Arc<Inner>,
    pub(crate) opts: RequestOptions,
}

impl fmt::Debug for Everruns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Everruns")
            .field("base_url", &self.inner.base.as_str())
            .field("api_key", &self.inner.api_key.as_deref().map(redact_token))
            .field("org_id", &self.inner.org_id)
            .field("user_agent", &self.inner.user_agent)
            .field("options", &self.opts)
            .finish()
    }
}

impl Everruns {
    /// A builder with nothing set (the environment is not read unless
    /// [`EverrunsBuilder::with_env`] is called).
    pub fn builder() -> EverrunsBuilder {
        EverrunsBuilder::default()
    }

    /// A client configured from `EVERRUNS_API_KEY`, `EVERRUNS_API_URL` (default
    /// `http://localhost:9300/api`), `EVERRUNS_ORG_ID` and `EVERRUNS_DEBUG`.
    pub fn from_env() -> Result<Everruns> {
        Self::builder().with_env().build()
    }

    /// A client with `api_key` and `base_url`, everything else default.
    pub fn new(api_key: impl Into<String>, base_url: impl Into<String>) -> Result<Everruns> {
        Self::builder().api_key(api_key).base_url(base_url).build()
    }

    /// A clone whose calls use `options` (merged over this clone's options). Shares the
    /// connection pool and all caches.
    pub fn with_options(&self, options: RequestOptions) -> Everruns {
        Everruns {
            inner: self.inner.clone(),
            opts: self.opts.merged(options),
        }
    }

    /// The options every call of this clone uses.
    pub fn options(&self) -> &RequestOptions {
        &self.opts
    }

    /// The normalised base URL (ends with `/`).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The `User-Agent` / `X-SDK-Version` product string.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The configured organization id.
    pub fn org_id(&self) -> Option<&str> {
        self.inner.org_id.as_deref()
    }

    /// The whole-request timeout of REST calls (before per-call overrides).
    pub fn timeout(&self) -> Duration {
        self.opts.timeout.unwrap_or(self.inner.timeout)
    }

    /// Whether request logging is on (the `debug` setting, else `EVERRUNS_DEBUG`).
    pub fn debug(&self) -> bool {
        self.inner.debug
    }

    /// The TCP/TLS connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// The client's retry policy (before per-call overrides).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// True when both clients share one connection pool and cache (clones and
    /// [`Everruns::with_options`] do).
    pub fn shares_pool_with(&self, other: &Everruns) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Agents: create, upsert, list, get, update, delete, import, export.
    pub fn agents(&self) -> AgentsClient {
        AgentsClient::new(self.clone())
    }

    /// Sessions: create, list, get, update, delete, cancel, llmsim scripts.
    pub fn sessions(&self) -> SessionsClient {
        SessionsClient::new(self.clone())
    }

    /// Messages of a session.
    pub fn messages(&self) -> MessagesClient {
        MessagesClient::new(self.clone())
    }

    /// Events of a session: polling and the resilient SSE stream.
    pub fn events(&self) -> EventsClient {
        EventsClient::new(self.clone())
    }

    /// A session's files.
    pub fn filesystem(&self) -> FilesystemClient {
        FilesystemClient::new(self.clone())
    }

    /// Workspaces: create, list, get, update, delete (archive).
    pub fn workspaces(&self) -> WorkspacesClient {
        WorkspacesClient::new(self.clone())
    }

    /// A workspace's files.
    pub fn workspace_files(&self) -> WorkspaceFilesClient {
        WorkspaceFilesClient::new(self.clone())
    }

    /// Memories and their files.
    pub fn memories(&self) -> MemoriesClient {
        MemoriesClient::new(self.clone())
    }

    /// The capability catalog.
    pub fn capabilities(&self) -> CapabilitiesClient {
        CapabilitiesClient::new(self.clone())
    }

    /// Harnesses.
    pub fn harnesses(&self) -> HarnessesClient {
        HarnessesClient::new(self.clone())
    }

    /// LLM models.
    pub fn models(&self) -> ModelsClient {
        ModelsClient::new(self.clone())
    }

    /// Spending budgets.
    pub fn budgets(&self) -> BudgetsClient {
        BudgetsClient::new(self.clone())
    }

    /// Provider connections (per-provider API keys).
    pub fn connections(&self) -> ConnectionsClient {
        ConnectionsClient::new(self.clone())
    }

    /// Closes the client, shared by every clone: calls in flight fail with [`Error::Closed`]
    /// (their requests are dropped), later calls fail the same way, and open event streams end
    /// (their next item is `None`). Idempotent. The same in every language.
    pub fn close(&self) {
        self.inner.closed.send_replace(true);
        let streams =
            std::mem::take(&mut *self.inner.streams.lock().unwrap_or_else(|p| p.into_inner()));
        for s in streams {
            s.stop();
        }
    }

    /// True once [`Everruns::close`] was called (on this client or any clone).
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// Registers an open stream so that [`Everruns::close`] ends it.
    pub(crate) fn track_stream(&self, stop: crate::sse::stream::StopRef) {
        if self.is_closed() {
            stop.stop();
            return;
        }
        let mut streams = self.inner.streams.lock().unwrap_or_else(|p| p.into_inner());
        streams.retain(crate::sse::stream::StopRef::live);
        streams.push(stop);
    }

    /// The event id the next default [`EventsClient::stream`] of `session_id` starts after
    /// (`None`: unknown, i.e. from the beginning). See docs/decisions.md#4.
    pub fn default_cursor(&self, session_id: &str) -> Option<String> {
        match self.inner.cursors.start(session_id) {
            Some(cursor::StartAt::After(id)) => Some(id),
            _ => None,
        }
    }

    /// Forgets the per-session stream cursor of `session_id`.
    pub fn reset_default_cursor(&self, session_id: &str) {
        self.inner.cursors.forget(session_id);
    }

    /// Calls any endpoint through the same auth, retry and error handling: `path` is relative
    /// to `{base}/v1/` and split on `/` (each segment percent-encoded), `query` pairs are
    /// appended in order, `body` is sent as JSON. `idempotent` marks a `POST` as safe to retry.
    /// Returns the decoded JSON (`null` for an empty body).
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<serde_json::Value>,
        idempotent: bool,
    ) -> Result<serde_json::Value> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut url = self.url(&segs);
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        let mut call = transport::Call::new(method, url);
        if let Some(b) = body {
            call = call.json_body(&b)?;
        }
        call.idempotent = idempotent;
        let reply = self.call(call).await?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        reply.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let n = |s: &str| normalize_base_url(s).map(|u| u.to_string());
        assert_eq!(
            n("http://localhost:9300/api").unwrap(),
            "http://localhost:9300/api/"
        );
        assert_eq!(
            n("http://localhost:9300/api///").unwrap(),
            "http://localhost:9300/api/"
        );
        assert_eq!(n("https://x.test/api/v1/").unwrap(), "https://x.test/api/");
        assert_eq!(n("http://x.test").unwrap(), "http://x.test/");
        assert_eq!(
            n(" http://x.test/a/b?q=1#f ").unwrap(),
            "http://x.test/a/b/"
        );
        let e = n("ftp://x.test/api").unwrap_err();
        assert!(matches!(e, Error::Config { .. }));
        assert!(e.to_string().contains("http or https"), "{e}");
        assert!(n("localhost:9300").is_err());
        assert!(n("not a url").is_err());
    }

    #[test]
    fn org_ids_and_redaction() {
        assert!(validate_org_id("org_1").is_ok());
        assert!(validate_org_id("").is_err());
        assert!(validate_org_id("org\r\nX-Evil: 1").is_err());
        assert!(validate_org_id("org\0").is_err());
        assert_eq!(redact_token("evr_pat_secret"), "evr_****");
        assert_eq!(redact_token("dev"), "****");
    }

    #[test]
    fn env_and_explicit() {
        let env = |k: &str| match k {
            ENV_API_KEY => Some("evr_env".to_string()),
            ENV_API_URL => Some("http://env.test/api".to_string()),
            ENV_ORG_ID => Some("org_env".to_string()),
            _ => None,
        };
        let c = Everruns::builder().with_env_from(env).build().unwrap();
        assert_eq!(c.base_url(), "http://env.test/api/");
        assert_eq!(c.org_id(), Some("org_env"));
        let c = Everruns::builder()
            .base_url("http://explicit.test/api")
            .org_id("org_x")
            .with_env_from(env)
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://explicit.test/api/");
        assert_eq!(c.org_id(), Some("org_x"));
        let c = Everruns::builder().build().unwrap();
        assert_eq!(c.base_url(), "http://localhost:9300/api/");
        assert!(c.user_agent().starts_with("everruns-rust-sdk/"));
        assert!(!format!(
            "{:?}",
            Everruns::new("evr_secret", "http://x.test").unwrap()
        )
        .contains("secret"));
        let bad = Everruns::builder()
            .with_env_from(|k| (k == ENV_ORG_ID).then(|| "a\nb".to_string()))
            .build();
        assert!(matches!(bad, Err(Error::Config { .. })));
    }
}
