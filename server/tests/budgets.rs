//! Budgets on the real server (SQLite, or PostgreSQL with `EVERRUNS_TEST_BACKEND=postgres`):
//! CRUD, top-up, ledger and check; enforcement of a session budget on llmsim turns (usage
//! charged, `budget.warning`/`budget.exhausted`, the next step paused with `budget.paused`,
//! continued after a top-up or `resume` with `budget.resumed`); bad input.

mod common;

use common::{assert_error, Opts, Server};
use serde_json::{json, Value};

fn types(ev: &[Value]) -> Vec<String> {
    ev.iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .filter(|t| t.starts_with("budget.") || t.starts_with("turn."))
        .collect()
}

/// A session whose llmsim turn is two steps: a tool call, then a text answer.
async fn two_step_session(s: &Server) -> (String, String) {
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("budgeted-{}", common::rand_suffix()),
                   "system_prompt": "You help.", "capabilities": ["session_file_system"]}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let agent = a["id"].as_str().unwrap().to_string();
    let (st, b) = s.post("/sessions", json!({"agent_id": agent})).await;
    assert_eq!(st, 201, "{b}");
    let sid = b["id"].as_str().unwrap().to_string();
    s.script(
        &sid,
        json!({"on_exhausted": "loop", "steps": [
            {"text": "Writing.", "tool_calls": [{"name": "write_file",
                "arguments": {"path": "/a.txt", "content": "x"}}]},
            {"text": "Done."}
        ]}),
    )
    .await;
    (sid, agent)
}

