//! Rust runner of the HTTP-level conformance vectors (`tests/conformance/vectors/http_*.json`,
//! `sse_streams.json`): each case drives the real SDK against a scripted listener of
//! `conformance-server` (this package's binary) on a real socket. The Python and Node runners
//! play the same vectors through their bindings against the same binary.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use everruns_core::client::{Error, Everruns};
use everruns_core::{CreateSessionRequest, ListAgentsParams, ListEventsParams, StreamOptions};
use futures::StreamExt;
use serde_json::{json, Value};

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One captured request, as the conformance server reports it.
#[derive(Debug, Clone)]
struct Captured {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Captured {
    fn from_json(v: &Value) -> Self {
        Captured {
            method: v["method"].as_str().unwrap().to_string(),
            path: v["path"].as_str().unwrap().to_string(),
            query: v["query"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect(),
            headers: v["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect(),
            body: v["body"].as_str().unwrap().as_bytes().to_vec(),
        }
    }
}

/// The `conformance-server` process (this package's binary); killed on drop.
struct ConformanceServer {
    child: Child,
    control: String,
    http: reqwest::Client,
}

impl ConformanceServer {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conformance-server"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start conformance-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let control = line
            .trim()
            .strip_prefix("conformance-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        ConformanceServer {
            child,
            control,
            http: reqwest::Client::new(),
        }
    }

    /// Starts a scripted listener (see the binary's docs for the script format).
    async fn script(&self, script: Value) -> Script<'_> {
        let r = self
            .http
            .post(format!("{}/scripts", self.control))
            .body(script.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "POST /scripts");
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        Script {
            server: self,
            id: v["id"].as_u64().unwrap(),
            base_url: v["base_url"].as_str().unwrap().to_string(),
        }
    }
}

impl Drop for ConformanceServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One scripted listener of the conformance server.
struct Script<'a> {
    server: &'a ConformanceServer,
    id: u64,
    base_url: String,
}

impl Script<'_> {
    /// Everything the listener received so far.
    async fn captured(&self) -> Vec<Captured> {
        let url = format!("{}/scripts/{}/requests", self.server.control, self.id);
        let r = self.server.http.get(url).send().await.unwrap();
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(Captured::from_json)
            .collect()
    }

    /// Closes the listener and its open connections.
    async fn stop(self) {
        let url = format!("{}/scripts/{}", self.server.control, self.id);
        let r = self.server.http.delete(url).send().await.unwrap();
        assert_eq!(r.status(), 204, "DELETE script");
    }
}

fn client(v: &Value, base_url: &str) -> Everruns {
    let c = &v["client"];
    Everruns::builder()
        .api_key(c["api_key"].as_str().unwrap())
        .org_id(c["org_id"].as_str().unwrap())
        .base_url(base_url)
        .max_retries(c["max_retries"].as_u64().unwrap() as u32)
        .retry_base_delay(Duration::from_millis(
            c["retry_base_delay_ms"].as_u64().unwrap(),
        ))
        .retry_max_delay(Duration::from_millis(
            c["retry_max_delay_ms"].as_u64().unwrap(),
        ))
        .max_retry_after(Duration::from_millis(
            c["max_retry_after_ms"].as_u64().unwrap(),
        ))
        .build()
        .unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Performs a vector's `call` with the Rust SDK.
async fn call(client: &Everruns, name: &str, a: &Value) -> Result<(), Error> {
    let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
    match name {
        "agents.get" => client.agents().get(&s("id")).await.map(drop),
        "agents.list" => client
            .agents()
            .list(ListAgentsParams {
                search: a["search"].as_str().map(str::to_string),
                offset: a["offset"].as_u64(),
                limit: a["limit"].as_u64(),
                ..Default::default()
            })
            .await
            .map(drop),
        "agents.create" => client
            .agents()
            .create(&s("name"), &s("system_prompt"))
            .await
            .map(drop),
        "agents.delete" => client.agents().delete(&s("id")).await,
        "sessions.create" => client
            .sessions()
            .create(CreateSessionRequest {
                agent_id: a["agent_id"].as_str().map(str::to_string),
                title: a["title"].as_str().map(str::to_string),
                ..Default::default()
            })
            .await
            .map(drop),
        "sessions.cancel" => client.sessions().cancel(&s("id")).await.map(drop),
        "messages.create" => client
            .messages()
            .create(&s("session_id"), &s("text"))
            .await
            .map(drop),
        "events.list" => client
            .events()
            .list(
                &s("session_id"),
                ListEventsParams {
                    since_id: a["since_id"].as_str().map(str::to_string),
                    types: strs(&a["types"]),
                    exclude: strs(&a["exclude"]),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        "filesystem.read" => client
            .filesystem()
            .read(&s("session_id"), &s("path"))
            .await
            .map(drop),
        "filesystem.list" => client
            .filesystem()
            .list(&s("session_id"), &s("path"))
            .await
            .map(drop),
        other => panic!("unknown call {other}"),
    }
}

/// The vectors' error-kind names for the Rust error variants.
fn kind_of(e: &Error) -> &'static str {
    match e.kind() {
        "Validation" => "validation",
        "Authentication" => "authentication",
        "Permission" => "permission",
        "NotFound" => "not_found",
        "Conflict" => "conflict",
        "RateLimited" => "rate_limited",
        "Api" | "Server" => "api",
        "Network" | "Timeout" => "network",
        other => panic!("unexpected error kind {other}: {e}"),
    }
}

fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(v, av))),
        _ => expected == actual,
    }
}

