//! Workspaces and memories over a real socket (issue #15 items 1 and 6): CRUD, sessions
//! sharing a workspace, archived workspaces, memory files, memories mounted read-only into an
//! agent's sessions (through the API and through the runtime's file tools), and bad input.

mod common;

use common::{assert_error, rand_suffix, Opts, Server};
use serde_json::{json, Value};

async fn agent(s: &Server, extra: Value) -> String {
    let mut body =
        json!({"name": format!("agent-{}", rand_suffix()), "system_prompt": "You help."});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (st, a) = s.post("/agents", body).await;
    assert_eq!(st, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn session_on(s: &Server, agent_id: &str, workspace_id: Option<&str>) -> Value {
    let mut body = json!({"agent_id": agent_id});
    if let Some(w) = workspace_id {
        body["workspace_id"] = json!(w);
    }
    let (st, sess) = s.post("/sessions", body).await;
    assert_eq!(st, 201, "{sess}");
    sess
}

#[tokio::test]
async fn workspace_crud_and_sessions_sharing_files() {
    let s = Server::start(Opts::dev());
    let (st, w) = s
        .post(
            "/workspaces",
            json!({"name": "team", "description": "Shared files"}),
        )
        .await;
    assert_eq!(st, 201, "{w}");
    let wid = w["id"].as_str().unwrap().to_string();
    assert!(wid.starts_with("wsp_"), "{w}");
    assert_eq!(w["status"], "active");
    assert!(
        w["archived_at"].is_null() && w.get("deleted_at").is_some(),
        "{w}"
    );

    let (st, got) = s.get(&format!("/workspaces/{wid}")).await;
    assert_eq!((st, &got["name"]), (200, &json!("team")), "{got}");
    let (st, up) = s
        .patch(&format!("/workspaces/{wid}"), json!({"name": "team-2"}))
        .await;
    assert_eq!((st, &up["name"]), (200, &json!("team-2")), "{up}");
    assert_eq!(up["description"], "Shared files");
    let (_, l) = s.get("/workspaces?search=TEAM-2").await;
    assert!(
        l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == wid.as_str()),
        "{l}"
    );

    // two sessions on the workspace share its files
    let a = agent(&s, json!({})).await;
    let s1 = session_on(&s, &a, Some(&wid)).await;
    let s2 = session_on(&s, &a, Some(&wid)).await;
    assert_eq!(s1["workspace_id"], wid.as_str());
    assert_eq!(s2["workspace_id"], wid.as_str());
    let (st, f) = s
        .post(
            &format!("/sessions/{}/fs/notes/plan.md", s1["id"].as_str().unwrap()),
            json!({"content": "step one"}),
        )
        .await;
    assert_eq!(st, 201, "{f}");
    let (st, f) = s
        .get(&format!(
            "/sessions/{}/fs/notes/plan.md",
            s2["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!((st, &f["content"]), (200, &json!("step one")), "{f}");
    let (st, f) = s.get(&format!("/workspaces/{wid}/fs/notes/plan.md")).await;
    assert_eq!((st, &f["content"]), (200, &json!("step one")), "{f}");
    // and the runtime's tools of session 2 see it
    let sid2 = s2["id"].as_str().unwrap();
    s.script(
        sid2,
        json!({"steps": [
            {"tool_calls": [{"id": "c1", "name": "read_file", "arguments": {"path": "/notes/plan.md"}},
                            {"id": "c2", "name": "write_file", "arguments": {"path": "/from-s2.txt", "content": "hello from two"}}]},
            {"text": "done"}]}),
    )
    .await;
    s.say(sid2, "read the plan").await;
    let ev = s.wait_terminals(sid2, 1).await;
    let tools: Vec<&Value> = ev
        .iter()
        .filter(|e| e["type"] == "tool.completed")
        .collect();
    assert_eq!(tools.len(), 2, "{ev:?}");
    assert!(
        tools[0]["data"]["result"].to_string().contains("step one"),
        "{}",
        tools[0]
    );
    let (st, f) = s
        .post(
            &format!("/workspaces/{wid}/fs/_/stat"),
            json!({"path": "/from-s2.txt"}),
        )
        .await;
    assert_eq!(st, 200, "{f}");

    // a session without workspace_id gets its own default workspace (the old alias)
    let s3 = session_on(&s, &a, None).await;
    let sid3 = s3["id"].as_str().unwrap();
    let w3 = s3["workspace_id"].as_str().unwrap();
    assert_eq!(&w3[4..], &sid3[8..]);
    let (st, g) = s.get(&format!("/workspaces/{w3}")).await;
    assert_eq!((st, &g["session_id"]), (200, &json!(sid3)), "{g}");
    let (st, l) = s.get(&format!("/sessions/{sid3}/fs/notes/plan.md")).await;
    assert_error(st, &l, 404, "file_not_found");

    // delete = archive: reads stay, writes and new sessions are refused, listing hides it
    let (st, _) = s.delete(&format!("/workspaces/{wid}")).await;
    assert_eq!(st, 204);
    let (_, g) = s.get(&format!("/workspaces/{wid}")).await;
    assert_eq!(g["status"], "archived", "{g}");
    assert!(g["archived_at"].is_string(), "{g}");
    let (st, _) = s.get(&format!("/workspaces/{wid}/fs/notes/plan.md")).await;
    assert_eq!(st, 200);
    let (st, b) = s
        .post(
            &format!("/workspaces/{wid}/fs/new.txt"),
            json!({"content": "x"}),
        )
        .await;
    assert_error(st, &b, 409, "workspace_archived");
    let (st, b) = s
        .post("/sessions", json!({"agent_id": a, "workspace_id": wid}))
        .await;
    assert_error(st, &b, 409, "workspace_archived");
    let (_, l) = s.get("/workspaces").await;
    assert!(
        !l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == wid.as_str()),
        "{l}"
    );
    let (_, l) = s.get("/workspaces?include_archived=true").await;
    assert!(
        l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == wid.as_str()),
        "{l}"
    );
    let (st, r) = s
        .patch(&format!("/workspaces/{wid}"), json!({"status": "active"}))
        .await;
    assert_eq!((st, &r["status"]), (200, &json!("active")), "{r}");
    assert!(r["archived_at"].is_null(), "{r}");
}

#[tokio::test]
async fn workspace_bad_input() {
    let s = Server::start(Opts::dev());
    let unknown = "wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
    let (st, b) = s.get(&format!("/workspaces/{unknown}")).await;
    assert_error(st, &b, 404, "workspace_not_found");
    let (st, b) = s.get("/workspaces/wsp_nope").await;
    assert_error(st, &b, 400, "invalid_id");
    let (st, b) = s.delete(&format!("/workspaces/{unknown}")).await;
    assert_error(st, &b, 404, "workspace_not_found");
    let (st, b) = s.post("/workspaces", json!({"name": "  "})).await;
    assert_error(st, &b, 400, "invalid_input");
    let (st, b) = s
        .post("/workspaces", json!({"description": "no name"}))
        .await;
    assert_eq!(st, 400, "{b}");
    let (st, w) = s.post("/workspaces", json!({"name": "one"})).await;
    assert_eq!(st, 201);
    let w1 = w["id"].as_str().unwrap().to_string();
    let (st, b) = s
        .patch(&format!("/workspaces/{w1}"), json!({"status": "deleted"}))
        .await;
    assert_error(st, &b, 400, "invalid_input");
    let a = agent(&s, json!({})).await;
    let (st, b) = s
        .post("/sessions", json!({"agent_id": a, "workspace_id": unknown}))
        .await;
    assert_error(st, &b, 404, "workspace_not_found");
    let (st, b) = s
        .post(
            "/sessions",
            json!({"agent_id": a, "workspace_id": "session_x"}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_id");

    // another workspace's file is not reachable from this one
    let (_, w) = s.post("/workspaces", json!({"name": "two"})).await;
    let w2 = w["id"].as_str().unwrap().to_string();
    let (st, _) = s
        .post(
            &format!("/workspaces/{w1}/fs/secret.txt"),
            json!({"content": "one's"}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, b) = s.get(&format!("/workspaces/{w2}/fs/secret.txt")).await;
    assert_error(st, &b, 404, "file_not_found");
    let (st, b) = s
        .post(
            &format!("/workspaces/{w2}/fs/_/copy"),
            json!({"src_path": "/secret.txt", "dst_path": "/mine.txt"}),
        )
        .await;
    assert_error(st, &b, 404, "file_not_found");
    // path traversal
    for p in [
        "a%2F..%2F..%2Fsecret.txt",
        "..%2Fsecret.txt",
        "sub%2F..%2F..%2Fx",
    ] {
        let (st, b) = s.get(&format!("/workspaces/{w2}/fs/{p}")).await;
        assert_error(st, &b, 400, "invalid_path");
    }
    let (st, b) = s
        .post(
            &format!("/workspaces/{w2}/fs/_/stat"),
            json!({"path": "/../x"}),
        )
        .await;
    assert_error(st, &b, 400, "invalid_path");
}

#[tokio::test]
async fn memories_crud_files_and_bad_input() {
    let s = Server::start(Opts::dev());
    let (st, m) = s
        .post(
            "/memories",
            json!({"name": "facts", "description": "Long-term knowledge"}),
        )
        .await;
    assert_eq!(st, 201, "{m}");
    let mid = m["id"].as_str().unwrap().to_string();
    assert!(mid.starts_with("mem_"), "{m}");
    assert_eq!(m["source_type"], "manual");
    assert_eq!(m["source"], json!({"provider": "manual"}));
    assert_eq!(m["is_readonly"], true);
    assert_eq!(m["sync_status"], "idle");

    let (st, fi) = s
        .post(
            &format!("/memories/{mid}/fs/facts/product.md"),
            json!({"content": "# Product\nEverruns runs agents.\n", "encoding": "text"}),
        )
        .await;
    assert_eq!(st, 201, "{fi}");
    assert_eq!(fi["path"], "/facts/product.md");
    assert_eq!(fi["is_directory"], false);
    assert!(fi.get("content").is_none(), "{fi}");
    let (st, d) = s
        .post(
            &format!("/memories/{mid}/fs/empty"),
            json!({"is_directory": true}),
        )
        .await;
    assert_eq!((st, &d["is_directory"]), (201, &json!(true)), "{d}");
    let (st, f) = s.get(&format!("/memories/{mid}/fs/facts/product.md")).await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["encoding"], "text");
    assert!(
        f["content_hash"].as_str().unwrap().starts_with("sha256:"),
        "{f}"
    );
    let (st, g) = s
        .post(
            &format!("/memories/{mid}/fs/_/grep"),
            json!({"pattern": "agents"}),
        )
        .await;
    assert_eq!(st, 200, "{g}");
    assert_eq!(
        g["data"],
        json!([{"path": "/facts/product.md", "size_bytes": 32}])
    );
    let (_, l) = s.get(&format!("/memories/{mid}/fs")).await;
    let paths: Vec<&str> = l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["/empty", "/facts"]);
    let (st, u) = s
        .put(
            &format!("/memories/{mid}/fs/facts/product.md"),
            json!({"content": "v2"}),
        )
        .await;
    assert_eq!((st, &u["content"]), (200, &json!("v2")), "{u}");
    let (st, sf) = s
        .post(
            &format!("/memories/{mid}/fs/_/stat"),
            json!({"path": "/facts/product.md"}),
        )
        .await;
    assert_eq!((st, &sf["size_bytes"]), (200, &json!(2)), "{sf}");
    let (st, _) = s.delete(&format!("/memories/{mid}/fs/empty")).await;
    assert_eq!(st, 204);
    let (st, p) = s
        .patch(&format!("/memories/{mid}"), json!({"description": "new"}))
        .await;
    assert_eq!((st, &p["description"]), (200, &json!("new")), "{p}");

    // bad input
    let unknown = "mem_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
    let (st, b) = s.get(&format!("/memories/{unknown}")).await;
    assert_error(st, &b, 404, "memory_not_found");
    let (st, b) = s.get(&format!("/memories/{unknown}/fs")).await;
    assert_error(st, &b, 404, "memory_not_found");
    let (st, b) = s.get("/memories/mem_x").await;
    assert_error(st, &b, 400, "invalid_id");
    let (st, b) = s
        .post(
            "/memories",
            json!({"name": "docs", "source": {"repository": "o/r", "branch": "main"}}),
        )
        .await;
    assert_error(st, &b, 400, "unsupported_source");
    let (st, b) = s
        .post(
            "/memories",
            json!({"name": "docs", "source": {"provider": "git", "url": "x"}}),
        )
        .await;
    assert_error(st, &b, 400, "unsupported_source");
    let (st, b) = s.post(&format!("/memories/{mid}/sync"), json!({})).await;
    assert_error(st, &b, 400, "unsupported_source");
    let (st, b) = s.get(&format!("/memories/{mid}/fs/..%2F..%2Fx")).await;
    assert_error(st, &b, 400, "invalid_path");
    let (st, b) = s
        .post(
            &format!("/memories/{mid}/fs/facts/product.md"),
            json!({"content": "dup"}),
        )
        .await;
    assert_eq!(st, 409, "{b}");
    let (st, b) = s
        .post("/agents", json!({"name": format!("a-{}", rand_suffix()), "system_prompt": "x", "memory_ids": [unknown]}))
        .await;
    assert_error(st, &b, 404, "memory_not_found");
    let (st, b) = s
        .post("/agents", json!({"name": format!("a-{}", rand_suffix()), "system_prompt": "x", "memory_ids": ["wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"]}))
        .await;
    assert_error(st, &b, 400, "invalid_id");

    // delete = archive; an archived memory's files cannot change
    let (st, _) = s.delete(&format!("/memories/{mid}")).await;
    assert_eq!(st, 204);
    let (_, g) = s.get(&format!("/memories/{mid}")).await;
    assert_eq!(g["status"], "archived", "{g}");
    let (st, b) = s
        .post(&format!("/memories/{mid}/fs/x.md"), json!({"content": "x"}))
        .await;
    assert_error(st, &b, 409, "memory_archived");
    let (_, l) = s.get("/memories").await;
    assert!(
        !l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == mid.as_str()),
        "{l}"
    );
}

#[tokio::test]
async fn memories_are_mounted_read_only_into_agent_sessions() {
    let s = Server::start(Opts::dev());
    let (_, m) = s.post("/memories", json!({"name": "kb"})).await;
    let mid = m["id"].as_str().unwrap().to_string();
    let (st, _) = s
        .post(
            &format!("/memories/{mid}/fs/facts.md"),
            json!({"content": "The sky is teal here."}),
        )
        .await;
    assert_eq!(st, 201);
    let a = agent(&s, json!({"memory_ids": [mid]})).await;
    let (_, got) = s.get(&format!("/agents/{a}")).await;
    assert_eq!(got["memory_ids"], json!([mid]), "{got}");
    let sess = session_on(&s, &a, None).await;
    let sid = sess["id"].as_str().unwrap();

    // through the session's file API
    let (st, f) = s
        .get(&format!("/sessions/{sid}/fs/memories/kb/facts.md"))
        .await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["content"], "The sky is teal here.");
    assert_eq!(f["is_readonly"], true);
    let (_, root) = s.get(&format!("/sessions/{sid}/fs")).await;
    assert!(
        root["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["path"] == "/memories"),
        "{root}"
    );
    let (st, b) = s
        .put(
            &format!("/sessions/{sid}/fs/memories/kb/facts.md"),
            json!({"content": "no"}),
        )
        .await;
    assert_error(st, &b, 403, "readonly");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{b}"
    );
    let (st, b) = s
        .post(
            &format!("/sessions/{sid}/fs/memories/kb/new.md"),
            json!({"content": "no"}),
        )
        .await;
    assert_error(st, &b, 403, "readonly");

    // through the runtime's file tools
    s.script(
        sid,
        json!({"steps": [
            {"tool_calls": [
                {"id": "c1", "name": "read_file", "arguments": {"path": "/memories/kb/facts.md"}},
                {"id": "c2", "name": "write_file", "arguments": {"path": "/memories/kb/facts.md", "content": "changed"}}]},
            {"text": "done"}]}),
    )
    .await;
    s.say(sid, "what colour is the sky?").await;
    let ev = s.wait_terminals(sid, 1).await;
    let tools: Vec<&Value> = ev
        .iter()
        .filter(|e| e["type"] == "tool.completed")
        .collect();
    assert_eq!(tools.len(), 2, "{ev:?}");
    let read = tools
        .iter()
        .find(|t| t["data"]["tool_call_id"] == "c1")
        .unwrap();
    assert!(
        read["data"]["result"].to_string().contains("teal"),
        "{read}"
    );
    let write = tools
        .iter()
        .find(|t| t["data"]["tool_call_id"] == "c2")
        .unwrap();
    assert_eq!(write["data"]["success"], false, "{write}");
    assert!(write.to_string().contains("read-only"), "{write}");
    let (_, f) = s.get(&format!("/memories/{mid}/fs/facts.md")).await;
    assert_eq!(f["content"], "The sky is teal here.");

    // detaching the memory unmounts it
    let (st, _) = s
        .patch(&format!("/agents/{a}"), json!({"memory_ids": []}))
        .await;
    assert_eq!(st, 200);
    let (st, b) = s
        .get(&format!("/sessions/{sid}/fs/memories/kb/facts.md"))
        .await;
    assert_error(st, &b, 404, "file_not_found");
}
