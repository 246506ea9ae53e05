//! The turn loop: event order, tool-call links, errors, limits, scheduling.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use everruns_core::{
    ContentPart, EventPayload, InputMessage, MessageRole, SimErrorKind, ToolStatus,
};
use everruns_runtime::*;
use serde_json::{json, Value};

#[tokio::test]
async fn plain_reply_exact_event_order_and_whitespace() {
    let rt = runtime(&[]).await;
    let sid = rt.default_session_id().unwrap();
    let reply = "Hello  there!\n\n- one\n- two\n\tindented  ";
    rt.set_llmsim_script(&sid, script(vec![text(reply)]))
        .await
        .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert!(r.success);
    assert_eq!(r.response, reply);
    assert_eq!((r.iterations, r.tool_calls_count), (1, 0));
    assert_eq!(r.outcome, TurnOutcome::Completed);

    let all = rt.events().await.unwrap();
    // input.message is stored by the host before the turn, without a turn id.
    assert_eq!(all[0].event_type, "session.started");
    assert_eq!(all[1].event_type, "input.message");
    let turn = last_turn(&all, &r.turn_id);
    assert_eq!(types(&turn), expected_turn(&[]));
    // one turn id on every event of the turn; sequences strictly increasing from 1
    assert!(turn
        .iter()
        .all(|e| e.context.turn_id.as_deref() == Some(r.turn_id.as_str())));
    let seqs: Vec<i64> = all.iter().map(|e| e.sequence.unwrap()).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>());
    // deltas concatenate to the exact text; accumulated matches
    let mut acc = String::new();
    for e in &turn {
        if let EventPayload::OutputMessageDelta(d) = e.payload() {
            acc.push_str(&d.delta);
            assert_eq!(d.accumulated, acc);
        }
    }
    assert_eq!(acc, reply);
    // terminal event data
    let done = turn
        .iter()
        .find(|e| e.event_type == "turn.completed")
        .unwrap();
    match done.payload() {
        EventPayload::TurnCompleted(d) => {
            assert_eq!(d.iterations, 1);
            assert_eq!(d.llm_call_count, Some(1));
            assert!(d.final_message_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    // messages derived from events
    let msgs = rt.messages().await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].role, MessageRole::User);
    assert_eq!(msgs[1].role, MessageRole::Agent);
    assert_eq!(msgs[1].text(), reply);
}

#[tokio::test]
async fn tool_call_links_and_multi_iteration() {
    let rt = runtime(&["test_math"]).await;
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("call_a", "add", json!({"a": 2, "b": 3}))]),
            calls(&[
                ("call_b", "multiply", json!({"a": 5, "b": 4})),
                ("call_c", "subtract", json!({"a": 10, "b": 1})),
            ]),
            text("The answers are 5, 20 and 9."),
        ]),
    )
    .await
    .unwrap();
    let r = rt
        .run_turn(&sid, InputMessage::user("compute"))
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!((r.iterations, r.tool_calls_count), (3, 3));
    let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
    let t = types(&turn);
    // math tools have no concurrency class: the second batch may interleave
    assert_eq!(t[..13], expected_turn(&[1, 2])[..13]);
    assert_eq!(t.last().unwrap(), "session.idled");
    assert_eq!(count(&turn, "turn.completed"), 1);

    // every tool.started/tool.completed pair links to a tool_call part of the preceding
    // agent message, and the results are right
    let mut announced: Vec<String> = Vec::new();
    for e in &turn {
        match e.payload() {
            EventPayload::OutputMessageCompleted(d) => {
                for p in &d.message.content {
                    if let ContentPart::ToolCall { id, .. } = p {
                        announced.push(id.clone());
                    }
                }
            }
            EventPayload::ToolStarted(d) => assert!(announced.contains(&d.tool_call.id)),
            EventPayload::ToolCompleted(d) => {
                assert!(announced.contains(&d.tool_call_id));
                assert_eq!(d.status, ToolStatus::Success);
                assert_eq!(d.capability_id.as_deref(), Some("test_math"));
            }
            _ => {}
        }
    }
    assert_eq!(announced, vec!["call_a", "call_b", "call_c"]);
    let results: Vec<(String, Value)> = tool_completions(&turn)
        .iter()
        .map(|d| (d.tool_call_id.clone(), result_json(d)))
        .collect();
    assert!(results.contains(&("call_a".into(), json!({"result": 5.0}))));
    assert!(results.contains(&("call_b".into(), json!({"result": 20.0}))));
    assert!(results.contains(&("call_c".into(), json!({"result": 9.0}))));

    // messages: user, agent(call_a), tool_result(call_a), agent(b,c), results in CALL order, final
    let msgs = rt.messages().await.unwrap();
    let shape: Vec<String> = msgs
        .iter()
        .map(|m| match m.content.first() {
            Some(ContentPart::ToolResult { tool_call_id, .. }) => format!("result:{tool_call_id}"),
            _ => m.role.as_str().to_string(),
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            "user",
            "agent",
            "result:call_a",
            "agent",
            "result:call_b",
            "result:call_c",
            "agent"
        ]
    );
}

