//! Dev options: default llmsim scripts by agent name (`--llmsim-scripts`) and the `web_fetch`
//! allow-list (`--web-fetch-allow`), against the real binary.

mod common;

use std::io::{Read, Write};

use common::{Opts, Server};
use serde_json::{json, Value};

/// A one-request-per-connection HTTP server answering `body` to everything.
fn tiny_http(body: &'static str) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr.to_string()
}

fn tool_completed(events: &[Value]) -> Value {
    events
        .iter()
        .find(|e| e["type"] == "tool.completed")
        .cloned()
        .expect("a tool.completed event")
}

fn final_text(events: &[Value]) -> String {
    events
        .iter()
        .rev()
        .find(|e| e["type"] == "output.message.completed")
        .and_then(|e| e["data"]["message"]["content"][0]["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

async fn session_of(server: &Server, agent_name: &str) -> String {
    let (s, a) = server
        .post(
            "/agents",
            json!({"name": agent_name, "system_prompt": "You help.", "capabilities": ["web_fetch"]}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, sess) = server.post("/sessions", json!({"agent_id": a["id"]})).await;
    assert_eq!(s, 201, "{sess}");
    sess["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn scripts_by_agent_name_and_web_fetch_allow_list() {
    let upstream = tiny_http(r#"{"top":[1,2,3]}"#);
    let dir = tempfile::tempdir().unwrap();
    let fetch = |id: &str| {
        json!({"steps": [
            {"tool_calls": [{"id": id, "name": "web_fetch", "arguments": {"url": format!("http://{upstream}/top.json")}}]},
            {"text": "fetched"}
        ]})
    };
    std::fs::write(dir.path().join("fetcher.json"), fetch("call_1").to_string()).unwrap();
    std::fs::write(
        dir.path().join("greeter.json"),
        json!({"steps": [{"text": "Hello from the scripts directory.\nSecond line."}]}).to_string(),
    )
    .unwrap();

    let mut opts = Opts::dev();
    opts.args = vec![
        "--llmsim-scripts".into(),
        dir.path().display().to_string(),
        "--web-fetch-allow".into(),
        upstream.clone(),
    ];
    let server = Server::start(opts);

    // The agent named `greeter` plays greeter.json.
    let sid = session_of(&server, "greeter").await;
    server.say(&sid, "hi").await;
    let events = server.wait_terminals(&sid, 1).await;
    assert_eq!(
        final_text(&events),
        "Hello from the scripts directory.\nSecond line."
    );

    // `fetcher` fetches the allow-listed loopback server.
    let sid = session_of(&server, "fetcher").await;
    server.say(&sid, "fetch").await;
    let events = server.wait_terminals(&sid, 1).await;
    let done = tool_completed(&events);
    assert_eq!(done["data"]["success"], true, "{done}");
    assert!(
        done.to_string().contains("top"),
        "the fetched body reaches the model: {done}"
    );

    // An agent without a script file keeps the default simulator reply.
    let sid = session_of(&server, "unscripted").await;
    server.say(&sid, "hi").await;
    let events = server.wait_terminals(&sid, 1).await;
    assert!(!final_text(&events).contains("scripts directory"));
}

#[tokio::test]
async fn loopback_fetch_is_refused_without_the_allow_list() {
    let upstream = tiny_http(r#"{"top":[1]}"#);
    let server = Server::start(Opts::dev());
    let sid = session_of(&server, "fetcher").await;
    server
        .script(
            &sid,
            json!({"steps": [
                {"tool_calls": [{"id": "c1", "name": "web_fetch", "arguments": {"url": format!("http://{upstream}/top.json")}}]},
                {"text": "done"}
            ]}),
        )
        .await;
    server.say(&sid, "fetch").await;
    let events = server.wait_terminals(&sid, 1).await;
    let done = tool_completed(&events);
    assert_eq!(done["data"]["success"], false, "{done}");
    assert!(
        done.to_string().contains("allow"),
        "the error says how to allow it: {done}"
    );
}

#[test]
fn a_broken_script_file_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{ not json").unwrap();
    let db = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::bin())
        .args(["--dev", "--addr", "127.0.0.1:0", "--database-url"])
        .arg(common::db_url(db.path()))
        .arg("--llmsim-scripts")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("bad.json is not an llmsim script"), "{text}");
}
