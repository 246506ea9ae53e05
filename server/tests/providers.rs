//! Real providers through the real server binary: the predefined OpenAI and Anthropic models,
//! keys and endpoints from flags / env vars, model selection (message → session → agent →
//! system default), and the errors for a missing key, an unknown default model and a bad URL.
//!
//! The providers are local HTTP servers speaking the OpenAI Chat Completions and Anthropic
//! Messages streaming wire protocols.

mod common;
/// The runtime tests' local HTTP/1.1 server (records requests, answers from a handler).
#[path = "../../runtime/tests/common/http.rs"]
#[allow(dead_code)]
mod provider_http;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{bin, db_url, Opts, Server};
use provider_http::{serve, Request, Response};
use serde_json::{json, Value};

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

/// Opts with every provider setting cleared (an empty env var counts as unset), plus `env`.
fn opts(dev: bool, env: &[(&str, &str)], args: &[&str]) -> Opts {
    let mut o = Opts {
        dev,
        ..Default::default()
    };
    for k in [
        "DEFAULT_OPENAI_API_KEY",
        "DEFAULT_ANTHROPIC_API_KEY",
        "EVERRUNS_OPENAI_BASE_URL",
        "EVERRUNS_ANTHROPIC_BASE_URL",
        "EVERRUNS_DEFAULT_MODEL",
        "EVERRUNS_EXTRA_MODELS",
    ] {
        o = o.env(k, "");
    }
    for (k, v) in env {
        o = o.env(k, v);
    }
    o.args = args.iter().map(|s| s.to_string()).collect();
    o
}

/// The id of the catalogue model with provider-side name `name`.
async fn model_id(s: &Server, name: &str) -> String {
    let (st, m) = s.get("/models").await;
    assert_eq!(st, 200, "{m}");
    m["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model_id"] == name)
        .unwrap_or_else(|| panic!("model {name} listed: {m}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn agent(s: &Server, name: &str, default_model_id: Option<&str>) -> String {
    let mut body = json!({
        "name": name,
        "system_prompt": "You are terse.",
        "capabilities": ["session_file_system"],
    });
    if let Some(m) = default_model_id {
        body["default_model_id"] = json!(m);
    }
    let (st, a) = s.post("/agents", body).await;
    assert_eq!(st, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn session(s: &Server, agent_id: &str, model_id: Option<&str>) -> String {
    let mut body = json!({"agent_id": agent_id});
    if let Some(m) = model_id {
        body["model_id"] = json!(m);
    }
    let (st, b) = s.post("/sessions", body).await;
    assert_eq!(st, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

async fn say(s: &Server, sid: &str, text: &str, controls: Option<Value>) {
    let mut body =
        json!({"message": {"role": "user", "content": [{"type": "text", "text": text}]}});
    if let Some(c) = controls {
        body["controls"] = c;
    }
    let (st, m) = s.post(&format!("/sessions/{sid}/messages"), body).await;
    assert_eq!(st, 201, "{m}");
}

fn of_type<'a>(events: &'a [Value], ty: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == ty).collect()
}

fn final_text(events: &[Value]) -> String {
    let done = of_type(events, "output.message.completed");
    let last = done.last().expect("an output.message.completed");
    last["data"]["message"]["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["text"].as_str())
        .collect()
}

/// Which request of the fake provider a turn made (the text of its last user message).
fn last_user_text_openai(req: &Request) -> String {
    let body = req.json();
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| match &m["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
            _ => String::new(),
        })
        .unwrap_or_default()
}

/// The fake OpenAI: a `write_file` tool call for "write the note", then a final answer once
/// the tool result is in the history; a plain streamed answer otherwise.
fn openai_reply(req: &Request) -> Response {
    let body = req.json();
    let msgs = body["messages"].as_array().unwrap();
    let model = body["model"].as_str().unwrap_or_default().to_string();
    let frames = if msgs.last().is_some_and(|m| m["role"] == "tool") {
        vec![
            (
                "",
                json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Saved "}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{"content":"the note."},"finish_reason":"stop"}]}),
            ),
            (
                "",
                json!({"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":4}}),
            ),
        ]
    } else if last_user_text_openai(req).contains("write the note") {
        vec![
            (
                "",
                json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Writing.\n"}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_w1","type":"function","function":{"name":"write_file","arguments":"{\"path\":\"/notes.txt\","}}]}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"content\":\"from the fake OpenAI\"}"}}]}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
            ),
        ]
    } else {
        vec![
            (
                "",
                json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello from "}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{"content":model}}]}),
            ),
            (
                "",
                json!({"choices":[{"index":0,"delta":{"content":"."},"finish_reason":"stop"}]}),
            ),
        ]
    };
    let mut b = sse(&frames);
    b.extend_from_slice(b"data: [DONE]\n\n");
    Response::new(200, "text/event-stream", b)
}