#[tokio::test]
async fn http_requests() {
    let cs = ConformanceServer::start();
    let v = vectors("http_requests.json");
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let e = &c["expect"];
        let script = cs
            .script(json!({
                "routes": [[e["method"], e["path"], [c["response"]]]],
                "default": v["default_response"],
            }))
            .await;
        let sdk = client(&v, &script.base_url);
        call(&sdk, c["call"].as_str().unwrap(), &c["args"])
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let captured = script.captured().await;
        let req = captured
            .iter()
            .find(|r| r.method == e["method"] && r.path == e["path"])
            .unwrap_or_else(|| panic!("{name}: no matching request in {captured:#?}"));
        let want_query: Vec<(String, String)> = e["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect();
        assert_eq!(req.query, want_query, "{name}: query");
        if let Some(h) = e["headers"].as_object() {
            for (k, want) in h {
                assert_eq!(
                    req.headers.get(k).map(String::as_str),
                    want.as_str(),
                    "{name}: header {k}"
                );
            }
        }
        if let Some(p) = e["user_agent_pattern"].as_str() {
            let ua = req.headers.get("user-agent").cloned().unwrap_or_default();
            assert!(
                ua.starts_with("everruns-rust-sdk/"),
                "{name}: user-agent {ua} ({p})"
            );
            assert_eq!(
                req.headers.get("x-sdk-version"),
                Some(&ua),
                "{name}: x-sdk-version"
            );
        }
        if let Some(b) = e.get("body_subset") {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            assert!(subset(b, &body), "{name}: body {body} lacks {b}");
        }
        script.stop().await;
    }
    for c in v["rejected_before_sending"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let script = cs.script(json!({"default": v["default_response"]})).await;
        let sdk = client(&v, &script.base_url);
        let err = call(&sdk, c["call"].as_str().unwrap(), &c["args"])
            .await
            .expect_err(name);
        assert_eq!(
            kind_of(&err),
            c["error_kind"].as_str().unwrap(),
            "{name}: {err}"
        );
        assert!(
            script.captured().await.is_empty(),
            "{name}: a request was sent"
        );
        script.stop().await;
    }
}