#[tokio::test]
async fn exhausted_budget_pauses_the_next_step_until_topped_up_or_resumed() {
    let s = Server::start(Opts::dev());
    let (sid, agent) = two_step_session(&s).await;

    // a session budget of 5 tokens with a soft limit of 3, and a usd budget on the agent
    let (st, b) = s
        .post(
            "/budgets",
            json!({"subject_type": "session", "subject_id": sid, "currency": "tokens",
                   "limit": 5, "soft_limit": 3, "metadata": {"team": "a"}}),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let bid = b["id"].as_str().unwrap().to_string();
    assert!(bid.starts_with("bdgt_"), "{b}");
    assert_eq!(
        (
            b["balance"].as_f64(),
            b["limit"].as_f64(),
            b["status"].as_str()
        ),
        (Some(5.0), Some(5.0), Some("active"))
    );
    assert_eq!(b["metadata"]["team"], "a");
    let (st, usd) = s
        .post(
            "/budgets",
            json!({"subject_type": "agent", "subject_id": agent, "currency": "usd", "limit": 10}),
        )
        .await;
    assert_eq!(st, 201, "{usd}");
    let usd_id = usd["id"].as_str().unwrap().to_string();

    let (st, c) = s.get(&format!("/sessions/{sid}/budget-check")).await;
    assert_eq!((st, c["action"].as_str()), (200, Some("continue")), "{c}");
    let (st, list) = s.get(&format!("/sessions/{sid}/budgets")).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // the first step consumes more than 5 tokens: warning + exhausted, then the second step
    // pauses
    s.say(&sid, "write the file").await;
    let ev = s.wait_event(&sid, "budget.paused").await;
    let t = types(&ev);
    let pos = |ty: &str| {
        t.iter()
            .position(|x| x == ty)
            .unwrap_or_else(|| panic!("{ty} in {t:?}"))
    };
    assert!(pos("budget.warning") < pos("budget.exhausted"), "{t:?}");
    assert!(pos("budget.exhausted") < pos("budget.paused"), "{t:?}");
    assert!(
        !t.iter()
            .any(|x| x.starts_with("turn.") && x != "turn.started"),
        "{t:?}"
    );
    let paused = ev.iter().find(|e| e["type"] == "budget.paused").unwrap();
    assert_eq!(paused["data"]["budget_id"], bid.as_str(), "{paused}");
    assert_eq!(paused["data"]["currency"], "tokens", "{paused}");
    assert!(
        paused["data"]["balance"].as_f64().unwrap() <= 0.0,
        "{paused}"
    );
    assert!(
        paused["context"]["turn_id"]
            .as_str()
            .unwrap()
            .starts_with("turn_"),
        "{paused}"
    );

    let (_, b) = s.get(&format!("/budgets/{bid}")).await;
    assert_eq!(b["status"], "exhausted", "{b}");
    let spent = 5.0 - b["balance"].as_f64().unwrap();
    let (st, c) = s.get(&format!("/sessions/{sid}/budget-check")).await;
    assert_eq!(st, 200);
    assert_eq!(
        (
            c["action"].as_str(),
            c["error_code"].as_str(),
            c["budget_id"].as_str()
        ),
        (Some("pause"), Some("budget_exhausted"), Some(bid.as_str())),
        "{c}"
    );
    let (_, c1) = s.get(&format!("/budgets/{bid}/check")).await;
    assert_eq!(c1["action"], "pause", "{c1}");
    let (st, led) = s.get(&format!("/budgets/{bid}/ledger")).await;
    assert_eq!(st, 200, "{led}");
    let led = led.as_array().unwrap().clone();
    assert_eq!(led.len(), 1, "{led:?}");
    assert_eq!(led[0]["meter_source"], "llm_tokens");
    assert_eq!(led[0]["ref_type"], "llm_generation");
    assert_eq!(led[0]["session_id"], sid.as_str());
    assert_eq!(led[0]["amount"].as_f64().unwrap(), spent);
    // the usd budget was charged at the llmsim test price
    let (_, u) = s.get(&format!("/budgets/{usd_id}")).await;
    assert!(u["balance"].as_f64().unwrap() < 10.0, "{u}");
    assert_eq!(u["status"], "active", "{u}");

    // a top-up continues the paused step; the turn completes
    let (st, b) = s
        .post(
            &format!("/budgets/{bid}/top-up"),
            json!({"amount": 100000, "description": "more"}),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["status"], "active", "{b}");
    let ev = s.wait_terminals(&sid, 1).await;
    let t = types(&ev);
    assert!(
        pos_of(&t, "budget.paused") < pos_of(&t, "budget.resumed"),
        "{t:?}"
    );
    assert!(t.contains(&"turn.completed".to_string()), "{t:?}");
    let (_, led) = s
        .get(&format!("/budgets/{bid}/ledger?limit=10&offset=0"))
        .await;
    let led = led.as_array().unwrap();
    assert_eq!(led.len(), 3, "{led:?}");
    assert_eq!(led[1]["amount"].as_f64(), Some(-100000.0), "{led:?}");
    assert_eq!(led[1]["meter_source"], "manual");
    assert_eq!(led[1]["description"], "more");
    let (_, page) = s
        .get(&format!("/budgets/{bid}/ledger?limit=1&offset=2"))
        .await;
    assert_eq!(page.as_array().unwrap().len(), 1);

    // an operator pause: the next turn's first step waits until `resume`
    let (st, b) = s
        .patch(&format!("/budgets/{bid}"), json!({"status": "paused"}))
        .await;
    assert_eq!((st, b["status"].as_str()), (200, Some("paused")), "{b}");
    let (_, c) = s.get(&format!("/sessions/{sid}/budget-check")).await;
    assert_eq!(c["error_code"], "budget_paused", "{c}");
    s.say(&sid, "again").await;
    for _ in 0..200 {
        let n = s
            .events(&sid)
            .await
            .iter()
            .filter(|e| e["type"] == "budget.paused")
            .count();
        if n == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (st, r) = s.post(&format!("/sessions/{sid}/resume"), json!({})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["resumed_budgets"], 1, "{r}");
    assert_eq!(r["session_id"], sid.as_str());
    let ev = s.wait_terminals(&sid, 2).await;
    let t = types(&ev);
    assert_eq!(
        t.iter().filter(|x| *x == "budget.paused").count(),
        2,
        "{t:?}"
    );
    assert_eq!(
        t.iter().filter(|x| *x == "budget.resumed").count(),
        2,
        "{t:?}"
    );
    assert_eq!(
        t.iter().filter(|x| *x == "turn.completed").count(),
        2,
        "{t:?}"
    );
    let (_, r) = s.post(&format!("/sessions/{sid}/resume"), json!({})).await;
    assert_eq!(r["resumed_budgets"], 0, "{r}");

    // the events filter knows the budget types
    let (st, f) = s
        .get(&format!("/sessions/{sid}/events?types=budget.paused"))
        .await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["data"].as_array().unwrap().len(), 2, "{f}");

    // list by subject, update, delete
    let (_, l) = s
        .get(&format!("/budgets?subject_type=session&subject_id={sid}"))
        .await;
    assert_eq!(l.as_array().unwrap().len(), 1, "{l}");
    let (_, l) = s.get("/budgets?subject_type=agent").await;
    assert!(
        l.as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == usd_id.as_str()),
        "{l}"
    );
    let (st, b) = s
        .patch(
            &format!("/budgets/{usd_id}"),
            json!({"limit": 20, "soft_limit": 1}),
        )
        .await;
    assert_eq!((st, b["limit"].as_f64()), (200, Some(20.0)), "{b}");
    let (st, _) = s.delete(&format!("/budgets/{usd_id}")).await;
    assert_eq!(st, 204);
    let (st, e) = s.get(&format!("/budgets/{usd_id}")).await;
    assert_error(st, &e, 404, "budget_not_found");
    let (st, e) = s.delete(&format!("/budgets/{usd_id}")).await;
    assert_error(st, &e, 404, "budget_not_found");
}

