//! Turns that wait for their caller, on the real server binary over a real socket:
//! client-side tools (`POST …/tool-results`), tool approvals, `ask_user` answers, the wait
//! limit, cancel, and kill -9 while a turn waits.

mod common;

use common::{is_terminal, Opts, Server};
use serde_json::{json, Value};

/// A session with two client-side tools and `current_time` (built-in) on its agent.
async fn session_with(s: &Server, capabilities: Value, tools: Value) -> String {
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("agent-{}", common::rand_suffix()), "system_prompt": "You help.",
                   "capabilities": capabilities, "tools": tools}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (st, sess) = s.post("/sessions", json!({"agent_id": a["id"]})).await;
    assert_eq!(st, 201, "{sess}");
    sess["id"].as_str().unwrap().to_string()
}

fn client_tools() -> Value {
    json!([
        {"type": "client_side", "name": "get_location", "description": "Where the user is",
         "parameters": {"type": "object", "properties": {}}},
        {"type": "client_side", "name": "read_thermometer", "description": "Local temperature",
         "parameters": {"type": "object", "properties": {"unit": {"type": "string"}}}}
    ])
}

/// Mixed reply: two client-side calls and one built-in call, then a final answer.
async fn mixed_turn(s: &Server) -> String {
    let sid = session_with(s, json!(["current_time"]), client_tools()).await;
    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [
                {"id": "call_loc", "name": "get_location", "arguments": {}},
                {"id": "call_time", "name": "get_current_time", "arguments": {}},
                {"id": "call_temp", "name": "read_thermometer", "arguments": {"unit": "C"}}
            ]},
            {"text": "It is warm in Paris."}
        ]}),
    )
    .await;
    s.say(&sid, "What's it like where I am?").await;
    s.wait_event(&sid, "tool.call_requested").await;
    sid
}

fn of_type<'a>(ev: &'a [Value], ty: &str) -> Vec<&'a Value> {
    ev.iter().filter(|e| e["type"] == ty).collect()
}

async fn results(s: &Server, sid: &str, body: Value) -> (u16, Value) {
    s.post(&format!("/sessions/{sid}/tool-results"), body).await
}

