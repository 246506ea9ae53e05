//! Cancellation, crash/resume and llmsim position persistence.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use everruns_core::{
    ContentPart, Event, EventPayload, InputMessage, LlmSimScript, MessageRole, SimStep, ToolStatus,
};
use everruns_runtime::*;
use serde_json::{json, Value};
use tokio::sync::Notify;

async fn wait_for(rt: &InProcessRuntime, sid: &str, ty: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = rt.session_events(sid).await.unwrap();
        if ev.iter().any(|e| e.event_type == ty) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {ty} within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn after_turn_start(events: &[Event], turn_id: &str) -> Vec<String> {
    let start = events
        .iter()
        .position(|e| e.event_type == "turn.started" && e.turn_id() == Some(turn_id))
        .unwrap();
    types(&events[start..])
}

#[tokio::test]
async fn cancel_during_slow_first_token() {
    let rt = Arc::new(runtime(&[]).await);
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![SimStep {
            text: Some("too late".into()),
            delay_ms: Some(120_000),
            ..Default::default()
        }]),
    )
    .await
    .unwrap();
    let task = {
        let rt = rt.clone();
        let sid = sid.clone();
        tokio::spawn(async move { rt.run_turn(&sid, InputMessage::user("slow please")).await })
    };
    wait_for(&rt, &sid, "output.message.started").await;
    assert!(rt.cancel(&sid));
    // The stream is aborted, not awaited: the 120 s delay never elapses.
    let r = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("cancel aborts the LLM call")
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, TurnOutcome::Cancelled);
    assert!(!r.success);
    let ev = rt.events().await.unwrap();
    assert_eq!(
        after_turn_start(&ev, &r.turn_id),
        vec![
            "turn.started",
            "session.activated",
            "reason.started",
            "output.message.started",
            "turn.cancelled",
            "input.message",
            "output.message.completed",
            "session.idled",
        ]
    );
    assert_eq!(count(&ev, "turn.completed") + count(&ev, "turn.failed"), 0);
    let msgs = rt.messages().await.unwrap();
    let last_two: Vec<(MessageRole, String)> = msgs[msgs.len() - 2..]
        .iter()
        .map(|m| (m.role.clone(), m.text()))
        .collect();
    assert_eq!(
        last_two,
        vec![
            (MessageRole::User, CANCEL_USER_MESSAGE.to_string()),
            (MessageRole::Agent, CANCEL_AGENT_MESSAGE.to_string())
        ]
    );
    // nothing is running any more
    assert!(!rt.cancel(&sid));
}

struct Blocker {
    started: Arc<Notify>,
}

#[async_trait]
impl Tool for Blocker {
    fn name(&self) -> &str {
        "block"
    }
    fn description(&self) -> &str {
        "blocks until aborted"
    }
    fn parameters(&self) -> Value {
        json!({"type": "object"})
    }
    async fn execute(&self, _args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        self.started.notify_one();
        std::future::pending::<()>().await;
        unreachable!()
    }
}

struct BlockerCap {
    started: Arc<Notify>,
}

impl Capability for BlockerCap {
    fn id(&self) -> &str {
        "blocker"
    }
    fn name(&self) -> &str {
        "Blocker"
    }
    fn description(&self) -> &str {
        "a tool that never ends"
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(Blocker {
            started: self.started.clone(),
        })]
    }
}

