//! The host seam: step-by-step driving with the pure planner, configuration layers, messages.

mod common;

use std::sync::Arc;

use common::*;
use everruns_core::{CapabilityRef, InputMessage, NetworkAccess};
use everruns_runtime::*;
use serde_json::json;

#[tokio::test]
async fn a_host_can_drive_a_turn_step_by_step() {
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let mut b = RuntimeBackends::in_memory();
    b.models = Arc::new(StaticModelCatalog::with_default(llmsim_model()));
    let h = HarnessBuilder::new("h", "p")
        .capability("test_math")
        .build();
    let s = SessionBuilder::new(&h.id).build();
    b.llmsim
        .set_script(
            &s.id,
            Some(script(vec![
                calls(&[("c1", "add", json!({"a": 1, "b": 1}))]),
                text("2"),
            ])),
        )
        .await
        .unwrap();
    let m = append_input_message(
        b.events.as_ref(),
        &s.id,
        InputMessage::user("1+1"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    let req = TurnRequest::new(s.clone(), h, "turn_steps", m.id);

    // the pure planner on an empty log
    let st = RuntimeTurnState::from_events("turn_steps", &[]);
    assert_eq!(plan_next_host_turn(&st, 100), RuntimeTurnPlan::StartTurn);

    let mut executed = Vec::new();
    loop {
        let plan = engine.step(&req, &b).await.unwrap();
        let done = matches!(plan, RuntimeTurnPlan::Done(_));
        executed.push(plan);
        if done {
            break;
        }
        assert!(executed.len() < 20, "runaway: {executed:?}");
    }
    let names: Vec<String> = executed
        .iter()
        .map(|p| match p {
            RuntimeTurnPlan::StartTurn => "start".to_string(),
            RuntimeTurnPlan::ScheduleReason { iteration, recover } => {
                format!("reason{iteration}{}", if *recover { "r" } else { "" })
            }
            RuntimeTurnPlan::ScheduleAct(a) => format!("act{}", a.tool_calls.len()),
            RuntimeTurnPlan::Complete(TurnEnd::Completed) => "complete".into(),
            RuntimeTurnPlan::Done(TurnOutcome::Completed) => "done".into(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        vec!["start", "reason1", "act1", "reason2", "complete", "done"]
    );
    let st = engine.turn_state(&s.id, "turn_steps", &b).await.unwrap();
    assert_eq!(st.iterations, 2);
    assert_eq!(st.last_response, "2");
    assert!(st.idled);
    // a run_turn on the finished turn is a no-op returning its result
    let before = b.events.list(&s.id).await.unwrap().len();
    let r = engine.run_turn(&req, &b).await.unwrap();
    assert!(r.success);
    assert_eq!(r.response, "2");
    assert_eq!(b.events.list(&s.id).await.unwrap().len(), before);
    // messages derived from the log
    let msgs = session_messages(b.events.as_ref(), &s.id).await.unwrap();
    assert_eq!(msgs.len(), 4);
    // a missing input message is a clear error, not a turn
    let bad = TurnRequest::new(s, req.harness.clone(), "turn_bad", "message_missing");
    let e = engine.run_turn(&bad, &b).await.unwrap_err();
    assert!(matches!(e, RuntimeError::NotFound(_)), "{e}");
    // bad user content is refused before storing anything
    let e = append_input_message(
        b.events.as_ref(),
        "session_x",
        everruns_core::InputMessage {
            role: everruns_core::MessageRole::User,
            content: vec![everruns_core::ContentPart::ToolResult {
                tool_call_id: "x".into(),
                result: None,
                error: None,
            }],
        },
        None,
        None,
        vec![],
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("only contain text and image"), "{e}");
    assert!(b.events.list("session_x").await.unwrap().is_empty());
}

#[test]
fn configuration_layers_merge_as_documented() {
    let reg = CapabilityRegistry::with_builtins();
    let h = HarnessBuilder::new("h", "  Base prompt.  ")
        .capability(CapabilityRef {
            r#ref: "file_system".into(),
            config: Some(json!({"layer": "harness"})),
        })
        .capability("current_time")
        .initial_file("/workspace/a.md", "harness a")
        .initial_file("/b.md", "harness b")
        .default_model_id("model_h")
        .parallel_tool_calls(true)
        .network_access(NetworkAccess {
            allowed: vec!["a.com".into(), "b.com".into(), "c.com".into()],
            blocked: vec!["x.com".into()],
        })
        .build();
    let a = AgentBuilder::new("a", "Agent prompt.")
        .capability(CapabilityRef {
            r#ref: "session_file_system".into(),
            config: Some(json!({"layer": "agent"})),
        })
        .capability("sample_data")
        .initial_file("a.md", "agent a")
        .default_model_id("model_a")
        .max_iterations(7)
        .network_access(NetworkAccess {
            allowed: vec!["b.com".into(), "c.com".into()],
            blocked: vec!["y.com".into()],
        })
        .build();
    let s = SessionBuilder::new(&h.id)
        .system_prompt("")
        .capability("test_math")
        .max_iterations(3)
        .parallel_tool_calls(false)
        .network_access(NetworkAccess {
            allowed: vec!["c.com".into(), "d.com".into()],
            blocked: vec![],
        })
        .build();
    let m = merge_layers(&[&h], Some(&a), &s, &reg);
    assert_eq!(m.system_prompt, "Base prompt.\n\nAgent prompt.");
    let caps: Vec<(&str, Option<serde_json::Value>)> = m
        .capabilities
        .iter()
        .map(|c| (c.r#ref.as_str(), c.config.clone()))
        .collect();
    assert_eq!(
        caps,
        vec![
            ("session_file_system", Some(json!({"layer": "agent"}))),
            ("current_time", None),
            ("sample_data", None),
            ("test_math", None),
        ]
    );
    let files: Vec<(&str, &str)> = m
        .initial_files
        .iter()
        .map(|f| (f.path.as_str(), f.content.as_str()))
        .collect();
    assert_eq!(files, vec![("/a.md", "agent a"), ("/b.md", "harness b")]);
    assert_eq!(m.network.allowed, Some(vec!["c.com".to_string()]));
    assert_eq!(m.network.blocked, vec!["x.com", "y.com"]);
    assert!(
        m.network.permits("c.com") && !m.network.permits("b.com") && !m.network.permits("x.com")
    );
    assert_eq!(m.model_id.as_deref(), Some("model_a"));
    assert_eq!(m.max_iterations, Some(3));
    assert_eq!(m.parallel_tool_calls, Some(false));

    // dependencies first, capability prompt parts before the merged prompt
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let ctx = engine.load_context(&s, Some(&a), &h, &[]);
    assert_eq!(
        ctx.capabilities,
        vec![
            "session_file_system",
            "current_time",
            "sample_data",
            "test_math"
        ]
    );
    assert_eq!(ctx.max_iterations, 3);
    assert!(!ctx.parallel_tool_calls);
    let fs_part = ctx
        .system_prompt
        .find("<capability id=\"session_file_system\">")
        .unwrap();
    let base = ctx.system_prompt.find("Base prompt.").unwrap();
    assert!(fs_part < base);
    assert!(ctx.system_prompt.ends_with("Base prompt.\n\nAgent prompt."));
    // a dependency pulled in by sample_data comes first even when listed later
    let s2 = SessionBuilder::new(&h.id)
        .capability("virtual_bash")
        .build();
    let bare = HarnessBuilder::new("bare", "").build();
    let ctx = engine.load_context(&s2, None, &bare, &[]);
    assert_eq!(
        ctx.capabilities,
        vec!["session_file_system", "virtual_bash"]
    );
    let s3 = SessionBuilder::new(&h.id).capability("no_such_cap").build();
    let ctx = engine.load_context(&s3, None, &bare, &[]);
    assert_eq!(ctx.unknown_capabilities, vec!["no_such_cap"]);
    assert_eq!(ctx.max_iterations, 100);
}

#[tokio::test]
async fn a_host_can_fail_a_stuck_turn_once() {
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let mut b = RuntimeBackends::in_memory();
    b.models = Arc::new(StaticModelCatalog::with_default(llmsim_model()));
    let h = HarnessBuilder::new("h", "p").build();
    let s = SessionBuilder::new(&h.id).build();
    let m = append_input_message(
        b.events.as_ref(),
        &s.id,
        InputMessage::user("x"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    let req = TurnRequest::new(s.clone(), h, "turn_stuck", m.id);
    engine.step(&req, &b).await.unwrap(); // started, then the host gives up
    let r = engine
        .fail_turn(&req, &b, "internal error", "internal_error")
        .await
        .unwrap();
    assert_eq!(r.outcome, TurnOutcome::Failed);
    assert_eq!(r.error_code.as_deref(), Some("internal_error"));
    let again = engine.fail_turn(&req, &b, "x", "y").await.unwrap();
    assert_eq!(again.error_code.as_deref(), Some("internal_error"));
    let ev = b.events.list(&s.id).await.unwrap();
    assert_eq!(count(&ev, "turn.failed"), 1);
    assert_eq!(count(&ev, "session.idled"), 1);
    // a completed turn is never failed afterwards
    let m2 = append_input_message(
        b.events.as_ref(),
        &s.id,
        InputMessage::user("y"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    let req2 = TurnRequest::new(s.clone(), req.harness.clone(), "turn_ok", m2.id);
    assert!(engine.run_turn(&req2, &b).await.unwrap().success);
    let r = engine.fail_turn(&req2, &b, "late", "late").await.unwrap();
    assert_eq!(r.outcome, TurnOutcome::Completed);
    assert_eq!(
        count(
            &last_turn(&b.events.list(&s.id).await.unwrap(), "turn_ok"),
            "turn.failed"
        ),
        0
    );
}