#[tokio::test]
async fn openai_turns_pick_the_model_of_message_session_agent() {
    let provider = serve(|req, _| openai_reply(req)).await;
    // key from the env var, endpoint as an API root from the env var (…/chat/completions is
    // appended); dev mode keeps llmsim as the system default
    let root = provider.url("/v1");
    let s = Server::start(opts(
        true,
        &[
            ("DEFAULT_OPENAI_API_KEY", "sk-test-openai"),
            ("EVERRUNS_OPENAI_BASE_URL", &root),
        ],
        &["--extra-model", "openai:gpt-4o,anthropic:claude-opus-4-1"],
    ));

    // the predefined catalogue
    let (st, m) = s.get("/models?source=predefined").await;
    assert_eq!(st, 200, "{m}");
    let data = m["data"].as_array().unwrap();
    for (name, ty) in [
        ("llmsim-model", "llmsim"),
        ("gpt-4.1-mini", "openai"),
        ("gpt-4o-mini", "openai"),
        ("gpt-5-mini", "openai"),
        ("claude-sonnet-4-5", "anthropic"),
        ("claude-haiku-4-5", "anthropic"),
    ] {
        let e = data
            .iter()
            .find(|m| m["model_id"] == name)
            .unwrap_or_else(|| panic!("{name} listed: {m}"));
        assert_eq!(e["provider_type"], ty, "{e}");
        assert_eq!(e["source"], "predefined", "{e}");
        assert!(e["id"].as_str().unwrap().starts_with("model_"), "{e}");
        assert!(
            e["provider_id"].as_str().unwrap().starts_with("provider_"),
            "{e}"
        );
        assert!(!e["display_name"].as_str().unwrap().is_empty(), "{e}");
        assert_eq!(e["is_default"], name == "llmsim-model", "{e}");
    }
    let gpt41 = model_id(&s, "gpt-4.1-mini").await;
    let gpt4o = model_id(&s, "gpt-4o-mini").await;
    let gpt5 = model_id(&s, "gpt-5-mini").await;
    let (st, one) = s.get(&format!("/models/{gpt41}")).await;
    assert_eq!((st, one["model_id"].as_str()), (200, Some("gpt-4.1-mini")));
    assert_eq!(one["provider_name"], "OpenAI");

    // 1. the agent's default model, with a tool round trip
    let a = agent(&s, "openai-agent", Some(&gpt41)).await;
    let sid = session(&s, &a, None).await;
    say(&s, &sid, "Please write the note.", None).await;
    let ev = s.wait_terminals(&sid, 1).await;
    assert_eq!(of_type(&ev, "turn.completed").len(), 1, "{ev:#?}");
    assert_eq!(final_text(&ev), "Saved the note.");
    let tool = of_type(&ev, "tool.completed");
    assert_eq!(tool.len(), 1, "{ev:#?}");
    assert_eq!(tool[0]["data"]["tool_name"], "write_file", "{}", tool[0]);
    let gen = of_type(&ev, "llm.generation");
    assert_eq!(gen[0]["data"]["metadata"]["model"], "gpt-4.1-mini");
    assert_eq!(gen[0]["data"]["metadata"]["provider"], "openai");
    // the tool really ran: the file is in the session's workspace
    let (st, f) = s.get(&format!("/sessions/{sid}/fs/notes.txt")).await;
    assert_eq!(st, 200, "{f}");
    assert!(f.to_string().contains("from the fake OpenAI"), "{f}");

    let reqs = provider.requests();
    assert_eq!(reqs.len(), 2, "one call for the tool, one for the answer");
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.header("authorization"), Some("Bearer sk-test-openai"));
        let b = r.json();
        assert_eq!(b["model"], "gpt-4.1-mini");
        assert_eq!(b["stream"], true);
        assert_eq!(b["messages"][0]["role"], "system");
        let tools: Vec<&str> = b["tools"]
            .as_array()
            .expect("tools sent")
            .iter()
            .map(|t| {
                assert_eq!(t["type"], "function");
                assert!(t["function"]["parameters"].is_object(), "{t}");
                t["function"]["name"].as_str().unwrap()
            })
            .collect();
        assert!(tools.contains(&"write_file"), "{tools:?}");
    }
    let second = reqs[1].json();
    let msgs = second["messages"].as_array().unwrap();
    let tool_msg = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result sent");
    assert_eq!(tool_msg["tool_call_id"], "call_w1");
    let assistant = msgs
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("assistant call in history");
    assert_eq!(assistant["tool_calls"][0]["function"]["name"], "write_file");

    // 2. the session's model_id overrides the agent's
    let sid2 = session(&s, &a, Some(&gpt4o)).await;
    say(&s, &sid2, "Hi.", None).await;
    let ev = s.wait_terminals(&sid2, 1).await;
    assert_eq!(final_text(&ev), "Hello from gpt-4o-mini.");
    // 3. the message's controls.model_id overrides both
    say(&s, &sid2, "Hi again.", Some(json!({"model_id": gpt5}))).await;
    let ev = s.wait_terminals(&sid2, 2).await;
    assert_eq!(final_text(&ev), "Hello from gpt-5-mini.");
    let models: Vec<String> = provider.requests()[2..]
        .iter()
        .map(|r| r.json()["model"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(models, ["gpt-4o-mini", "gpt-5-mini"]);

    // 4. a model added with --extra-model (source manual, stable id)
    let (_, manual) = s.get("/models?source=manual").await;
    let mut names: Vec<&str> = manual["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model_id"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["claude-opus-4-1", "gpt-4o"], "{manual}");
    let gpt4 = model_id(&s, "gpt-4o").await;
    let sid4 = session(&s, &a, Some(&gpt4)).await;
    say(&s, &sid4, "Hi.", None).await;
    let ev = s.wait_terminals(&sid4, 1).await;
    assert_eq!(final_text(&ev), "Hello from gpt-4o.");
    assert_eq!(provider.requests().len(), 5);

    // 5. no model anywhere: the dev default (llmsim) answers, the provider is not called
    let plain = agent(&s, "plain-agent", None).await;
    let sid3 = session(&s, &plain, None).await;
    say(&s, &sid3, "Hi.", None).await;
    let ev = s.wait_terminals(&sid3, 1).await;
    assert_eq!(of_type(&ev, "turn.completed").len(), 1, "{ev:#?}");
    assert_eq!(
        of_type(&ev, "llm.generation")[0]["data"]["metadata"]["provider"],
        "llmsim"
    );
    assert_eq!(provider.requests().len(), 5);
}

/// The fake Anthropic: a streamed text answer naming the model.
fn anthropic_reply(req: &Request) -> Response {
    let b = req.json();
    let model = b["model"].as_str().unwrap_or_default().to_string();
    let body = sse(&[
        (
            "message_start",
            json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":model,"content":[],"usage":{"input_tokens":12,"output_tokens":1}}}),
        ),
        (
            "content_block_start",
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
        ("ping", json!({"type":"ping"})),
        (
            "content_block_delta",
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonjour from "}}),
        ),
        (
            "content_block_delta",
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":model}}),
        ),
        (
            "content_block_stop",
            json!({"type":"content_block_stop","index":0}),
        ),
        (
            "message_delta",
            json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}),
        ),
        ("message_stop", json!({"type":"message_stop"})),
    ]);
    Response::new(200, "text/event-stream", body)
}

