//! Command line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// `everruns-server`: the Everruns reference server.
#[derive(Debug, Parser)]
#[command(
    name = "everruns-server",
    version,
    about = "Everruns reference server: HTTP API, durable event log, SSE"
)]
pub struct Cli {
    /// Database URL: `sqlite://path/to/file.db` (the file is created if missing; one process)
    /// or `postgres://USER[:PASSWORD]@HOST:PORT/DB` (any number of `serve` and `worker`
    /// processes on one database).
    #[arg(
        long,
        global = true,
        env = "EVERRUNS_DATABASE_URL",
        default_value = "sqlite://./.everruns/everruns.db"
    )]
    pub database_url: String,

    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Serve options (used when no subcommand is given).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default); it also runs turns unless `--no-worker`.
    Serve(Box<ServeArgs>),
    /// Run turns only (no HTTP): claims queued turns from the database with a lease. Takes
    /// the serve options (the HTTP ones are ignored); PostgreSQL is needed to run it beside
    /// `serve` processes.
    Worker(Box<ServeArgs>),
    /// Manage API keys.
    Keys {
        /// Key operation.
        #[command(subcommand)]
        op: KeysOp,
    },
    /// Write the OpenAPI document (default `openapi/openapi.json`; `-` for stdout).
    Openapi {
        /// Output path.
        #[arg(long, default_value = "openapi/openapi.json")]
        out: PathBuf,
    },
}

/// API key operations.
#[derive(Debug, Subcommand)]
pub enum KeysOp {
    /// Create a key and print it once (only its hash is stored).
    Create {
        /// A label for the key.
        #[arg(long, default_value = "default")]
        name: String,
    },
    /// List keys (id, label, prefix, state).
    List,
    /// Revoke a key by id.
    Revoke {
        /// The key id (`key_…`).
        id: String,
    },
}

