//! Agent versions, copy, stats, harness writes, session pins, session export and the
//! `Everruns-Change-Reason` header, over a real socket (SQLite, or PostgreSQL with
//! `EVERRUNS_TEST_BACKEND=postgres`).

mod common;

use common::{assert_error, Opts, Server};
use reqwest::Method;
use serde_json::{json, Value};

async fn with_reason(
    s: &Server,
    method: Method,
    path: &str,
    reason: &str,
    body: Value,
) -> (u16, Value) {
    common::send(
        s.raw(method, path)
            .header("everruns-change-reason", reason)
            .json(&body),
    )
    .await
}

async fn versions(s: &Server, agent: &str) -> Vec<Value> {
    let (st, b) = s.get(&format!("/agents/{agent}/versions")).await;
    assert_eq!(st, 200, "{b}");
    b.as_array().unwrap().clone()
}

#[tokio::test]
async fn every_change_makes_a_version_and_sessions_record_it() {
    let s = Server::start(Opts::dev());
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": "versioned", "system_prompt": "First."}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let v = versions(&s, &id).await;
    assert_eq!(v.len(), 1);
    let v1 = v[0].clone();
    assert_eq!(v1["version"], "1.0.0");
    assert_eq!(v1["version_number"], 1);
    assert_eq!(v1["change_kind"], "auto");
    assert_eq!(v1["is_published"], true);
    assert_eq!(v1["authored_config"]["system_prompt"], "First.");
    assert!(v1["resolved_config"]["system_prompt"]
        .as_str()
        .unwrap()
        .contains("First."));
    assert_eq!(v1["config_hash"].as_str().unwrap().len(), 64);
    assert!(v1.get("parent_version_id").is_none());
    assert_eq!(a["default_version_id"], v1["id"]);

    // no change, no version
    let (st, _) = s
        .patch(&format!("/agents/{id}"), json!({"system_prompt": "First."}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(versions(&s, &id).await.len(), 1);

    // a change with a reason (percent-encoded UTF-8)
    let (st, a2) = with_reason(
        &s,
        Method::PATCH,
        &format!("/agents/{id}"),
        "tighten%20the%20prompt%20%E2%9C%93",
        json!({"system_prompt": "Second."}),
    )
    .await;
    assert_eq!(st, 200, "{a2}");
    let v = versions(&s, &id).await;
    assert_eq!(v.len(), 2);
    let v2 = v[0].clone();
    assert_eq!(v2["version"], "1.0.1");
    assert_eq!(v2["parent_version_id"], v1["id"]);
    assert_eq!(v2["change_reason"], "tighten the prompt ✓");
    assert_eq!(a2["default_version_id"], v2["id"]);
    assert_eq!(v[1]["is_published"], false);

    // PUT by name and import make versions too
    let (st, _) = s
        .put(
            "/agents/versioned",
            json!({"name": "versioned", "system_prompt": "Third."}),
        )
        .await;
    assert_eq!(st, 200);
    let r = s
        .raw(Method::POST, "/agents/import")
        .header("content-type", "text/markdown")
        .body("---\nname: versioned\n---\nFourth.")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = versions(&s, &id).await;
    assert_eq!(v.len(), 4);
    assert_eq!(v[0]["change_kind"], "import");

    // get and diff
    let (st, got) = s
        .get(&format!(
            "/agents/{id}/versions/{}",
            v2["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, 200);
    assert_eq!(got["authored_config"]["system_prompt"], "Second.");
    let (st, d) = s
        .get(&format!(
            "/agents/{id}/versions/{}/diff/{}",
            v1["id"].as_str().unwrap(),
            v2["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        d["authored_diff"],
        json!([{"field": "system_prompt", "from": "First.", "to": "Second."}])
    );
    assert_eq!(d["resolved_diff"][0]["field"], "system_prompt");

    // sessions record the default version; the reason lands in session.started
    let (st, sess) = with_reason(
        &s,
        Method::POST,
        "/sessions",
        "nightly%20run",
        json!({"agent_id": id}),
    )
    .await;
    assert_eq!(st, 201, "{sess}");
    assert_eq!(sess["agent_version_id"], v[0]["id"]);
    let sid = sess["id"].as_str().unwrap();
    let ev = s.events(sid).await;
    assert_eq!(ev[0]["type"], "session.started");
    assert_eq!(ev[0]["data"]["agent_version_id"], v[0]["id"]);
    assert_eq!(ev[0]["data"]["change_reason"], "nightly run");

    // set the default back to v1: the agent runs v1's configuration again
    let (st, a3) = s
        .post(
            &format!("/agents/{id}/versions/default"),
            json!({"version_id": v1["id"]}),
        )
        .await;
    assert_eq!(st, 200, "{a3}");
    assert_eq!(a3["default_version_id"], v1["id"]);
    assert_eq!(a3["system_prompt"], "First.");
    let (_, sess2) = s
        .post("/sessions", json!({"agent_name": "versioned"}))
        .await;
    assert_eq!(sess2["agent_version_id"], v1["id"]);
    let (_, got) = s
        .get(&format!("/sessions/{}", sess2["id"].as_str().unwrap()))
        .await;
    assert_eq!(got["agent_version_id"], v1["id"]);

    // rollback to v2 saves a rollback version whose source is v2
    let (st, a4) = s
        .post(
            &format!(
                "/agents/{id}/versions/{}/rollback",
                v2["id"].as_str().unwrap()
            ),
            json!({"summary": "back to two"}),
        )
        .await;
    assert_eq!(st, 200, "{a4}");
    assert_eq!(a4["system_prompt"], "Second.");
    let v = versions(&s, &id).await;
    assert_eq!(v[0]["change_kind"], "rollback");
    assert_eq!(v[0]["source_version_id"], v2["id"]);
    assert_eq!(v[0]["summary"], "back to two");
    assert_eq!(v[0]["config_hash"], v2["config_hash"]);
    assert_eq!(a4["default_version_id"], v[0]["id"]);

    // an explicit minor version
    let (st, vm) = s
        .post(
            &format!("/agents/{id}/versions"),
            json!({"change_kind": "minor", "summary": "release"}),
        )
        .await;
    assert_eq!(st, 201, "{vm}");
    assert_eq!(
        vm["semver_minor"].as_u64().unwrap(),
        v[0]["semver_minor"].as_u64().unwrap() + 1
    );
    assert_eq!(vm["semver_patch"], 0);
    assert_eq!(vm["change_kind"], "minor");

    // fork v1 into a new agent; copy the agent
    let (st, f) = s
        .post(
            &format!("/agents/{id}/versions/{}/fork", v1["id"].as_str().unwrap()),
            json!({"name": "forked", "description": "from v1"}),
        )
        .await;
    assert_eq!(st, 201, "{f}");
    assert_eq!(f["system_prompt"], "First.");
    assert_eq!(f["forked_from_agent_id"], id.as_str());
    assert_eq!(f["forked_from_version_id"], v1["id"]);
    let fv = versions(&s, f["id"].as_str().unwrap()).await;
    assert_eq!(fv.len(), 1);
    assert_eq!(fv[0]["change_kind"], "fork");
    let (st, c) = s.post(&format!("/agents/{id}/copy"), json!({})).await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["name"], "versioned-copy");
    assert_eq!(c["system_prompt"], "Second.");
    let (_, c2) = s.post(&format!("/agents/{id}/copy"), json!({})).await;
    assert_eq!(c2["name"], "versioned-copy-2");

    // stats count the agent's sessions
    let (st, stats) = s.get(&format!("/agents/{id}/stats")).await;
    assert_eq!(st, 200, "{stats}");
    assert_eq!(stats["session_count"], 2);
    assert_eq!(stats["started_session_count"], 2);
    assert_eq!(stats["execution_count"], 0);
    assert!(stats["first_session_at"].is_string());
}

#[tokio::test]
async fn version_bad_input() {
    let s = Server::start(Opts::dev());
    let (_, a) = s
        .post("/agents", json!({"name": "one", "system_prompt": "A."}))
        .await;
    let (_, b) = s
        .post("/agents", json!({"name": "two", "system_prompt": "B."}))
        .await;
    let a = a["id"].as_str().unwrap().to_string();
    let b = b["id"].as_str().unwrap().to_string();
    let va = versions(&s, &a).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vb = versions(&s, &b).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unknown = "agentver_0123456789abcdef0123456789abcdef";

    // a version of another agent, an unknown version, a malformed id
    let (st, e) = s.get(&format!("/agents/{a}/versions/{vb}")).await;
    assert_error(st, &e, 404, "agent_version_not_found");
    let (st, e) = s.get(&format!("/agents/{a}/versions/{unknown}")).await;
    assert_error(st, &e, 404, "agent_version_not_found");
    let (st, e) = s.get(&format!("/agents/{a}/versions/v1")).await;
    assert_error(st, &e, 400, "invalid_id");
    // a diff across two agents
    let (st, e) = s.get(&format!("/agents/{a}/versions/{va}/diff/{vb}")).await;
    assert_error(st, &e, 404, "agent_version_not_found");
    // set default / rollback / fork with another agent's version
    let (st, e) = s
        .post(
            &format!("/agents/{a}/versions/default"),
            json!({"version_id": vb}),
        )
        .await;
    assert_error(st, &e, 404, "agent_version_not_found");
    let (st, e) = s
        .post(&format!("/agents/{a}/versions/{vb}/rollback"), json!({}))
        .await;
    assert_error(st, &e, 404, "agent_version_not_found");
    let (st, e) = s
        .post(
            &format!("/agents/{a}/versions/{vb}/fork"),
            json!({"name": "x"}),
        )
        .await;
    assert_error(st, &e, 404, "agent_version_not_found");
    // unknown agent
    let (st, e) = s
        .get("/agents/agent_0123456789abcdef0123456789abcdef/versions")
        .await;
    assert_error(st, &e, 404, "agent_not_found");
    let (st, e) = s.get("/agents/nobody/stats").await;
    assert_error(st, &e, 404, "agent_not_found");
    // fork onto a taken name; bad names and kinds
    let (st, e) = s
        .post(
            &format!("/agents/{a}/versions/{va}/fork"),
            json!({"name": "two"}),
        )
        .await;
    assert_error(st, &e, 409, "name_conflict");
    let (st, e) = s
        .post(
            &format!("/agents/{a}/versions/{va}/fork"),
            json!({"name": "  "}),
        )
        .await;
    assert_error(st, &e, 400, "invalid_name");
    let (st, e) = s
        .post(
            &format!("/agents/{a}/versions"),
            json!({"change_kind": "rollback"}),
        )
        .await;
    assert_error(st, &e, 400, "invalid_input");
    // bad change reasons: refused, nothing stored
    for bad in ["bad%2", "a%00b", "my%20key%20evr_abcdef"] {
        let (st, e) = with_reason(
            &s,
            Method::PATCH,
            &format!("/agents/{a}"),
            bad,
            json!({"system_prompt": "C."}),
        )
        .await;
        assert_error(st, &e, 400, "invalid_change_reason");
    }
    let long = "x".repeat(1001);
    let (st, e) = with_reason(
        &s,
        Method::PATCH,
        &format!("/agents/{a}"),
        &long,
        json!({"system_prompt": "C."}),
    )
    .await;
    assert_error(st, &e, 400, "invalid_change_reason");
    assert_eq!(versions(&s, &a).await.len(), 1);
    let (_, got) = s.get(&format!("/agents/{a}")).await;
    assert_eq!(got["system_prompt"], "A.");
}

#[tokio::test]
async fn harness_writes_and_search() {
    let s = Server::start(Opts::dev());
    let (st, h) = s
        .post(
            "/harnesses",
            json!({"name": "research-base", "system_prompt": "Cite sources.", "display_name": "Research",
                   "description": "For research agents", "tags": ["r"]}),
        )
        .await;
    assert_eq!(st, 201, "{h}");
    assert_eq!(h["is_built_in"], false);
    let hid = h["id"].as_str().unwrap().to_string();
    let (st, got) = s.get("/harnesses/research-base").await;
    assert_eq!(st, 200);
    assert_eq!(got["id"], hid.as_str());
    let (_, found) = s.get("/harnesses?search=research").await;
    let names: Vec<&str> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["research-base"]);
    // an agent on it resolves the harness prompt first
    let (_, a) = s
        .post(
            "/agents",
            json!({"name": "researcher", "system_prompt": "Be brief.", "harness_id": hid}),
        )
        .await;
    let v = versions(&s, a["id"].as_str().unwrap()).await;
    let resolved = v[0]["resolved_config"]["system_prompt"].as_str().unwrap();
    assert!(
        resolved.find("Cite sources.").unwrap() < resolved.find("Be brief.").unwrap(),
        "{resolved}"
    );
    assert_eq!(
        v[0]["resolved_config"]["harness_chain"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        hid.as_str()
    );

    let (st, u) = s
        .patch(
            &format!("/harnesses/{hid}"),
            json!({"system_prompt": "Cite two sources."}),
        )
        .await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["system_prompt"], "Cite two sources.");
    assert_eq!(u["name"], "research-base");

    // bad input: built-in harness, duplicate name, cycle, unknown parent, bad name, unknown id
    let (st, e) = s
        .patch("/harnesses/generic", json!({"system_prompt": "x"}))
        .await;
    assert_error(st, &e, 403, "built_in_harness");
    let (st, e) = s.delete("/harnesses/generic").await;
    assert_error(st, &e, 403, "built_in_harness");
    let (st, e) = s.post("/harnesses", json!({"name": "research-base"})).await;
    assert_error(st, &e, 409, "name_conflict");
    let (st, e) = s
        .patch(
            &format!("/harnesses/{hid}"),
            json!({"parent_harness_id": hid}),
        )
        .await;
    assert_error(st, &e, 400, "invalid_input");
    let (st, e) = s
        .post("/harnesses", json!({"name": "orphan", "parent_harness_id": "harness_0123456789abcdef0123456789abcdef"}))
        .await;
    assert_error(st, &e, 404, "harness_not_found");
    let (st, e) = s.post("/harnesses", json!({"name": "Not A Slug"})).await;
    assert_error(st, &e, 400, "invalid_name");
    let (st, e) = s
        .delete("/harnesses/harness_0123456789abcdef0123456789abcdef")
        .await;
    assert_error(st, &e, 404, "harness_not_found");

    let (st, _) = s.delete(&format!("/harnesses/{hid}")).await;
    assert_eq!(st, 204);
    let (_, list) = s.get("/harnesses").await;
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["id"] != hid.as_str()));
    let (_, got) = s.get(&format!("/harnesses/{hid}")).await;
    assert_eq!(got["status"], "archived");
}

#[tokio::test]
async fn pins_and_small_export() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let other = s.session().await;
    let (_, got) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(got["is_pinned"], false);
    let (st, _) = s.put(&format!("/sessions/{sid}/pin"), json!(null)).await;
    assert_eq!(st, 204);
    let (st, _) = s.put(&format!("/sessions/{sid}/pin"), json!(null)).await;
    assert_eq!(st, 204, "pinning twice is fine");
    let (_, got) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(got["is_pinned"], true);
    let (_, list) = s.get("/sessions").await;
    for x in list["data"].as_array().unwrap() {
        assert_eq!(x["is_pinned"], x["id"] == sid.as_str(), "{x}");
    }
    let (st, _) = s.delete(&format!("/sessions/{sid}/pin")).await;
    assert_eq!(st, 204);
    let (_, got) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(got["is_pinned"], false);
    let unknown = "session_0123456789abcdef0123456789abcdef";
    let (st, e) = s
        .put(&format!("/sessions/{unknown}/pin"), json!(null))
        .await;
    assert_error(st, &e, 404, "session_not_found");
    let (st, e) = s.delete(&format!("/sessions/{unknown}/pin")).await;
    assert_error(st, &e, 404, "session_not_found");

    // export: one envelope per line, the same events the list returns
    s.script(&other, json!({"steps": [{"text": "hello there"}]}))
        .await;
    s.say(&other, "hi").await;
    let events = s.wait_terminals(&other, 1).await;
    let r = s
        .raw(Method::GET, &format!("/sessions/{other}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= events.len());
    let seqs: Vec<i64> = lines
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(lines.iter().any(|e| e["type"] == "turn.completed"));
    let (st, e) = s.get(&format!("/sessions/{unknown}/export")).await;
    assert_error(st, &e, 404, "session_not_found");
    let (st, e) = s.get("/sessions/nope/export").await;
    assert_error(st, &e, 400, "invalid_id");
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap()
}

/// A 100,000-event session (about 100 MB of JSONL) exports in bounded server memory: the
/// handler reads one page of events at a time and the server's peak RSS grows by far less
/// than the export's size.
#[tokio::test]
async fn export_of_100k_events_in_bounded_memory() {
    const EVENTS: usize = 100_000;
    let mut s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.terminate();
    // fill the log straight through the store (an API turn per event would take hours)
    {
        let store = everruns_server::store::Store::open(&common::db_url(&s.dir))
            .await
            .unwrap();
        let pad = "x".repeat(900);
        for chunk in 0..(EVENTS / 1000) {
            let batch = (0..1000)
                .map(|i| {
                    everruns_server::store::NewEvent::new(
                        "output.message.delta",
                        json!({"delta": format!("{pad}{}", chunk * 1000 + i)}),
                        Default::default(),
                    )
                })
                .collect();
            store.append_events(&sid, batch).await.unwrap();
        }
        store.close().await;
    }
    let s = Server::start_in(&s.dir.clone(), Opts::dev());
    let pid = s.pid().unwrap();
    // warm up with a small request (not `GET /sessions/{id}`, which reads the whole log to
    // find pending interactions), then the baseline peak
    let (st, _) = s.get("/agents").await;
    assert_eq!(st, 200);
    let before = rss_kib(pid, "VmHWM:");
    let mut r = s
        .raw(Method::GET, &format!("/sessions/{sid}/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (mut bytes, mut lines, mut last_seq, mut partial) = (0usize, 0usize, 0i64, Vec::new());
    while let Some(chunk) = r.chunk().await.unwrap() {
        bytes += chunk.len();
        partial.extend_from_slice(&chunk);
        while let Some(nl) = partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = partial.drain(..=nl).collect();
            let e: Value = serde_json::from_slice(&line[..line.len() - 1]).unwrap();
            let seq = e["sequence"].as_i64().unwrap();
            assert_eq!(seq, last_seq + 1, "in order, no gap or duplicate");
            last_seq = seq;
            lines += 1;
        }
    }
    assert!(partial.is_empty());
    let after = rss_kib(pid, "VmHWM:");
    let growth_mib = (after.saturating_sub(before)) / 1024;
    let size_mib = bytes / (1024 * 1024);
    println!("export: {lines} events, {size_mib} MiB streamed; server peak RSS {} MiB -> {} MiB (+{growth_mib} MiB)", before / 1024, after / 1024);
    assert_eq!(lines, EVENTS + 1, "session.started + the appended events");
    assert!(size_mib >= 90, "{size_mib} MiB");
    assert!(
        growth_mib < 40,
        "peak RSS grew by {growth_mib} MiB while streaming {size_mib} MiB"
    );
}

/// The Rust SDK: `with_reason` derives a client (same pool) whose changes carry the reason;
/// the version operations and session pins go through the core's sub-clients.
#[tokio::test]
async fn rust_sdk_versions_and_with_reason() {
    use everruns_sdk::{Everruns, RollbackAgentVersionRequest, UpdateAgentRequest};
    let s = Server::start(Opts::dev());
    let client = Everruns::new("dev", format!("{}/api", s.origin)).unwrap();
    let agent = client
        .agents()
        .create("Rust Versioned", "One.")
        .await
        .unwrap();
    let why = client.with_reason("rename for launch").unwrap();
    let update = UpdateAgentRequest {
        system_prompt: Some("Two.".into()),
        ..Default::default()
    };
    why.agents().update(&agent.id, update).await.unwrap();
    let versions = client.agents().list_versions(&agent.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0].change_reason.as_deref(),
        Some("rename for launch")
    );
    assert_eq!(versions[1].change_reason, None);
    let diff = client
        .agents()
        .diff_versions(&agent.id, &versions[1].id, &versions[0].id)
        .await
        .unwrap();
    assert_eq!(diff.authored_diff[0].field, "system_prompt");
    let back = client
        .agents()
        .rollback_version(
            &agent.id,
            &versions[1].id,
            RollbackAgentVersionRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(back.system_prompt, "One.");
    assert!(client.with_reason("bad\u{7}").is_err());
    let session = client.sessions().create_for_agent(&agent.id).await.unwrap();
    assert_eq!(session.agent_version_id, back.default_version_id);
    client.sessions().pin(&session.id).await.unwrap();
    assert!(client.sessions().get(&session.id).await.unwrap().is_pinned);
    let err = client
        .agents()
        .get_version(&agent.id, "agentver_0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}
