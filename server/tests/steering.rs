//! Steering: a message sent while a turn runs joins that turn at its next step boundary
//! (`turn.steered`), on the real server binary.

mod common;

use std::time::Duration;

use common::{is_terminal, Opts, Server};
use serde_json::{json, Value};

fn of_type<'a>(ev: &'a [Value], ty: &str) -> Vec<&'a Value> {
    ev.iter().filter(|e| e["type"] == ty).collect()
}

async fn session(s: &Server) -> String {
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("agent-{}", common::rand_suffix()), "system_prompt": "You help.",
                   "capabilities": ["current_time"]}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (st, sess) = s.post("/sessions", json!({"agent_id": a["id"]})).await;
    assert_eq!(st, 201, "{sess}");
    sess["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_message_sent_during_a_turn_steers_it() {
    let s = Server::start(Opts::dev());
    let sid = session(&s).await;
    s.script(
        &sid,
        json!({"steps": [
            {"delay_ms": 1500, "text": "Checking the time.",
             "tool_calls": [{"id": "call_t", "name": "get_current_time", "arguments": {}}]},
            {"text": "It is noon, and yes, in UTC."},
            {"text": "A later, separate answer."}
        ]}),
    )
    .await;
    s.say(&sid, "What time is it?").await;
    s.wait_event(&sid, "reason.started").await;
    let second = s.say(&sid, "In UTC, please.").await;
    let ev = s.wait_terminals(&sid, 1).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let ev2 = s.events(&sid).await;
    assert_eq!(
        ev.len(),
        ev2.len(),
        "no second turn ran: {:?}",
        &ev2[ev.len()..]
    );
    assert_eq!(of_type(&ev2, "turn.started").len(), 1);
    let terms: Vec<&Value> = ev2.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["type"], "turn.completed");
    let steered = of_type(&ev2, "turn.steered");
    assert_eq!(steered.len(), 1);
    assert_eq!(
        steered[0]["data"]["input_message_ids"],
        json!([second["id"]])
    );
    assert_eq!(steered[0]["data"]["turn_id"], terms[0]["data"]["turn_id"]);
    // before the model's next call, which saw the message
    let pos = |e: &Value| ev2.iter().position(|x| x["id"] == e["id"]).unwrap();
    let reasons = of_type(&ev2, "reason.started");
    assert_eq!(reasons.len(), 2);
    assert!(pos(steered[0]) < pos(reasons[1]));
    let gens = of_type(&ev2, "llm.generation");
    assert!(!gens[0]["data"].to_string().contains("In UTC, please."));
    assert!(gens[1]["data"].to_string().contains("In UTC, please."));
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["status"], "idle");

    // a message after the turn ended starts a turn of its own
    s.say(&sid, "Thanks").await;
    let ev3 = s.wait_terminals(&sid, 2).await;
    assert_eq!(of_type(&ev3, "turn.started").len(), 2);
}

#[tokio::test]
async fn without_a_step_boundary_the_message_gets_its_own_turn() {
    let s = Server::start(Opts::dev());
    let sid = session(&s).await;
    s.script(
        &sid,
        json!({"steps": [{"delay_ms": 1200, "text": "First answer."}, {"text": "Second answer."}]}),
    )
    .await;
    s.say(&sid, "one").await;
    s.wait_event(&sid, "reason.started").await;
    s.say(&sid, "two").await;
    let ev = s.wait_terminals(&sid, 2).await;
    assert!(of_type(&ev, "turn.steered").is_empty());
    assert_eq!(of_type(&ev, "turn.completed").len(), 2);
}
