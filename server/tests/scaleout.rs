//! Durable scale-out on PostgreSQL (issue 16): two `serve --no-worker` API processes and two
//! `worker` processes on one database. A long scripted turn (tool calls, streamed deltas) is
//! created through API A and followed over SSE through API B (and, when available, with the
//! Python and Node SDKs); the worker holding the turn is killed with SIGKILL mid-turn, the
//! other worker takes it over when the lease expires and finishes it. Every follower receives
//! exactly the stored events, once and in order, with exactly one terminal event. Killing API A
//! drops only its SSE client, which resumes on API B.
//!
//! Needs `EVERRUNS_TEST_BACKEND=postgres` and `EVERRUNS_TEST_PG_URL`: `make test-scaleout`.
//! Optional followers: `EVERRUNS_TEST_PYTHON` (an interpreter with the `everruns_sdk` wheel)
//! and `EVERRUNS_TEST_NODE_SDK` (the built `typescript/` package directory).

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, db_url, is_terminal, Opts, Server};
use serde_json::{json, Value};

const LEASE_SECS: &str = "3";

struct WorkerProc {
    child: Child,
    owner: String,
}

impl WorkerProc {
    fn start(url: &str) -> Self {
        let mut child = Command::new(bin())
            .arg("worker")
            .arg("--dev")
            .arg("--database-url")
            .arg(url)
            .env("EVERRUNS_TURN_LEASE_SECS", LEASE_SECS)
            .env("EVERRUNS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn worker");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("worker line");
        let owner = line
            .trim()
            .strip_prefix("worker ")
            .and_then(|r| r.strip_suffix(" started"))
            .unwrap_or_else(|| panic!("unexpected worker line {line:?}"))
            .to_string();
        Self { child, owner }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .arg(url)
        .arg("-qtAc")
        .arg(sql)
        .output()
        .expect("psql");
    assert!(out.status.success(), "psql {sql}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The events an SSE client received (event frames only), until the turn's terminal event
/// and the following `session.idled`, or until the stream ends.
async fn follow(client: &mut common::SseClient, until_idle_after: &str) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    let mut terminal_seen = false;
    while let Some(f) = client.next().await {
        if f.id.is_none() {
            continue; // connected / disconnecting frames
        }
        let ev: Value = serde_json::from_str(&f.data).expect("event json");
        if is_terminal(&ev) && ev["data"]["turn_id"] == until_idle_after {
            terminal_seen = true;
        }
        let idle = ev["type"] == "session.idled";
        out.push(ev);
        if terminal_seen && idle {
            return (out, true);
        }
    }
    (out, false)
}

fn summary(ev: &[Value]) -> Vec<(i64, String, String)> {
    ev.iter()
        .map(|e| {
            (
                e["sequence"].as_i64().unwrap(),
                e["id"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sdk_follower(kind: &str, api_origin: &str, sid: &str) -> Option<Child> {
    let script_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scaleout");
    let mut cmd = match kind {
        "python" => {
            let py = std::env::var("EVERRUNS_TEST_PYTHON").ok()?;
            let mut c = Command::new(py);
            c.arg(script_dir.join("follow.py"));
            c
        }
        _ => {
            let pkg = std::env::var("EVERRUNS_TEST_NODE_SDK").ok()?;
            let mut c = Command::new("node");
            c.arg(script_dir.join("follow.mjs"))
                .env("EVERRUNS_NODE_SDK", pkg);
            c
        }
    };
    Some(
        cmd.arg(format!("{api_origin}/api"))
            .arg(sid)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{kind} follower: {e}")),
    )
}

fn sdk_result(kind: &str, child: Child) -> Vec<(i64, String, String)> {
    let out = child.wait_with_output().expect("follower output");
    assert!(out.status.success(), "{kind} follower failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("follower line");
            (
                v["sequence"].as_i64().unwrap(),
                v["id"].as_str().unwrap().to_string(),
                v["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: make test-scaleout"]
async fn two_apis_two_workers_survive_a_killed_worker_and_api() {
    let dir = tempfile::Builder::new()
        .prefix("everruns-scaleout-")
        .tempdir()
        .expect("tempdir")
        .keep();
    let url = db_url(&dir);
    assert!(
        url.starts_with("postgres"),
        "run with EVERRUNS_TEST_BACKEND=postgres (make test-scaleout)"
    );
    let api_opts = Opts {
        dev: true,
        args: vec!["--no-worker".into()],
        env: vec![("EVERRUNS_TURN_LEASE_SECS".into(), LEASE_SECS.into())],
    };
    let mut api_a = Server::start_in(&dir, api_opts.clone());
    let api_b = Server::start_in(&dir, api_opts);
    let mut workers = [WorkerProc::start(&url), WorkerProc::start(&url)];

    let sid = api_a.session().await;
    let words = |n: usize, w: &str| vec![w; n].join(" ");
    api_a
        .script(
            &sid,
            json!({
                "chunk_delay_ms": 25,
                "steps": [
                    {"text": words(20, "planning"), "tool_calls": [
                        {"id": "call_one", "name": "write_file", "arguments": {"path": "/one.txt", "content": "one"}}]},
                    {"text": words(80, "thinking"), "tool_calls": [
                        {"id": "call_two", "name": "write_file", "arguments": {"path": "/two.txt", "content": "two"}}]},
                    {"text": words(60, "answer")}
                ]
            }),
        )
        .await;
    // Followers through API B (and API A, which is killed later).
    let mut on_b = api_b.sse(&sid, "").await;
    let mut on_a = api_a.sse(&sid, "").await;
    let py = sdk_follower("python", &api_b.origin, &sid);
    let node = sdk_follower("node", &api_b.origin, &sid);
    tokio::time::sleep(Duration::from_millis(1500)).await; // SDK followers connected

    let msg = api_a.say(&sid, "do the long thing").await;
    assert!(msg["id"].is_string(), "{msg}");
    // Wait until the second reason step streams (after the first tool ran), then kill the
    // worker holding the turn.
    let mut holder = String::new();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(60) {
        let ev = api_b.events(&sid).await;
        let after_tool = ev
            .iter()
            .position(|e| e["type"] == "tool.completed")
            .is_some_and(|i| ev[i..].iter().any(|e| e["type"] == "output.message.delta"));
        if after_tool {
            holder = psql(
                &url,
                "SELECT COALESCE(lease_owner, '') FROM turns WHERE status = 'running'",
            );
            if !holder.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!holder.is_empty(), "no worker held the turn mid-turn");
    let idx = workers
        .iter()
        .position(|w| w.owner == holder)
        .expect("the holder is one of our workers");
    let seq_at_kill: i64 = psql(&url, "SELECT MAX(sequence) FROM events")
        .parse()
        .unwrap();
    let killed_at = Instant::now();
    workers[idx].kill9();
    let survivor = workers[1 - idx].owner.clone();

    // Takeover: the next event after the kill comes from the surviving worker.
    let mut takeover = None;
    while killed_at.elapsed() < Duration::from_secs(60) {
        let max: i64 = psql(&url, "SELECT MAX(sequence) FROM events")
            .parse()
            .unwrap();
        if max > seq_at_kill {
            let owner = psql(&url, "SELECT COALESCE(lease_owner, '') FROM turns");
            takeover = Some((killed_at.elapsed(), owner));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (takeover, new_owner) = takeover.expect("another worker resumed the turn");
    eprintln!("takeover after SIGKILL: {takeover:?} (lease {LEASE_SECS} s)");
    if !new_owner.is_empty() {
        assert_eq!(new_owner, survivor);
    }

    // Kill API A while the turn still runs: only its SSE client drops; it resumes on B.
    tokio::time::sleep(Duration::from_millis(300)).await;
    api_a.kill9();
    let (mut a_events, a_done) = follow(&mut on_a, "").await;
    assert!(!a_done, "API A's stream ended with the process");
    let turn_id = {
        let ev = api_b.wait_terminals(&sid, 1).await;
        ev.iter()
            .find(|e| e["type"] == "turn.started")
            .map(|e| e["data"]["turn_id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let last_id = a_events
        .last()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .unwrap_or_default();
    let mut resumed = api_b.sse(&sid, &format!("?since_id={last_id}")).await;
    let (rest, done) = follow(&mut resumed, &turn_id).await;
    assert!(done, "the resumed stream reached the end of the turn");
    a_events.extend(rest);

    let (b_events, b_done) = follow(&mut on_b, &turn_id).await;
    assert!(b_done, "API B's stream reached the end of the turn");

    let stored = api_b.events(&sid).await;
    let log: Vec<(i64, String, String)> = {
        let rows = psql(
            &url,
            &format!(
                "SELECT string_agg(sequence || ' ' || id || ' ' || event_type, E'\\n' ORDER BY sequence) FROM events WHERE session_id = '{sid}'"
            ),
        );
        rows.lines()
            .map(|l| {
                let mut p = l.split(' ');
                (
                    p.next().unwrap().parse().unwrap(),
                    p.next().unwrap().to_string(),
                    p.next().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        log.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=log.len() as i64).collect::<Vec<_>>(),
        "no gap or duplicate in the sequence"
    );
    let terminals: Vec<&Value> = stored.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(
        terminals.len(),
        1,
        "exactly one terminal event: {terminals:?}"
    );
    assert_eq!(terminals[0]["type"], "turn.completed");
    // No tool side effect applied twice: one completion per call, files written once.
    let mut completions: HashMap<String, usize> = HashMap::new();
    for e in &stored {
        if e["type"] == "tool.completed" {
            let id = e["data"]["tool_call_id"]
                .as_str()
                .or_else(|| e["context"]["tool_call_id"].as_str())
                .unwrap_or("?")
                .to_string();
            *completions.entry(id).or_default() += 1;
        }
    }
    assert!(completions.values().all(|n| *n == 1), "{completions:?}");
    assert_eq!(completions.len(), 2, "{completions:?}");
    let (_, f) = api_b.get(&format!("/sessions/{sid}/fs/two.txt")).await;
    assert_eq!(f["content"], "two");

    // Every follower: exactly the stored events from its start, once, in order.
    let b_sum = summary(&b_events);
    let first = b_sum.first().map(|r| r.0).unwrap_or(1);
    let want: Vec<_> = log.iter().filter(|r| r.0 >= first).cloned().collect();
    assert_eq!(b_sum, want, "SSE on API B");
    let a_sum = summary(&a_events);
    let first_a = a_sum.first().map(|r| r.0).unwrap_or(1);
    let want_a: Vec<_> = log.iter().filter(|r| r.0 >= first_a).cloned().collect();
    assert_eq!(a_sum, want_a, "SSE on API A, resumed on API B");
    let ids: HashSet<&String> = a_sum.iter().map(|r| &r.1).collect();
    assert_eq!(ids.len(), a_sum.len(), "no duplicate after the resume");
    let deltas = log.iter().filter(|r| r.2 == "output.message.delta").count();
    eprintln!(
        "events stored: {} ({} deltas); SSE on B: {}; SSE on A then B: {}; terminal events: 1",
        log.len(),
        deltas,
        b_sum.len(),
        a_sum.len()
    );
    for (kind, child) in [("python", py), ("node", node)] {
        if let Some(child) = child {
            let got = sdk_result(kind, child);
            let first = got.first().map(|r| r.0).unwrap_or(1);
            let want: Vec<_> = log.iter().filter(|r| r.0 >= first).cloned().collect();
            assert_eq!(got, want, "{kind} SDK stream");
            eprintln!(
                "{kind} SDK: {} events, exactly the stored ones in order",
                got.len()
            );
        } else {
            eprintln!("{kind} SDK follower not configured (EVERRUNS_TEST_PYTHON / EVERRUNS_TEST_NODE_SDK)");
        }
    }
}

/// A cancel sent to an API process reaches the turn running in a worker process: the turn
/// ends with `turn.cancelled` (one terminal event) well before its script would have ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: make test-scaleout"]
async fn cancel_reaches_a_turn_in_another_process() {
    let dir = tempfile::Builder::new()
        .prefix("everruns-scaleout-cancel-")
        .tempdir()
        .expect("tempdir")
        .keep();
    let url = db_url(&dir);
    assert!(
        url.starts_with("postgres"),
        "run with EVERRUNS_TEST_BACKEND=postgres"
    );
    let api = Server::start_in(
        &dir,
        Opts {
            dev: true,
            args: vec!["--no-worker".into()],
            env: vec![],
        },
    );
    let _worker = WorkerProc::start(&url);
    let sid = api.session().await;
    api.script(
        &sid,
        json!({"chunk_delay_ms": 50, "steps": [{"text": vec!["slow"; 400].join(" ")}]}),
    )
    .await;
    api.say(&sid, "take your time").await;
    api.wait_event(&sid, "output.message.delta").await;
    let t = Instant::now();
    let (st, body) = api
        .post(&format!("/sessions/{sid}/cancel"), json!({}))
        .await;
    let took = t.elapsed();
    assert!((200..300).contains(&st), "{st} {body}");
    let ev = api.wait_terminals(&sid, 1).await;
    let terminals: Vec<&Value> = ev.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terminals.len(), 1, "{terminals:?}");
    assert_eq!(terminals[0]["type"], "turn.cancelled");
    assert!(took < Duration::from_secs(10), "cancel took {took:?}");
    eprintln!("cross-process cancel answered after {took:?}");
    let seqs: Vec<i64> = ev.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=ev.len() as i64).collect::<Vec<_>>());
}
