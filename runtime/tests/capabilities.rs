//! Built-in capabilities exercised through real turns (scripted llmsim, real stores).

mod common;

use common::*;
use everruns_core::{Event, EventPayload, InputMessage, SimStep, ToolCompletedData};
use everruns_runtime::*;
use serde_json::{json, Value};

/// Runs one turn with these LLM steps (a final "done" text is appended) and returns the turn's
/// events.
async fn turn(rt: &InProcessRuntime, steps: Vec<SimStep>) -> Vec<Event> {
    let sid = rt.default_session_id().unwrap();
    let mut steps = steps;
    steps.push(text("done"));
    rt.set_llmsim_script(&sid, script(steps)).await.unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("go")).await.unwrap();
    assert!(r.success, "{r:?}");
    last_turn(&rt.events().await.unwrap(), &r.turn_id)
}

fn by_id<'a>(done: &'a [ToolCompletedData], id: &str) -> &'a ToolCompletedData {
    done.iter()
        .find(|d| d.tool_call_id == id)
        .unwrap_or_else(|| panic!("no tool.completed for {id}"))
}

fn ok(done: &[ToolCompletedData], id: &str) -> Value {
    let d = by_id(done, id);
    assert!(d.success, "{id}: {:?}", d.error);
    result_json(d)
}

fn err(done: &[ToolCompletedData], id: &str) -> String {
    let d = by_id(done, id);
    assert!(!d.success, "{id} should fail: {:?}", d.result);
    d.error.clone().unwrap()
}

