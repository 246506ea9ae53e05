//! Provider connections and session secrets on the real server (SQLite, or PostgreSQL with
//! `EVERRUNS_TEST_BACKEND=postgres`): a connection's key is what the (local, OpenAI- and
//! Anthropic-wire) provider receives, before the server's environment; it is never returned,
//! never stored in clear and never logged. Session secrets reach the session's bash tool and no
//! event or answer.

mod common;
/// The runtime tests' local HTTP/1.1 server (records requests, answers from a handler).
#[path = "../../runtime/tests/common/http.rs"]
#[allow(dead_code)]
mod provider_http;

use common::{assert_error, Opts, Server};
use provider_http::{serve, Request, Response};
use serde_json::{json, Value};

const ENV_OPENAI: &str = "sk-env-openai-0000";
const CONN_OPENAI: &str = "sk-conn-openai-SECRET-7f3a9c";
const CONN_ANTHROPIC: &str = "sk-ant-conn-SECRET-55e1b2";

fn sse(frames: &[(&str, Value)]) -> Vec<u8> {
    let mut out = String::new();
    for (event, data) in frames {
        if !event.is_empty() {
            out.push_str(&format!("event: {event}\n"));
        }
        out.push_str(&format!("data: {data}\n\n"));
    }
    out.into_bytes()
}

/// One local server speaking both wires: OpenAI Chat Completions and Anthropic Messages.
fn reply(req: &Request) -> Response {
    if req.path.ends_with("/messages") {
        let body = sse(&[
            (
                "message_start",
                json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":3,"output_tokens":1}}}),
            ),
            (
                "content_block_start",
                json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            ),
            (
                "content_block_delta",
                json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi from Anthropic."}}),
            ),
            (
                "content_block_stop",
                json!({"type":"content_block_stop","index":0}),
            ),
            (
                "message_delta",
                json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}),
            ),
            ("message_stop", json!({"type":"message_stop"})),
        ]);
        return Response::new(200, "text/event-stream", body);
    }
    let mut b = sse(&[
        (
            "",
            json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi from OpenAI."},"finish_reason":"stop"}]}),
        ),
        (
            "",
            json!({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}),
        ),
    ]);
    b.extend_from_slice(b"data: [DONE]\n\n");
    Response::new(200, "text/event-stream", b)
}

async fn model_id(s: &Server, name: &str) -> String {
    let (_, m) = s.get("/models").await;
    m["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model_id"] == name)
        .unwrap_or_else(|| panic!("model {name}: {m}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn turn_on(s: &Server, model: &str) {
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("conn-{}", common::rand_suffix()), "system_prompt": "Hi.",
                   "default_model_id": model}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (st, b) = s.post("/sessions", json!({"agent_id": a["id"]})).await;
    assert_eq!(st, 201, "{b}");
    let sid = b["id"].as_str().unwrap().to_string();
    s.say(&sid, "hello").await;
    let ev = s.wait_terminals(&sid, 1).await;
    assert!(ev.iter().any(|e| e["type"] == "turn.completed"), "{ev:#?}");
}

#[tokio::test]
async fn connection_keys_are_used_first_and_never_shown_stored_or_logged() {
    let provider = serve(|req, _| reply(req)).await;
    let root = provider.url("/v1");
    let (s, log) = Server::start_logged(
        Opts::dev()
            .env("EVERRUNS_LOG", "debug")
            .env("DEFAULT_OPENAI_API_KEY", ENV_OPENAI)
            .env("DEFAULT_ANTHROPIC_API_KEY", "")
            .env("EVERRUNS_OPENAI_BASE_URL", &root)
            .env("EVERRUNS_ANTHROPIC_BASE_URL", &provider.url("")),
    );
    let gpt = model_id(&s, "gpt-4.1-mini").await;
    let claude = model_id(&s, "claude-haiku-4-5").await;

    // no connection: the server's environment key
    turn_on(&s, &gpt).await;
    assert_eq!(
        provider.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {ENV_OPENAI}").as_str())
    );

    // a connection wins over the environment
    let (st, c) = s
        .post("/user/connections/openai", json!({"api_key": CONN_OPENAI}))
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["provider"], "openai");
    assert_eq!(c["connection_type"], "api_key");
    assert_eq!(c["key_hint"], "…3a9c", "{c}");
    assert!(
        c["created_at"].is_string() && c["updated_at"].is_string(),
        "{c}"
    );
    let (st, c) = s
        .post(
            "/user/connections/anthropic",
            json!({"api_key": CONN_ANTHROPIC}),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let (st, list) = s.get("/user/connections").await;
    assert_eq!(st, 200, "{list}");
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anthropic", "openai"]);
    let text = list.to_string();
    assert!(!text.contains("SECRET"), "the list shows no key: {text}");

    turn_on(&s, &gpt).await;
    assert_eq!(
        provider.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {CONN_OPENAI}").as_str())
    );
    // Anthropic had no key at all: the connection is the only one
    turn_on(&s, &claude).await;
    let last = provider.requests().last().unwrap().clone();
    assert_eq!(last.path, "/v1/messages");
    assert_eq!(last.header("x-api-key"), Some(CONN_ANTHROPIC));

    // replacing keeps created_at, moves updated_at
    let (_, again) = s
        .post(
            "/user/connections/openai",
            json!({"api_key": format!("{CONN_OPENAI}-2")}),
        )
        .await;
    assert_eq!(again["key_hint"], "…9c-2", "{again}");
    turn_on(&s, &gpt).await;
    assert_eq!(
        provider.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {CONN_OPENAI}-2").as_str())
    );

    // removed: back to the environment key
    let (st, _) = s.delete("/user/connections/openai").await;
    assert_eq!(st, 204);
    turn_on(&s, &gpt).await;
    assert_eq!(
        provider.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {ENV_OPENAI}").as_str())
    );

    // bad input
    let (st, e) = s.delete("/user/connections/openai").await;
    assert_error(st, &e, 404, "connection_not_found");
    let (st, e) = s
        .post("/user/connections/daytona", json!({"api_key": "k"}))
        .await;
    assert_error(st, &e, 400, "unknown_provider");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("openai, anthropic"),
        "{e}"
    );
    let (st, e) = s
        .post("/user/connections/openai", json!({"api_key": "  "}))
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s.post("/user/connections/openai", json!({})).await;
    assert_eq!(st, 400, "{e}");

    // never in clear in the database, never in the log
    let stored = String::from_utf8_lossy(&common::stored_bytes(&s.dir)).to_string();
    assert!(!stored.contains("SECRET"), "a key is stored in clear");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(log.contains("connection set"), "the log is captured: {log}");
    for k in [CONN_OPENAI, CONN_ANTHROPIC] {
        assert!(!log.contains(k), "a key is in the log");
    }
}

