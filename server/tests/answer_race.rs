//! Concurrent answers to one waiting turn: exactly one is accepted, every other gets a clear
//! 409, and the event log holds the results once. On PostgreSQL the answers go through two API
//! processes of one deployment (the lock must hold across processes); on SQLite through one.

mod common;

use common::{Opts, Server};
use serde_json::{json, Value};

fn on_postgres() -> bool {
    std::env::var("EVERRUNS_TEST_BACKEND").as_deref() == Ok("postgres")
}

#[tokio::test]
async fn concurrent_tool_results_are_accepted_once() {
    let a = Server::start(Opts::dev());
    // A second API process on the same database (PostgreSQL only: SQLite has one process).
    let b = on_postgres().then(|| {
        Server::start_in(
            &a.dir,
            Opts {
                dev: true,
                args: vec!["--no-worker".into()],
                ..Default::default()
            },
        )
    });
    let (st, agent) = a
        .post(
            "/agents",
            json!({"name": format!("race-{}", common::rand_suffix()), "system_prompt": "x",
                   "tools": [{"type": "client_side", "name": "get_location",
                              "description": "Where", "parameters": {"type": "object", "properties": {}}}]}),
        )
        .await;
    assert_eq!(st, 201, "{agent}");
    let (st, sess) = a.post("/sessions", json!({"agent_id": agent["id"]})).await;
    assert_eq!(st, 201, "{sess}");
    let sid = sess["id"].as_str().unwrap().to_string();
    a.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [{"id": "call_loc", "name": "get_location", "arguments": {}}]},
            {"text": "You are in Paris."}
        ]}),
    )
    .await;
    a.say(&sid, "Where am I?").await;
    a.wait_event(&sid, "tool.call_requested").await;

    let path = format!("/sessions/{sid}/tool-results");
    let body = json!({"tool_results": [{"tool_call_id": "call_loc", "result": {"city": "Paris"}}]});
    let mut calls = Vec::new();
    for i in 0..16 {
        let target = match (&b, i % 2) {
            (Some(b), 1) => b,
            _ => &a,
        };
        calls.push(target.post(&path, body.clone()));
    }
    let replies: Vec<(u16, Value)> = futures::future::join_all(calls).await;
    let ok = replies
        .iter()
        .filter(|(st, _)| (200..300).contains(st))
        .count();
    assert_eq!(ok, 1, "exactly one answer accepted: {replies:?}");
    for (st, body) in replies.iter().filter(|(st, _)| !(200..300).contains(st)) {
        assert_eq!(*st, 409, "{body}");
        let msg = body.to_string();
        assert!(
            msg.contains("already") || msg.contains("not waiting"),
            "a clear conflict: {body}"
        );
    }
    a.wait_terminals(&sid, 1).await;
    let events = a.events(&sid).await;
    let results = events
        .iter()
        .filter(|e| e["type"] == "tool.completed" && e["data"]["tool_call_id"] == "call_loc")
        .count();
    assert_eq!(results, 1, "the result is stored once");
    assert_eq!(
        events.iter().filter(|e| common::is_terminal(e)).count(),
        1,
        "one terminal event"
    );
}