#[tokio::test]
async fn file_tools_write_read_edit_list_grep_stat_delete() {
    let rt = runtime(&["file_system", "sample_data"]).await;
    let sid = rt.default_session_id().unwrap();
    let ev = turn(
        &rt,
        vec![
            calls(&[
                ("w1", "write_file", json!({"path": "/workspace/notes/todo.md", "content": "# Todo\n- buy milk\n- write code\n"})),
                ("w2", "write_file", json!({"path": "data.bin", "content": "AAEC/w==", "encoding": "base64"})),
            ]),
            calls(&[
                ("r1", "read_file", json!({"path": "/workspace/notes/todo.md"})),
                ("r2", "read_file", json!({"path": "/data.bin"})),
                ("l1", "list_directory", json!({"path": "/workspace"})),
                ("g1", "grep_files", json!({"pattern": "milk|code", "path_pattern": "**/*.md"})),
                ("s1", "stat_file", json!({"path": "/workspace/notes"})),
            ]),
        ],
    )
    .await;
    let done = tool_completions(&ev);
    let w1 = ok(&done, "w1");
    assert_eq!(w1["created"], true);
    assert_eq!(w1["path"], "/workspace/notes/todo.md");
    let r1 = ok(&done, "r1");
    assert_eq!(r1["content"], "# Todo\n- buy milk\n- write code\n");
    assert_eq!(r1["encoding"], "text");
    assert_eq!(r1["total_lines"], 3);
    let r2 = ok(&done, "r2");
    assert_eq!(r2["encoding"], "base64");
    assert_eq!(r2["content"], "AAEC/w==");
    let l1 = ok(&done, "l1");
    let names: Vec<&str> = l1["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["data.bin", "notes", "samples"]);
    let g1 = ok(&done, "g1");
    assert_eq!(g1["match_count"], 2);
    assert_eq!(g1["matches"][0]["line_number"], 2);
    assert_eq!(g1["matches"][0]["path"], "/workspace/notes/todo.md");
    assert_eq!(ok(&done, "s1")["is_directory"], true);
    // the file is really in the store; file.written follows each write's tool.completed
    let f = rt
        .backends()
        .files
        .read(&sid, "/notes/todo.md")
        .await
        .unwrap();
    assert!(f.content.unwrap().contains("buy milk"));
    let written: Vec<(usize, String)> = ev
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.payload() {
            EventPayload::FileWritten(d) => Some((i, d.path)),
            _ => None,
        })
        .collect();
    assert_eq!(written.len(), 2);
    for (i, path) in &written {
        let completed_before = ev[..*i].iter().any(|e| matches!(e.payload(), EventPayload::ToolCompleted(d) if (d.tool_call_id == "w1" && path == "/notes/todo.md") || (d.tool_call_id == "w2" && path == "/data.bin")));
        assert!(
            completed_before,
            "file.written {path} after its tool.completed"
        );
    }

    // edit with compare-and-set, then delete and stat
    let hash = r1["content_hash"].as_str().unwrap().to_string();
    let ev = turn(
        &rt,
        vec![
            calls(&[("e1", "edit_file", json!({"path": "/workspace/notes/todo.md", "expected_hash": hash, "edits": [{"old_text": "buy milk", "new_text": "buy oat milk"}]}))]),
            calls(&[
                ("e2", "edit_file", json!({"path": "/workspace/notes/todo.md", "expected_hash": hash, "edits": [{"old_text": "code", "new_text": "tests"}]})),
                ("e3", "edit_file", json!({"path": "/workspace/notes/todo.md", "edits": [{"old_text": "- ", "new_text": "* "}]})),
                ("w3", "write_file", json!({"path": "/workspace/samples/users.json", "content": "[]"})),
                ("d0", "delete_file", json!({"path": "/workspace/notes"})),
            ]),
            calls(&[
                ("d1", "delete_file", json!({"path": "/workspace/notes", "recursive": true})),
            ]),
            calls(&[("s2", "stat_file", json!({"path": "/workspace/notes/todo.md"})), ("r3", "read_file", json!({"path": "/workspace/../etc/passwd"}))]),
        ],
    )
    .await;
    let done = tool_completions(&ev);
    let e1 = ok(&done, "e1");
    assert_eq!(e1["replacements"], 1);
    assert!(e1["diff"].as_str().unwrap().contains("+- buy oat milk"));
    assert!(
        err(&done, "e2").contains("changed since it was read"),
        "stale hash refused"
    );
    assert!(err(&done, "e3").contains("more than once"));
    assert!(err(&done, "w3").contains("read-only"));
    assert!(err(&done, "d0").contains("not empty"));
    assert_eq!(ok(&done, "d1")["deleted"], true);
    assert_eq!(ok(&done, "s2")["exists"], false);
    assert!(err(&done, "r3").contains("invalid path"));
    assert!(rt
        .backends()
        .files
        .read(&sid, "/notes/todo.md")
        .await
        .is_err());
    // the read-only sample is untouched
    let users = rt
        .backends()
        .files
        .read(&sid, "/samples/users.json")
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(users.content.as_deref().unwrap()).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn todos() {
    let rt = runtime(&["stateless_todo_list"]).await;
    let ev = turn(
        &rt,
        vec![calls(&[
            (
                "t1",
                "write_todos",
                json!({"todos": [
                    {"content": "Plan", "activeForm": "Planning", "status": "completed"},
                    {"content": "Build", "activeForm": "Building", "status": "in_progress"},
                    {"content": "Ship", "activeForm": "Shipping", "status": "pending"}
                ]}),
            ),
            (
                "t2",
                "write_todos",
                json!({"todos": [{"content": "X", "activeForm": "Xing", "status": "done"}]}),
            ),
            (
                "t3",
                "write_todos",
                json!({"todos": [
                    {"content": "A", "activeForm": "A-ing", "status": "in_progress"},
                    {"content": "B", "activeForm": "B-ing", "status": "in_progress"}
                ]}),
            ),
        ])],
    )
    .await;
    let done = tool_completions(&ev);
    let t1 = ok(&done, "t1");
    assert_eq!(
        (
            t1["total"].as_u64(),
            t1["completed"].as_u64(),
            t1["in_progress"].as_u64(),
            t1["pending"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    assert!(t1.get("warning").is_none());
    assert!(err(&done, "t2").contains("not one of"));
    assert!(ok(&done, "t3")["warning"]
        .as_str()
        .unwrap()
        .contains("More than one"));
    // class-serialised: t1, t2, t3 ran in call order
    let order: Vec<String> = ev
        .iter()
        .filter_map(|e| match e.payload() {
            EventPayload::ToolStarted(d) => Some(d.tool_call.id),
            _ => None,
        })
        .collect();
    assert_eq!(order, vec!["t1", "t2", "t3"]);
}

#[tokio::test]
async fn kv_store() {
    let rt = runtime(&["session_storage"]).await;
    let ev = turn(
        &rt,
        vec![calls(&[
            (
                "k1",
                "kv_store",
                json!({"operation": "set", "key": "color", "value": "blue"}),
            ),
            (
                "k2",
                "kv_store",
                json!({"operation": "set", "key": "size", "value": "L"}),
            ),
            (
                "k3",
                "kv_store",
                json!({"operation": "get", "key": "color"}),
            ),
            (
                "k4",
                "kv_store",
                json!({"operation": "delete", "key": "size"}),
            ),
            ("k5", "kv_store", json!({"operation": "list"})),
            ("k6", "kv_store", json!({"operation": "get", "key": "size"})),
            (
                "k7",
                "kv_store",
                json!({"operation": "set", "key": "x".repeat(256), "value": "v"}),
            ),
            ("k8", "kv_store", json!({"operation": "explode"})),
        ])],
    )
    .await;
    let done = tool_completions(&ev);
    assert_eq!(ok(&done, "k3")["value"], "blue");
    assert_eq!(ok(&done, "k4")["deleted"], true);
    assert_eq!(ok(&done, "k5")["keys"], json!(["color"]));
    assert_eq!(ok(&done, "k6")["found"], false);
    assert!(err(&done, "k7").contains("255"));
    assert!(err(&done, "k8").contains("unknown operation"));
}

#[tokio::test]
async fn secrets_need_a_key_and_are_encrypted_at_rest() {
    // without a key: a clear tool error
    let rt = runtime(&["session_storage"]).await;
    let ev = turn(
        &rt,
        vec![calls(&[(
            "s0",
            "secret_store",
            json!({"operation": "set", "name": "api", "value": "hunter2"}),
        )])],
    )
    .await;
    assert!(err(&tool_completions(&ev), "s0").contains("no encryption key"));

    let config = RuntimeConfig::default()
        .with_secret_key_hex(&"ab".repeat(32))
        .unwrap();
    assert!(RuntimeConfig::default()
        .with_secret_key_hex("abcd")
        .is_err());
    let rt = runtime_with(PlatformDefinition::builtin(), config, &["session_storage"]).await;
    let sid = rt.default_session_id().unwrap();
    let ev = turn(
        &rt,
        vec![calls(&[
            (
                "s1",
                "secret_store",
                json!({"operation": "set", "name": "api", "value": "hunter2"}),
            ),
            (
                "s2",
                "secret_store",
                json!({"operation": "get", "name": "api"}),
            ),
            ("s3", "secret_store", json!({"operation": "list"})),
            (
                "s4",
                "secret_store",
                json!({"operation": "set", "name": "__everruns_x", "value": "v"}),
            ),
            (
                "s5",
                "secret_store",
                json!({"operation": "get", "name": "missing"}),
            ),
        ])],
    )
    .await;
    let done = tool_completions(&ev);
    assert_eq!(ok(&done, "s1")["success"], true);
    assert_eq!(ok(&done, "s2")["value"], "hunter2");
    assert_eq!(ok(&done, "s3")["names"], json!(["api"]));
    assert!(err(&done, "s4").contains("reserved"));
    assert_eq!(ok(&done, "s5")["found"], false);
    let stored = rt
        .backends()
        .storage
        .get(&sid, StorageNamespace::Secret, "api")
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.contains("hunter2"));
    assert!(rt
        .backends()
        .storage
        .get(&sid, StorageNamespace::Kv, "api")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn math_weather_and_time() {
    let rt = runtime(&["test_math", "test_weather", "current_time"]).await;
    let ev = turn(
        &rt,
        vec![calls(&[
            ("m1", "add", json!({"a": 1.5, "b": 2})),
            ("m2", "subtract", json!({"a": 1, "b": 3})),
            ("m3", "multiply", json!({"a": 6, "b": 7})),
            ("m4", "divide", json!({"a": 9, "b": 3})),
            ("m5", "divide", json!({"a": 9, "b": 0})),
            ("m6", "add", json!({"a": "x"})),
            ("w1", "get_weather", json!({"location": "Paris"})),
            (
                "w2",
                "get_weather",
                json!({"location": "paris", "units": "celsius"}),
            ),
            (
                "w3",
                "get_weather",
                json!({"location": "Paris", "units": "fahrenheit"}),
            ),
            ("w4", "get_forecast", json!({"location": "Oslo", "days": 5})),
            ("w5", "get_forecast", json!({"location": "Oslo", "days": 9})),
            (
                "c1",
                "get_current_time",
                json!({"timezone": "Europe/Paris", "format": "iso8601"}),
            ),
            ("c2", "get_current_time", json!({"format": "unix"})),
            (
                "c3",
                "get_current_time",
                json!({"timezone": "Mars/Olympus"}),
            ),
        ])],
    )
    .await;
    let done = tool_completions(&ev);
    assert_eq!(ok(&done, "m1")["result"], 3.5);
    assert_eq!(ok(&done, "m2")["result"], -2.0);
    assert_eq!(ok(&done, "m3")["result"], 42.0);
    assert_eq!(ok(&done, "m4")["result"], 3.0);
    assert_eq!(err(&done, "m5"), "Cannot divide by zero");
    assert!(err(&done, "m6").contains("missing required number"));
    let (w1, w2, w3) = (ok(&done, "w1"), ok(&done, "w2"), ok(&done, "w3"));
    assert_eq!(w1["conditions"], w2["conditions"]);
    assert_eq!(w1["temperature"], w2["temperature"]);
    let c = w1["temperature"].as_i64().unwrap();
    assert!((5..=40).contains(&c));
    assert_eq!(w3["temperature"].as_i64().unwrap(), c * 9 / 5 + 32);
    assert_eq!(ok(&done, "w4")["forecast"].as_array().unwrap().len(), 5);
    assert!(err(&done, "w5").contains("1 to 7"));
    let c1 = ok(&done, "c1");
    let t = chrono::DateTime::parse_from_rfc3339(c1["current_time"].as_str().unwrap()).unwrap();
    assert!([3600, 7200].contains(&t.offset().local_minus_utc()));
    let unix: i64 = ok(&done, "c2")["current_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((unix - chrono::Utc::now().timestamp()).abs() < 600);
    assert!(err(&done, "c3").contains("unknown timezone"));
}

#[tokio::test]
async fn bash_edits_a_workspace_file() {
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("h", "p")
                .with_capability("virtual_bash")
                .seed_text_file("/workspace/notes.txt", "hello world\nsecond line\n")
        })
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    // virtual_bash pulls in session_file_system
    let ctx = rt.load_context(&sid).await.unwrap();
    assert_eq!(
        ctx.capabilities,
        vec!["session_file_system", "virtual_bash"]
    );
    let ev = turn(
        &rt,
        vec![
            calls(&[("b1", "bash", json!({"command": "sed -i 's/world/bash/' notes.txt && cat notes.txt && wc -l < notes.txt"}))]),
            calls(&[
                ("b2", "bash", json!({"command": "mkdir -p out && printf 'a\\nb\\n' > out/list.txt && ls out && echo scratch > /tmp/x && cat /tmp/x"})),
                ("b3", "bash", json!({"command": "cat missing.txt"})),
                ("b4", "bash", json!({"command": "pwd", "working_dir": "/workspace/out"})),
            ]),
        ],
    )
    .await;
    let done = tool_completions(&ev);
    let b1 = ok(&done, "b1");
    assert_eq!(b1["exit_code"], 0, "{b1}");
    assert_eq!(
        b1["stdout"].as_str().unwrap().trim_end(),
        "hello bash\nsecond line\n2"
    );
    let f = rt.backends().files.read(&sid, "/notes.txt").await.unwrap();
    assert_eq!(f.content.as_deref(), Some("hello bash\nsecond line\n"));
    let b2 = ok(&done, "b2");
    assert_eq!(b2["stdout"], "list.txt\nscratch\n", "{b2}");
    let list = rt
        .backends()
        .files
        .read(&sid, "/out/list.txt")
        .await
        .unwrap();
    assert_eq!(list.content.as_deref(), Some("a\nb\n"));
    assert!(
        rt.backends().files.read(&sid, "/tmp/x").await.is_err(),
        "/tmp is scratch"
    );
    let b3 = ok(&done, "b3");
    assert_ne!(b3["exit_code"], 0);
    assert_eq!(b3["success"], false);
    assert_eq!(ok(&done, "b4")["stdout"], "/workspace/out\n");
    // the writes are reported
    assert!(ev
        .iter()
        .any(|e| matches!(e.payload(), EventPayload::FileWritten(d) if d.path == "/out/list.txt")));
}

#[tokio::test]
async fn capability_metadata_for_the_server() {
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let infos = engine.capability_infos();
    let ids: Vec<&str> = infos.iter().map(|i| i.id.as_str()).collect();
    for id in [
        "current_time",
        "session_file_system",
        "stateless_todo_list",
        "session_storage",
        "sample_data",
        "test_math",
        "test_weather",
        "web_fetch",
        "virtual_bash",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let fs = infos
        .iter()
        .find(|i| i.id == "session_file_system")
        .unwrap();
    assert_eq!(fs.aliases, vec!["file_system"]);
    assert_eq!(fs.tool_definitions.len(), 7);
    let web = infos.iter().find(|i| i.id == "web_fetch").unwrap();
    assert!(web.requires_network);
    let samples = infos.iter().find(|i| i.id == "sample_data").unwrap();
    assert_eq!(samples.dependencies, vec!["session_file_system"]);
    // the alias resolves to the same capability
    assert_eq!(
        engine
            .platform()
            .capabilities
            .get("file_system")
            .unwrap()
            .id(),
        "session_file_system"
    );
}
