//! The Agent Execution API on the real server: api channels, agent keys (created, listed,
//! rotated, revoked; stored hashed), the channel routes, `End-User` scoping, `Idempotency-Key`,
//! visibility and error disclosure, and key-direction isolation (each direction tested).

mod common;

use common::{assert_error, bin, db_url, send, Opts, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// An agent with a published api channel.
struct Chan {
    agent: String,
    id: String,
}

async fn agent(s: &Server, caps: Value) -> String {
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("support-{}", common::rand_suffix()),
                   "display_name": "Support Bot", "description": "Answers questions.",
                   "system_prompt": "You help.", "capabilities": caps}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn channel(s: &Server, agent_id: &str, config: Value) -> Chan {
    let (st, c) = s
        .post(
            &format!("/agents/{agent_id}/channels"),
            json!({"channel_type": "api", "channel_config": config}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["status"], "draft");
    let id = c["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("appchan_"), "{id}");
    assert!(c["agent_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v1/channels/{id}")));
    let (st, p) = s
        .post(
            &format!("/agents/{agent_id}/channels/{id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["status"], "live");
    Chan {
        agent: agent_id.to_string(),
        id,
    }
}

async fn key(s: &Server, c: &Chan, permissions: Value) -> (String, String) {
    let (st, k) = s
        .post(
            &format!("/agents/{}/channels/{}/keys", c.agent, c.id),
            json!({"name": "backend", "permissions": permissions}),
        )
        .await;
    assert_eq!(st, 201, "{k}");
    let secret = k["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("evr_ak_") && secret.len() == 7 + 64,
        "{secret}"
    );
    assert!(k["id"].as_str().unwrap().starts_with("agentkey_"));
    (k["id"].as_str().unwrap().to_string(), secret)
}

/// A request to the channel's routes with `secret`.
fn call(s: &Server, c: &Chan, m: Method, path: &str, secret: &str) -> reqwest::RequestBuilder {
    s.http
        .request(m, format!("{}/channels/{}{path}", s.api, c.id))
        .header("authorization", format!("Bearer {secret}"))
}

async fn new_session(s: &Server, c: &Chan, secret: &str, end_user: Option<&str>) -> String {
    let mut b = call(s, c, Method::POST, "/sessions", secret).json(&json!({"title": "t"}));
    if let Some(u) = end_user {
        b = b.header("end-user", u);
    }
    let (st, v) = send(b).await;
    assert_eq!(st, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

fn text(t: &str) -> Value {
    json!({"message": {"role": "user", "content": [{"type": "text", "text": t}]}})
}

async fn channel_events(s: &Server, c: &Chan, secret: &str, sid: &str) -> Vec<Value> {
    let (st, v) = send(call(
        s,
        c,
        Method::GET,
        &format!("/sessions/{sid}/events"),
        secret,
    ))
    .await;
    assert_eq!(st, 200, "{v}");
    v["data"].as_array().unwrap().clone()
}

async fn wait_done(s: &Server, c: &Chan, secret: &str, sid: &str, n: usize) -> Vec<Value> {
    for _ in 0..600 {
        let ev = channel_events(s, c, secret, sid).await;
        if ev.iter().filter(|e| common::is_terminal(e)).count() >= n {
            return ev;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no terminal event on {sid}");
}

#[tokio::test]
async fn keys_are_created_listed_rotated_and_revoked() {
    let s = Server::start(Opts::dev());
    let a = agent(&s, json!([])).await;
    // bad input is refused with a clear 400
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels"),
            json!({"channel_type": "slack"}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels"),
            json!({"channel_type": "api", "channel_config": {"visibility": "everything"}}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("messages, activity, full"),
        "{b}"
    );
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels"),
            json!({"channel_type": "api", "channel_config": {"api_key_hash": "x"}}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");

    // a draft channel refuses traffic
    let (st, draft) = s
        .post(
            &format!("/agents/{a}/channels"),
            json!({"channel_type": "api"}),
        )
        .await;
    assert_eq!(st, 201);
    assert_eq!(draft["channel_config"]["visibility"], "activity");
    let d = Chan {
        agent: a.clone(),
        id: draft["id"].as_str().unwrap().into(),
    };
    let (_, dsecret) = key(&s, &d, json!(["sessions"])).await;
    let (st, b) = send(call(&s, &d, Method::GET, "", &dsecret)).await;
    assert_error(st, &b, 403, "agent_unavailable");

    let c = channel(&s, &a, json!({})).await;
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys", c.id),
            json!({"name": "x", "permissions": ["admin"]}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys", c.id),
            json!({"name": " "}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");
    let (kid, secret) = key(&s, &c, json!(null)).await;

    // listed without the secret, with a display prefix
    let (st, list) = s.get(&format!("/agents/{a}/channels/{}/keys", c.id)).await;
    assert_eq!(st, 200);
    let text = list.to_string();
    assert!(!text.contains(&secret), "{text}");
    assert_eq!(list[0]["prefix"], format!("{}...", &secret[..15]));
    assert_eq!(list[0]["permissions"], json!(["sessions"]));

    // stored hashed: the raw secret is nowhere in the database files
    let hay = common::stored_bytes(&s.dir);
    assert!(!hay.is_empty());
    assert!(!hay.windows(secret.len()).any(|w| w == secret.as_bytes()));

    // the card
    let (st, card) = send(call(&s, &c, Method::GET, "", &secret)).await;
    assert_eq!(st, 200, "{card}");
    assert_eq!(card["name"], "Support Bot");
    assert_eq!(card["streaming"], true);
    assert_eq!(
        card["links"]["sessions"],
        format!("/api/v1/channels/{}/sessions", c.id)
    );

    // rotate: same id, new secret, the old one works during the overlap
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys/{kid}/rotate", c.id),
            json!({"overlap_hours": 500}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_input");
    let (st, r) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys/{kid}/rotate", c.id),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["id"], kid.as_str());
    let second = r["secret"].as_str().unwrap().to_string();
    assert_ne!(second, secret);
    assert!(r["previous_valid_until"].is_string());
    for sk in [&secret, &second] {
        let (st, _) = send(call(&s, &c, Method::GET, "", sk)).await;
        assert_eq!(st, 200);
    }
    // a session started with the old secret is still the key's after rotation
    let sid = new_session(&s, &c, &secret, None).await;
    let (st, _) = send(call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{sid}"),
        &second,
    ))
    .await;
    assert_eq!(st, 200);
    // rotating with no overlap retires the previous secret at once
    let (st, r) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys/{kid}/rotate", c.id),
            json!({"overlap_hours": 0}),
        )
        .await;
    assert_eq!(st, 200);
    let third = r["secret"].as_str().unwrap().to_string();
    let (st, b) = send(call(&s, &c, Method::GET, "", &second)).await;
    assert_error(st, &b, 401, "unauthorized");

    // revoke: nothing works any more
    let (st, rv) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys/{kid}/revoke", c.id),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{rv}");
    assert!(rv["revoked_at"].is_string());
    let (st, b) = send(call(&s, &c, Method::GET, "", &third)).await;
    assert_error(st, &b, 401, "unauthorized");
    let (st, b) = s
        .post(
            &format!("/agents/{a}/channels/{}/keys/{kid}/rotate", c.id),
            json!({}),
        )
        .await;
    assert_error(st, &b, 404, "key_not_found");

    // unpublish: 403 again
    let (_, k2) = key(&s, &c, json!(["sessions"])).await;
    let (st, _) = s
        .post(
            &format!("/agents/{a}/channels/{}/unpublish", c.id),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, b) = send(call(&s, &c, Method::GET, "", &k2)).await;
    assert_error(st, &b, 403, "agent_unavailable");
}

#[tokio::test]
async fn a_turn_runs_through_the_channel() {
    let s = Server::start(Opts::dev());
    let a = agent(&s, json!([])).await;
    let c = channel(&s, &a, json!({})).await;
    let (_, secret) = key(&s, &c, json!(["sessions"])).await;
    let sid = new_session(&s, &c, &secret, None).await;
    s.script(&sid, json!({"steps": [{"text": "Order 42 shipped."}]}))
        .await;
    let (st, m) = send(
        call(
            &s,
            &c,
            Method::POST,
            &format!("/sessions/{sid}/messages"),
            &secret,
        )
        .json(&text("Where is order 42?")),
    )
    .await;
    assert_eq!(st, 201, "{m}");
    let ev = wait_done(&s, &c, &secret, &sid, 1).await;
    let reply = ev
        .iter()
        .find(|e| e["type"] == "output.message.completed")
        .expect("reply");
    assert_eq!(
        reply["data"]["message"]["content"][0]["text"],
        "Order 42 shipped."
    );
    assert!(ev.iter().any(|e| e["type"] == "turn.completed"));
    // no deltas or internal events in the default `activity` visibility
    assert!(ev
        .iter()
        .all(|e| e["type"] != "output.message.delta" && e["metadata"].is_null()));
    // the session: status and last turn
    let (st, v) = send(call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{sid}"),
        &secret,
    ))
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["last_turn_status"], "completed");
    assert_eq!(v["pending_questions"], json!([]));
    assert!(v.get("system_prompt").is_none() && v.get("tools").is_none());
    // only text parts may be sent
    let (st, b) = send(
        call(&s, &c, Method::POST, &format!("/sessions/{sid}/messages"), &secret).json(
            &json!({"message": {"role": "user", "content": [{"type": "image", "url": "http://x/y.png"}]}}),
        ),
    )
    .await;
    assert_error(st, &b, 400, "invalid_input");
    // events page forward with after_sequence; SSE replays from after_sequence=0
    let last = ev.last().unwrap()["sequence"].as_i64().unwrap();
    let (st, v) = send(call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{sid}/events?after_sequence={last}"),
        &secret,
    ))
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"], json!([]));
    let resp = call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{sid}/sse?after_sequence=0"),
        &secret,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let mut sse = common::SseClient::from_response(resp);
    let frames = sse.until("turn.completed").await;
    assert_eq!(frames[0].event.as_deref(), Some("connected"));
    assert!(frames
        .iter()
        .all(|f| f.event.as_deref() != Some("output.message.delta")));
    let mid = frames
        .iter()
        .find(|f| f.event.as_deref() == Some("input.message"))
        .unwrap();
    // resume after an event with since_id
    let resp = call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{sid}/sse?since_id={}", mid.id.clone().unwrap()),
        &secret,
    )
    .send()
    .await
    .unwrap();
    let mut sse = common::SseClient::from_response(resp);
    let frames = sse.until("turn.completed").await;
    assert!(frames
        .iter()
        .all(|f| f.event.as_deref() != Some("input.message")));
    // cancel on an idle session: 400 not_active
    let (st, b) = send(call(
        &s,
        &c,
        Method::POST,
        &format!("/sessions/{sid}/cancel"),
        &secret,
    ))
    .await;
    assert_error(st, &b, 400, "not_active");
}

#[tokio::test]
async fn key_directions_are_isolated() {
    // without --dev: management keys are real
    let s = Server::start(Opts::default());
    let out = std::process::Command::new(bin())
        .args([
            "--database-url",
            &db_url(&s.dir),
            "keys",
            "create",
            "--name",
            "ops",
        ])
        .output()
        .unwrap();
    let mgmt = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut s = s;
    s.token = Some(mgmt.clone());
    let a = agent(&s, json!([])).await;
    let c1 = channel(&s, &a, json!({})).await;
    let c2 = channel(&s, &a, json!({})).await;
    let (_, k1) = key(&s, &c1, json!(["sessions"])).await;
    let (_, k1b) = key(&s, &c1, json!(["sessions"])).await;
    let (_, k2) = key(&s, &c2, json!(["sessions"])).await;
    let sid = new_session(&s, &c1, &k1, None).await;

    // 1. an agent key never reaches a management route
    for path in [
        "/agents",
        &format!("/sessions/{sid}"),
        &format!("/sessions/{sid}/events"),
    ] {
        let (st, b) = send(
            s.http
                .get(format!("{}{path}", s.api))
                .header("authorization", format!("Bearer {k1}")),
        )
        .await;
        assert_error(st, &b, 403, "agent_key_not_allowed");
    }
    // 2. a management key never reaches a channel's sessions (nor the card)
    for (m, path) in [
        (Method::GET, String::new()),
        (Method::GET, format!("/sessions/{sid}")),
        (Method::GET, format!("/sessions/{sid}/events")),
        (Method::POST, "/sessions".to_string()),
    ] {
        let (st, b) = send(call(&s, &c1, m, &path, &mgmt)).await;
        assert_error(st, &b, 401, "unauthorized");
    }
    // 3. another channel's key is refused on this channel
    let (st, b) = send(call(&s, &c1, Method::GET, &format!("/sessions/{sid}"), &k2)).await;
    assert_error(st, &b, 401, "unauthorized");
    // 4. another key of the same channel sees none of this key's sessions
    for (m, path) in [
        (Method::GET, format!("/sessions/{sid}")),
        (Method::GET, format!("/sessions/{sid}/events")),
        (Method::GET, format!("/sessions/{sid}/sse")),
        (Method::POST, format!("/sessions/{sid}/cancel")),
    ] {
        let (st, b) = send(call(&s, &c1, m, &path, &k1b)).await;
        assert_error(st, &b, 404, "not_found");
    }
    let (st, b) = send(
        call(
            &s,
            &c1,
            Method::POST,
            &format!("/sessions/{sid}/messages"),
            &k1b,
        )
        .json(&text("hi")),
    )
    .await;
    assert_error(st, &b, 404, "not_found");
    let (st, l) = send(call(&s, &c1, Method::GET, "/sessions", &k1b)).await;
    assert_eq!(st, 200);
    assert_eq!(l["data"], json!([]));
    let (st, l) = send(call(&s, &c1, Method::GET, "/sessions", &k1)).await;
    assert_eq!(st, 200);
    assert_eq!(l["data"][0]["id"], sid.as_str());
    // 5. a session made on the management API is not any channel's
    let (st, m) = s.post("/sessions", json!({"agent_id": a})).await;
    assert_eq!(st, 201);
    let msid = m["id"].as_str().unwrap();
    let (st, b) = send(call(
        &s,
        &c1,
        Method::GET,
        &format!("/sessions/{msid}"),
        &k1,
    ))
    .await;
    assert_error(st, &b, 404, "not_found");
    // no credential, garbage, unknown channel
    let (st, b) = send(s.http.get(format!("{}/channels/{}", s.api, c1.id))).await;
    assert_error(st, &b, 401, "unauthorized");
    let (st, b) = send(call(&s, &c1, Method::GET, "", "evr_ak_0000")).await;
    assert_error(st, &b, 401, "unauthorized");
    let (st, b) = send(
        s.http
            .get(format!("{}/channels/appchan_{}", s.api, "0".repeat(32)))
            .header("authorization", format!("Bearer {k1}")),
    )
    .await;
    assert_error(st, &b, 404, "not_found");
    let (st, b) = send(
        s.http
            .get(format!("{}/channels/nope", s.api))
            .header("authorization", format!("Bearer {k1}")),
    )
    .await;
    assert_error(st, &b, 400, "invalid_id");
}

#[tokio::test]
async fn end_users_and_runtime_tokens_are_scoped() {
    let s = Server::start(Opts::dev());
    let a = agent(&s, json!([])).await;
    let c = channel(&s, &a, json!({})).await;
    let (_, plain) = key(&s, &c, json!(["sessions"])).await;
    let (_, app) = key(&s, &c, json!(["sessions", "end_user"])).await;
    // End-User needs the permission
    let (st, b) =
        send(call(&s, &c, Method::GET, "/sessions", &plain).header("end-user", "alice")).await;
    assert_error(st, &b, 403, "end_user_not_allowed");
    let (st, b) = send(call(&s, &c, Method::GET, "/sessions", &app).header("end-user", "")).await;
    assert_error(st, &b, 400, "invalid_input");

    let alice = new_session(&s, &c, &app, Some("alice")).await;
    let bob = new_session(&s, &c, &app, Some("bob")).await;
    let own = new_session(&s, &c, &app, None).await;
    let list = |u: Option<&'static str>| {
        let mut b = call(&s, &c, Method::GET, "/sessions", &app);
        if let Some(u) = u {
            b = b.header("end-user", u);
        }
        send(b)
    };
    let ids = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(list(Some("alice")).await.1), vec![alice.clone()]);
    assert_eq!(ids(list(Some("bob")).await.1), vec![bob.clone()]);
    assert_eq!(ids(list(None).await.1), vec![own.clone()]);
    let (st, _) = send(
        call(&s, &c, Method::GET, &format!("/sessions/{alice}"), &app).header("end-user", "bob"),
    )
    .await;
    assert_eq!(st, 404);

    // runtime tokens need End-User and act for that user only
    let (st, b) = send(call(&s, &c, Method::POST, "/runtime-auth", &app)).await;
    assert_error(st, &b, 400, "invalid_input");
    let (st, t) =
        send(call(&s, &c, Method::POST, "/runtime-auth", &app).header("end-user", "alice")).await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["virtual_user_id"], "alice");
    let token = t["access_token"].as_str().unwrap().to_string();
    assert!(token.starts_with("evr_rt_"));
    let (st, v) = send(call(&s, &c, Method::GET, "/sessions", &token)).await;
    assert_eq!(st, 200);
    assert_eq!(ids(v), vec![alice.clone()]);
    let (st, _) = send(call(
        &s,
        &c,
        Method::GET,
        &format!("/sessions/{bob}"),
        &token,
    ))
    .await;
    assert_eq!(st, 404);
    let (st, b) =
        send(call(&s, &c, Method::GET, "/sessions", &token).header("end-user", "bob")).await;
    assert_error(st, &b, 403, "end_user_not_allowed");
    let (st, b) =
        send(call(&s, &c, Method::POST, "/runtime-auth", &token).header("end-user", "alice")).await;
    assert_error(st, &b, 403, "forbidden");
    // a runtime token never reaches management either
    let (st, b) = send(
        s.http
            .get(format!("{}/agents", s.api))
            .header("authorization", format!("Bearer {token}")),
    )
    .await;
    assert_error(st, &b, 403, "agent_key_not_allowed");
}

#[tokio::test]
async fn idempotency_key_returns_the_first_result_and_one_turn() {
    let s = Server::start(Opts::dev());
    let a = agent(&s, json!([])).await;
    let c = channel(&s, &a, json!({})).await;
    let (_, k) = key(&s, &c, json!(["sessions"])).await;
    let create = || {
        call(&s, &c, Method::POST, "/sessions", &k)
            .header("idempotency-key", "create-1")
            .json(&json!({"title": "once"}))
    };
    let (st1, s1) = send(create()).await;
    let (st2, s2) = send(create()).await;
    assert_eq!((st1, st2), (201, 201));
    assert_eq!(s1["id"], s2["id"]);
    let (_, l) = send(call(&s, &c, Method::GET, "/sessions", &k)).await;
    assert_eq!(l["data"].as_array().unwrap().len(), 1);
    // the same key with another body is refused
    let (st, b) = send(
        call(&s, &c, Method::POST, "/sessions", &k)
            .header("idempotency-key", "create-1")
            .json(&json!({"title": "other"})),
    )
    .await;
    assert_error(st, &b, 422, "idempotency_key_reused");

    let sid = s1["id"].as_str().unwrap().to_string();
    s.script(&sid, json!({"steps": [{"text": "done", "delay_ms": 300}]}))
        .await;
    // eight concurrent sends with one key: one message, one turn
    let sends = (0..8).map(|_| {
        send(
            call(
                &s,
                &c,
                Method::POST,
                &format!("/sessions/{sid}/messages"),
                &k,
            )
            .header("idempotency-key", "msg-1")
            .json(&text("hello")),
        )
    });
    let results = futures::future::join_all(sends).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(st, m)| {
            assert_eq!(*st, 201, "{m}");
            m["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    s.wait_terminals(&sid, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ev = s.events(&sid).await;
    assert_eq!(
        ev.iter().filter(|e| e["type"] == "input.message").count(),
        1
    );
    assert_eq!(ev.iter().filter(|e| e["type"] == "turn.started").count(), 1);
    let (st, b) = send(
        call(&s, &c, Method::POST, "/sessions", &k)
            .header("idempotency-key", "x".repeat(300))
            .json(&json!({})),
    )
    .await;
    assert_error(st, &b, 400, "invalid_input");
}

async fn tool_turn(s: &Server, config: Value) -> (Chan, String, Vec<Value>) {
    let a = agent(s, json!(["current_time"])).await;
    let c = channel(s, &a, config).await;
    let (_, k) = key(s, &c, json!(["sessions"])).await;
    let sid = new_session(s, &c, &k, None).await;
    s.script(
        &sid,
        json!({"steps": [
            {"text": "Let me check.", "tool_calls": [{"name": "get_current_time", "arguments": {"timezone": "UTC"}}]},
            {"text": "It is late."}]}),
    )
    .await;
    let (st, _) = send(
        call(
            s,
            &c,
            Method::POST,
            &format!("/sessions/{sid}/messages"),
            &k,
        )
        .json(&text("time?")),
    )
    .await;
    assert_eq!(st, 201);
    let ev = wait_done(s, &c, &k, &sid, 1).await;
    (c, sid, ev)
}

#[tokio::test]
async fn visibility_filters_what_callers_see() {
    let s = Server::start(Opts::dev());
    let (_, _, activity) = tool_turn(&s, json!({"tool_activity_text": "Looking it up"})).await;
    let started = activity
        .iter()
        .find(|e| e["type"] == "tool.started")
        .expect("tool.started");
    assert_eq!(started["data"]["activity"], "Looking it up");
    let all = serde_json::to_string(&activity).unwrap();
    assert!(
        !all.contains("get_current_time") && !all.contains("timezone"),
        "{all}"
    );
    assert!(activity.iter().any(|e| e["type"] == "tool.completed"));

    let (_, _, messages) = tool_turn(&s, json!({"visibility": "messages"})).await;
    assert!(messages
        .iter()
        .all(|e| !e["type"].as_str().unwrap().starts_with("tool.")));
    let texts: Vec<&str> = messages
        .iter()
        .filter(|e| e["type"] == "output.message.completed")
        .map(|e| e["data"]["message"]["content"][0]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["Let me check.", "It is late."]);

    let (_, _, full) = tool_turn(&s, json!({"visibility": "full"})).await;
    let all = serde_json::to_string(&full).unwrap();
    assert!(all.contains("get_current_time") && all.contains("output.message.delta"));
}

#[tokio::test]
async fn errors_are_public_unless_detailed() {
    let s = Server::start(Opts::dev());
    for (errors, want_code) in [("public", "internal_error"), ("detailed", "")] {
        let a = agent(&s, json!([])).await;
        let c = channel(&s, &a, json!({"errors": errors, "visibility": "full"})).await;
        let (_, k) = key(&s, &c, json!(["sessions"])).await;
        let sid = new_session(&s, &c, &k, None).await;
        s.script(
            &sid,
            json!({"steps": [{"error": "server_error"}], "on_exhausted": "error"}),
        )
        .await;
        let (st, _) = send(
            call(
                &s,
                &c,
                Method::POST,
                &format!("/sessions/{sid}/messages"),
                &k,
            )
            .json(&text("x")),
        )
        .await;
        assert_eq!(st, 201);
        let ev = wait_done(&s, &c, &k, &sid, 1).await;
        let failed = ev
            .iter()
            .find(|e| e["type"] == "turn.failed")
            .unwrap_or_else(|| panic!("{ev:?}"));
        let internal = s.events(&sid).await;
        let raw = internal
            .iter()
            .find(|e| e["type"] == "turn.failed")
            .unwrap();
        if errors == "public" {
            assert_eq!(failed["data"]["error_code"], want_code);
            assert_ne!(failed["data"]["error"], raw["data"]["error"]);
        } else {
            assert_eq!(failed["data"], raw["data"]);
        }
    }
}

/// `ask_user` through the channel: the caller sees the pending question set on its session,
/// answers it through the channel route and the turn completes; another key of the channel
/// reaches neither the question nor the answer route.
#[tokio::test]
async fn questions_are_answered_through_the_channel() {
    let s = Server::start(Opts::dev());
    let a = agent(&s, json!(["ask_user"])).await;
    let c = channel(&s, &a, json!({})).await;
    let (_, k) = key(&s, &c, json!(["sessions"])).await;
    let (_, other) = key(&s, &c, json!(["sessions"])).await;
    let sid = new_session(&s, &c, &k, None).await;
    s.script(
        &sid,
        json!({"steps": [
            {"tool_calls": [{"id": "call_q", "name": "ask_user", "arguments": {"questions": [
                {"id": "env", "question": "Deploy where?",
                 "options": [{"label": "staging"}, {"label": "production"}]}]}}]},
            {"text": "Deploying to staging."}]}),
    )
    .await;
    let path = format!("/sessions/{sid}/messages");
    let (st, _) = send(call(&s, &c, Method::POST, &path, &k).json(&text("deploy"))).await;
    assert_eq!(st, 201);
    let mut pending = Value::Null;
    for _ in 0..400 {
        let (st, v) = send(call(&s, &c, Method::GET, &format!("/sessions/{sid}"), &k)).await;
        assert_eq!(st, 200, "{v}");
        if v["pending_questions"]
            .as_array()
            .is_some_and(|q| !q.is_empty())
        {
            pending = v["pending_questions"][0].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(pending["tool_call_id"], "call_q", "{pending}");
    let answers = json!({"answers": [{"id": "env", "selected": ["staging"]}]});
    let qa = format!("/sessions/{sid}/question-answers");
    let (st, b) = send(call(&s, &c, Method::POST, &qa, &other).json(&answers)).await;
    assert_error(st, &b, 404, "not_found");
    let (st, b) = send(
        call(
            &s,
            &c,
            Method::POST,
            &format!("/sessions/{sid}/tool-approvals"),
            &other,
        )
        .json(&json!({"decisions": []})),
    )
    .await;
    assert_eq!(st, 404, "{b}");
    let (st, r) = send(call(&s, &c, Method::POST, &qa, &k).json(&answers)).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["tool_call_id"], "call_q");
    let ev = wait_done(&s, &c, &k, &sid, 1).await;
    let term = ev.iter().find(|e| common::is_terminal(e)).unwrap();
    assert_eq!(term["type"], "turn.completed", "{term}");
    let (st, b) = send(call(&s, &c, Method::POST, &qa, &k).json(&answers)).await;
    assert_error(st, &b, 409, "not_waiting");
}