#[tokio::test]
async fn anthropic_default_model_without_dev() {
    let provider = serve(|req, _| anthropic_reply(req)).await;
    // not dev: only an Anthropic key (flag) → the system default is claude-sonnet-4-5
    let root = provider.url("");
    let mut s = Server::start(opts(
        false,
        &[],
        &[
            "--anthropic-api-key",
            "sk-ant-test",
            "--anthropic-base-url",
            &root,
        ],
    ));
    let out = Command::new(bin())
        .args(["--database-url", &db_url(&s.dir), "keys", "create"])
        .output()
        .expect("keys create");
    assert!(out.status.success(), "{out:?}");
    s.token = Some(String::from_utf8(out.stdout).unwrap().trim().to_string());

    let (_, m) = s.get("/models").await;
    let defaults: Vec<&str> = m["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_default"] == true)
        .map(|m| m["model_id"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["claude-sonnet-4-5"]);

    let a = agent(&s, "claude-agent", None).await;
    let sid = session(&s, &a, None).await;
    say(&s, &sid, "Salut.", None).await;
    let ev = s.wait_terminals(&sid, 1).await;
    assert_eq!(of_type(&ev, "turn.completed").len(), 1, "{ev:#?}");
    assert_eq!(final_text(&ev), "Bonjour from claude-sonnet-4-5");
    let gen = of_type(&ev, "llm.generation");
    assert_eq!(gen[0]["data"]["metadata"]["provider"], "anthropic");

    // the agent's model (haiku) wins over the system default
    let haiku = model_id(&s, "claude-haiku-4-5").await;
    let a2 = agent(&s, "haiku-agent", Some(&haiku)).await;
    let sid2 = session(&s, &a2, None).await;
    say(&s, &sid2, "Salut.", None).await;
    let ev = s.wait_terminals(&sid2, 1).await;
    assert_eq!(final_text(&ev), "Bonjour from claude-haiku-4-5");

    let reqs = provider.requests();
    assert_eq!(reqs.len(), 2);
    for (r, model) in reqs.iter().zip(["claude-sonnet-4-5", "claude-haiku-4-5"]) {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.header("x-api-key"), Some("sk-ant-test"));
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(r.header("authorization"), None);
        let b = r.json();
        assert_eq!(b["model"], model);
        assert_eq!(b["stream"], true);
        assert_eq!(
            b["system"].as_str().map(|s| s.contains("You are terse.")),
            Some(true)
        );
        assert_eq!(b["messages"][0]["role"], "user");
        let tools = b["tools"].as_array().expect("tools sent");
        let write = tools
            .iter()
            .find(|t| t["name"] == "write_file")
            .expect("write_file offered");
        assert!(write["input_schema"].is_object(), "{write}");
    }
}

