//! Every sub-client call against a real local HTTP server: method, path, query, headers, body
//! and decoding.

mod support;

use everruns_core::client::{Error, Everruns, FsEntry, RequestOptions};
use everruns_core::types::*;
use futures::StreamExt;
use serde_json::json;
use support::*;

/// Answers every route of the subset with fixtures.
fn router(r: &Recorded, _n: usize) -> axum::response::Response {
    let p = r.path.strip_prefix("/api/v1").unwrap_or("");
    let m = r.method.as_str();
    let seg: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    match (m, seg.as_slice()) {
        ("POST", ["agents", "import"]) => json_response(201, agent_json(AID, "hackernews-reader")),
        ("POST", ["agents"]) => {
            let body = r.json();
            let id = body["id"].as_str().unwrap_or(AID).to_string();
            json_response(201, agent_json(&id, body["name"].as_str().unwrap_or("x")))
        }
        ("GET", ["agents"]) => {
            let offset: u64 = r
                .query_values("offset")
                .first()
                .map(|s| s.parse().unwrap())
                .unwrap_or(0);
            // 5 agents in pages of 2.
            let items: Vec<_> = (offset..(offset + 2).min(5))
                .map(|i| agent_json(&hex_id("agent", i + 1), &format!("a{i}")))
                .collect();
            json_response(
                200,
                json!({"data": items, "total": 5, "offset": offset, "limit": 2}),
            )
        }
        ("GET", ["agents", id, "export"]) => raw_response(
            200,
            "text/markdown; charset=utf-8",
            format!("---\nname: \"{id}\"\n---\nYou are helpful."),
            &[],
        ),
        ("GET", ["agents", id]) => json_response(200, agent_json(id, "x")),
        ("PATCH", ["agents", id]) => json_response(200, agent_json(id, "renamed")),
        ("DELETE", ["agents", _]) => empty(204),
        ("POST", ["sessions"]) => json_response(201, session_json(SID)),
        ("GET", ["sessions"]) => json_response(
            200,
            json!({"data":[session_json(SID)],"total":1,"offset":0,"limit":20}),
        ),
        ("GET", ["sessions", id]) => json_response(200, session_json(id)),
        ("PATCH", ["sessions", id]) => json_response(200, session_json(id)),
        ("DELETE", ["sessions", _]) => empty(204),
        ("POST", ["sessions", _, "cancel"]) => {
            json_response(200, json!({"status":"no_op","message":"nothing to cancel"}))
        }
        ("PUT", ["sessions", _, "llmsim"]) => json_response(200, r.json()),
        ("POST", ["sessions", _, "messages"]) => {
            json_response(201, message_json("message_1", "user", "hi"))
        }
        ("GET", ["sessions", _, "messages"]) => json_response(
            200,
            json!({"data":[message_json("message_1","user","hi"), message_json("message_2","assistant","hello")]}),
        ),
        ("GET", ["sessions", sid, "events"]) => json_response(
            200,
            json!({"data":[event_json(sid, 1, "session.started", json!({"harness_id":HID})),
                           event_json(sid, 2, "budget.warning", json!({"x":1}))]}),
        ),
        ("GET", ["sessions", _, "fs"]) => json_response(
            200,
            json!({"data":[file_json("/a.md", false, None), file_json("/dir", true, None)]}),
        ),
        ("GET", ["sessions", _, "fs", rest @ ..]) => {
            if rest.last().is_some_and(|l| l.contains('.')) {
                json_response(
                    200,
                    file_json(&format!("/{}", rest.join("/")), false, Some("hello")),
                )
            } else {
                json_response(
                    200,
                    json!({"data":[file_json("/workspace/x.md", false, None)]}),
                )
            }
        }
        ("POST", ["sessions", _, "fs", "_", "grep"]) => json_response(
            200,
            json!({"data":[{"path":"/a.md","matches":[{"path":"/a.md","line_number":2,"line":"hello"}]}]}),
        ),
        ("POST", ["sessions", _, "fs", "_", "stat"]) => json_response(
            200,
            json!({"path":"/a.md","name":"a.md","is_directory":false,"is_readonly":false,"size_bytes":5,
                   "created_at":TS,"updated_at":TS}),
        ),
        ("POST", ["sessions", _, "fs", "_", "move"]) => {
            json_response(200, file_json("/b.md", false, Some("x")))
        }
        ("POST", ["sessions", _, "fs", "_", "copy"]) => {
            json_response(201, file_json("/c.md", false, Some("x")))
        }
        ("POST", ["sessions", _, "fs", ..]) => {
            let dir = r.json()["is_directory"] == json!(true);
            json_response(
                201,
                file_json("/new", dir, if dir { None } else { Some("x") }),
            )
        }
        ("PUT", ["sessions", _, "fs", ..]) => {
            json_response(200, file_json("/a.md", false, Some("new")))
        }
        ("DELETE", ["sessions", _, "fs", ..]) => json_response(200, json!({"deleted": true})),
        ("GET", ["capabilities"]) => json_response(
            200,
            json!({"data":[capability_json("web_fetch"), capability_json("current_time")],"total":2,"offset":0,"limit":20}),
        ),
        ("GET", ["capabilities", id]) => json_response(200, capability_json(id)),
        ("GET", ["harnesses"]) => {
            json_response(200, json!({"data":[harness_json(HID, "generic")]}))
        }
        ("GET", ["harnesses", id]) => json_response(200, harness_json(HID, id)),
        ("GET", ["models"]) => json_response(200, json!({"data":[model_json(MID)]})),
        ("GET", ["models", id]) => json_response(200, model_json(id)),
        _ => error_response(404, "route_not_found", &format!("no route {m} {p}")),
    }
}