#[tokio::test]
async fn cancel_during_running_tool_then_continue() {
    let started = Arc::new(Notify::new());
    let mut platform = PlatformDefinition::builtin();
    platform.capabilities.register(BlockerCap {
        started: started.clone(),
    });
    let rt = Arc::new(runtime_with(platform, RuntimeConfig::default(), &["blocker"]).await);
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("b1", "block", json!({}))]),
            text("after cancel"),
        ]),
    )
    .await
    .unwrap();
    let task = {
        let rt = rt.clone();
        let sid = sid.clone();
        tokio::spawn(async move { rt.run_turn(&sid, InputMessage::user("block")).await })
    };
    tokio::time::timeout(Duration::from_secs(20), started.notified())
        .await
        .expect("tool started");
    wait_for(&rt, &sid, "tool.started").await;
    assert!(rt.cancel(&sid));
    let r = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("cancel aborts the tool")
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, TurnOutcome::Cancelled);
    let ev = rt.events().await.unwrap();
    let seq = after_turn_start(&ev, &r.turn_id);
    let tail: Vec<&str> = seq[seq.len() - 7..].iter().map(String::as_str).collect();
    assert_eq!(
        tail,
        vec![
            "act.started",
            "tool.started",
            "turn.cancelled",
            "input.message",
            "tool.completed",
            "output.message.completed",
            "session.idled",
        ]
    );
    let done = tool_completions(&ev);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].tool_call_id, "b1");
    assert_eq!(done[0].status, ToolStatus::Cancelled);
    assert!(!done[0].success);
    assert_eq!(count(&ev, "turn.completed") + count(&ev, "turn.failed"), 0);
    assert_eq!(count(&ev, "act.completed"), 0);

    // The session goes on; the next LLM call sees the cancelled call's result.
    let r2 = rt
        .run_turn(&sid, InputMessage::user("go on"))
        .await
        .unwrap();
    assert!(r2.success, "{r2:?}");
    assert_eq!(r2.response, "after cancel");
    let ev = rt.events().await.unwrap();
    let gen = ev
        .iter()
        .rev()
        .find_map(|e| match e.payload() {
            EventPayload::LlmGeneration(d) => Some(d),
            _ => None,
        })
        .unwrap();
    let sent = serde_json::to_string(&gen.messages).unwrap();
    assert!(sent.contains("\"tool_call_id\":\"b1\""), "{sent}");
    assert!(sent.contains(CANCEL_USER_MESSAGE));
}

#[tokio::test]
async fn cancel_of_a_queued_turn_and_idempotence() {
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
    let req = TurnRequest::new(s.clone(), h, "turn_q", m.id);
    let r = engine
        .cancel_turn(&req, &b, Some("user".into()))
        .await
        .unwrap();
    assert_eq!(r.outcome, TurnOutcome::Cancelled);
    let before = b.events.list(&s.id).await.unwrap();
    assert_eq!(
        types(&before),
        vec![
            "input.message",
            "turn.cancelled",
            "input.message",
            "output.message.completed",
            "session.idled"
        ]
    );
    // running or cancelling again changes nothing
    let r = engine.run_turn(&req, &b).await.unwrap();
    assert_eq!(r.outcome, TurnOutcome::Cancelled);
    engine.cancel_turn(&req, &b, None).await.unwrap();
    assert_eq!(b.events.list(&s.id).await.unwrap(), before);
    // a finished turn is not cancelled afterwards
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
    let req2 = TurnRequest::new(s.clone(), req.harness.clone(), "turn_done", m2.id);
    assert!(engine.run_turn(&req2, &b).await.unwrap().success);
    let r = engine.cancel_turn(&req2, &b, None).await.unwrap();
    assert_eq!(r.outcome, TurnOutcome::Completed);
    let all = b.events.list(&s.id).await.unwrap();
    assert_eq!(count(&last_turn(&all, "turn_done"), "turn.cancelled"), 0);
}

/// An event log that fails after a number of appends (a host crash or lost database).
struct FlakyLog {
    inner: InMemoryEventLog,
    remaining: AtomicI64,
    /// Store the event, then report failure (the ack was lost).
    store_then_fail: bool,
}

#[async_trait]
impl EventLog for FlakyLog {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        if self.remaining.fetch_sub(1, Ordering::SeqCst) <= 0 {
            if self.store_then_fail {
                self.inner.append(session_id, draft).await?;
            }
            return Err(StoreError::new("injected crash"));
        }
        self.inner.append(session_id, draft).await
    }
    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        self.inner.list(session_id).await
    }
}

fn crash_script() -> LlmSimScript {
    script(vec![
        calls(&[
            ("c1", "add", json!({"a": 1, "b": 2})),
            (
                "c2",
                "write_file",
                json!({"path": "/workspace/r.txt", "content": "3"}),
            ),
        ]),
        text("final answer"),
    ])
}

