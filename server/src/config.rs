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
    /// Database URL (`sqlite://path/to/file.db`); the file is created if missing.
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
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
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

    /// Seconds between SSE `: heartbeat` comments (fractions allowed).
    #[arg(long, env = "SSE_HEARTBEAT_INTERVAL_SECS", default_value_t = 30.0)]
    pub sse_heartbeat_interval_secs: f64,

    /// Seconds after which an SSE connection is cycled with a `disconnecting` frame.
    #[arg(long, env = "SSE_REALTIME_CYCLE_SECS", default_value_t = 300.0)]
    pub sse_realtime_cycle_secs: f64,

    /// Largest accepted request body in bytes (larger bodies get 413).
    #[arg(long, env = "EVERRUNS_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Turns run at the same time (over all sessions; one at a time per session).
    #[arg(long, env = "EVERRUNS_WORKER_CONCURRENCY", default_value_t = 16)]
    pub worker_concurrency: usize,

    /// Dev mode: a directory of llmsim scripts. A new session of the agent named `NAME` plays
    /// `DIR/NAME.json` (an `LlmSimScript`) unless a script is set for it over the API.
    #[arg(long, env = "EVERRUNS_LLMSIM_SCRIPTS", value_name = "DIR")]
    pub llmsim_scripts: Option<std::path::PathBuf>,

    /// Hosts `web_fetch` may reach although they resolve to loopback or private addresses
    /// (`host` or `host:port`; repeat the flag or separate with commas). Empty: none.
    #[arg(
        long = "web-fetch-allow",
        env = "EVERRUNS_WEB_FETCH_ALLOW",
        value_delimiter = ',',
        value_name = "HOST[:PORT]"
    )]
    pub web_fetch_allow: Vec<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            dev: false,
            addr: "127.0.0.1:9300".parse().expect("valid default address"),
            port: None,
            public_url: None,
            sse_heartbeat_interval_secs: 30.0,
            sse_realtime_cycle_secs: 300.0,
            max_body_bytes: 10 * 1024 * 1024,
            worker_concurrency: 16,
            llmsim_scripts: None,
            web_fetch_allow: Vec::new(),
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
}