async fn setup() -> (TestServer, Everruns) {
    let server = TestServer::start(router).await;
    let client = server.client();
    (server, client)
}

fn assert_std_headers(r: &Recorded) {
    assert_eq!(
        r.header("authorization"),
        Some(TOKEN),
        "raw token, no Bearer"
    );
    assert_eq!(r.header("x-org-id"), Some(ORG));
    let ua = format!("everruns-rust-sdk/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(r.header("user-agent"), Some(ua.as_str()));
    assert_eq!(r.header("x-sdk-version"), Some(ua.as_str()));
}

#[tokio::test]
async fn agents_calls() {
    let (server, client) = setup().await;
    let agents = client.agents();

    let a = agents
        .create("Research Assistant", "You research.")
        .await
        .unwrap();
    assert_eq!(a.id, AID);
    let r = server.last();
    assert!(r.is("POST", "/api/v1/agents"));
    assert_std_headers(&r);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body["name"], "research-assistant");
    assert_eq!(body["display_name"], "Research Assistant");
    assert_eq!(body["system_prompt"], "You research.");
    assert_eq!(body["tags"], json!([]));
    assert!(body.get("id").is_none());

    // A valid slug is sent as is, without a display name.
    agents.create("math-agent", "p").await.unwrap();
    let body = server.last().json();
    assert_eq!(body["name"], "math-agent");
    assert!(body.get("display_name").is_none());

    // Unusable names fail before sending.
    let before = server.request_count();
    for bad in ["???", "", &"Word ".repeat(20)] {
        let e = agents.create(bad, "p").await.unwrap_err();
        assert!(matches!(e, Error::Validation { status: None, .. }), "{e:?}");
    }
    let e = agents.create("ok", "   ").await.unwrap_err();
    assert!(e.message().contains("system_prompt"), "{e}");
    let mut req = CreateAgentRequest::new("x", "p");
    req.harness_id = Some(HID.into());
    req.harness_name = Some("generic".into());
    assert!(matches!(
        agents.create_with_options(req).await,
        Err(Error::Validation { .. })
    ));
    assert_eq!(
        server.request_count(),
        before,
        "nothing sent for invalid input"
    );

    // apply = POST with id; apply without id is refused.
    let id = agents.generate_agent_id();
    assert!(everruns_core::ids::is_valid(
        everruns_core::ids::IdKind::Agent,
        &id
    ));
    let mut req = CreateAgentRequest::new("Writer", "p");
    req.id = Some(id.clone());
    let a = agents.apply(req).await.unwrap();
    assert_eq!(a.id, id);
    let r = server.last();
    assert!(r.is("POST", "/api/v1/agents"));
    assert_eq!(r.json()["id"], id.as_str());
    assert!(agents
        .apply(CreateAgentRequest::new("x", "p"))
        .await
        .is_err());
    let mut bad = CreateAgentRequest::new("x", "p");
    bad.id = Some("agent_123".into());
    assert!(matches!(
        agents.apply(bad).await,
        Err(Error::Validation { .. })
    ));
    agents
        .apply_by_name(CreateAgentRequest::new("writer", "p"))
        .await
        .unwrap();
    assert_eq!(server.last().json()["name"], "writer");

    // list with encoded search, offset, limit.
    let page = agents
        .list(ListAgentsParams {
            search: Some("a&b c/é".into()),
            include_archived: Some(true),
            offset: Some(0),
            limit: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.total, 5);
    let r = server.last();
    assert!(r.is("GET", "/api/v1/agents"));
    assert_eq!(r.query_values("search"), vec!["a&b c/é"]);
    assert!(
        !r.query.as_deref().unwrap().contains('é'),
        "encoded: {:?}",
        r.query
    );
    assert_eq!(r.query_values("include_archived"), vec!["true"]);
    assert_eq!(r.query_values("limit"), vec!["2"]);

    // list_all walks every page.
    let all: Vec<Agent> = agents
        .list_all(ListAgentsParams {
            limit: Some(2),
            ..Default::default()
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(all.len(), 5);
    let offsets: Vec<String> = server
        .requests()
        .iter()
        .rev()
        .take(3)
        .map(|r| r.query_values("offset")[0].clone())
        .collect();
    assert_eq!(offsets, vec!["4", "2", "0"]);

    // get by id, by slug, by human name.
    agents.get(AID).await.unwrap();
    assert!(server.last().is("GET", &format!("/api/v1/agents/{AID}")));
    agents.get("Research Assistant").await.unwrap();
    assert!(server.last().is("GET", "/api/v1/agents/research-assistant"));
    assert!(matches!(
        agents.get("agent_xyz").await,
        Err(Error::Validation { .. })
    ));

    let updated = agents
        .update(
            AID,
            UpdateAgentRequest {
                description: Some("new".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "renamed");
    let r = server.last();
    assert!(r.is("PATCH", &format!("/api/v1/agents/{AID}")));
    assert_eq!(r.json(), json!({"description":"new"}));

    agents.delete(AID).await.unwrap();
    assert!(server.last().is("DELETE", &format!("/api/v1/agents/{AID}")));
    assert!(matches!(
        agents.delete("nope").await,
        Err(Error::Validation { .. })
    ));

    let md = "---\nname: \"HackerNews Reader\"\n---\nYou read HN.";
    let a = agents.import_agent(md).await.unwrap();
    assert_eq!(a.name, "hackernews-reader");
    let r = server.last();
    assert!(r.is("POST", "/api/v1/agents/import"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(&r.body[..], md.as_bytes());
    assert!(matches!(
        agents.import_agent("  ").await,
        Err(Error::Validation { .. })
    ));

    let text = agents.export(AID).await.unwrap();
    assert!(text.starts_with("---\n") && text.ends_with("You are helpful."));
    assert!(server
        .last()
        .is("GET", &format!("/api/v1/agents/{AID}/export")));
}

#[tokio::test]
async fn sessions_calls() {
    let (server, client) = setup().await;
    let s = client.sessions();
    let created = s
        .create(CreateSessionRequest {
            agent_id: Some(AID.into()),
            title: Some("Research".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.id, SID);
    assert_eq!(created.workspace_id.as_deref(), Some(WSP));
    let r = server.last();
    assert!(r.is("POST", "/api/v1/sessions"));
    assert_std_headers(&r);
    assert_eq!(r.json()["agent_id"], AID);
    assert_eq!(r.json()["title"], "Research");

    s.create_for_agent(AID).await.unwrap();
    assert_eq!(server.last().json()["agent_id"], AID);
    let before = server.request_count();
    assert!(s
        .create(CreateSessionRequest {
            agent_id: Some(AID.into()),
            agent_name: Some("x".into()),
            ..Default::default()
        })
        .await
        .is_err());
    assert!(s.create_for_agent("agent_bad").await.is_err());
    assert_eq!(server.request_count(), before);

    let page = s
        .list(ListSessionsParams {
            agent_id: Some(AID.into()),
            search: Some("re search".into()),
            offset: Some(10),
            limit: Some(5),
        })
        .await
        .unwrap();
    assert_eq!(page.data[0].id, SID);
    let r = server.last();
    assert!(r.is("GET", "/api/v1/sessions"));
    assert_eq!(
        r.query_pairs(),
        vec![
            ("agent_id".to_string(), AID.to_string()),
            ("search".into(), "re search".into()),
            ("offset".into(), "10".into()),
            ("limit".into(), "5".into())
        ]
    );
    let all: Vec<_> = s.list_all(Default::default()).collect().await;
    assert_eq!(all.len(), 1);

    s.get(SID).await.unwrap();
    assert!(server.last().is("GET", &format!("/api/v1/sessions/{SID}")));
    s.update(
        SID,
        UpdateSessionRequest {
            title: Some("t2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = server.last();
    assert!(r.is("PATCH", &format!("/api/v1/sessions/{SID}")));
    assert_eq!(r.json(), json!({"title":"t2"}));

    let c = s.cancel(SID).await.unwrap();
    assert_eq!(c.status, CancelStatus::NoOp);
    let r = server.last();
    assert!(r.is("POST", &format!("/api/v1/sessions/{SID}/cancel")));
    assert_eq!(r.json(), json!({}));

    let script = LlmSimScript {
        steps: vec![SimStep {
            text: Some("Hello!".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    s.set_llmsim_script(SID, &script).await.unwrap();
    let r = server.last();
    assert!(r.is("PUT", &format!("/api/v1/sessions/{SID}/llmsim")));
    assert_eq!(r.json()["steps"][0]["text"], "Hello!");

    s.delete(SID).await.unwrap();
    assert!(server
        .last()
        .is("DELETE", &format!("/api/v1/sessions/{SID}")));
    assert!(matches!(
        s.get("session_1").await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test]
async fn messages_and_events_calls() {
    let (server, client) = setup().await;
    let m = client.messages().create(SID, "Hello there").await.unwrap();
    assert_eq!(m.id, "message_1");
    let reqs = server.requests();
    // The cursor pin looks up the latest event first (docs/decisions.md#4), then posts.
    assert!(reqs[0].is("GET", &format!("/api/v1/sessions/{SID}/events")));
    assert_eq!(reqs[0].query_values("limit"), vec!["1"]);
    let r = &reqs[1];
    assert!(r.is("POST", &format!("/api/v1/sessions/{SID}/messages")));
    assert_std_headers(r);
    assert_eq!(
        r.json(),
        json!({"message":{"role":"user","content":[{"type":"text","text":"Hello there"}]}})
    );
    assert_eq!(client.default_cursor(SID), Some(event_id(2)));

    let mut req = CreateMessageRequest::text("with controls");
    req.controls = Some(Controls {
        model_id: Some(MID.into()),
        ..Default::default()
    });
    client
        .messages()
        .create_with_options(SID, req)
        .await
        .unwrap();
    assert_eq!(server.last().json()["controls"]["model_id"], MID);
    let mut empty = CreateMessageRequest::text("x");
    empty.message.content.clear();
    assert!(client
        .messages()
        .create_with_options(SID, empty)
        .await
        .is_err());

    let msgs = client.messages().list(SID).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        msgs[1].role,
        MessageRole::Agent,
        "assistant accepted as agent"
    );
    assert!(server
        .last()
        .is("GET", &format!("/api/v1/sessions/{SID}/messages")));

    let events = client
        .events()
        .list(
            SID,
            ListEventsParams {
                since_id: Some(event_id(1)),
                types: vec!["turn.completed".into(), "output.message.delta".into()],
                exclude: vec!["a b&c".into()],
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1].event_type, "budget.warning",
        "unknown types pass through"
    );
    let r = server.last();
    assert_eq!(r.query_values("since_id"), vec![event_id(1)]);
    assert_eq!(
        r.query_values("types"),
        vec!["turn.completed", "output.message.delta"]
    );
    assert_eq!(r.query_values("exclude"), vec!["a b&c"]);
    assert!(r
        .query
        .as_deref()
        .unwrap()
        .contains("types=turn.completed&types=output.message.delta"));
    let too_many = ListEventsParams {
        types: (0..26).map(|i| format!("t{i}")).collect(),
        ..Default::default()
    };
    assert!(matches!(
        client.events().list(SID, too_many).await,
        Err(Error::Validation { .. })
    ));
    let bad_cursor = ListEventsParams {
        since_id: Some("event_nope".into()),
        ..Default::default()
    };
    assert!(client.events().list(SID, bad_cursor).await.is_err());
}

#[tokio::test]
async fn filesystem_calls() {
    let (server, client) = setup().await;
    let fs = client.filesystem();
    let base = format!("/api/v1/sessions/{SID}/fs");

    let listing = fs.list(SID, "/workspace").await.unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert!(server.last().is("GET", &format!("{base}/workspace")));
    let root = fs.list(SID, "/").await.unwrap();
    assert_eq!(root.entries.len(), 2);
    assert!(root.entries[1].is_directory);
    assert!(server.last().is("GET", &base));
    fs.list_with_options(SID, "", true).await.unwrap();
    assert_eq!(server.last().query_values("recursive"), vec!["true"]);

    let f = fs.read(SID, "/workspace/comparison.md").await.unwrap();
    assert_eq!(f.content.as_deref(), Some("hello"));
    assert!(server
        .last()
        .is("GET", &format!("{base}/workspace/comparison.md")));
    assert!(matches!(
        fs.read(SID, "/workspace/dir").await,
        Err(Error::Validation { .. })
    ));
    match fs.get(SID, "/workspace/dir").await.unwrap() {
        FsEntry::Directory(l) => assert_eq!(l.entries.len(), 1),
        other => panic!("{other:?}"),
    }

    // Segments are percent-encoded one by one; `/` stays a separator.
    fs.read(SID, "/workspace/my notes/a#b?c%.md").await.unwrap();
    let r = server.last();
    assert_eq!(
        r.path,
        format!("{base}/workspace/my%20notes/a%23b%3Fc%25.md")
    );
    assert_eq!(r.query, None);

    fs.create(SID, "/workspace/input.csv", "name,value\nalpha,1")
        .await
        .unwrap();
    let r = server.last();
    assert!(r.is("POST", &format!("{base}/workspace/input.csv")));
    assert_eq!(r.json(), json!({"content":"name,value\nalpha,1"}));
    fs.create_with_options(
        SID,
        "/bin.dat",
        CreateFileRequest {
            content: Some("AAE=".into()),
            encoding: Some(FileEncoding::Base64),
            is_readonly: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        server.last().json(),
        json!({"content":"AAE=","encoding":"base64","is_readonly":true})
    );
    let d = fs.create_dir(SID, "/workspace/reports").await.unwrap();
    assert!(d.is_directory);
    assert_eq!(server.last().json(), json!({"is_directory":true}));

    fs.update(SID, "/a.md", "new").await.unwrap();
    let r = server.last();
    assert!(r.is("PUT", &format!("{base}/a.md")));
    assert_eq!(r.json(), json!({"content":"new"}));

    assert!(fs.delete(SID, "/workspace/reports", true).await.unwrap());
    let r = server.last();
    assert!(r.is("DELETE", &format!("{base}/workspace/reports")));
    assert_eq!(r.query_values("recursive"), vec!["true"]);
    fs.delete(SID, "/a.md", false).await.unwrap();
    assert_eq!(server.last().query, None);

    fs.move_file(SID, "/workspace/a.md", "/b.md").await.unwrap();
    let r = server.last();
    assert!(r.is("POST", &format!("{base}/_/move")));
    assert_eq!(
        r.json(),
        json!({"src_path":"/workspace/a.md","dst_path":"/b.md"})
    );
    fs.copy(SID, "/b.md", "/c.md").await.unwrap();
    let r = server.last();
    assert!(r.is("POST", &format!("{base}/_/copy")));
    assert_eq!(r.json(), json!({"src_path":"/b.md","dst_path":"/c.md"}));

    let hits = fs
        .grep(
            SID,
            GrepRequest {
                pattern: "hel+o".into(),
                path_pattern: Some("**/*.md".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(hits[0].matches[0].line_number, 2);
    let r = server.last();
    assert!(r.is("POST", &format!("{base}/_/grep")));
    assert_eq!(
        r.json(),
        json!({"pattern":"hel+o","path_pattern":"**/*.md"})
    );

    let st = fs.stat(SID, "/workspace/a.md").await.unwrap();
    assert_eq!(st.size_bytes, 5);
    let r = server.last();
    assert!(r.is("POST", &format!("{base}/_/stat")));
    assert_eq!(r.json(), json!({"path":"/workspace/a.md"}));

    // Bad paths never reach the server.
    let before = server.request_count();
    for bad in [
        "/workspace/../etc/passwd",
        "/a\0b",
        "..",
        "/a\\b",
        "/_/move",
        "/workspace/_/x",
    ] {
        let e = fs.read(SID, bad).await.unwrap_err();
        assert!(
            matches!(e, Error::Validation { status: None, .. }),
            "{bad:?}: {e:?}"
        );
    }
    assert!(fs.create(SID, "/workspace", "x").await.is_err());
    assert!(fs.delete(SID, "/", true).await.is_err());
    assert!(fs.move_file(SID, "/a", "/../b").await.is_err());
    assert!(fs.list(SID2.replace('2', "Z").as_str(), "/").await.is_err());
    assert_eq!(server.request_count(), before);
}

#[tokio::test]
async fn catalog_calls() {
    let (server, client) = setup().await;
    let caps = client
        .capabilities()
        .list(ListCapabilitiesParams {
            search: Some("web".into()),
            offset: Some(0),
            limit: Some(100),
        })
        .await
        .unwrap();
    assert_eq!(caps.data.len(), 2);
    let r = server.last();
    assert!(r.is("GET", "/api/v1/capabilities"));
    assert_eq!(r.query_values("search"), vec!["web"]);
    assert_eq!(r.query_values("limit"), vec!["100"]);
    let all: Vec<_> = client
        .capabilities()
        .list_all(Default::default())
        .collect()
        .await;
    assert_eq!(all.len(), 2);
    let c = client
        .capabilities()
        .get("session_file_system")
        .await
        .unwrap();
    assert_eq!(c.id, "session_file_system");
    assert!(server
        .last()
        .is("GET", "/api/v1/capabilities/session_file_system"));

    let hs = client.harnesses().list().await.unwrap();
    assert_eq!(hs[0].name, "generic");
    assert!(server.last().is("GET", "/api/v1/harnesses"));
    client
        .harnesses()
        .list_with_params(ListHarnessesParams {
            search: Some("gen".into()),
            include_archived: Some(false),
        })
        .await
        .unwrap();
    assert_eq!(
        server.last().query.as_deref(),
        Some("search=gen&include_archived=false")
    );
    client.harnesses().get("generic").await.unwrap();
    assert!(server.last().is("GET", "/api/v1/harnesses/generic"));
    client.harnesses().get(HID).await.unwrap();
    assert!(server.last().is("GET", &format!("/api/v1/harnesses/{HID}")));

    let ms = client.models().list().await.unwrap();
    assert_eq!(ms[0].provider_type, LlmProviderType::LlmSim);
    assert!(server.last().is("GET", "/api/v1/models"));
    client
        .models()
        .list_with_params(ListModelsParams {
            source: Some(ModelSource::Predefined),
            favorites_only: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(
        server.last().query.as_deref(),
        Some("source=predefined&favorites_only=true")
    );
    client.models().get(MID).await.unwrap();
    assert!(server.last().is("GET", &format!("/api/v1/models/{MID}")));
    assert!(matches!(
        client.models().get("gpt-4o").await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test]
async fn headers_options_and_escape_hatch() {
    let (server, _) = setup().await;
    // No key, no org: neither header is sent; custom user agent for bindings.
    let client = Everruns::builder()
        .base_url(format!("{}//", server.base_url))
        .user_agent("everruns-python-sdk/9.9.9")
        .build()
        .unwrap();
    client.models().list().await.unwrap();
    let r = server.last();
    assert!(
        r.is("GET", "/api/v1/models"),
        "trailing slashes normalised: {}",
        r.path
    );
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-org-id"), None);
    assert_eq!(r.header("user-agent"), Some("everruns-python-sdk/9.9.9"));
    assert_eq!(r.header("x-sdk-version"), Some("everruns-python-sdk/9.9.9"));

    let base = server.client();
    let scoped = base.with_options(
        RequestOptions::new()
            .idempotency_key("key-1")
            .header("x-trace", "t1")
            .timeout(std::time::Duration::from_secs(3)),
    );
    assert!(scoped.shares_pool_with(&base));
    assert_eq!(scoped.timeout(), std::time::Duration::from_secs(3));
    scoped.sessions().create(Default::default()).await.unwrap();
    let r = server.last();
    assert_eq!(r.header("idempotency-key"), Some("key-1"));
    assert_eq!(r.header("x-trace"), Some("t1"));
    base.sessions().create(Default::default()).await.unwrap();
    assert_eq!(
        server.last().header("idempotency-key"),
        None,
        "base client unchanged"
    );

    let v = base
        .request_json(
            everruns_core::client::Method::GET,
            "agents",
            &[("search".into(), "x y".into())],
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(v["total"], 5);
    assert_eq!(server.last().query_values("search"), vec!["x y"]);
}
