//! Every route over a real socket: success paths, bad input (clear 4xx, hybrid body, nothing
//! stored), request ids, dev-mode auth.

mod common;

use common::{assert_error, Opts, Server};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn health_request_ids_and_router_errors() {
    let s = Server::start(Opts::dev());
    let r = s
        .http
        .get(format!("{}/health", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some());
    let r = s
        .http
        .get(format!("{}/health", s.origin))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");

    // unknown route, wrong method, malformed JSON, wrong content type: all hybrid JSON
    let (st, b) = s.get("/nope").await;
    assert_error(st, &b, 404, "not_found");
    let (st, b) = s.delete("/models").await;
    assert_error(st, &b, 405, "method_not_allowed");
    let r = s
        .raw(Method::POST, "/agents")
        .header("content-type", "application/json")
        .body("{bad json")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("x-request-id").is_some());
    assert_eq!(r.headers()["content-type"], "application/json");
    let (st, b) = common::send(
        s.raw(Method::POST, "/agents")
            .header("content-type", "application/json")
            .body("{bad json"),
    )
    .await;
    assert_error(st, &b, 400, "invalid_json");
    let (st, b) = common::send(s.raw(Method::POST, "/agents").body("{}")).await;
    assert_error(st, &b, 415, "unsupported_media_type");
    let (st, b) = s.post("/agents", json!({"name": "x"})).await;
    assert_error(st, &b, 400, "invalid_input");
    // body over the limit → 413 hybrid
    // (raw socket: announce 11 MiB, send only the headers, read the early answer)
    let (st, b) = oversized_post(&s, "/api/v1/agents", 11 * 1024 * 1024).await;
    assert_error(st, &b, 413, "payload_too_large");
    // nothing was stored by any of these
    let (_, list) = s.get("/agents").await;
    assert_eq!(list["total"], 0, "{list}");
    // openapi + docs are public
    let r = s
        .http
        .get(format!("{}/api/openapi.json", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let spec: Value = r.json().await.unwrap();
    assert!(spec["paths"]["/api/v1/sessions/{session_id}/sse"].is_object());
    let r = s
        .http
        .get(format!("{}/api/docs", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("<html"));
}

#[tokio::test]
async fn agents_crud_upsert_import_export() {
    let s = Server::start(Opts::dev());
    // A1 human name → slug + display_name, 201
    let (st, a) = s
        .post("/agents", json!({"name": "Research Assistant", "system_prompt": "Research.", "tags": [], "capabilities": [], "tools": [], "initial_files": []}))
        .await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["name"], "research-assistant");
    assert_eq!(a["display_name"], "Research Assistant");
    assert_eq!(a["status"], "active");
    assert!(a["harness_id"].as_str().unwrap().starts_with("harness_"));
    let id = a["id"].as_str().unwrap().to_string();
    // upsert by name → 200, same id
    let (st, a2) = s
        .post(
            "/agents",
            json!({"name": "research-assistant", "system_prompt": "Research more."}),
        )
        .await;
    assert_eq!(st, 200, "{a2}");
    assert_eq!(a2["id"], id.as_str());
    // A2 PUT create with client id → 201, then update → 200
    let cid = "agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
    let (st, p) = s
        .put(
            &format!("/agents/{cid}"),
            json!({"name": "writer", "system_prompt": "Write."}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(p["id"], cid);
    let (st, _) = s
        .put(
            &format!("/agents/{cid}"),
            json!({"name": "writer", "system_prompt": "Write well."}),
        )
        .await;
    assert_eq!(st, 200);
    // name conflict
    let (st, b) = s
        .put(
            &format!("/agents/{cid}"),
            json!({"name": "research-assistant", "system_prompt": "x"}),
        )
        .await;
    assert_error(st, &b, 409, "name_conflict");
    // A4 by id and by name
    let (st, g) = s.get(&format!("/agents/{id}")).await;
    assert_eq!(st, 200);
    assert_eq!(g["system_prompt"], "Research more.");
    assert_eq!(g["session_count"], 0);
    let (st, g) = s.get("/agents/writer").await;
    assert_eq!((st, g["id"].as_str()), (200, Some(cid)));
    // A5 PATCH
    let (st, u) = s
        .patch(
            &format!("/agents/{id}"),
            json!({"description": "d", "tags": ["a"], "capabilities": [{"ref": "current_time"}]}),
        )
        .await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["tags"], json!(["a"]));
    assert_eq!(u["capabilities"][0]["ref"], "current_time");
    // A3 list + pagination
    for i in 0..3 {
        s.post(
            "/agents",
            json!({"name": format!("p-{i}"), "system_prompt": "x"}),
        )
        .await;
    }
    let (st, l) = s.get("/agents?limit=2").await;
    assert_eq!(st, 200);
    assert_eq!(
        (
            l["total"].as_u64(),
            l["limit"].as_u64(),
            l["offset"].as_u64()
        ),
        (Some(5), Some(2), Some(0))
    );
    assert_eq!(l["data"].as_array().unwrap().len(), 2);
    assert!(l.get("prev_url").is_none());
    let next = l["next_url"].as_str().unwrap().to_string();
    let (_, l2) = s.get(&next).await;
    assert_eq!(l2["offset"], 2);
    assert!(l2["prev_url"].is_string());
    let (_, l3) = s.get("/agents?search=WRITER").await;
    assert_eq!(l3["total"], 1);
    // A8 export → A7 import round trip
    let r = s
        .raw(Method::GET, &format!("/agents/{id}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("research-assistant.md"));
    let md = r.text().await.unwrap();
    assert!(
        md.starts_with("---\n") && md.ends_with("Research more."),
        "{md}"
    );
    let (st, imp) = common::send(
        s.raw(Method::POST, "/agents/import")
            .header("content-type", "text/plain")
            .body(md),
    )
    .await;
    assert_eq!(st, 200, "{imp}");
    assert_eq!(imp["id"], id.as_str());
    // seed-style import: human name, capabilities as strings
    let seed = "---\nname: \"HackerNews Reader\"\ndescription: \"An agent\"\ntags:\n  - demo\ncapabilities:\n  - web_fetch\n  - current_time\n  - session_file_system\n---\nYou read HN.";
    let (st, hn) = common::send(
        s.raw(Method::POST, "/agents/import")
            .header("content-type", "text/plain")
            .body(seed),
    )
    .await;
    assert_eq!(st, 201, "{hn}");
    assert_eq!(hn["name"], "hackernews-reader");
    assert_eq!(hn["display_name"], "HackerNews Reader");
    assert_eq!(hn["capabilities"].as_array().unwrap().len(), 3);
    // bad imports
    let (st, b) = common::send(
        s.raw(Method::POST, "/agents/import")
            .body("---\nname: a\n---\n"),
    )
    .await;
    assert_error(st, &b, 400, "invalid_agent_file");
    let (st, b) = common::send(
        s.raw(Method::POST, "/agents/import")
            .body("---\nname: [\n---\nx"),
    )
    .await;
    assert_error(st, &b, 400, "invalid_agent_file");
    let (st, b) = common::send(
        s.raw(Method::POST, "/agents/import")
            .body("x".repeat(3 * 1024 * 1024 + 1)),
    )
    .await;
    assert_error(st, &b, 413, "payload_too_large");
    // A6 archive → hidden from list, still readable
    let r = s
        .raw(Method::DELETE, &format!("/agents/{cid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, g) = s.get(&format!("/agents/{cid}")).await;
    assert_eq!(g["status"], "archived");
    let (_, l) = s.get("/agents?limit=100").await;
    assert!(l["data"].as_array().unwrap().iter().all(|a| a["id"] != cid));
    let (_, l) = s.get("/agents?limit=100&include_archived=true").await;
    assert!(l["data"].as_array().unwrap().iter().any(|a| a["id"] == cid));
}

#[tokio::test]
async fn agent_bad_input_stores_nothing() {
    let s = Server::start(Opts::dev());
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"name": "!!!", "system_prompt": "x"}),
            400,
            "invalid_name",
        ),
        (
            json!({"name": "a".repeat(70), "system_prompt": "x"}),
            400,
            "invalid_name",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "id": "agent_123"}),
            400,
            "invalid_id",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "id": "agent_0190F3C2A7B87E1C9D2A5B6C7D8E9F01"}),
            400,
            "invalid_id",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "harness_id": "harness_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", "harness_name": "generic"}),
            400,
            "invalid_input",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "harness_name": "nope"}),
            404,
            "harness_not_found",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "default_model_id": "model_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"}),
            404,
            "model_not_found",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "description": "d".repeat(10 * 1024 + 1)}),
            400,
            "limit_exceeded",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "capabilities": vec!["web_fetch"; 251]}),
            400,
            "limit_exceeded",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "capabilities": [{"ref": "bad id!"}]}),
            400,
            "invalid_input",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "initial_files": [{"path": "/a/../b", "content": "x"}]}),
            400,
            "invalid_path",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "initial_files": [{"path": "/a", "content": "%%%", "encoding": "base64"}]}),
            400,
            "invalid_content",
        ),
        (
            json!({"name": "ok", "system_prompt": "x", "max_iterations": 0}),
            400,
            "invalid_input",
        ),
        (
            json!({"name": "ok", "system_prompt": 3}),
            400,
            "invalid_input",
        ),
    ];
    for (body, status, code) in cases {
        let (st, b) = s.post("/agents", body.clone()).await;
        assert_error(st, &b, status, code);
    }
    for path in ["/agents/agent_xyz", "/agents/Not%20A%20Slug"] {
        let (st, b) = s.get(path).await;
        assert_error(st, &b, 400, "invalid_id");
    }
    let (st, b) = s
        .get("/agents/agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")
        .await;
    assert_error(st, &b, 404, "agent_not_found");
    let (st, b) = s.get("/agents?limit=0").await;
    assert_error(st, &b, 400, "invalid_query");
    let (st, b) = s.get("/agents?offset=-1").await;
    assert_error(st, &b, 400, "invalid_query");
    let (_, l) = s.get("/agents").await;
    assert_eq!(l["total"], 0, "nothing stored: {l}");
}