#[tokio::test]
async fn resume_after_a_crash_at_every_event_yields_one_terminal_event() {
    // Number of events the uninterrupted turn appends.
    let total = {
        let (engine, b, req, _) = crash_setup(i64::MAX, false).await;
        let r = engine.run_turn(&req, &b).await.unwrap();
        assert!(r.success);
        last_turn(&b.events.list(&req.session.id).await.unwrap(), &req.turn_id).len() as i64
    };
    assert!(total > 15, "{total}");
    for store_then_fail in [false, true] {
        for k in 0..total {
            let (engine, b, req, flaky) = crash_setup(k, store_then_fail).await;
            let err = engine.run_turn(&req, &b).await.unwrap_err();
            assert!(matches!(err, RuntimeError::Store(_)), "{err:?}");
            // "restart": a new engine over the same stores, the log healthy again
            let engine2 = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
            flaky.remaining.store(i64::MAX, Ordering::SeqCst);
            let unfinished = engine2.unfinished_turns(&req.session.id, &b).await.unwrap();
            // Without any stored event the turn is only known to the host's queue; when the
            // lost ack was the final session.idled, the turn is in fact finished.
            let expect_unfinished = if store_then_fail {
                k < total - 1
            } else {
                k > 0
            };
            assert_eq!(unfinished.len(), usize::from(expect_unfinished), "k={k}");
            let r = engine2.run_turn(&req, &b).await.unwrap();
            let ev = last_turn(&b.events.list(&req.session.id).await.unwrap(), &req.turn_id);
            let ctx = format!(
                "crash at append {k} (store_then_fail={store_then_fail}): {:?}",
                types(&ev)
            );
            assert!(r.success, "{ctx}");
            assert_eq!(r.response, "final answer", "{ctx}");
            assert_eq!(count(&ev, "turn.completed"), 1, "{ctx}");
            assert_eq!(
                count(&ev, "turn.failed") + count(&ev, "turn.cancelled"),
                0,
                "{ctx}"
            );
            assert_eq!(count(&ev, "turn.started"), 1, "{ctx}");
            assert_eq!(count(&ev, "session.activated"), 1, "{ctx}");
            assert_eq!(count(&ev, "session.idled"), 1, "{ctx}");
            assert_eq!(ev.last().unwrap().event_type, "session.idled", "{ctx}");
            assert_eq!(count(&ev, "reason.started"), 2, "{ctx}");
            assert_eq!(count(&ev, "reason.completed"), 2, "{ctx}");
            assert_eq!(count(&ev, "act.completed"), 1, "{ctx}");
            let agent_msgs = ev
                .iter()
                .filter(|e| e.event_type == "output.message.completed")
                .count();
            assert_eq!(agent_msgs, 2, "{ctx}");
            let done = tool_completions(&ev);
            for id in ["c1", "c2"] {
                assert_eq!(
                    done.iter().filter(|d| d.tool_call_id == id).count(),
                    1,
                    "{id} {ctx}"
                );
            }
            assert!(unfinished_is_empty(&engine2, &b, &req).await, "{ctx}");
            // the file was written at most once and the llmsim position advanced exactly twice
            assert_eq!(
                b.llmsim.position(&req.session.id).await.unwrap(),
                2,
                "{ctx}"
            );
        }
    }
}

async fn unfinished_is_empty(engine: &TurnEngine, b: &RuntimeBackends, req: &TurnRequest) -> bool {
    engine
        .unfinished_turns(&req.session.id, b)
        .await
        .unwrap()
        .is_empty()
}

