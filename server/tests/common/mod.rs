//! Test harness: runs the real `everruns-server` binary on a free port over a real socket.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use everruns_core::sse::{SseFrame, SseParser};
use futures::StreamExt;
use serde_json::{json, Value};

/// A running server process.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// `http://127.0.0.1:PORT/api/v1`
    pub api: String,
    /// Directory holding the database.
    pub dir: PathBuf,
    /// HTTP client.
    pub http: reqwest::Client,
    /// Token sent by the helpers.
    pub token: Option<String>,
    /// `dir` was made by [`Server::start`]: removed when this server is dropped (kept when
    /// the test panics, for a look at the database).
    owns_dir: bool,
}

/// Options of a server start.
#[derive(Default, Clone)]
pub struct Opts {
    /// Pass `--dev`.
    pub dev: bool,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Extra arguments.
    pub args: Vec<String>,
}

impl Opts {
    /// Dev mode.
    pub fn dev() -> Self {
        Self {
            dev: true,
            ..Default::default()
        }
    }

    /// Adds an env var.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_everruns-server")
}

/// The database of a test server in `dir`: SQLite in `dir`, or, when
/// `EVERRUNS_TEST_BACKEND=postgres` (with `EVERRUNS_TEST_PG_URL` from `scripts/pg-cluster.sh`),
/// a PostgreSQL database named after `dir` (created on first use), so every test of this
/// suite runs unchanged on either backend.
pub fn db_url(dir: &Path) -> String {
    if std::env::var("EVERRUNS_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin = std::env::var("EVERRUNS_TEST_PG_URL").expect(
            "EVERRUNS_TEST_BACKEND=postgres needs EVERRUNS_TEST_PG_URL (scripts/pg-cluster.sh)",
        );
        let name: String = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("db")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("t_{name}");
        let out = Command::new("psql")
            .arg(&admin)
            .arg("-qtAc")
            .arg(format!(
                "SELECT 1 FROM pg_database WHERE datname = '{name}'"
            ))
            .output()
            .expect("psql");
        if String::from_utf8_lossy(&out.stdout).trim() != "1" {
            let st = Command::new("psql")
                .arg(&admin)
                .arg("-qc")
                .arg(format!("CREATE DATABASE {name}"))
                .status()
                .expect("psql");
            assert!(st.success(), "CREATE DATABASE {name}");
        }
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        return format!("{base}/{name}");
    }
    format!("sqlite://{}/everruns.db", dir.display())
}

/// Every byte the database of `dir` holds on disk (SQLite: the file and its WAL;
/// PostgreSQL: a `pg_dump` of the test database), to check that secrets are not stored.
pub fn stored_bytes(dir: &Path) -> Vec<u8> {
    let url = db_url(dir);
    if url.starts_with("postgres") {
        let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path().join("bin/pg_dump"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("pg_dump"));
        let out = Command::new(pg_dump)
            .arg("--data-only")
            .arg(&url)
            .output()
            .expect("pg_dump");
        assert!(out.status.success(), "pg_dump: {out:?}");
        return out.stdout;
    }
    let db = std::fs::read(dir.join("everruns.db")).expect("database file");
    let wal = std::fs::read(dir.join("everruns.db-wal")).unwrap_or_default();
    [db, wal].concat()
}

impl Server {
    /// Starts a server with a fresh database.
    pub fn start(opts: Opts) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("everruns-test-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let mut s = Self::start_in(&dir, opts);
        s.owns_dir = true;
        s
    }