/// Options of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Development mode: any token is accepted, `llmsim` is the default model and the dev-only
    /// `PUT /api/v1/sessions/{id}/llmsim` route is enabled.
    #[arg(long, env = "EVERRUNS_DEV", default_value_t = false)]
    pub dev: bool,

    /// Address to listen on; port 0 picks a free port (the bound address is printed on stdout
    /// as `listening on http://HOST:PORT`).
    #[arg(long, env = "EVERRUNS_ADDR", default_value = "127.0.0.1:9300")]
    pub addr: SocketAddr,

    /// Overrides the port of `--addr`.
    #[arg(long, env = "EVERRUNS_PORT")]
    pub port: Option<u16>,

    /// Public base URL used in `self_url`/`next_url` (default: from the request's Host header).
    #[arg(long, env = "EVERRUNS_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Build `self_url`/`next_url` from `X-Forwarded-Host`/`X-Forwarded-Proto` (set this only
    /// behind a proxy that sets or strips them; any client can send them). `--public-url`
    /// wins over both.
    #[arg(
        long,
        env = "EVERRUNS_TRUST_FORWARDED_HEADERS",
        default_value_t = false
    )]
    pub trust_forwarded_headers: bool,

    /// Seconds between SSE `: heartbeat` comments (fractions allowed).
    #[arg(long, env = "SSE_HEARTBEAT_INTERVAL_SECS", default_value_t = 30.0)]
    pub sse_heartbeat_interval_secs: f64,

    /// Seconds after which an SSE connection is cycled with a `disconnecting` frame.
    #[arg(long, env = "SSE_REALTIME_CYCLE_SECS", default_value_t = 300.0)]
    pub sse_realtime_cycle_secs: f64,

    /// Seconds a connection may go without the peer taking any byte of a pending write
    /// (e.g. an SSE client that stopped reading) before it is closed; the client resumes
    /// from its cursor when it reconnects.
    #[arg(long, env = "EVERRUNS_WRITE_STALL_SECS", default_value_t = 30.0)]
    pub write_stall_secs: f64,

    /// Bytes of SSE frames queued for one subscriber beyond what its connection holds; a
    /// subscriber whose client reads slowly waits (one frame larger than this still passes).
    #[arg(long, env = "EVERRUNS_SSE_SUBSCRIBER_BUFFER_BYTES", default_value_t = 1024 * 1024)]
    pub sse_subscriber_buffer_bytes: usize,

    /// Bytes of SSE frames queued over all subscribers of this process.
    #[arg(long, env = "EVERRUNS_SSE_BUFFER_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub sse_buffer_bytes: usize,

    /// Events in one `GET …/events` answer without `limit` (1 to 100000).
    #[arg(long, env = "EVERRUNS_EVENTS_PAGE_SIZE", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub events_page_size: u32,

    /// Largest accepted request body in bytes (larger bodies get 413).
    #[arg(long, env = "EVERRUNS_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Turns run at the same time (over all sessions; one at a time per session).
    #[arg(long, env = "EVERRUNS_WORKER_CONCURRENCY", default_value_t = 16)]
    pub worker_concurrency: usize,

    /// Serve the API only: run no turns here (`everruns-server worker` processes run them).
    #[arg(long, env = "EVERRUNS_NO_WORKER", default_value_t = false)]
    pub no_worker: bool,

    /// Seconds a worker's claim of a turn lasts without a heartbeat (renewed every third of
    /// it, at most every second); a killed worker's turns are taken over after this.
    #[arg(long, env = "EVERRUNS_TURN_LEASE_SECS", default_value_t = 30.0)]
    pub turn_lease_secs: f64,

    /// Seconds a graceful shutdown (SIGTERM/SIGINT) waits for open connections (e.g. an SSE
    /// client that reads nothing) before dropping them.
    #[arg(long, env = "EVERRUNS_SHUTDOWN_GRACE_SECS", default_value_t = 10.0)]
    pub shutdown_grace_secs: f64,

    /// Dev mode: a directory of llmsim scripts. A new session of the agent named `NAME` plays
    /// `DIR/NAME.json` (an `LlmSimScript`) unless a script is set for it over the API.
    #[arg(long, env = "EVERRUNS_LLMSIM_SCRIPTS", value_name = "DIR")]
    pub llmsim_scripts: Option<std::path::PathBuf>,

    /// Hosts `web_fetch` may reach although they resolve to loopback or private addresses:
    /// `HOST:PORT` (`[V6]:PORT` for IPv6); a bare `HOST` covers ports 80 and 443 only. Repeat
    /// the flag or separate with commas. Empty: none.
    #[arg(
        long = "web-fetch-allow",
        env = "EVERRUNS_WEB_FETCH_ALLOW",
        value_delimiter = ',',
        value_name = "HOST[:PORT]"
    )]
    pub web_fetch_allow: Vec<String>,

    /// Key sealing provider connections and session secrets: 64 hex characters (prefer the
    /// environment variable). Without it, `--dev` uses a public, insecure key and other modes
    /// refuse to store secrets.
    #[arg(
        long,
        env = "EVERRUNS_SECRET_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    pub secret_key: Option<ApiKey>,

    /// LLM provider keys, endpoints and the default model.
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// An API key: parsed from the command line or environment, never printed by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from its text.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key text (to send to the provider).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl std::str::FromStr for ApiKey {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.trim().to_string()))
    }
}

/// Keys and endpoints of the predefined OpenAI and Anthropic providers, and the system default
/// model. Keys stay in memory only (nothing secret is written to the database).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "LLM providers")]
pub struct ProviderArgs {
    /// OpenAI API key for the predefined OpenAI models (prefer the environment variable: command
    /// lines are visible to other local users).
    #[arg(
        long,
        env = "DEFAULT_OPENAI_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub openai_api_key: Option<ApiKey>,

    /// OpenAI-compatible endpoint: an API root such as `https://api.openai.com/v1` (then
    /// `/chat/completions` is appended) or the full Chat Completions URL. Use it for a local
    /// server or a proxy. Default: `https://api.openai.com/v1/chat/completions`.
    #[arg(long, env = "EVERRUNS_OPENAI_BASE_URL", value_name = "URL")]
    pub openai_base_url: Option<String>,

