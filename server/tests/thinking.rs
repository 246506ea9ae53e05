//! llmsim scripts thinking: `reason.thinking.*` events on the real server, and the thinking
//! kept in the agent message.

mod common;

use common::{Opts, Server};
use serde_json::json;

#[tokio::test]
async fn llmsim_thinking_reaches_events_and_history() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.script(
        &sid,
        json!({"steps": [{"thinking": "The user greets me; greet back.", "text": "Hello!"}]}),
    )
    .await;
    s.say(&sid, "hi").await;
    let ev = s.wait_terminals(&sid, 1).await;
    let types: Vec<&str> = ev.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let started = types
        .iter()
        .position(|t| *t == "reason.thinking.started")
        .unwrap();
    let completed = types
        .iter()
        .position(|t| *t == "reason.thinking.completed")
        .unwrap();
    let first_text = types
        .iter()
        .position(|t| *t == "output.message.delta")
        .unwrap();
    assert!(started < completed && completed < first_text);
    let thought: String = ev
        .iter()
        .filter(|e| e["type"] == "reason.thinking.delta")
        .map(|e| e["data"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(thought, "The user greets me; greet back.");
    assert_eq!(ev[completed]["data"]["thinking"], thought.as_str());
    // SSE type filters know the types
    let (st, b) = s
        .get(&format!(
            "/sessions/{sid}/events?types=reason.thinking.completed"
        ))
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"].as_array().unwrap().len(), 1);
    let (_, msgs) = s.get(&format!("/sessions/{sid}/messages")).await;
    let agent = &msgs["data"][1];
    assert_eq!(agent["content"][0]["type"], "thinking");
    assert_eq!(agent["content"][0]["thinking"], thought.as_str());
    assert_eq!(agent["content"][1]["text"], "Hello!");
}
