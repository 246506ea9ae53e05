//! The events list filters (`order_desc`, `tool_name`, `q`, `from_ts`/`to_ts`, `tags`,
//! `exec_id`, `trace_id`, `around`/`window`) and the 400 for any parameter the route does not
//! know, on the real server binary (SQLite, or PostgreSQL with `EVERRUNS_TEST_BACKEND=postgres`).

mod common;

use common::{assert_error, Opts, Server};
use serde_json::{json, Value};

/// A session with two finished turns: a tool turn (`get_current_time`) tagged `first`, and a
/// text turn tagged `second` answering "Zebra crossing".
async fn two_turns(s: &Server) -> (String, Vec<Value>) {
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
    let sid = sess["id"].as_str().unwrap().to_string();
    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [{"id": "call_t", "name": "get_current_time", "arguments": {}}]},
            {"text": "It is now."},
            {"text": "Zebra crossing ahead."}
        ]}),
    )
    .await;
    let (st, m) = s
        .post(
            &format!("/sessions/{sid}/messages"),
            json!({"message": {"role": "user", "content": [{"type": "text", "text": "time?"}]},
                   "tags": ["first"]}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    s.wait_terminals(&sid, 1).await;
    let (st, m) = s
        .post(
            &format!("/sessions/{sid}/messages"),
            json!({"message": {"role": "user", "content": [{"type": "text", "text": "more"}]},
                   "tags": ["second"]}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    let all = s.wait_terminals(&sid, 2).await;
    (sid, all)
}

async fn list(s: &Server, sid: &str, query: &str) -> Vec<Value> {
    let (st, b) = s.get(&format!("/sessions/{sid}/events?{query}")).await;
    assert_eq!(st, 200, "{query}: {b}");
    b["data"].as_array().unwrap().clone()
}

fn seqs(ev: &[Value]) -> Vec<i64> {
    ev.iter().map(|e| e["sequence"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn order_desc_returns_newest_first_with_and_without_limit() {
    let s = Server::start(Opts::dev());
    let (sid, all) = two_turns(&s).await;
    let mut want = seqs(&all);
    want.reverse();
    assert_eq!(seqs(&list(&s, &sid, "order_desc=true").await), want);
    assert_eq!(
        seqs(&list(&s, &sid, "order_desc=true&limit=3").await),
        want[..3]
    );
    // Without order_desc, limit keeps the last N oldest first.
    let mut last3 = want[..3].to_vec();
    last3.reverse();
    assert_eq!(seqs(&list(&s, &sid, "limit=3").await), last3);
    let (st, b) = s
        .get(&format!("/sessions/{sid}/events?order_desc=sideways"))
        .await;
    assert_error(st, &b, 400, "invalid_query");
}

#[tokio::test]
async fn order_desc_pages_walk_back_with_before_sequence() {
    let s = Server::start(Opts::dev().env("EVERRUNS_EVENTS_PAGE_SIZE", "4"));
    let (sid, all) = two_turns(&s).await;
    let (st, b) = s
        .get(&format!("/sessions/{sid}/events?order_desc=true"))
        .await;
    assert_eq!(st, 200, "{b}");
    let mut got = b["data"].as_array().unwrap().clone();
    let mut more = b["has_more"] == true;
    while more {
        let last = got.last().unwrap()["sequence"].as_i64().unwrap();
        let (st, b) = s
            .get(&format!(
                "/sessions/{sid}/events?order_desc=true&before_sequence={last}"
            ))
            .await;
        assert_eq!(st, 200, "{b}");
        got.extend(b["data"].as_array().unwrap().iter().cloned());
        more = b["has_more"] == true;
    }
    let mut want = seqs(&all);
    want.reverse();
    assert_eq!(seqs(&got), want);
}

#[tokio::test]
async fn tool_name_q_tags_and_context_filters() {
    let s = Server::start(Opts::dev());
    let (sid, all) = two_turns(&s).await;
    let tool = list(&s, &sid, "tool_name=get_current_time").await;
    assert!(!tool.is_empty());
    assert!(tool
        .iter()
        .all(|e| e["data"]["tool_name"] == "get_current_time"));
    assert!(tool.iter().any(|e| e["type"] == "tool.completed"));
    assert!(list(&s, &sid, "tool_name=no_such_tool").await.is_empty());

    // q: every word, case-insensitive, over the payload's text.
    let zebra = list(&s, &sid, "q=ZEBRA%20crossing").await;
    assert!(!zebra.is_empty());
    assert!(zebra
        .iter()
        .all(|e| e.to_string().to_lowercase().contains("zebra crossing")));
    assert!(list(&s, &sid, "q=zzzz").await.is_empty());
    assert!(list(&s, &sid, "q=zebra%20zzzz").await.is_empty());

    let tagged = list(&s, &sid, "tags=second").await;
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    assert_eq!(tagged[0]["type"], "input.message");
    assert_eq!(list(&s, &sid, "tags=first&tags=second").await.len(), 2);
    assert!(list(&s, &sid, "tags=third").await.is_empty());

    let with_exec = all
        .iter()
        .find(|e| e["context"]["exec_id"].is_string())
        .expect("an event with an exec id");
    let exec = with_exec["context"]["exec_id"].as_str().unwrap();
    let by_exec = list(&s, &sid, &format!("exec_id={exec}")).await;
    assert!(!by_exec.is_empty());
    assert!(by_exec.iter().all(|e| e["context"]["exec_id"] == exec));
    assert!(by_exec.len() < all.len());
    let with_trace = all
        .iter()
        .find(|e| e["context"]["trace_id"].is_string())
        .expect("an event with a trace id");
    let trace = with_trace["context"]["trace_id"].as_str().unwrap();
    let by_trace = list(&s, &sid, &format!("trace_id={trace}")).await;
    assert!(!by_trace.is_empty());
    assert!(by_trace.iter().all(|e| e["context"]["trace_id"] == trace));
    // Combined with SQL filters and a limit: the newest match only.
    let one = list(&s, &sid, "tool_name=get_current_time&limit=1").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["sequence"], tool.last().unwrap()["sequence"]);
}

#[tokio::test]
async fn time_range_filters() {
    let s = Server::start(Opts::dev());
    let (sid, all) = two_turns(&s).await;
    let second = all
        .iter()
        .find(|e| e["type"] == "input.message" && e["tags"] == json!(["second"]))
        .unwrap();
    let t = second["ts"].as_str().unwrap();
    let enc = t.replace('+', "%2B");
    let from = list(&s, &sid, &format!("from_ts={enc}")).await;
    assert!(!from.is_empty());
    assert!(from.iter().all(|e| e["ts"].as_str().unwrap() >= t));
    assert!(from.iter().any(|e| e["id"] == second["id"]));
    let to = list(&s, &sid, &format!("to_ts={enc}")).await;
    assert!(to.iter().all(|e| e["ts"].as_str().unwrap() <= t));
    assert!(to.iter().any(|e| e["id"] == second["id"]));
    assert!(list(&s, &sid, "from_ts=2999-01-01T00:00:00Z")
        .await
        .is_empty());
    assert_eq!(
        list(&s, &sid, "to_ts=2999-01-01T00:00:00Z").await.len(),
        all.len()
    );
    for (q, code) in [
        ("from_ts=yesterday", "invalid_query"),
        (
            "from_ts=2030-01-02T00:00:00Z&to_ts=2030-01-01T00:00:00Z",
            "invalid_query",
        ),
    ] {
        let (st, b) = s.get(&format!("/sessions/{sid}/events?{q}")).await;
        assert_error(st, &b, 400, code);
    }
}

#[tokio::test]
async fn around_returns_the_window_of_an_event() {
    let s = Server::start(Opts::dev());
    let (sid, all) = two_turns(&s).await;
    let mid = &all[all.len() / 2];
    let seq = mid["sequence"].as_i64().unwrap();
    let id = mid["id"].as_str().unwrap();
    let got = list(&s, &sid, &format!("around={id}&window=2")).await;
    assert_eq!(seqs(&got), (seq - 2..=seq + 2).collect::<Vec<_>>());
    let dflt = list(&s, &sid, &format!("around={id}")).await;
    assert_eq!(
        dflt.len(),
        all.len(),
        "a default window of 50 covers this session"
    );
    let desc = list(&s, &sid, &format!("around={id}&window=1&order_desc=true")).await;
    assert_eq!(seqs(&desc), vec![seq + 1, seq, seq - 1]);
    let other = s.session().await;
    for (q, code) in [
        ("window=3".to_string(), "invalid_query"),
        (format!("around={id}&window=0"), "invalid_query"),
        (format!("around={id}&window=501"), "invalid_query"),
        (format!("around={id}&after_sequence=1"), "invalid_query"),
        (format!("around={id}&limit=5"), "invalid_query"),
        (format!("around={id}&since_id={id}"), "invalid_query"),
        ("around=event_nope".to_string(), "invalid_id"),
    ] {
        let (st, b) = s.get(&format!("/sessions/{sid}/events?{q}")).await;
        assert_error(st, &b, 400, code);
    }
    // An event of another session is not an anchor here.
    let (st, b) = s
        .get(&format!("/sessions/{other}/events?around={id}"))
        .await;
    assert_error(st, &b, 400, "unknown_cursor");
}

#[tokio::test]
async fn unknown_and_bad_parameters_are_400_naming_them() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    for name in [
        "zzz",
        "order",
        "since",
        "type",
        "tool",
        "query",
        "around_id",
    ] {
        let (st, b) = s.get(&format!("/sessions/{sid}/events?{name}=1")).await;
        assert_error(st, &b, 400, "unknown_query_parameter");
        let msg = b["error"]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("`{name}`")), "{msg}");
        assert!(msg.contains("order_desc"), "lists the accepted ones: {msg}");
    }
    let long = "a".repeat(4097);
    let many = (0..65)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join("%20");
    let tags = (0..21)
        .map(|i| format!("tags=t{i}"))
        .collect::<Vec<_>>()
        .join("&");
    for (q, code) in [
        (format!("q={long}"), "invalid_query"),
        (format!("q={many}"), "invalid_query"),
        ("q=%20%20".to_string(), "invalid_query"),
        (tags, "too_many_filters"),
        ("tags=".to_string(), "invalid_query"),
        ("tool_name=".to_string(), "invalid_query"),
        ("exec_id=".to_string(), "invalid_query"),
        ("limit=0".to_string(), "invalid_query"),
    ] {
        let (st, b) = s.get(&format!("/sessions/{sid}/events?{q}")).await;
        assert_error(st, &b, 400, code);
    }
    // An unknown session stays a 404 with known parameters.
    let (st, b) = s
        .get("/sessions/session_00000000000000000000000000000000/events?order_desc=true")
        .await;
    assert_error(st, &b, 404, "session_not_found");
}