#[tokio::test]
async fn tool_error_is_fed_back_to_the_model() {
    let rt = runtime(&["test_math"]).await;
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("div0", "divide", json!({"a": 1, "b": 0}))]),
            calls(&[("nope", "no_such_tool", json!({}))]),
            text("Division by zero is undefined."),
        ]),
    )
    .await
    .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("1/0?")).await.unwrap();
    assert!(r.success, "a tool error never fails the turn: {r:?}");
    let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
    let done = tool_completions(&turn);
    assert_eq!(done[0].tool_call_id, "div0");
    assert!(!done[0].success);
    assert_eq!(done[0].status, ToolStatus::Error);
    assert_eq!(done[0].error.as_deref(), Some("Cannot divide by zero"));
    assert_eq!(done[1].status, ToolStatus::Error);
    assert!(done[1].error.as_deref().unwrap().contains("not found"));
    let act = turn
        .iter()
        .find_map(|e| match e.payload() {
            EventPayload::ActCompleted(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!((act.success_count, act.error_count), (0, 1));

    // the second LLM call was sent the error as a tool_result
    let gens: Vec<_> = turn
        .iter()
        .filter_map(|e| match e.payload() {
            EventPayload::LlmGeneration(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(gens.len(), 3);
    let sent = serde_json::to_string(&gens[1].messages).unwrap();
    assert!(sent.contains("\"tool_call_id\":\"div0\""), "{sent}");
    assert!(sent.contains("Cannot divide by zero"), "{sent}");
    assert!(!serde_json::to_string(&gens[0].messages)
        .unwrap()
        .contains("div0"));
}

#[tokio::test]
async fn injected_provider_errors_fail_the_turn() {
    for kind in [
        SimErrorKind::RateLimit,
        SimErrorKind::ServerError,
        SimErrorKind::Timeout,
    ] {
        let rt = runtime(&[]).await;
        let sid = rt.default_session_id().unwrap();
        rt.set_llmsim_script(&sid, script(vec![error(kind.clone())]))
            .await
            .unwrap();
        let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
        assert!(!r.success);
        assert_eq!(r.outcome, TurnOutcome::Failed);
        assert_eq!(r.error_code.as_deref(), Some("llm_error"));
        let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
        assert_eq!(
            types(&turn),
            vec![
                "turn.started",
                "session.activated",
                "reason.started",
                "output.message.started",
                "llm.generation",
                "output.message.completed",
                "reason.completed",
                "turn.failed",
                "session.idled"
            ]
        );
        for e in &turn {
            match e.payload() {
                EventPayload::LlmGeneration(d) => {
                    assert!(!d.metadata.success);
                    let err = d.metadata.error.unwrap();
                    match kind {
                        SimErrorKind::RateLimit => assert!(err.contains("429"), "{err}"),
                        SimErrorKind::ServerError => assert!(err.contains("500"), "{err}"),
                        _ => assert!(err.contains("timed out"), "{err}"),
                    }
                }
                EventPayload::OutputMessageCompleted(d) => {
                    assert_eq!(d.error_code.as_deref(), Some("llm_error"));
                    assert_eq!(d.message.role, MessageRole::Agent);
                }
                EventPayload::ReasonCompleted(d) => assert!(!d.success && d.error.is_some()),
                EventPayload::TurnFailed(d) => {
                    assert_eq!(d.error_code.as_deref(), Some("llm_error"))
                }
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn max_iterations_fails_the_turn_after_the_last_act() {
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("h", "p")
                .with_capability("test_math")
                .agent("a", "p")
                .agent_max_iterations(2)
        })
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    // the model keeps calling tools forever
    let mut s = script(vec![calls(&[("loop", "add", json!({"a": 1, "b": 1}))])]);
    s.on_exhausted = Some(everruns_core::OnExhausted::RepeatLast);
    rt.set_llmsim_script(&sid, s).await.unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("loop")).await.unwrap();
    assert!(!r.success);
    assert_eq!(r.error_code.as_deref(), Some("max_iterations"));
    assert_eq!(r.iterations, 2);
    let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
    let t = types(&turn);
    assert_eq!(
        &t[t.len() - 3..],
        ["act.completed", "turn.failed", "session.idled"]
    );
    assert_eq!(count(&turn, "reason.started"), 2);
    assert_eq!(
        count(&turn, "turn.completed") + count(&turn, "turn.failed"),
        1
    );
}

#[tokio::test]
async fn model_resolution_failure_and_precedence() {
    let catalog = Arc::new(StaticModelCatalog::new());
    catalog.insert("model_a", llmsim_model());
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| s.harness("h", "p"))
        .model_catalog(catalog.clone())
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    // no default model, no ids: the turn fails with a clear code
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert_eq!(r.error_code.as_deref(), Some("model_not_found"));
    // message controls pick a model
    let r = rt
        .run_turn_with_controls(
            &sid,
            InputMessage::user("hi"),
            Some(everruns_core::Controls {
                model_id: Some("model_a".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
    let started = turn
        .iter()
        .find_map(|e| match e.payload() {
            EventPayload::ReasonStarted(d) => d.metadata,
            _ => None,
        })
        .unwrap();
    assert_eq!(started.model_id.as_deref(), Some("model_a"));
    // an unknown id in controls is an error, not a silent fallback
    let r = rt
        .run_turn_with_controls(
            &sid,
            InputMessage::user("hi"),
            Some(everruns_core::Controls {
                model_id: Some("model_missing".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(r.error_code.as_deref(), Some("model_not_found"));
}

// ---- scheduling probes -------------------------------------------------------------------

#[derive(Default)]
struct Probe {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    order: Mutex<Vec<String>>,
}

struct ProbeTool {
    name: &'static str,
    class: Option<&'static str>,
    probe: Arc<Probe>,
    /// Unclassed calls meet here: the batch only finishes if they really overlap.
    barrier: Option<Arc<tokio::sync::Barrier>>,
}

#[async_trait]
impl Tool for ProbeTool {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "probe"
    }
    fn parameters(&self) -> Value {
        json!({"type": "object"})
    }
    fn concurrency_class(&self) -> Option<&str> {
        self.class
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let now = self.probe.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.probe.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.probe
            .order
            .lock()
            .unwrap()
            .push(args["tag"].as_str().unwrap_or("").to_string());
        if let Some(b) = &self.barrier {
            b.wait().await;
        } else {
            // give a concurrent sibling every chance to start while we are in flight
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
        }
        self.probe.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(json!({"tag": args["tag"]}))
    }
}

struct ProbeCapability {
    tools: Vec<Arc<dyn Tool>>,
}

impl Capability for ProbeCapability {
    fn id(&self) -> &str {
        "probe"
    }
    fn name(&self) -> &str {
        "Probe"
    }
    fn description(&self) -> &str {
        "scheduling probe"
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        self.tools.clone()
    }
}

async fn probe_runtime(tools: Vec<Arc<dyn Tool>>) -> InProcessRuntime {
    let mut platform = PlatformDefinition::builtin();
    platform.capabilities.register(ProbeCapability { tools });
    InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap()
}

/// A session whose harness enables `probe` (and sets `parallel_tool_calls` if given).
async fn probe_session(rt: &InProcessRuntime, parallel: Option<bool>) -> String {
    let mut h = HarnessBuilder::new("h", "p").capability("probe");
    if let Some(p) = parallel {
        h = h.parallel_tool_calls(p);
    }
    let h = h.build();
    let s = SessionBuilder::new(&h.id).build();
    rt.create_session(h, None, s).await.unwrap()
}

#[tokio::test]
async fn unclassed_tools_run_concurrently() {
    let probe = Arc::new(Probe::default());
    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let tool: Arc<dyn Tool> = Arc::new(ProbeTool {
        name: "free",
        class: None,
        probe: probe.clone(),
        barrier: Some(barrier),
    });
    let mut platform = PlatformDefinition::builtin();
    platform
        .capabilities
        .register(ProbeCapability { tools: vec![tool] });
    let rt = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| s.harness("h", "p").with_capability("probe"))
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[
                ("f1", "free", json!({"tag": "1"})),
                ("f2", "free", json!({"tag": "2"})),
                ("f3", "free", json!({"tag": "3"})),
            ]),
            text("done"),
        ]),
    )
    .await
    .unwrap();
    // The three calls wait on a barrier of 3: sequential execution would never finish.
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        rt.run_turn(&sid, InputMessage::user("go")),
    )
    .await
    .expect("unclassed tools must overlap (barrier of 3)")
    .unwrap();
    assert!(r.success);
    assert_eq!(probe.max_in_flight.load(Ordering::SeqCst), 3);
    let turn = last_turn(&rt.events().await.unwrap(), &r.turn_id);
    // all three tool.started precede the first tool.completed
    let t = types(&turn);
    let first_done = t.iter().position(|x| x == "tool.completed").unwrap();
    assert_eq!(
        t[..first_done]
            .iter()
            .filter(|x| *x == "tool.started")
            .count(),
        3
    );
}

#[tokio::test]
async fn same_class_tools_run_one_at_a_time_in_call_order() {
    for parallel in [None, Some(false)] {
        let probe = Arc::new(Probe::default());
        let serial: Arc<dyn Tool> = Arc::new(ProbeTool {
            name: "serial",
            class: Some("probe_class"),
            probe: probe.clone(),
            barrier: None,
        });
        let free: Arc<dyn Tool> = Arc::new(ProbeTool {
            name: "free",
            class: None,
            probe: Arc::new(Probe::default()),
            barrier: None,
        });
        let tools = if parallel == Some(false) {
            // with parallel_tool_calls=false even unclassed tools are serialised
            vec![free.clone(), serial]
        } else {
            vec![serial]
        };
        let rt = probe_runtime(tools).await;
        let sid = probe_session(&rt, parallel).await;
        let tool_name = if parallel == Some(false) {
            "free"
        } else {
            "serial"
        };
        let batch: Vec<(String, String, Value)> = (1..=4)
            .map(|i| {
                (
                    format!("s{i}"),
                    tool_name.to_string(),
                    json!({"tag": i.to_string()}),
                )
            })
            .collect();
        let batch_ref: Vec<(&str, &str, Value)> = batch
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.clone()))
            .collect();
        rt.set_llmsim_script(&sid, script(vec![calls(&batch_ref), text("done")]))
            .await
            .unwrap();
        let r = rt.run_turn(&sid, InputMessage::user("go")).await.unwrap();
        assert!(r.success);
        let turn = last_turn(&rt.session_events(&sid).await.unwrap(), &r.turn_id);
        // strictly started→completed pairs in call order
        let seq: Vec<(String, String)> = turn
            .iter()
            .filter_map(|e| match e.payload() {
                EventPayload::ToolStarted(d) => Some(("start".into(), d.tool_call.id)),
                EventPayload::ToolCompleted(d) => Some(("done".into(), d.tool_call_id)),
                _ => None,
            })
            .collect();
        let expect: Vec<(String, String)> = (1..=4)
            .flat_map(|i| {
                [
                    ("start".into(), format!("s{i}")),
                    ("done".into(), format!("s{i}")),
                ]
            })
            .collect();
        assert_eq!(seq, expect, "parallel={parallel:?}");
        if parallel.is_none() {
            assert_eq!(probe.max_in_flight.load(Ordering::SeqCst), 1);
            assert_eq!(*probe.order.lock().unwrap(), vec!["1", "2", "3", "4"]);
        }
    }
}

struct SlowTool;

#[async_trait]
impl Tool for SlowTool {
    fn name(&self) -> &str {
        "slow"
    }
    fn description(&self) -> &str {
        "never finishes"
    }
    fn parameters(&self) -> Value {
        json!({"type": "object"})
    }
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_millis(200))
    }
    async fn execute(&self, _args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        std::future::pending::<()>().await;
        unreachable!()
    }
}

struct BigTool;

#[async_trait]
impl Tool for BigTool {
    fn name(&self) -> &str {
        "big"
    }
    fn description(&self) -> &str {
        "large output"
    }
    fn parameters(&self) -> Value {
        json!({"type": "object"})
    }
    async fn execute(&self, _args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        Ok(json!({"data": "x".repeat(200_000)}))
    }
}

#[tokio::test]
async fn tool_timeout_and_output_cap() {
    let rt = probe_runtime(vec![Arc::new(SlowTool), Arc::new(BigTool)]).await;
    let sid = probe_session(&rt, None).await;
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[("t1", "slow", json!({})), ("t2", "big", json!({}))]),
            text("ok"),
        ]),
    )
    .await
    .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("go")).await.unwrap();
    assert!(r.success);
    let done = tool_completions(&last_turn(
        &rt.session_events(&sid).await.unwrap(),
        &r.turn_id,
    ));
    let slow = done.iter().find(|d| d.tool_call_id == "t1").unwrap();
    assert_eq!(slow.status, ToolStatus::Timeout);
    assert!(!slow.success);
    assert!(slow.error.as_deref().unwrap().contains("timed out"));
    let big = done.iter().find(|d| d.tool_call_id == "t2").unwrap();
    assert_eq!(big.status, ToolStatus::Success);
    let text: String = big
        .result
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_text())
        .collect();
    assert!(text.len() <= 64 * 1024, "{}", text.len());
    assert!(text.contains("[output truncated"), "marker present");
}

#[tokio::test]
async fn llmsim_config_modes_echo_fixed_and_error() {
    use everruns_runtime::llmsim_driver::LlmSimConfig;
    for (cfg, input, expect_ok, expect) in [
        (LlmSimConfig::echo(), "hi there\n", true, "Echo: hi there\n"),
        (LlmSimConfig::fixed("4"), "2+2", true, "4"),
        (LlmSimConfig::error("boom"), "x", false, "boom"),
    ] {
        let rt = InProcessRuntimeBuilder::new()
            .single_session(|s| s.harness("h", "p"))
            .llm_sim(cfg)
            .build()
            .await
            .unwrap();
        let sid = rt.default_session_id().unwrap();
        let r = rt.run_turn(&sid, InputMessage::user(input)).await.unwrap();
        assert_eq!(r.success, expect_ok);
        if expect_ok {
            assert_eq!(r.response, expect);
        } else {
            assert!(r.error.unwrap().contains(expect));
        }
    }
}