    /// Starts a server with a fresh database whose stderr (its log) is collected in the
    /// returned buffer instead of inherited.
    #[allow(dead_code)]
    pub fn start_logged(opts: Opts) -> (Self, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
        let dir = tempfile::Builder::new()
            .prefix("everruns-test-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        (Self::start_with(&dir, opts, Some(log.clone())), log)
    }

    /// Starts a server on the database in `dir`.
    pub fn start_in(dir: &Path, opts: Opts) -> Self {
        Self::start_with(dir, opts, None)
    }

    fn start_with(
        dir: &Path,
        opts: Opts,
        log: Option<std::sync::Arc<std::sync::Mutex<Vec<u8>>>>,
    ) -> Self {
        let mut cmd = Command::new(bin());
        cmd.arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--database-url")
            .arg(db_url(dir))
            .args(&opts.args)
            .env_remove("EVERRUNS_DEV")
            .env("EVERRUNS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if opts.dev {
            cmd.arg("--dev");
        }
        if std::env::var("EVERRUNS_TEST_BACKEND").as_deref() == Ok("postgres") {
            // A restarted server takes over its predecessor's turns when their leases expire
            // (SQLite frees them at start): keep that short in tests.
            cmd.env("EVERRUNS_TURN_LEASE_SECS", "2");
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        if log.is_some() {
            cmd.stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("spawn everruns-server");
        if let (Some(log), Some(mut err)) = (log, child.stderr.take()) {
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = std::io::Read::read(&mut err, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // keep draining so the child never blocks on stdout
            let mut sink = String::new();
            while r.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server printed its address");
        let origin = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server {
            child: Some(child),
            api: format!("{origin}/api/v1"),
            origin,
            dir: dir.to_path_buf(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            token: Some("dev".into()),
            owns_dir: false,
        }
    }

    /// The server process id (`None` once stopped).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
        for _ in 0..600 {
            if let Some(s) = c.try_wait().expect("wait") {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        panic!("server did not stop after SIGTERM");
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.api, path)
        };
        let mut b = self.http.request(method, url);
        if let Some(t) = &self.token {
            b = b.header("authorization", t);
        }
        b
    }

    /// GET → (status, json).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::GET, path)).await
    }

    /// POST json → (status, json).
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::POST, path).json(&body)).await
    }

    /// PUT json.
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::PUT, path).json(&body)).await
    }

    /// PATCH json.
    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::PATCH, path).json(&body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::DELETE, path)).await
    }

    /// A raw request builder.
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.req(method, path)
    }

    /// Creates an agent and a session; returns the session id.
    pub async fn session(&self) -> String {
        let (s, a) = self
            .post(
                "/agents",
                json!({"name": format!("agent-{}", rand_suffix()), "system_prompt": "You help."}),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        let (s, sess) = self
            .post("/sessions", json!({"agent_id": a["id"], "title": "test"}))
            .await;
        assert_eq!(s, 201, "{sess}");
        sess["id"].as_str().unwrap().to_string()
    }

    /// Sets the llmsim script of a session (dev mode).
    pub async fn script(&self, sid: &str, script: Value) {
        let (s, b) = self.put(&format!("/sessions/{sid}/llmsim"), script).await;
        assert_eq!(s, 200, "{b}");
    }

    /// Sends a text message; returns the message.
    pub async fn say(&self, sid: &str, text: &str) -> Value {
        let (s, m) = self
            .post(
                &format!("/sessions/{sid}/messages"),
                json!({"message": {"role": "user", "content": [{"type": "text", "text": text}]}}),
            )
            .await;
        assert_eq!(s, 201, "{m}");
        m
    }

    /// Every stored event of a session.
    pub async fn events(&self, sid: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut path = format!("/sessions/{sid}/events");
        loop {
            let (s, b) = self.get(&path).await;
            assert_eq!(s, 200, "{b}");
            let page = b["data"].as_array().unwrap();
            all.extend(page.iter().cloned());
            match page.last() {
                Some(e) if b["has_more"] == true => {
                    path = format!("/sessions/{sid}/events?after_sequence={}", e["sequence"]);
                }
                _ => return all,
            }
        }
    }

    /// Polls until the session has `n` terminal events (generous timeout).
    pub async fn wait_terminals(&self, sid: &str, n: usize) -> Vec<Value> {
        for _ in 0..1200 {
            let ev = self.events(sid).await;
            let terms = ev.iter().filter(|e| is_terminal(e)).count();
            let idled = ev.iter().filter(|e| e["type"] == "session.idled").count();
            if terms >= n && idled >= n {
                return ev;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("session {sid} did not reach {n} terminal events");
    }

    /// Polls until an event of `ty` exists.
    pub async fn wait_event(&self, sid: &str, ty: &str) -> Vec<Value> {
        for _ in 0..1200 {
            let ev = self.events(sid).await;
            if ev.iter().any(|e| e["type"] == ty) {
                return ev;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("session {sid} has no {ty} event");
    }

    /// Opens an SSE stream.
    pub async fn sse(&self, sid: &str, query: &str) -> SseClient {
        let resp = self
            .req(reqwest::Method::GET, &format!("/sessions/{sid}/sse{query}"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("sse connect");
        assert_eq!(resp.status(), 200);
        SseClient::new(resp)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        if self.owns_dir && !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub fn is_terminal(e: &Value) -> bool {
    matches!(
        e["type"].as_str(),
        Some("turn.completed" | "turn.failed" | "turn.cancelled" | "turn.sealed")
    )
}

pub fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

pub async fn send(b: reqwest::RequestBuilder) -> (u16, Value) {
    let r = b.send().await.expect("request");
    let s = r.status().as_u16();
    let t = r.text().await.expect("body");
    let v = if t.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&t).unwrap_or(Value::String(t))
    };
    (s, v)
}

/// Asserts the hybrid error body and returns its code.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["status"], want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["type"].is_string() && body["detail"].is_string(),
        "{body}"
    );
}

/// A minimal SSE client over a response.
pub struct SseClient {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: SseParser,
    /// Raw bytes received.
    pub raw: String,
}

impl SseClient {
    /// Wraps a streaming response.
    pub fn from_response(resp: reqwest::Response) -> Self {
        Self::new(resp)
    }

    fn new(resp: reqwest::Response) -> Self {
        Self {
            stream: resp.bytes_stream().boxed(),
            parser: SseParser::new(),
            raw: String::new(),
        }
    }

    /// The next frame, or `None` at the end of the stream.
    pub async fn next(&mut self) -> Option<SseFrame> {
        loop {
            if let Some(f) = self.parser.next_frame() {
                return Some(f);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.stream.next())
                .await
                .expect("sse frame within 60 s")?
                .ok()?;
            self.raw.push_str(&String::from_utf8_lossy(&chunk));
            self.parser.push(&chunk).expect("valid sse");
        }
    }

    /// Comment lines seen so far (heartbeats).
    pub fn comments(&self) -> u64 {
        self.parser.comments_seen()
    }

    /// Frames until one of type `ty` (inclusive).
    pub async fn until(&mut self, ty: &str) -> Vec<SseFrame> {
        let mut out = Vec::new();
        while let Some(f) = self.next().await {
            let done = f.event.as_deref() == Some(ty);
            out.push(f);
            if done {
                return out;
            }
        }
        panic!("stream ended before {ty}: {out:?}");
    }
}