    /// Anthropic API key for the predefined Claude models (prefer the environment variable).
    #[arg(
        long,
        env = "DEFAULT_ANTHROPIC_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub anthropic_api_key: Option<ApiKey>,

    /// Anthropic endpoint: an API root such as `https://api.anthropic.com` (then `/v1/messages`
    /// is appended) or the full Messages URL. Default: `https://api.anthropic.com`.
    #[arg(long, env = "EVERRUNS_ANTHROPIC_BASE_URL", value_name = "URL")]
    pub anthropic_base_url: Option<String>,

    /// The system default model, used when neither the message (`controls.model_id`), the
    /// session (`model_id`) nor the agent (`default_model_id`) names one: a `model_…` id, a
    /// provider-side name from `GET /v1/models` (e.g. `gpt-4.1-mini`, `claude-sonnet-4-5`,
    /// `llmsim-model`) or `PROVIDER:NAME` (see `--extra-model`). Unknown names stop the server
    /// at start. Default: `llmsim-model` with
    /// `--dev`; otherwise `gpt-4.1-mini`, or `claude-sonnet-4-5` when only an Anthropic key is
    /// set.
    #[arg(long, env = "EVERRUNS_DEFAULT_MODEL", value_name = "MODEL")]
    pub default_model: Option<String>,

    /// Adds a model to the catalogue (`source: manual`, a stable id derived from the name):
    /// `openai:NAME` or `anthropic:NAME`, e.g. `openai:gpt-4o`. Repeat the flag or separate
    /// with commas. `--default-model` accepts the same form.
    #[arg(
        long = "extra-model",
        env = "EVERRUNS_EXTRA_MODELS",
        value_delimiter = ',',
        value_name = "PROVIDER:NAME"
    )]
    pub extra_models: Vec<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            dev: false,
            addr: "127.0.0.1:9300".parse().expect("valid default address"),
            port: None,
            public_url: None,
            trust_forwarded_headers: false,
            sse_heartbeat_interval_secs: 30.0,
            sse_realtime_cycle_secs: 300.0,
            write_stall_secs: 30.0,
            sse_subscriber_buffer_bytes: 1024 * 1024,
            sse_buffer_bytes: 256 * 1024 * 1024,
            events_page_size: 1000,
            max_body_bytes: 10 * 1024 * 1024,
            worker_concurrency: 16,
            no_worker: false,
            turn_lease_secs: 30.0,
            shutdown_grace_secs: 10.0,
            llmsim_scripts: None,
            web_fetch_allow: Vec::new(),
            secret_key: None,
            providers: ProviderArgs::default(),
        }
    }
}

impl ServeArgs {
    /// The address to bind.
    pub fn bind_addr(&self) -> SocketAddr {
        let mut a = self.addr;
        if let Some(p) = self.port {
            a.set_port(p);
        }
        a
    }

    /// Heartbeat interval.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs_f64(self.sse_heartbeat_interval_secs.max(0.05))
    }

    /// Connection cycle interval.
    pub fn cycle(&self) -> Duration {
        Duration::from_secs_f64(self.sse_realtime_cycle_secs.max(0.1))
    }

    /// The turn lease (1 s to 1 h).
    pub fn turn_lease(&self) -> Duration {
        let secs = if self.turn_lease_secs.is_nan() {
            30.0
        } else {
            self.turn_lease_secs.clamp(1.0, 3600.0)
        };
        Duration::from_secs_f64(secs)
    }

    /// The write-stall limit of every connection (0.1 s to 10⁶ s).
    pub fn write_stall(&self) -> Duration {
        Duration::from_secs_f64(clamp_secs(self.write_stall_secs))
    }

    /// Deadline of a graceful shutdown (0.1 s to 10⁶ s).
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs_f64(clamp_secs(self.shutdown_grace_secs))
    }
}

/// A duration in seconds bounded to 0.1 s … 10⁶ s (NaN counts as the minimum).
fn clamp_secs(secs: f64) -> f64 {
    if secs.is_nan() {
        0.1
    } else {
        secs.clamp(0.1, 1e6)
    }
}