fn pos_of(t: &[String], ty: &str) -> usize {
    t.iter()
        .position(|x| x == ty)
        .unwrap_or_else(|| panic!("{ty} in {t:?}"))
}

#[tokio::test]
async fn bad_budget_input_is_refused() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let ok = json!({"subject_type": "session", "subject_id": sid, "currency": "usd", "limit": 1});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let (st, e) = s.post("/budgets", with("currency", json!("eur"))).await;
    assert_error(st, &e, 400, "unsupported_currency");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("usd, tokens"),
        "{e}"
    );
    let (st, e) = s
        .post("/budgets", with("subject_type", json!("planet")))
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s
        .post(
            "/budgets",
            with(
                "subject_id",
                json!("session_00000000000000000000000000000000"),
            ),
        )
        .await;
    assert_error(st, &e, 404, "session_not_found");
    let (st, e) = s
        .post(
            "/budgets",
            json!({"subject_type": "agent", "subject_id": "agent_00000000000000000000000000000000",
                   "currency": "usd", "limit": 1}),
        )
        .await;
    assert_error(st, &e, 404, "agent_not_found");
    for bad in [json!(0), json!(-1)] {
        let (st, e) = s.post("/budgets", with("limit", bad)).await;
        assert_error(st, &e, 400, "invalid_input");
    }
    let (st, e) = s.post("/budgets", with("soft_limit", json!(2))).await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s.post("/budgets", with("colour", json!("red"))).await;
    assert_eq!(st, 400, "{e}");

    let (st, b) = s.post("/budgets", ok.clone()).await;
    assert_eq!(st, 201, "{b}");
    let bid = b["id"].as_str().unwrap();
    for bad in [json!(-5), json!(0)] {
        let (st, e) = s
            .post(&format!("/budgets/{bid}/top-up"), json!({"amount": bad}))
            .await;
        assert_error(st, &e, 400, "invalid_input");
    }
    let (st, e) = s
        .patch(&format!("/budgets/{bid}"), json!({"status": "exhausted"}))
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s.get(&format!("/budgets/{bid}/ledger?limit=0")).await;
    assert_error(st, &e, 400, "invalid_input");
    for path in [
        "/budgets/bdgt_nope".to_string(),
        "/budgets/bdgt_nope/ledger".to_string(),
        "/budgets/bdgt_nope/check".to_string(),
    ] {
        let (st, e) = s.get(&path).await;
        assert_error(st, &e, 404, "budget_not_found");
    }
    let (st, e) = s
        .post("/budgets/bdgt_nope/top-up", json!({"amount": 1}))
        .await;
    assert_error(st, &e, 404, "budget_not_found");
    let unknown = "session_00000000000000000000000000000000";
    let (st, e) = s.get(&format!("/sessions/{unknown}/budgets")).await;
    assert_error(st, &e, 404, "session_not_found");
    let (st, e) = s
        .post(&format!("/sessions/{unknown}/resume"), json!({}))
        .await;
    assert_error(st, &e, 404, "session_not_found");
}

#[tokio::test]
async fn a_paused_step_is_cancelled_like_any_other() {
    let s = Server::start(Opts::dev());
    let (sid, _) = two_step_session(&s).await;
    let (st, b) = s
        .post(
            "/budgets",
            json!({"subject_type": "session", "subject_id": sid, "currency": "tokens", "limit": 1}),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    s.say(&sid, "write the file").await;
    s.wait_event(&sid, "budget.paused").await;
    let (st, c) = s.post(&format!("/sessions/{sid}/cancel"), json!({})).await;
    assert!(st == 200 || st == 202, "{st} {c}");
    let ev = s.wait_terminals(&sid, 1).await;
    let t = types(&ev);
    assert!(t.contains(&"turn.cancelled".to_string()), "{t:?}");
    assert!(!t.contains(&"budget.resumed".to_string()), "{t:?}");
}