#[tokio::test]
async fn http_retries() {
    let cs = ConformanceServer::start();
    let v = vectors("http_retries.json");
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let m = &c["match"];
        let script = cs
            .script(json!({
                "routes": [[m["method"], m["path"], c["responses"]]],
                "default": v["default_response"],
            }))
            .await;
        let sdk = client(&v, &script.base_url);
        let result = call(&sdk, c["call"].as_str().unwrap(), &c["args"]).await;
        let attempts = script
            .captured()
            .await
            .iter()
            .filter(|r| r.method == m["method"] && r.path == m["path"])
            .count();
        let e = &c["expect"];
        assert_eq!(
            attempts as u64,
            e["attempts"].as_u64().unwrap(),
            "{name}: attempts ({result:?})"
        );
        match e["outcome"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{name}: {result:?}"),
            _ => {
                let err = result.expect_err(name);
                assert_eq!(
                    kind_of(&err),
                    e["error_kind"].as_str().unwrap(),
                    "{name}: {err}"
                );
                if let Some(s) = e["error_status"].as_u64() {
                    assert_eq!(err.status(), Some(s as u16), "{name}");
                }
                if let Some(code) = e["error_code"].as_str() {
                    assert_eq!(err.code(), code, "{name}");
                }
                if let Some(msg) = e["error_message"].as_str() {
                    assert_eq!(err.message(), msg, "{name}");
                }
                if let Some(id) = e["error_request_id"].as_str() {
                    assert_eq!(err.request_id(), Some(id), "{name}");
                }
            }
        }
        script.stop().await;
    }
}

#[tokio::test]
async fn sse_streams() {
    let cs = ConformanceServer::start();
    let v = vectors("sse_streams.json");
    let sid = v["session_id"].as_str().unwrap();
    let so = &v["stream_options"];
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let script = cs
            .script(json!({
                "sse_connections": c["connections"],
                "default": v["default_response"],
            }))
            .await;
        let sdk = client(&v, &script.base_url);
        let o = &c["options"];
        let mut opts = StreamOptions::new()
            .from_beginning()
            .backoff(
                Duration::from_millis(so["initial_backoff_ms"].as_u64().unwrap()),
                Duration::from_millis(so["max_backoff_ms"].as_u64().unwrap()),
            )
            .types(strs(&o["types"]))
            .exclude(strs(&o["exclude"]));
        if let Some(ms) = o["liveness_timeout_ms"].as_u64() {
            opts = opts.liveness_timeout(Duration::from_millis(ms));
        }
        let mut stream = sdk.events().stream(sid, opts);
        let (mut ids, mut types, mut error) = (Vec::new(), Vec::new(), None);
        let stop_after = c["stop_after_type"].as_str();
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(ev) => {
                        ids.push(ev.id.clone());
                        types.push(ev.event_type.clone());
                        if Some(ev.event_type.as_str()) == stop_after {
                            break;
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        })
        .await;
        assert!(outcome.is_ok(), "{name}: timed out with ids {ids:?}");
        let e = &c["expect"];
        assert_eq!(ids, strs(&e["ids"]), "{name}: ids");
        if e.get("types").is_some() {
            assert_eq!(types, strs(&e["types"]), "{name}: types");
        }
        let connections: Vec<Captured> = script
            .captured()
            .await
            .iter()
            .filter(|r| r.path.ends_with("/sse"))
            .cloned()
            .collect();
        let since: Vec<Option<String>> = connections
            .iter()
            .map(|r| {
                r.query
                    .iter()
                    .find(|(k, _)| k == "since_id")
                    .map(|(_, v)| v.clone())
            })
            .collect();
        let want_since: Vec<Option<String>> = e["since_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect();
        assert_eq!(since, want_since, "{name}: since_id per connection");
        if let Some(q) = e["query_first"].as_array() {
            let filters: Vec<(String, String)> = connections[0]
                .query
                .iter()
                .filter(|(k, _)| k == "types" || k == "exclude")
                .cloned()
                .collect();
            let want: Vec<(String, String)> = q
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect();
            assert_eq!(filters, want, "{name}: filters");
        }
        if let Some(n) = e["retry_count"].as_u64() {
            assert_eq!(stream.retry_count() as u64, n, "{name}: retry_count");
        }
        match e["error_kind"].as_str() {
            Some(kind) => {
                let err = error.unwrap_or_else(|| panic!("{name}: expected an error"));
                assert_eq!(kind_of(&err), kind, "{name}: {err}");
                if let Some(code) = e["error_code"].as_str() {
                    assert_eq!(err.code(), code, "{name}");
                }
            }
            None => assert!(error.is_none(), "{name}: {error:?}"),
        }
        drop(stream);
        script.stop().await;
    }
}
