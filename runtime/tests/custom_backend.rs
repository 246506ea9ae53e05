//! The store traits over a custom backend (a file-per-session store in a temp directory,
//! `common/file_backend.rs`): a tool-calling llmsim turn runs through it, and a second runtime
//! over the same directory continues the session from what the files hold.

mod common;

use std::sync::Arc;

use common::file_backend::{temp_root, FileBackend};
use common::*;
use everruns_core::{InputMessage, MessageRole, SessionStatus};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::*;
use serde_json::json;

async fn runtime_over(fb: &Arc<FileBackend>, seed: bool) -> InProcessRuntime {
    let mut b = InProcessRuntimeBuilder::new()
        .harness_store(fb.clone())
        .agent_store(fb.clone())
        .session_store(fb.clone())
        .message_store(fb.clone())
        .provider_store(fb.clone())
        .llmsim_store(fb.clone())
        .file_system(fb.files())
        .llm_sim(LlmSimConfig::fixed("unused"));
    if seed {
        b = b.single_session(|s| {
            s.harness("calc", "You are a calculator.")
                .with_capability("test_math")
                .with_capability("session_file_system")
                .agent("calc-agent", "Use tools.")
                .session_title("On files")
        });
    }
    b.build().await.unwrap()
}

#[tokio::test]
async fn a_tool_calling_turn_runs_through_a_file_per_session_backend() {
    let root = temp_root("custom-backend");
    let fb = FileBackend::new(&root);
    let rt = runtime_over(&fb, true).await;
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[
                ("c1", "add", json!({"a": 20, "b": 22})),
                (
                    "c2",
                    "write_file",
                    json!({"path": "/workspace/answer.txt", "content": "42"}),
                ),
            ]),
            text("The answer is 42."),
        ]),
    )
    .await
    .unwrap();
    let r = rt
        .run_turn(&sid, InputMessage::user("20+22?"))
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.response, "The answer is 42.");
    assert_eq!(r.tool_calls_count, 2);

    // everything the turn stored is in the backend's files
    let events = rt.events().await.unwrap();
    assert_eq!(fb.event_lines(&sid), events.len());
    let done = tool_completions(&events);
    assert_eq!(result_json(&done[0])["result"], json!(42.0));
    assert!(done[1].success);
    assert_eq!(
        std::fs::read_to_string(root.join("files").join(&sid).join("answer.txt")).unwrap(),
        "42"
    );
    let session: everruns_core::Session =
        serde_json::from_slice(&std::fs::read(fb.session_dir(&sid).join("session.json")).unwrap())
            .unwrap();
    assert_eq!(session.status, SessionStatus::Idle);
    assert_eq!(session.title.as_deref(), Some("On files"));
    let providers = std::fs::read_to_string(root.join("providers.json")).unwrap();
    assert!(providers.contains("llmsim-model"), "{providers}");
    assert_eq!(fb.position(&sid).await.unwrap(), 2);
    // the message store answers from the log
    let msgs = rt.messages().await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.role.clone()).collect::<Vec<_>>(),
        vec![
            MessageRole::User,
            MessageRole::Agent,
            MessageRole::ToolResult,
            MessageRole::ToolResult,
            MessageRole::Agent
        ]
    );
    let first = fb.get_message(&sid, &msgs[0].id).await.unwrap().unwrap();
    assert_eq!(first.text(), "20+22?");
    drop(rt);

    // a second runtime over the same directory, seeding nothing: the session, its harness and
    // agent, the llmsim position and the history all come from the files
    let rt2 = runtime_over(&fb, false).await;
    let ctx = rt2.load_turn_context(&sid).await.unwrap();
    assert_eq!(ctx.harness.name, "calc");
    assert_eq!(
        ctx.agent.as_ref().map(|a| a.name.as_str()),
        Some("calc-agent")
    );
    assert_eq!(fb.list_session_ids().await.unwrap(), vec![sid.clone()]);
    fb.set_script(&sid, Some(script(vec![text("Still 42.")])))
        .await
        .unwrap();
    let r2 = rt2
        .run_turn(&sid, InputMessage::user("again?"))
        .await
        .unwrap();
    assert!(r2.success);
    assert_eq!(r2.response, "Still 42.");
    let msgs = rt2.session_messages(&sid).await.unwrap();
    assert_eq!(msgs.len(), 7);
    let ev = rt2.session_events(&sid).await.unwrap();
    assert_eq!(count(&ev, "session.started"), 1);
    assert_eq!(count(&ev, "turn.completed"), 2);
    // the second turn's LLM call saw the first turn's history
    let gen = ev
        .iter()
        .rev()
        .find(|e| e.event_type == "llm.generation")
        .unwrap();
    assert!(gen.data.to_string().contains("The answer is 42."));
    std::fs::remove_dir_all(&root).unwrap();
}
