//! The engine reads the event log incrementally: one full read per `run_turn`, then only the
//! events appended since the previous step, each event exactly once; and what it derives
//! incrementally (turn state, message history) equals the from-scratch derivation.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use everruns_core::{Event, EventPayload, InputMessage};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::messages::llm_history;
use everruns_runtime::*;
use serde_json::json;

/// The in-memory log, counting how it is read.
#[derive(Default)]
struct CountingLog {
    inner: InMemoryEventLog,
    full_reads: AtomicUsize,
    incremental_reads: AtomicUsize,
    events_returned: AtomicUsize,
}

impl CountingLog {
    fn counts(&self) -> (usize, usize, usize) {
        (
            self.full_reads.load(Ordering::SeqCst),
            self.incremental_reads.load(Ordering::SeqCst),
            self.events_returned.load(Ordering::SeqCst),
        )
    }
}

#[async_trait]
impl EventLog for CountingLog {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        self.inner.append(session_id, draft).await
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        self.full_reads.fetch_add(1, Ordering::SeqCst);
        let v = self.inner.list(session_id).await?;
        self.events_returned.fetch_add(v.len(), Ordering::SeqCst);
        Ok(v)
    }

    async fn list_after(&self, session_id: &str, after: i64) -> Result<Vec<Event>, StoreError> {
        self.incremental_reads.fetch_add(1, Ordering::SeqCst);
        let v = self.inner.list_after(session_id, after).await?;
        assert!(v.iter().all(|e| e.sequence.unwrap() > after));
        self.events_returned.fetch_add(v.len(), Ordering::SeqCst);
        Ok(v)
    }
}

async fn counted_runtime() -> (InProcessRuntime, Arc<CountingLog>, String) {
    let log = Arc::new(CountingLog::default());
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("test", "You are a test harness.")
                .with_capability("test_math")
                .agent("tester", "Follow the script.")
                .agent_max_iterations(1000)
        })
        .event_log(log.clone())
        .llm_sim(LlmSimConfig::fixed("fallback"))
        .build()
        .await
        .expect("runtime builds");
    let sid = rt.default_session_id().unwrap();
    (rt, log, sid)
}

