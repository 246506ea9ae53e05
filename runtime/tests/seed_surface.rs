//! The seed-003 surface: event bus, file-system factories on the platform, dependency
//! blockers, the phase functions and the lifecycle on the in-process runtime.

mod common;

use std::sync::Arc;

use common::*;
use everruns_core::{InputMessage, ResourceStatus, SessionStatus};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::*;
use serde_json::json;

#[tokio::test]
async fn an_event_bus_shows_a_turn_live_and_collected() {
    let bus = Arc::new(CollectingEventBus::new());
    let mut live = bus.subscribe();
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| s.harness("h", "p").with_capability("test_math"))
        .llm_sim(LlmSimConfig::fixed("x"))
        .event_bus(bus.clone())
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("c1", "add", json!({"a": 2, "b": 3}))]),
            text("5"),
        ]),
    )
    .await
    .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("2+3")).await.unwrap();
    assert!(r.success);
    let stored = rt.events().await.unwrap();
    let collected = bus.collected().expect("collects");
    assert_eq!(
        collected.iter().map(|e| &e.id).collect::<Vec<_>>(),
        stored.iter().map(|e| &e.id).collect::<Vec<_>>(),
        "the bus saw every stored event, in order"
    );
    let mut seen = Vec::new();
    while let Ok(e) = live.try_recv() {
        seen.push(e.event_type);
    }
    assert_eq!(seen.len(), stored.len());
    assert!(seen.contains(&"tool.completed".to_string()));
    assert_eq!(seen.last().map(String::as_str), Some("session.idled"));
    assert!(NoopEventBus.collected().is_none());
}

#[tokio::test]
async fn the_platform_file_system_factory_decides_where_tools_write() {
    let dir = tempdir();
    let platform = PlatformDefinition::builtin()
        .with_session_file_system_factory(RealDiskSessionFileSystemFactory::new(&dir));
    let rt = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| s.harness("h", "p").with_capability("session_file_system"))
        .llm_sim(LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[(
                "w1",
                "write_file",
                json!({"path": "/workspace/notes/a.md", "content": "on disk"}),
            )]),
            text("done"),
        ]),
    )
    .await
    .unwrap();
    assert!(
        rt.run_turn(&sid, InputMessage::user("write"))
            .await
            .unwrap()
            .success
    );
    let on_disk = std::fs::read_to_string(dir.join("notes/a.md")).unwrap();
    assert_eq!(on_disk, "on disk");

    // the in-memory factory keeps nothing on disk and isolates sessions
    let f = InMemorySessionFileSystemFactory::new().create().unwrap();
    f.write("s1", "/a", FileWrite::upsert("1")).await.unwrap();
    assert!(f.read("s2", "/a").await.is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "everruns-seed-surface-{}",
        everruns_core::ids::new_id(everruns_core::ids::IdKind::Session)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn an_archived_agent_blocks_the_turn_with_a_clear_error() {
    let store = InMemorySessionStore::new();
    let h = HarnessBuilder::new("h", "p").build();
    let mut a = AgentBuilder::new("a", "p").harness_id(&h.id).build();
    store.put_harness(h.clone()).await.unwrap();
    assert_eq!(
        detect_dependency_blocker(&store, &store, &h.id, None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        detect_dependency_blocker(&store, &store, "harness_missing", None)
            .await
            .unwrap(),
        Some(DependencyBlocker::HarnessDeleted)
    );
    a.status = ResourceStatus::Archived;
    store.put_agent(a.clone()).await.unwrap();
    assert_eq!(
        detect_dependency_blocker(&store, &store, &h.id, Some(&a.id))
            .await
            .unwrap(),
        Some(DependencyBlocker::AgentArchived)
    );

    // the in-process runtime applies it: turn.failed dependency_unavailable, no LLM call
    let rt = InProcessRuntimeBuilder::new()
        .llm_sim(LlmSimConfig::fixed("never"))
        .build()
        .await
        .unwrap();
    let s = SessionBuilder::new(&h.id).build();
    let sid = rt.create_session(h, Some(a), s).await.unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert!(!r.success);
    assert_eq!(r.error_code.as_deref(), Some("dependency_unavailable"));
    let ev = rt.session_events(&sid).await.unwrap();
    assert_eq!(count(&ev, "turn.failed"), 1);
    assert_eq!(count(&ev, "llm.generation"), 0);
    assert_eq!(rt.session(&sid).await.unwrap().status, SessionStatus::Idle);
}

#[tokio::test]
async fn the_phase_functions_run_a_turn_on_the_in_process_runtime() {
    let rt = runtime(&["test_math"]).await;
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("c1", "multiply", json!({"a": 6, "b": 7}))]),
            text("42"),
        ]),
    )
    .await
    .unwrap();
    let (msg, turn_id) = rt
        .lifecycle()
        .accept_input(&sid, InputMessage::user("6*7"), None)
        .await
        .unwrap();
    let ctx = rt.load_turn_context(&sid).await.unwrap();
    let req = ctx.request(&turn_id, &msg.id);

    let mut ran = Vec::new();
    let (mut next, _) = rt.engine().plan_turn(&req, rt.backends()).await.unwrap();
    while let Some(activity) = next.activity() {
        let r = match activity {
            RuntimeActivity::Input => execute_input_activity(&rt, &req).await.unwrap(),
            RuntimeActivity::Reason => execute_reason_activity(&rt, &req).await.unwrap(),
            RuntimeActivity::Act => execute_act_activity(&rt, &req).await.unwrap(),
            RuntimeActivity::Finish => rt.lifecycle().finish_turn(&req).await.unwrap(),
        };
        assert!(r.executed.is_some(), "{activity:?} ran");
        if activity == RuntimeActivity::Input {
            assert_eq!(
                rt.session(&sid).await.unwrap().status,
                SessionStatus::Active
            );
        }
        ran.push(activity.as_str());
        // the planner agrees with the activity's own answer
        assert_eq!(
            plan_next_host_turn(&r.state, rt.engine().max_iterations(&req)),
            r.next
        );
        next = r.next;
        assert!(ran.len() < 20);
    }
    assert_eq!(ran, vec!["input", "reason", "act", "reason", "finish"]);
    assert_eq!(next, RuntimeTurnPlan::Done(TurnOutcome::Completed));
    assert_eq!(rt.session(&sid).await.unwrap().status, SessionStatus::Idle);
    // a redelivered activity stores nothing
    let before = rt.events().await.unwrap().len();
    let again = execute_act_activity(&rt, &req).await.unwrap();
    assert!(again.executed.is_none());
    assert_eq!(rt.events().await.unwrap().len(), before);
    let msgs = rt.messages().await.unwrap();
    assert_eq!(msgs.last().unwrap().text(), "42");
}