async fn crash_setup(
    k: i64,
    store_then_fail: bool,
) -> (TurnEngine, RuntimeBackends, TurnRequest, Arc<FlakyLog>) {
    let flaky = Arc::new(FlakyLog {
        inner: InMemoryEventLog::new(),
        remaining: AtomicI64::new(i64::MAX),
        store_then_fail,
    });
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let mut b = RuntimeBackends::in_memory();
    b.events = flaky.clone();
    b.models = Arc::new(StaticModelCatalog::with_default(llmsim_model()));
    let h = HarnessBuilder::new("h", "p")
        .capability("test_math")
        .capability("session_file_system")
        .build();
    let s = SessionBuilder::new(&h.id).build();
    b.llmsim
        .set_script(&s.id, Some(crash_script()))
        .await
        .unwrap();
    let m = append_input_message(
        b.events.as_ref(),
        &s.id,
        InputMessage::user("go"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    flaky.remaining.store(k, Ordering::SeqCst);
    let req = TurnRequest::new(s, h, "turn_crash", m.id);
    (engine, b, req, flaky)
}

#[tokio::test]
async fn killed_mid_tool_resumes_with_an_interrupted_result() {
    let started = Arc::new(Notify::new());
    let mut platform = PlatformDefinition::builtin();
    platform.capabilities.register(BlockerCap {
        started: started.clone(),
    });
    let engine = TurnEngine::new(platform.clone(), RuntimeConfig::default());
    let mut b = RuntimeBackends::in_memory();
    b.models = Arc::new(StaticModelCatalog::with_default(llmsim_model()));
    let h = HarnessBuilder::new("h", "p").capability("blocker").build();
    let s = SessionBuilder::new(&h.id).build();
    b.llmsim
        .set_script(
            &s.id,
            Some(script(vec![
                calls(&[("k1", "block", json!({}))]),
                text("recovered"),
            ])),
        )
        .await
        .unwrap();
    let m = append_input_message(
        b.events.as_ref(),
        &s.id,
        InputMessage::user("go"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    let req = TurnRequest::new(s.clone(), h, "turn_kill", m.id);
    let task = {
        let (engine, b, req) = (engine.clone(), b.clone(), req.clone());
        tokio::spawn(async move { engine.run_turn(&req, &b).await })
    };
    tokio::time::timeout(Duration::from_secs(20), started.notified())
        .await
        .unwrap();
    task.abort(); // the host process dies mid-tool
    let _ = task.await;
    let engine2 = TurnEngine::new(platform, RuntimeConfig::default());
    assert_eq!(
        engine2.unfinished_turns(&s.id, &b).await.unwrap(),
        vec![("turn_kill".to_string(), req.input_message_id.clone())]
    );
    let r = engine2.run_turn(&req, &b).await.unwrap();
    assert!(r.success);
    assert_eq!(r.response, "recovered");
    let ev = last_turn(&b.events.list(&s.id).await.unwrap(), "turn_kill");
    assert_eq!(count(&ev, "turn.completed"), 1);
    assert_eq!(count(&ev, "tool.started"), 1, "not re-run");
    let done = tool_completions(&ev);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].status, ToolStatus::Error);
    assert!(done[0].error.as_deref().unwrap().contains("interrupted"));
}

#[tokio::test]
async fn llmsim_position_survives_a_restart() {
    let backends = RuntimeBackends::in_memory();
    let sid = everruns_core::ids::new_id(everruns_core::ids::IdKind::Session);
    let build = |b: RuntimeBackends, sid: String| async move {
        InProcessRuntimeBuilder::new()
            .backends(b)
            .single_session(|s| {
                s.harness("h", "p")
                    .session_id(sid)
                    .seed_text_file("/a.txt", "seeded")
            })
            .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed(
                "unused",
            ))
            .build()
            .await
            .unwrap()
    };
    let rt1 = build(backends.clone(), sid.clone()).await;
    rt1.set_llmsim_script(&sid, script(vec![text("one"), text("two"), text("three")]))
        .await
        .unwrap();
    assert_eq!(
        rt1.run_turn(&sid, InputMessage::user("1"))
            .await
            .unwrap()
            .response,
        "one"
    );
    // the user changes the seeded file; a rebuilt runtime must not re-seed it
    rt1.backends()
        .files
        .write(&sid, "/a.txt", FileWrite::upsert("edited"))
        .await
        .unwrap();
    drop(rt1);

    let rt2 = build(backends.clone(), sid.clone()).await;
    assert_eq!(
        rt2.run_turn(&sid, InputMessage::user("2"))
            .await
            .unwrap()
            .response,
        "two"
    );
    assert_eq!(
        rt2.run_turn(&sid, InputMessage::user("3"))
            .await
            .unwrap()
            .response,
        "three"
    );
    let f = rt2
        .backends()
        .files
        .read(&sid, "/workspace/a.txt")
        .await
        .unwrap();
    assert_eq!(f.content.as_deref(), Some("edited"));
    let ev = rt2.events().await.unwrap();
    assert_eq!(count(&ev, "session.started"), 1);
    assert_eq!(count(&ev, "turn.completed"), 3);
    let texts: Vec<String> = rt2
        .messages()
        .await
        .unwrap()
        .iter()
        .filter(|m| m.role == MessageRole::Agent)
        .map(|m| m.text())
        .collect();
    assert_eq!(texts, vec!["one", "two", "three"]);
    let _ = ContentPart::text("");
}
