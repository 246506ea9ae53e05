//! Engine-wide settings ([`RuntimeConfig`]) and the merged network policy.

use std::time::Duration;

use crate::fs::FsLimits;

/// Settings of a [`crate::TurnEngine`]. `RuntimeConfig::default()` is what the in-process
/// runtime uses.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Iteration limit when no layer sets one (100).
    pub default_max_iterations: u32,
    /// Per-tool timeout unless the tool sets its own (120 s).
    pub tool_timeout: Duration,
    /// Largest serialised tool result passed to the model (64 KiB); larger results are cut
    /// and marked `truncated`.
    pub max_tool_output_bytes: usize,
    /// At most this many tools of one batch run at the same time (32).
    pub max_tool_concurrency: usize,
    /// AES-256 key for `secret_store`; without it the tool answers with a clear error.
    pub secret_key: Option<[u8; 32]>,
    /// How often streamed text is flushed as `output.message.delta` (100 ms; the first chunk
    /// is flushed at once).
    pub delta_flush_interval: Duration,
    /// `web_fetch` settings.
    pub web_fetch: WebFetchConfig,
    /// `bash` settings.
    pub bash: BashConfig,
    /// Limits applied by file tools before writing (the stores enforce their own too).
    pub fs_limits: FsLimits,
    /// How long a turn waits for client-side tool results, approvals or answers before it
    /// fails with `error_code: tool_results_timeout` (1 hour).
    pub tool_results_timeout: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            default_max_iterations: 100,
            tool_timeout: Duration::from_secs(120),
            max_tool_output_bytes: 64 * 1024,
            max_tool_concurrency: 32,
            secret_key: None,
            delta_flush_interval: Duration::from_millis(100),
            web_fetch: WebFetchConfig::default(),
            bash: BashConfig::default(),
            fs_limits: FsLimits::default(),
            tool_results_timeout: Duration::from_secs(3600),
        }
    }
}

impl RuntimeConfig {
    /// Sets the secret-store key from 64 hex characters (e.g. an env var).
    pub fn with_secret_key_hex(mut self, hex_key: &str) -> Result<Self, String> {
        let bytes =
            hex::decode(hex_key.trim()).map_err(|e| format!("secret key is not hex: {e}"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "secret key must be 32 bytes (64 hex characters)".to_string())?;
        self.secret_key = Some(key);
        Ok(self)
    }
}

/// `web_fetch` settings.
#[derive(Debug, Clone)]
pub struct WebFetchConfig {
    /// Hosts that may be fetched even though they resolve to loopback/private/link-local
    /// addresses: `host:port` (`[v6]:port`); a bare host covers ports 80 and 443 only. Empty
    /// by default: such addresses are refused.
    pub allow_private_hosts: Vec<String>,
    /// Time to connect and receive the response head (10 s).
    pub connect_timeout: Duration,
    /// Time to read the body (30 s); on expiry the partial body is returned, marked.
    pub body_timeout: Duration,
    /// Largest body read (2 MiB); longer bodies are cut and marked `truncated`.
    pub max_body_bytes: usize,
    /// Redirects followed, each re-checked (5).
    pub max_redirects: usize,
}

impl Default for WebFetchConfig {
    fn default() -> Self {
        Self {
            allow_private_hosts: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_body_bytes: 2 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// `bash` (virtual bash) settings.
#[derive(Debug, Clone)]
pub struct BashConfig {
    /// Default command timeout (30 s).
    pub default_timeout: Duration,
    /// Largest timeout a call may ask for (60 s).
    pub max_timeout: Duration,
}

impl Default for BashConfig {
    fn default() -> Self {
        Self {
            default_timeout: Duration::from_secs(30),
            max_timeout: Duration::from_secs(60),
        }
    }
}

/// Network policy merged from the configuration layers: allow lists intersect, block lists
/// union.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// `None`: no allow list (everything not blocked). `Some(list)`: only these host patterns.
    pub allowed: Option<Vec<String>>,
    /// Host patterns that are refused.
    pub blocked: Vec<String>,
}

impl NetworkPolicy {
    /// Whether `host` passes the lists. A pattern matches the host itself or, written
    /// `*.example.com` or `.example.com`, any subdomain.
    pub fn permits(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if self.blocked.iter().any(|p| host_matches(p, &host)) {
            return false;
        }
        match &self.allowed {
            None => true,
            Some(list) => list.iter().any(|p| host_matches(p, &host)),
        }
    }
}

/// Host-pattern matching used by [`NetworkPolicy`].
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
    if p == "*" {
        return true;
    }
    if let Some(suffix) = p.strip_prefix("*.").or_else(|| p.strip_prefix('.')) {
        return host == suffix || host.ends_with(&format!(".{suffix}"));
    }
    p == host
}