#[tokio::test]
async fn client_side_tools_wait_then_resume_with_results() {
    let s = Server::start(Opts::dev());
    let sid = mixed_turn(&s).await;
    let ev = s.events(&sid).await;
    let req = of_type(&ev, "tool.call_requested");
    assert_eq!(req.len(), 1);
    let calls: Vec<&str> = req[0]["data"]["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        calls,
        vec!["call_loc", "call_temp"],
        "only client-side calls"
    );
    assert_eq!(
        req[0]["data"]["tool_calls"][1]["arguments"],
        json!({"unit": "C"})
    );
    assert!(req[0]["data"]["expires_at"].is_string());
    // the built-in call of the same reply ran
    let done = of_type(&ev, "tool.completed");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["data"]["tool_call_id"], "call_time");
    assert_eq!(done[0]["data"]["success"], true);
    assert!(!ev.iter().any(is_terminal));

    let (st, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(st, 200);
    assert_eq!(sess["status"], "waitingfortoolresults");
    let pending: Vec<&str> = sess["pending_tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(pending, vec!["get_location", "read_thermometer"]);

    let (st, r) = results(
        &s,
        &sid,
        json!({"tool_results": [
            {"tool_call_id": "call_temp", "result": {"celsius": 24}},
            {"tool_call_id": "call_loc", "result": "Paris"}
        ]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["accepted"], 2);
    assert_eq!(r["status"], "active");

    let ev = s.wait_terminals(&sid, 1).await;
    let terms: Vec<&Value> = ev.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["type"], "turn.completed");
    let done = of_type(&ev, "tool.completed");
    let loc = done
        .iter()
        .find(|e| e["data"]["tool_call_id"] == "call_loc")
        .unwrap();
    assert_eq!(loc["data"]["result"][0]["text"], "\"Paris\"");
    // the model saw the client's results on its next call
    let gens = of_type(&ev, "llm.generation");
    assert_eq!(gens.len(), 2);
    let input = gens[1]["data"].to_string();
    assert!(
        input.contains("Paris") && input.contains("celsius"),
        "{input}"
    );
    // and the transcript carries them as tool_result messages
    let (_, msgs) = s.get(&format!("/sessions/{sid}/messages")).await;
    let tool_msgs: Vec<&Value> = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool_result")
        .collect();
    assert_eq!(tool_msgs.len(), 3);
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["status"], "idle");
    assert!(sess.get("pending_tool_calls").is_none(), "{sess}");

    // results when nothing waits: 409 that upstream's SDK recognises
    let (st, b) = results(
        &s,
        &sid,
        json!({"tool_results": [{"tool_call_id": "call_loc", "result": "again"}]}),
    )
    .await;
    common::assert_error(st, &b, 409, "not_waiting");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not waiting for tool results"));
}

#[tokio::test]
async fn bad_tool_results_are_refused_and_change_nothing() {
    let s = Server::start(Opts::dev());
    // a session that never waited
    let idle = s.session().await;
    let (st, b) = results(
        &s,
        &idle,
        json!({"tool_results": [{"tool_call_id": "x", "result": 1}]}),
    )
    .await;
    common::assert_error(st, &b, 409, "not_waiting");
    assert!(b["detail"]
        .as_str()
        .unwrap()
        .contains("not waiting for tool results"));
    // an unknown session
    let (st, _) = results(
        &s,
        "session_0123456789abcdef0123456789abcdef",
        json!({"tool_results": []}),
    )
    .await;
    assert_eq!(st, 404);

    let sid = mixed_turn(&s).await;
    let before = s.events(&sid).await;
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"tool_results": [
                {"tool_call_id": "call_loc", "result": "Paris"},
                {"tool_call_id": "call_nope", "result": 1}]}),
            400,
            "invalid_request",
            "unknown tool call id call_nope",
        ),
        (
            json!({"tool_results": [{"tool_call_id": "call_loc", "result": "Paris"}]}),
            400,
            "invalid_request",
            "missing results for tool calls: call_temp",
        ),
        (
            json!({"tool_results": [
                {"tool_call_id": "call_loc", "result": "Paris"},
                {"tool_call_id": "call_loc", "result": "Paris"},
                {"tool_call_id": "call_temp", "result": 3}]}),
            400,
            "invalid_request",
            "appears more than once",
        ),
        (
            json!({"tool_results": []}),
            400,
            "invalid_request",
            "tool_results is empty",
        ),
        (
            json!({"tool_results": [
                {"tool_call_id": "call_loc", "result": "Paris", "error": "and failed"},
                {"tool_call_id": "call_temp", "result": 3}]}),
            400,
            "invalid_request",
            "either result or error",
        ),
        (
            json!({"tool_results": [
                {"tool_call_id": "call_time", "result": "built-in"},
                {"tool_call_id": "call_loc", "result": "Paris"},
                {"tool_call_id": "call_temp", "result": 3}]}),
            400,
            "invalid_request",
            "unknown tool call id call_time",
        ),
        (json!({"results": []}), 400, "", ""),
    ];
    for (body, want, code, text) in cases {
        let (st, b) = results(&s, &sid, body.clone()).await;
        assert_eq!(st, want, "{body} → {b}");
        if !code.is_empty() {
            common::assert_error(st, &b, want, code);
            let msg = b["error"]["message"].as_str().unwrap();
            assert!(msg.contains(text), "{body}: {msg}");
        }
    }
    assert_eq!(s.events(&sid).await, before, "refused input stored nothing");
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["status"], "waitingfortoolresults");

    // an error result is what the model sees
    let (st, r) = results(
        &s,
        &sid,
        json!({"tool_results": [
            {"tool_call_id": "call_loc", "error": "location permission denied"},
            {"tool_call_id": "call_temp", "result": 19}]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let ev = s.wait_terminals(&sid, 1).await;
    let loc = ev
        .iter()
        .find(|e| e["type"] == "tool.completed" && e["data"]["tool_call_id"] == "call_loc")
        .unwrap();
    assert_eq!(loc["data"]["success"], false);
    assert_eq!(loc["data"]["error"], "location permission denied");
}

#[tokio::test]
async fn kill9_while_waiting_for_tool_results_loses_nothing() {
    let mut s = Server::start(Opts::dev());
    let dir = s.dir.clone();
    let sid = mixed_turn(&s).await;
    let before = s.events(&sid).await;
    s.kill9();

    let s = Server::start_in(&dir, Opts::dev());
    // still waiting after the restart, with the same pending calls
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(s.events(&sid).await, before, "the restart added nothing");
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["status"], "waitingfortoolresults");
    assert_eq!(sess["pending_tool_calls"].as_array().unwrap().len(), 2);

    let (st, r) = results(
        &s,
        &sid,
        json!({"tool_results": [
            {"tool_call_id": "call_loc", "result": "Oslo"},
            {"tool_call_id": "call_temp", "result": -3}]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let ev = s.wait_terminals(&sid, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ev2 = s.events(&sid).await;
    assert_eq!(ev.len(), ev2.len(), "nothing after the end");
    let terms: Vec<&Value> = ev2.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1, "exactly one terminal: {terms:?}");
    assert_eq!(terms[0]["type"], "turn.completed");
    assert_eq!(of_type(&ev2, "tool.call_requested").len(), 1);
    for (a, b) in before.iter().zip(ev2.iter()) {
        assert_eq!(a, b, "pre-crash events kept verbatim");
    }
}

#[tokio::test]
async fn wait_limit_ends_the_turn_with_a_timeout() {
    let s = Server::start(Opts::dev().env("EVERRUNS_TOOL_RESULTS_TIMEOUT_SECS", "1"));
    let sid = mixed_turn(&s).await;
    let ev = s.wait_terminals(&sid, 1).await;
    let terms: Vec<&Value> = ev.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["type"], "turn.failed");
    assert_eq!(terms[0]["data"]["error_code"], "tool_results_timeout");
    let timed_out: Vec<&Value> = of_type(&ev, "tool.completed")
        .into_iter()
        .filter(|e| e["data"]["status"] == "timeout")
        .collect();
    assert_eq!(timed_out.len(), 2);
    let (st, b) = results(
        &s,
        &sid,
        json!({"tool_results": [
            {"tool_call_id": "call_loc", "result": "late"},
            {"tool_call_id": "call_temp", "result": 1}]}),
    )
    .await;
    common::assert_error(st, &b, 409, "not_waiting");
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["status"], "idle");
}

#[tokio::test]
async fn cancel_while_waiting_ends_the_turn_once() {
    let s = Server::start(Opts::dev());
    let sid = mixed_turn(&s).await;
    let (st, r) = s.post(&format!("/sessions/{sid}/cancel"), json!({})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "cancelled");
    let ev = s.wait_terminals(&sid, 1).await;
    let terms: Vec<&Value> = ev.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["type"], "turn.cancelled");
    let cancelled = of_type(&ev, "tool.completed")
        .into_iter()
        .filter(|e| e["data"]["status"] == "cancelled")
        .count();
    assert_eq!(cancelled, 2, "unanswered calls closed");
    let (st, _) = results(
        &s,
        &sid,
        json!({"tool_results": [{"tool_call_id": "call_loc", "result": 1}]}),
    )
    .await;
    assert_eq!(st, 409);
}

#[tokio::test]
async fn approvals_survive_kill9_and_rejections_reach_the_model() {
    let mut s = Server::start(Opts::dev());
    let dir = s.dir.clone();
    let sid = session_with(
        &s,
        json!(["current_time", {"ref": "tool_approval", "config": {"tools": ["get_current_time"]}}]),
        client_tools(),
    )
    .await;
    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [
                {"id": "call_a", "name": "get_current_time", "arguments": {"timezone": "UTC"}},
                {"id": "call_b", "name": "get_current_time", "arguments": {"format": "unix"}},
                {"id": "call_loc", "name": "get_location", "arguments": {}}
            ]},
            {"text": "Done."}
        ]}),
    )
    .await;
    s.say(&sid, "what time is it?").await;
    s.wait_event(&sid, "tool.call_requested").await;
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    let approvals = sess["pending_approvals"].as_array().unwrap().clone();
    assert_eq!(approvals.len(), 2, "{sess}");
    assert_eq!(approvals[0]["tool"], "get_current_time");
    assert_eq!(approvals[0]["original_tool_call_id"], "call_a");
    assert_eq!(approvals[0]["tool_call_id"], "tool_approval_call_a");
    assert_eq!(approvals[0]["arguments"], json!({"timezone": "UTC"}));
    assert_eq!(sess["pending_tool_calls"].as_array().unwrap().len(), 1);
    // nothing gated ran
    assert!(of_type(&s.events(&sid).await, "tool.started").is_empty());

    // answering the client-side call alone keeps the turn waiting for the approvals
    let (st, r) = results(
        &s,
        &sid,
        json!({"tool_results": [{"tool_call_id": "call_loc", "result": "Rome"}]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "waitingfortoolresults");
    let (st, b) = results(
        &s,
        &sid,
        json!({"tool_results": [{"tool_call_id": "call_loc", "result": "Rome"}]}),
    )
    .await;
    assert_eq!(st, 409, "{b}");

    let before = s.events(&sid).await;
    s.kill9();
    let s = Server::start_in(&dir, Opts::dev());
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(s.events(&sid).await, before, "the restart added nothing");
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(sess["pending_approvals"].as_array().unwrap().len(), 2);

    let path = format!("/sessions/{sid}/tool-approvals");
    for (body, code) in [
        (json!({"decisions": []}), "invalid_request"),
        (
            json!({"decisions": [{"tool_call_id": "tool_approval_zzz", "decision": "allow"}]}),
            "invalid_request",
        ),
        (
            json!({"decisions": [{"tool_call_id": "tool_approval_call_a", "decision": "maybe"}]}),
            "invalid_request",
        ),
    ] {
        let (st, b) = s.post(&path, body).await;
        common::assert_error(st, &b, 400, code);
    }
    assert_eq!(s.events(&sid).await, before);
    let (st, r) = s
        .post(
            &path,
            json!({"decisions": [
                {"tool_call_id": "tool_approval_call_a", "decision": "allow"},
                {"tool_call_id": "tool_approval_call_b", "decision": "reject"}]}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["resolved"][0]["outcome"], "allow");
    assert_eq!(r["resolved"][1]["outcome"], "reject");
    assert_eq!(r["status"], "active");
    let ev = s.wait_terminals(&sid, 1).await;
    let terms: Vec<&Value> = ev.iter().filter(|e| is_terminal(e)).collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["type"], "turn.completed");
    let started: Vec<&Value> = of_type(&ev, "tool.started");
    assert_eq!(started.len(), 1, "only the approved call ran");
    assert_eq!(started[0]["data"]["tool_call"]["id"], "call_a");
    let b = ev
        .iter()
        .find(|e| e["type"] == "tool.completed" && e["data"]["tool_call_id"] == "call_b")
        .unwrap();
    assert_eq!(b["data"]["success"], false);
    assert!(b["data"]["error"]
        .as_str()
        .unwrap()
        .contains("did not approve"));
    let gens = of_type(&ev, "llm.generation");
    assert!(gens[1]["data"].to_string().contains("did not approve"));
    let (st, b) = s
        .post(
            &path,
            json!({"decisions": [{"tool_call_id": "tool_approval_call_a", "decision": "allow"}]}),
        )
        .await;
    common::assert_error(st, &b, 409, "not_waiting");
}

#[tokio::test]
async fn ask_user_waits_for_valid_answers() {
    let s = Server::start(Opts::dev());
    let sid = session_with(&s, json!(["ask_user"]), json!([])).await;
    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [{"id": "call_q", "name": "ask_user", "arguments": {"questions": [
                {"id": "env", "question": "Deploy where?",
                 "options": [{"label": "staging"}, {"label": "production"}]},
                {"id": "why", "question": "Why now?"}
            ]}}]},
            {"text": "Deploying to staging."}
        ]}),
    )
    .await;
    s.say(&sid, "deploy").await;
    s.wait_event(&sid, "tool.call_requested").await;
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    let q = &sess["pending_questions"][0];
    assert_eq!(q["tool_call_id"], "call_q");
    assert_eq!(q["questions"][0]["options"][1]["label"], "production");
    let path = format!("/sessions/{sid}/question-answers");
    let before = s.events(&sid).await;
    for (body, text) in [
        (
            json!({"answers": [{"id": "env", "selected": ["qa"]}, {"id": "why", "other_text": "fix"}]}),
            "has no option \"qa\"",
        ),
        (
            json!({"answers": [{"id": "env", "selected": ["staging"]}]}),
            "question \"why\" was not answered",
        ),
        (
            json!({"answers": [{"id": "env", "selected": ["staging", "production"]}, {"id": "why", "other_text": "x"}]}),
            "single-select",
        ),
        (
            json!({"tool_call_id": "call_other", "answers": []}),
            "unknown tool call id call_other",
        ),
    ] {
        let (st, b) = s.post(&path, body.clone()).await;
        common::assert_error(st, &b, 400, "invalid_request");
        assert!(
            b["error"]["message"].as_str().unwrap().contains(text),
            "{body}: {b}"
        );
    }
    assert_eq!(s.events(&sid).await, before);
    let (st, r) = s
        .post(
            &path,
            json!({"answers": [{"id": "why", "other_text": " hotfix "}, {"id": "env", "selected": ["staging"]}]}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["tool_call_id"], "call_q");
    assert_eq!(r["answers"][0]["id"], "env", "question order");
    assert_eq!(r["answers"][1]["other_text"], "hotfix");
    let ev = s.wait_terminals(&sid, 1).await;
    assert_eq!(
        ev.iter().find(|e| is_terminal(e)).unwrap()["type"],
        "turn.completed"
    );
    let gens = of_type(&ev, "llm.generation");
    assert!(gens[1]["data"].to_string().contains("hotfix"));
    let (st, b) = s.post(&path, json!({"answers": []})).await;
    common::assert_error(st, &b, 409, "not_waiting");
}