#[tokio::test]
async fn each_event_is_read_once_per_turn_and_history_matches() {
    let (rt, log, sid) = counted_runtime().await;
    // A first turn: one batch of 50 calls (a log to start from).
    let batch: Vec<(String, &str, serde_json::Value)> = (0..50)
        .map(|k| (format!("fill_{k}"), "add", json!({"a": k, "b": 1})))
        .collect();
    let batch: Vec<(&str, &str, serde_json::Value)> = batch
        .iter()
        .map(|(i, n, a)| (i.as_str(), *n, a.clone()))
        .collect();
    rt.set_llmsim_script(&sid, script(vec![calls(&batch), text("filled")]))
        .await
        .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("fill")).await.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.tool_calls_count, 50);

    // The measured turn: 40 iterations with two calls each, then a final answer.
    let mut steps = Vec::new();
    for k in 0..40 {
        steps.push(calls(&[
            (&format!("a_{k}"), "add", json!({"a": k, "b": 2})),
            (&format!("m_{k}"), "multiply", json!({"a": k, "b": 3})),
        ]));
    }
    steps.push(text("done"));
    rt.set_llmsim_script(&sid, script(steps)).await.unwrap();
    let before = rt.events().await.unwrap().len();
    let (f0, i0, e0) = log.counts();
    let r = rt
        .run_turn(&sid, InputMessage::user("iterate"))
        .await
        .unwrap();
    let (f1, i1, e1) = log.counts();
    assert!(r.success, "{r:?}");
    assert_eq!((r.iterations, r.tool_calls_count), (41, 80));
    assert_eq!(r.response, "done");
    let all = rt.events().await.unwrap();
    // One full read at the start of run_turn, then only increments; every event of the log
    // was handed to the engine exactly once (`rt.events()` is not counted: taken after).
    assert_eq!(f1 - f0, 1, "full reads during the turn");
    assert!(i1 - i0 >= 2 * 41, "incremental reads: {}", i1 - i0);
    assert_eq!(
        e1 - e0,
        all.len(),
        "events read during the turn (log before: {before})"
    );

    // The incremental derivations equal the from-scratch ones.
    let state = RuntimeTurnState::from_events(&r.turn_id, &all);
    assert_eq!(state.iterations, r.iterations);
    assert_eq!(state.tool_calls_count, r.tool_calls_count);
    assert_eq!(state.llm_call_count, r.llm_call_count);
    assert_eq!(state.usage, r.usage);
    assert_eq!(state.last_response, r.response);
    // Each llm.generation sent the history derived from every event stored before it.
    let mut checked = 0;
    for (i, e) in all.iter().enumerate() {
        let EventPayload::LlmGeneration(g) = e.payload() else {
            continue;
        };
        // stored: what the call added to the previous call's list; rebuilt whole here
        if checked > 0 {
            assert!(g.messages_omitted > 0, "generation {i} repeats the history");
        }
        let sent = everruns_runtime::generation_messages(&all, i).expect("rebuilt");
        assert_eq!(sent.len() as u64, g.messages_total.unwrap());
        let reason = all[..i]
            .iter()
            .rposition(|x| x.event_type == "reason.started")
            .unwrap();
        let expected: Vec<serde_json::Value> = llm_history(&messages_from_events(&all[..reason]))
            .iter()
            .map(|m| serde_json::to_value(m).unwrap())
            .collect();
        assert_eq!(sent.len(), expected.len() + 1, "system prompt first");
        assert_eq!(&sent[1..], &expected[..], "llm.generation at {i}");
        checked += 1;
    }
    assert_eq!(checked, 2 + 41);
    // act.completed counts match the batch results
    for e in all.iter().filter(|e| e.event_type == "act.completed") {
        let EventPayload::ActCompleted(d) = e.payload() else {
            panic!("act.completed did not parse");
        };
        assert_eq!(d.error_count, 0);
        assert!(d.success_count == 2 || d.success_count == 50, "{d:?}");
    }
}

#[tokio::test]
async fn message_fold_read_at_any_point_equals_messages_from_events() {
    let (rt, _log, sid) = counted_runtime().await;
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[
                ("c1", "add", json!({"a": 1, "b": 1})),
                ("c2", "add", json!({"a": 2, "b": 2})),
                ("c3", "add", json!({"a": 3, "b": 3})),
            ]),
            calls(&[("c4", "add", json!({"a": 4, "b": 4}))]),
            text("done"),
        ]),
    )
    .await
    .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("go")).await.unwrap();
    assert!(r.success);
    let mut all = rt.events().await.unwrap();
    // Put the first batch's results out of call order (c3, c1, c2): the fold must sort them
    // back like messages_from_events, wherever it is read in between.
    let pos: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, e)| e.event_type == "tool.completed")
        .map(|(i, _)| i)
        .take(3)
        .collect();
    let (a, b, c) = (
        all[pos[0]].clone(),
        all[pos[1]].clone(),
        all[pos[2]].clone(),
    );
    all[pos[0]] = c;
    all[pos[1]] = a;
    all[pos[2]] = b;
    let want = messages_from_events(&all);
    let ids = |ms: &[everruns_core::Message]| -> Vec<String> {
        ms.iter()
            .map(|m| format!("{}:{}", m.role.as_str(), m.id))
            .collect()
    };
    for split in 0..=all.len() {
        let mut fold = MessageFold::default();
        for e in &all[..split] {
            fold.push(e);
        }
        assert_eq!(
            ids(fold.messages()),
            ids(&messages_from_events(&all[..split]))
        );
        for e in &all[split..] {
            fold.push(e);
            fold.messages();
        }
        assert_eq!(fold.messages(), &want[..], "split at {split}");
    }
    // and the tool results of the first batch are in call order
    let order: Vec<String> = want
        .iter()
        .filter_map(|m| match &m.content[0] {
            everruns_core::ContentPart::ToolResult { tool_call_id, .. } => {
                Some(tool_call_id.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(order, ["c1", "c2", "c3", "c4"]);
}