#[tokio::test]
async fn catalogues() {
    let s = Server::start(Opts::dev());
    let (st, h) = s.get("/harnesses").await;
    assert_eq!(st, 200);
    let generic = &h["data"][0];
    assert_eq!(generic["name"], "generic");
    assert_eq!(generic["is_built_in"], true);
    for key in [generic["id"].as_str().unwrap(), "generic", "default"] {
        let (st, g) = s.get(&format!("/harnesses/{key}")).await;
        assert_eq!((st, g["name"].as_str()), (200, Some("generic")));
    }
    let (st, b) = s.get("/harnesses/nope").await;
    assert_error(st, &b, 404, "harness_not_found");
    let (st, b) = s.get("/harnesses/harness_zz").await;
    assert_error(st, &b, 400, "invalid_id");

    let (st, m) = s.get("/models").await;
    assert_eq!(st, 200);
    let llmsim = m["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model_id"] == "llmsim-model")
        .unwrap()
        .clone();
    assert_eq!(llmsim["provider_type"], "llmsim");
    assert_eq!(llmsim["is_default"], true);
    for k in [
        "id",
        "model_id",
        "display_name",
        "provider_id",
        "provider_name",
        "provider_type",
        "capabilities",
        "enabled",
        "healthy",
        "is_favorite",
        "source",
        "created_at",
        "updated_at",
    ] {
        assert!(llmsim.get(k).is_some(), "model field {k}");
    }
    let (st, g) = s
        .get(&format!("/models/{}", llmsim["id"].as_str().unwrap()))
        .await;
    assert_eq!((st, &g["id"]), (200, &llmsim["id"]));
    let (st, b) = s
        .get("/models/model_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")
        .await;
    assert_error(st, &b, 404, "model_not_found");
    let (st, b) = s.get("/models/gpt-4o").await;
    assert_error(st, &b, 400, "invalid_id");
    let (st, b) = s.get("/models?source=bogus").await;
    assert_error(st, &b, 400, "invalid_query");
    let (_, m2) = s.get("/models?source=manual").await;
    assert_eq!(m2["data"], json!([]));

    let (st, c) = s.get("/capabilities?limit=100").await;
    assert_eq!(st, 200);
    let ids: Vec<&str> = c["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"test_math"), "{ids:?}");
    assert_eq!(c["total"].as_u64().unwrap() as usize, ids.len());
    let (st, one) = s.get("/capabilities/test_math").await;
    assert_eq!((st, one["id"].as_str()), (200, Some("test_math")));
    let (_, p) = s.get("/capabilities?limit=1").await;
    assert_eq!(p["data"].as_array().unwrap().len(), 1);
    assert!(p["next_url"].is_string());
    let (st, b) = s.get("/capabilities/nope").await;
    assert_error(st, &b, 404, "capability_not_found");
}