#[tokio::test]
async fn session_secrets_reach_bash_and_no_event() {
    let (s, log) = Server::start_logged(Opts::dev().env("EVERRUNS_LOG", "debug"));
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("sec-{}", common::rand_suffix()), "system_prompt": "Hi.",
                   "capabilities": ["virtual_bash"]}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (_, b) = s.post("/sessions", json!({"agent_id": a["id"]})).await;
    let sid = b["id"].as_str().unwrap().to_string();
    let secret = "ghp_SECRET_value_31337";
    let (st, r) = s
        .put(
            &format!("/sessions/{sid}/storage/secrets"),
            json!({"secrets": {"GITHUB_TOKEN": secret, "OTHER": "SECRET-two"}}),
        )
        .await;
    assert_eq!((st, r["count"].as_u64()), (200, Some(2)), "{r}");

    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [{"name": "bash", "arguments": {"command":
                "echo \"head=${GITHUB_TOKEN:0:4} len=${#GITHUB_TOKEN}\"; echo \"tok=$GITHUB_TOKEN\""}}]},
            {"text": "Done."}
        ]}),
    )
    .await;
    s.say(&sid, "use the token").await;
    let ev = s.wait_terminals(&sid, 1).await;
    let done = ev
        .iter()
        .find(|e| e["type"] == "tool.completed")
        .unwrap_or_else(|| panic!("{ev:#?}"));
    let out = done.to_string();
    assert!(
        out.contains("head=ghp_ len=22"),
        "bash saw the secret: {out}"
    );
    assert!(out.contains("tok=[REDACTED]"), "the value is masked: {out}");
    let all = serde_json::to_string(&s.events(&sid).await).unwrap();
    assert!(!all.contains("SECRET"), "a secret is in the events");
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert!(!sess.to_string().contains("SECRET"), "{sess}");
    let stored = String::from_utf8_lossy(&common::stored_bytes(&s.dir)).to_string();
    assert!(!stored.contains("SECRET"), "a secret is stored in clear");
    let log = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(log.contains("WARN"), "the log is captured: {log}");
    for v in [secret, "SECRET-two"] {
        assert!(!log.contains(v), "a secret is in the log");
    }

    // bad input
    let (st, e) = s
        .put(
            &format!("/sessions/{sid}/storage/secrets"),
            json!({"secrets": {"": "x"}}),
        )
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s
        .put(
            &format!("/sessions/{sid}/storage/secrets"),
            json!({"secrets": {"__everruns_x": "x"}}),
        )
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s
        .put(
            "/sessions/session_00000000000000000000000000000000/storage/secrets",
            json!({"secrets": {"A": "x"}}),
        )
        .await;
    assert_error(st, &e, 404, "session_not_found");
    let (st, e) = s
        .put(
            &format!("/sessions/{sid}/storage/secrets"),
            json!({"secrets": ["x"]}),
        )
        .await;
    assert_eq!(st, 400, "{e}");
}

#[tokio::test]
async fn without_a_key_outside_dev_mode_secrets_are_refused() {
    let mut s = Server::start(Opts::default().env("EVERRUNS_SECRET_KEY", ""));
    let out = std::process::Command::new(common::bin())
        .args([
            "--database-url",
            &common::db_url(&s.dir),
            "keys",
            "create",
            "--name",
            "t",
        ])
        .output()
        .expect("run keys");
    assert!(out.status.success(), "{out:?}");
    s.token = Some(String::from_utf8(out.stdout).unwrap().trim().to_string());
    let (st, e) = s
        .post(
            "/user/connections/openai",
            json!({"api_key": "sk-x-123456789"}),
        )
        .await;
    assert_error(st, &e, 503, "secret_key_missing");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("EVERRUNS_SECRET_KEY"),
        "{e}"
    );
    let (st, l) = s.get("/user/connections").await;
    assert_eq!(
        (st, l["data"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{l}"
    );
}