#[tokio::test]
async fn missing_key_fails_the_turn_and_names_the_setting() {
    let s = Server::start(opts(true, &[], &["--default-model", "gpt-4o-mini"]));
    let (_, m) = s.get("/models").await;
    let defaults: Vec<&str> = m["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_default"] == true)
        .map(|m| m["model_id"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["gpt-4o-mini"], "--default-model wins over --dev");

    // the system default (OpenAI, no key)
    let a = agent(&s, "keyless", None).await;
    let sid = session(&s, &a, None).await;
    say(&s, &sid, "Hi.", None).await;
    let ev = s.wait_terminals(&sid, 1).await;
    let failed = of_type(&ev, "turn.failed");
    assert_eq!(failed.len(), 1, "{ev:#?}");
    let err = failed[0]["data"]["error"].as_str().unwrap();
    assert!(
        err.contains("DEFAULT_OPENAI_API_KEY") && err.contains("--openai-api-key"),
        "{err}"
    );
    assert_eq!(failed[0]["data"]["error_code"], "llm_error");
    let msg = of_type(&ev, "output.message.completed");
    assert_eq!(msg[0]["data"]["message"]["metadata"]["error_kind"], "auth");
    assert_eq!(of_type(&ev, "session.idled").len(), 1);

    // an Anthropic model chosen by the message, no key
    let sonnet = model_id(&s, "claude-sonnet-4-5").await;
    say(&s, &sid, "Hi.", Some(json!({"model_id": sonnet}))).await;
    let ev = s.wait_terminals(&sid, 2).await;
    let failed = of_type(&ev, "turn.failed");
    assert_eq!(failed.len(), 2, "{ev:#?}");
    let err = failed[1]["data"]["error"].as_str().unwrap();
    assert!(
        err.contains("DEFAULT_ANTHROPIC_API_KEY") && err.contains("--anthropic-api-key"),
        "{err}"
    );
    // the session is usable afterwards: llmsim chosen by the message still answers
    let sim = model_id(&s, "llmsim-model").await;
    say(&s, &sid, "Hi.", Some(json!({"model_id": sim}))).await;
    let ev = s.wait_terminals(&sid, 3).await;
    assert_eq!(of_type(&ev, "turn.completed").len(), 1, "{ev:#?}");
}

