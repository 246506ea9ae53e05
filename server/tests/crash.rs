//! Durability: kill -9 the real binary mid-turn, restart on the same database, and check the
//! turn ends with exactly one terminal event and the log has no duplicate or lost event.

mod common;

use std::collections::HashSet;

use common::{is_terminal, Opts, Server};
use serde_json::{json, Value};

fn check_log(ev: &[Value]) {
    let seqs: Vec<i64> = ev.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=ev.len() as i64).collect::<Vec<_>>(),
        "gap-free sequences"
    );
    let ids: HashSet<&str> = ev.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), ev.len(), "unique ids");
}

#[tokio::test]
async fn kill_mid_turn_then_restart_resumes_with_one_terminal() {
    let mut s = Server::start(Opts::dev());
    let dir = s.dir.clone();
    let sid = s.session().await;
    s.script(
        &sid,
        json!({"steps": [{"text": "survived the crash", "delay_ms": 2500}, {"text": "after restart"}]}),
    )
    .await;
    let msg = s.say(&sid, "work hard").await;
    s.say(&sid, "and then this").await; // queued behind the first turn
    let before = s.wait_event(&sid, "output.message.started").await;
    let turn_id = before
        .iter()
        .find(|e| e["type"] == "turn.started")
        .map(|e| e["data"]["turn_id"].as_str().unwrap().to_string())
        .unwrap();
    s.kill9();

    let s = Server::start_in(&dir, Opts::dev());
    let ev = s.wait_terminals(&sid, 2).await;
    check_log(&ev);
    // nothing stored before the crash was lost
    for (a, b) in before.iter().zip(ev.iter()) {
        assert_eq!(a, b, "pre-crash events kept verbatim");
    }
    let terms: Vec<&Value> = ev
        .iter()
        .filter(|e| is_terminal(e) && e["data"]["turn_id"] == turn_id.as_str())
        .collect();
    assert_eq!(
        terms.len(),
        1,
        "exactly one terminal for the interrupted turn: {terms:?}"
    );
    assert_eq!(terms[0]["type"], "turn.completed");
    let inputs: Vec<&Value> = ev.iter().filter(|e| e["type"] == "input.message").collect();
    assert_eq!(inputs.len(), 2, "both user messages stored once");
    assert_eq!(inputs[0]["data"]["message"]["id"], msg["id"]);
    let texts: Vec<String> = ev
        .iter()
        .filter(|e| e["type"] == "output.message.completed")
        .map(|e| {
            e["data"]["message"]["content"][0]["text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(texts, vec!["survived the crash", "after restart"]);
    let (_, msgs) = s.get(&format!("/sessions/{sid}/messages")).await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn data_survives_restart() {
    let mut s = Server::start(Opts::dev());
    let dir = s.dir.clone();
    let sid = s.session().await;
    s.post(
        &format!("/sessions/{sid}/fs/notes.md"),
        json!({"content": "keep me"}),
    )
    .await;
    s.say(&sid, "hi").await;
    let ev = s.wait_terminals(&sid, 1).await;
    // The stopped server still owns the directory: keep it until the end of the test.
    let (_stopped, status) = tokio::task::spawn_blocking(move || {
        let status = s.terminate();
        (s, status)
    })
    .await
    .unwrap();
    assert!(status.success());
    let s = Server::start_in(&dir, Opts::dev());
    assert_eq!(s.events(&sid).await, ev);
    let (_, f) = s.get(&format!("/sessions/{sid}/fs/notes.md")).await;
    assert_eq!(f["content"], "keep me");
}