#[tokio::test]
async fn sessions_messages_events_and_cancel() {
    let s = Server::start(Opts::dev());
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": "helper", "system_prompt": "Help."}),
        )
        .await;
    assert_eq!(st, 201);
    // S1
    let (st, sess) = s
        .post("/sessions", json!({"agent_id": a["id"], "title": "Research: X", "tags": [], "capabilities": [], "initial_files": [{"path": "/workspace/seed.txt", "content": "hi", "is_readonly": true}]}))
        .await;
    assert_eq!(st, 201, "{sess}");
    let sid = sess["id"].as_str().unwrap().to_string();
    assert_eq!(sess["status"], "started");
    assert_eq!(sess["agent_id"], a["id"]);
    assert_eq!(sess["harness_id"], a["harness_id"]);
    assert_eq!(
        sess["workspace_id"].as_str().unwrap(),
        format!("wsp_{}", &sid[8..])
    );
    assert!(sess["organization_id"]
        .as_str()
        .unwrap()
        .starts_with("org_"));
    let (st, by_name) = s.post("/sessions", json!({"agent_name": "helper"})).await;
    assert_eq!((st, &by_name["agent_id"]), (201, &a["id"]));
    let r = s.raw(Method::POST, "/sessions").send().await.unwrap();
    assert_eq!(r.status(), 201, "empty body = defaults");
    // S2/S3/S4
    let (_, l) = s
        .get(&format!("/sessions?agent_id={}", a["id"].as_str().unwrap()))
        .await;
    assert_eq!(l["total"], 2);
    let (_, l) = s.get("/sessions?search=research").await;
    assert_eq!(l["total"], 1);
    let (st, u) = s
        .patch(
            &format!("/sessions/{sid}"),
            json!({"title": "New", "tags": ["x"]}),
        )
        .await;
    assert_eq!((st, u["title"].as_str()), (200, Some("New")));
    // MS1 → turn → MS2 / E1
    let m = s.say(&sid, "Hello there").await;
    assert_eq!(m["role"], "user");
    assert!(m["id"].as_str().unwrap().starts_with("message_"));
    let ev = s.wait_terminals(&sid, 1).await;
    let types: Vec<&str> = ev.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[0], "session.started");
    assert!(
        types.contains(&"input.message")
            && types.contains(&"turn.completed")
            && types.contains(&"output.message.completed"),
        "{types:?}"
    );
    let seqs: Vec<i64> = ev.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=ev.len() as i64).collect::<Vec<_>>());
    for e in &ev {
        for k in ["id", "type", "ts", "session_id", "data", "context"] {
            assert!(e.get(k).is_some(), "event field {k}: {e}");
        }
    }
    let (_, g) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(g["status"], "idle");
    let (st, msgs) = s.get(&format!("/sessions/{sid}/messages")).await;
    assert_eq!(st, 200);
    let roles: Vec<&str> = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["user", "agent"]);
    // E1 filters and cursors
    let since = ev[1]["id"].as_str().unwrap();
    let (_, after) = s
        .get(&format!("/sessions/{sid}/events?since_id={since}"))
        .await;
    assert_eq!(after["data"].as_array().unwrap().len(), ev.len() - 2);
    let (_, only) = s
        .get(&format!(
            "/sessions/{sid}/events?types=turn.started&types=turn.completed"
        ))
        .await;
    let t: Vec<&str> = only["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(t, vec!["turn.started", "turn.completed"]);
    let (_, ex) = s
        .get(&format!(
            "/sessions/{sid}/events?exclude=output.message.delta"
        ))
        .await;
    assert!(ex["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] != "output.message.delta"));
    let r = s
        .raw(Method::GET, &format!("/sessions/{sid}/events?limit=2"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("x-total-count").is_some());
    let lim: Value = r.json().await.unwrap();
    assert_eq!(lim["data"].as_array().unwrap().len(), 2);
    assert_eq!(lim["data"][1]["id"], ev.last().unwrap()["id"]);
    let bad_filters = [
        ("?types=nope.event", "unknown_event_type"),
        ("?since_id=event_123", "invalid_id"),
        (
            "?since_id=event_0190f3c2a7b87e1c9d2a5b6c7d8e9f01",
            "unknown_cursor",
        ),
        ("?limit=5000", "invalid_query"),
    ];
    for (q, code) in bad_filters {
        let (st, b) = s.get(&format!("/sessions/{sid}/events{q}")).await;
        assert_error(st, &b, 400, code);
    }
    let many: String = (0..26)
        .map(|_| "types=turn.started")
        .collect::<Vec<_>>()
        .join("&");
    let (st, b) = s.get(&format!("/sessions/{sid}/events?{many}")).await;
    assert_error(st, &b, 400, "too_many_filters");
    // S6 cancel on an idle session → 400 not_active (all body forms accepted)
    for body in ["", "{}", "null"] {
        let (st, b) = common::send(
            s.raw(Method::POST, &format!("/sessions/{sid}/cancel"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_error(st, &b, 400, "not_active");
    }
    // message bad input stores nothing
    let before = s.events(&sid).await.len();
    let bad_msgs = [
        json!({"message": {"content": []}}),
        json!({"message": {"role": "agent", "content": [{"type": "text", "text": "x"}]}}),
        json!({"message": {"content": [{"type": "tool_call", "id": "a", "name": "b", "arguments": {}}]}}),
        json!({"message": {"content": [{"type": "text", "text": "x"}]}, "controls": {"model_id": "model_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"}}),
        json!({"nope": 1}),
    ];
    for b in bad_msgs {
        let (st, body) = s.post(&format!("/sessions/{sid}/messages"), b).await;
        assert!(st == 400 || st == 404, "{st} {body}");
        assert!(body["error"]["code"].is_string());
    }
    assert_eq!(
        s.events(&sid).await.len(),
        before,
        "bad messages stored nothing"
    );
    // unknown / malformed session ids
    let (st, b) = s
        .get("/sessions/session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")
        .await;
    assert_error(st, &b, 404, "session_not_found");
    let (st, b) = s.get("/sessions/sess_1").await;
    assert_error(st, &b, 400, "invalid_id");
    let (st, b) = s
        .post(
            "/sessions",
            json!({"agent_id": "agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"}),
        )
        .await;
    assert_error(st, &b, 404, "agent_not_found");
    let (st, b) = s
        .post("/sessions", json!({"agent_id": "x", "agent_name": "y"}))
        .await;
    assert_error(st, &b, 400, "invalid_input");
    // S5
    let r = s
        .raw(Method::DELETE, &format!("/sessions/{sid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (st, b) = s.get(&format!("/sessions/{sid}/events")).await;
    assert_error(st, &b, 404, "session_not_found");
}

#[tokio::test]
async fn message_queued_while_turn_runs_and_cancel_running_turn() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.script(
        &sid,
        json!({"steps": [{"text": "slow one", "delay_ms": 1500}, {"text": "second"}]}),
    )
    .await;
    s.say(&sid, "first").await;
    s.say(&sid, "second").await; // queued behind the first turn
    let ev = s.wait_terminals(&sid, 2).await;
    let terminals: Vec<&Value> = ev.iter().filter(|e| common::is_terminal(e)).collect();
    assert_eq!(terminals.len(), 2);
    assert!(terminals.iter().all(|e| e["type"] == "turn.completed"));
    let starts: Vec<usize> = ev
        .iter()
        .enumerate()
        .filter(|(_, e)| e["type"] == "turn.started")
        .map(|(i, _)| i)
        .collect();
    let first_end = ev.iter().position(common::is_terminal).unwrap();
    assert!(
        starts[1] > first_end,
        "second turn starts after the first ends"
    );

    // cancel a running turn (DECISIONS #7)
    s.script(
        &sid,
        json!({"steps": [{"text": "never", "delay_ms": 30000}]}),
    )
    .await;
    s.say(&sid, "long").await;
    s.wait_event(&sid, "output.message.started").await;
    let (st, c) = s.post(&format!("/sessions/{sid}/cancel"), json!({})).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["status"], "cancelled");
    let ev = s.wait_terminals(&sid, 3).await;
    let tail: Vec<&str> = ev
        .iter()
        .skip_while(|e| e["type"] != "turn.cancelled")
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(tail.first(), Some(&"turn.cancelled"), "{tail:?}");
    assert!(
        tail.contains(&"input.message")
            && tail.contains(&"output.message.completed")
            && tail.last() == Some(&"session.idled"),
        "{tail:?}"
    );
    assert!(!tail.contains(&"turn.completed"));
}

#[tokio::test]
async fn filesystem_both_route_families() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let wsp = format!("wsp_{}", &sid[8..]);
    for base in [
        format!("/sessions/{sid}/fs"),
        format!("/workspaces/{wsp}/fs"),
    ] {
        let (st, root) = s.get(&base).await;
        assert_eq!((st, &root["data"]), (200, &json!([])), "{base}");
        // F3 create (with /workspace alias) → stored at /input.csv
        let (st, f) = s
            .post(
                &format!("{base}/workspace/input.csv"),
                json!({"content": "name,value\nalpha,1"}),
            )
            .await;
        assert_eq!(st, 201, "{f}");
        assert_eq!(f["path"], "/input.csv");
        assert_eq!(f["session_id"], sid.as_str());
        let (st, b) = s
            .post(&format!("{base}/input.csv"), json!({"content": "again"}))
            .await;
        assert_error(st, &b, 409, "file_exists");
        // nested create makes parents; directory create
        let (st, _) = s
            .post(
                &format!("{base}/docs/a/b.md"),
                json!({"content": "# B\nneedle here"}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, d) = s
            .post(&format!("{base}/empty"), json!({"is_directory": true}))
            .await;
        assert_eq!((st, d["is_directory"].as_bool()), (201, Some(true)));
        // F1/F2 list + read
        let (_, l) = s.get(&format!("{base}/workspace")).await;
        let names: Vec<&str> = l["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"input.csv") && names.contains(&"docs") && names.contains(&"empty"),
            "{names:?}"
        );
        let (st, r) = s.get(&format!("{base}/workspace/input.csv")).await;
        assert_eq!(
            (st, r["content"].as_str()),
            (200, Some("name,value\nalpha,1"))
        );
        let (_, dl) = s.get(&format!("{base}/docs?recursive=true")).await;
        assert_eq!(dl["data"].as_array().unwrap().len(), 2);
        // F4 update
        let (st, u) = s
            .put(&format!("{base}/input.csv"), json!({"content": "v2"}))
            .await;
        assert_eq!((st, u["content"].as_str()), (200, Some("v2")));
        // binary via base64
        let (st, bin) = s
            .post(
                &format!("{base}/bin.dat"),
                json!({"content": "AAEC", "encoding": "base64"}),
            )
            .await;
        assert_eq!(
            (st, bin["encoding"].as_str(), bin["size_bytes"].as_u64()),
            (201, Some("base64"), Some(3))
        );
        let r = s
            .raw(Method::GET, &format!("{base}/_/download/bin.dat"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.bytes().await.unwrap().as_ref(), &[0u8, 1, 2]);
        // F6 move, F7 copy, F8 grep, F9 stat
        let (st, mv) = s
            .post(
                &format!("{base}/_/move"),
                json!({"src_path": "/input.csv", "dst_path": "/workspace/moved.csv"}),
            )
            .await;
        assert_eq!((st, mv["path"].as_str()), (200, Some("/moved.csv")));
        let (st, cp) = s
            .post(
                &format!("{base}/_/copy"),
                json!({"src_path": "/moved.csv", "dst_path": "/copy.csv"}),
            )
            .await;
        assert_eq!((st, cp["content"].as_str()), (201, Some("v2")));
        let (st, b) = s
            .post(
                &format!("{base}/_/copy"),
                json!({"src_path": "/moved.csv", "dst_path": "/copy.csv"}),
            )
            .await;
        assert_error(st, &b, 409, "file_exists");
        let (st, g) = s
            .post(
                &format!("{base}/_/grep"),
                json!({"pattern": "needle", "path_pattern": "**/*.md"}),
            )
            .await;
        assert_eq!(st, 200, "{g}");
        assert_eq!(g["data"][0]["path"], "/docs/a/b.md");
        assert_eq!(g["data"][0]["matches"][0]["line_number"], 2);
        let (st, b) = s
            .post(&format!("{base}/_/grep"), json!({"pattern": "("}))
            .await;
        assert_error(st, &b, 400, "invalid_pattern");
        let (st, stat) = s
            .post(&format!("{base}/_/stat"), json!({"path": "/docs"}))
            .await;
        assert_eq!((st, stat["is_directory"].as_bool()), (200, Some(true)));
        let (st, b) = s
            .post(&format!("{base}/_/stat"), json!({"path": "/missing"}))
            .await;
        assert_error(st, &b, 404, "file_not_found");
        // read-only: write and delete refused (403)
        let (st, _) = s
            .post(
                &format!("{base}/ro.txt"),
                json!({"content": "x", "is_readonly": true}),
            )
            .await;
        assert_eq!(st, 201);
        let (st, b) = s
            .put(&format!("{base}/ro.txt"), json!({"content": "y"}))
            .await;
        assert_error(st, &b, 403, "readonly");
        let (st, b) = s.delete(&format!("{base}/ro.txt")).await;
        assert_error(st, &b, 403, "readonly");
        // bad paths
        let (st, b) = s
            .post(&format!("{base}/_hidden"), json!({"content": "x"}))
            .await;
        assert!(st == 400 || st == 405, "{st} {b}");
        let (st, b) = s
            .post(&format!("{base}/a/_x/b"), json!({"content": "x"}))
            .await;
        assert_error(st, &b, 400, "reserved_path");
        let (st, b) = s.get(&format!("{base}/a%00b")).await;
        assert_error(st, &b, 400, "invalid_path");
        let (st, b) = s
            .post(&format!("{base}/_/stat"), json!({"path": "/a/../b"}))
            .await;
        assert_error(st, &b, 400, "invalid_path");
        let (st, b) = s
            .post(&format!("{base}/_/move"), json!({"src_path": "/x"}))
            .await;
        assert_error(st, &b, 400, "invalid_input");
        let (st, b) = s.get(&format!("{base}/nope.txt")).await;
        assert_error(st, &b, 404, "file_not_found");
        let (st, b) = s.delete(&format!("{base}/docs")).await;
        assert_error(st, &b, 400, "directory_not_empty");
        // F5 delete
        let (st, del) = s.delete(&format!("{base}/docs?recursive=true")).await;
        assert_eq!((st, &del), (200, &json!({"deleted": true})));
        let (st, del) = s.delete(&format!("{base}/moved.csv")).await;
        assert_eq!((st, del["deleted"].as_bool()), (200, Some(true)));
        // clean up for the second route family
        for p in ["copy.csv", "bin.dat", "empty"] {
            s.delete(&format!("{base}/{p}?recursive=true")).await;
        }
        let (_, ro) = s
            .put(&format!("{base}/ro.txt"), json!({"is_readonly": false}))
            .await;
        assert_eq!(ro["is_readonly"], false, "{ro}");
        s.delete(&format!("{base}/ro.txt")).await;
    }
    let (st, b) = s
        .get("/workspaces/wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01/fs")
        .await;
    assert_error(st, &b, 404, "workspace_not_found");
    let (st, b) = s.get("/workspaces/wsp_nope/fs").await;
    assert_error(st, &b, 400, "invalid_id");
}

#[tokio::test]
async fn llmsim_route_is_dev_only() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let (st, b) = s
        .put(&format!("/sessions/{sid}/llmsim"), json!({"steps": "nope"}))
        .await;
    assert_error(st, &b, 400, "invalid_input");
    drop(s);
    let mut s = Server::start(Opts::default());
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
        .unwrap();
    s.token = Some(String::from_utf8(out.stdout).unwrap().trim().to_string());
    let sid = s.session().await;
    let (st, b) = s
        .put(&format!("/sessions/{sid}/llmsim"), json!({"steps": []}))
        .await;
    assert_error(st, &b, 404, "not_found");
}

async fn oversized_post(s: &Server, path: &str, len: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = s.origin.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{{\"name\":"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        sock.read_to_end(&mut buf),
    )
    .await;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        text.to_ascii_lowercase().contains("x-request-id:"),
        "{text}"
    );
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}