/// Runs the binary and expects it to exit (not serve) with an error on stderr.
fn refuses_to_start(extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin());
    cmd.args([
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &db_url(dir.path()),
    ])
    .args(extra)
    .env("EVERRUNS_DEFAULT_MODEL", "")
    .env("EVERRUNS_OPENAI_BASE_URL", "")
    .env("EVERRUNS_ANTHROPIC_BASE_URL", "")
    .env("EVERRUNS_EXTRA_MODELS", "")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    for _ in 0..1200 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            assert!(!status.success(), "exit status {status}");
            assert!(!out.contains("listening on"), "it served: {out}");
            return err;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the server did not exit");
}

#[test]
fn unknown_default_model_or_bad_url_stops_the_server() {
    let err = refuses_to_start(&["--default-model", "gpt-9-ultra"], &[]);
    assert!(err.contains("gpt-9-ultra"), "{err}");
    assert!(err.contains("--default-model"), "{err}");
    assert!(err.contains("gpt-4.1-mini"), "lists the known names: {err}");

    let err = refuses_to_start(&[], &[("EVERRUNS_DEFAULT_MODEL", "claude-opus-99")]);
    assert!(err.contains("claude-opus-99"), "{err}");

    let err = refuses_to_start(&["--dev", "--openai-base-url", "localhost:8080/v1"], &[]);
    assert!(err.contains("--openai-base-url"), "{err}");

    let err = refuses_to_start(&["--dev", "--anthropic-base-url", "ftp://x"], &[]);
    assert!(err.contains("--anthropic-base-url"), "{err}");

    let err = refuses_to_start(&["--dev", "--extra-model", "mistral:large"], &[]);
    assert!(err.contains("openai:NAME or anthropic:NAME"), "{err}");

    let err = refuses_to_start(&["--dev", "--default-model", "openai:"], &[]);
    assert!(err.contains("PROVIDER:NAME"), "{err}");
}

#[tokio::test]
async fn default_model_given_as_provider_and_name() {
    let provider = serve(|req, _| anthropic_reply(req)).await;
    let messages_url = provider.url("/v1/messages");
    let s = Server::start(opts(
        true,
        &[
            ("DEFAULT_ANTHROPIC_API_KEY", "sk-ant-env"),
            ("EVERRUNS_ANTHROPIC_BASE_URL", &messages_url),
            ("EVERRUNS_DEFAULT_MODEL", "anthropic:claude-opus-4-1"),
        ],
        &[],
    ));
    let (_, m) = s.get("/models").await;
    let default: Vec<&Value> = m["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_default"] == true)
        .collect();
    assert_eq!(default.len(), 1, "{m}");
    assert_eq!(default[0]["model_id"], "claude-opus-4-1");
    assert_eq!(default[0]["source"], "manual");
    assert_eq!(default[0]["provider_type"], "anthropic");

    let a = agent(&s, "opus-agent", None).await;
    let sid = session(&s, &a, None).await;
    say(&s, &sid, "Salut.", None).await;
    let ev = s.wait_terminals(&sid, 1).await;
    assert_eq!(final_text(&ev), "Bonjour from claude-opus-4-1");
    let reqs = provider.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/messages");
    assert_eq!(reqs[0].header("x-api-key"), Some("sk-ant-env"));
    assert_eq!(reqs[0].json()["model"], "claude-opus-4-1");
}
