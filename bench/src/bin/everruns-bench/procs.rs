//! Child processes: servers (started, waited for `listening on`, stopped with SIGTERM) and
//! client workloads (one JSON line on stdout).
//!
//! `std::process` with a reader thread per pipe (lines forwarded over a tokio channel), so the
//! harness needs no tokio feature beyond the server's own set and shares its build.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;

/// Sends every stdout line of `child` on the returned channel (reader thread).
fn line_channel(child: &mut Child) -> mpsc::UnboundedReceiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects stderr of `child` (reader thread).
fn stderr_collector(child: &mut Child) -> std::thread::JoinHandle<String> {
    let mut stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    })
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: plain kill(2) on the pid of a child this process started and has not reaped.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

/// Waits for `child` to exit (polling, so no thread is parked on it); kills it after `limit`.
async fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A running server process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// Process id.
    pub pid: u32,
}

impl Server {
    /// Starts `program args…`, waits (≤ 60 s) for `listening on http://…` on stdout; stderr goes
    /// to `log`.
    pub async fn start(
        program: &Path,
        args: &[String],
        env: &[(&str, String)],
        log: &Path,
    ) -> Result<Server, String> {
        let err = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let pid = child.id();
        let mut lines = line_channel(&mut child);
        let origin = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.recv().await {
                if let Some(o) = line.strip_prefix("listening on ") {
                    return Some(o.trim().to_string());
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(origin) = origin else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{} did not print `listening on` (log: {})",
                program.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        };
        // The reader thread keeps draining stdout, so the server never blocks on the pipe.
        tokio::spawn(async move { while lines.recv().await.is_some() {} });
        Ok(Server { child, origin, pid })
    }

    /// SIGTERM, then SIGKILL after 15 s.
    pub async fn stop(mut self) {
        signal(self.pid, libc::SIGTERM);
        wait_exit(&mut self.child, Duration::from_secs(15)).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How to start one client: a program and leading arguments.
#[derive(Debug, Clone)]
pub struct ClientCmd {
    /// Program.
    pub program: String,
    /// Arguments before the workload's own.
    pub prefix: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
}

impl ClientCmd {
    /// Starts a workload.
    pub fn spawn(&self, args: &[String]) -> Result<LiveClient, String> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.prefix)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program))?;
        let lines = line_channel(&mut child);
        let err = stderr_collector(&mut child);
        Ok(LiveClient {
            child,
            lines,
            err: Some(err),
            last_json: None,
        })
    }

    /// Runs a workload to completion (≤ `timeout`) and parses its last JSON stdout line.
    pub async fn run_json(
        &self,
        args: &[String],
        timeout: Duration,
    ) -> Result<serde_json::Value, String> {
        let child = self.spawn(args)?;
        child.finish(timeout).await
    }
}

/// A client workload being driven.
pub struct LiveClient {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    err: Option<std::thread::JoinHandle<String>>,
    last_json: Option<String>,
}

impl LiveClient {
    /// The next stdout line (`None` at end of output).
    pub async fn next_line(&mut self) -> Option<String> {
        let line = self.lines.recv().await?;
        if line.trim_start().starts_with('{') {
            self.last_json = Some(line.clone());
        }
        Some(line)
    }

    fn stderr_tail(&mut self) -> String {
        let s = self
            .err
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(6)..].join(" | ")
    }

    /// Reads the rest of stdout, waits (≤ `timeout`) for exit and parses the last JSON line.
    pub async fn finish(mut self, timeout: Duration) -> Result<serde_json::Value, String> {
        let drained =
            tokio::time::timeout(timeout, async { while self.next_line().await.is_some() {} })
                .await;
        if drained.is_err() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return Err(format!(
                "timed out after {timeout:?}: {}",
                self.stderr_tail()
            ));
        }
        let status = wait_exit(&mut self.child, Duration::from_secs(30)).await;
        match (status.map(|s| s.success()), self.last_json.take()) {
            (Some(true), Some(line)) => {
                serde_json::from_str(&line).map_err(|e| format!("bad JSON line: {e}"))
            }
            _ => Err(format!("client failed: {}", self.stderr_tail())),
        }
    }

    /// Kills the process and returns the end of what it wrote on stderr.
    pub async fn abort(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr_tail()
    }
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
