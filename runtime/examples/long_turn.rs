//! Step cost over a long event log: a first turn stores ~20k events (one batch of 10 000 `add`
//! calls), then a second turn runs 100 reason/act iterations (one `add` call each) on top of
//! it. Prints the time per step boundary and how the engine read the log.
//!
//! `cargo run -p everruns-runtime --example long_turn [--release] [-- CALLS ITERATIONS]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use everruns_core::{Event, InputMessage, LlmSimScript, OnExhausted, SimStep, SimToolCall};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::{
    EventDraft, EventLog, InMemoryEventLog, InProcessRuntimeBuilder, StoreError,
};
use serde_json::json;

/// The in-memory log, counting how the engine reads it.
#[derive(Default)]
struct CountingLog {
    inner: InMemoryEventLog,
    full_reads: AtomicUsize,
    incremental_reads: AtomicUsize,
    events_returned: AtomicUsize,
}

#[async_trait]
impl EventLog for CountingLog {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        self.inner.append(session_id, draft).await
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        self.full_reads.fetch_add(1, Ordering::Relaxed);
        let v = self.inner.list(session_id).await?;
        self.events_returned.fetch_add(v.len(), Ordering::Relaxed);
        Ok(v)
    }

    async fn list_after(&self, session_id: &str, after: i64) -> Result<Vec<Event>, StoreError> {
        self.incremental_reads.fetch_add(1, Ordering::Relaxed);
        let v = self.inner.list_after(session_id, after).await?;
        self.events_returned.fetch_add(v.len(), Ordering::Relaxed);
        Ok(v)
    }
}

fn add_call(id: String, k: usize) -> SimToolCall {
    SimToolCall {
        id: Some(id),
        name: "add".into(),
        arguments: json!({"a": 1, "b": k}),
    }
}

fn script(steps: Vec<SimStep>) -> LlmSimScript {
    LlmSimScript {
        steps,
        on_exhausted: Some(OnExhausted::Error),
        chunk_delay_ms: None,
    }
}

fn text(t: &str) -> SimStep {
    SimStep {
        text: Some(t.into()),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let calls: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let iterations: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let log = Arc::new(CountingLog::default());
    let rt = InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("long", "You add numbers.")
                .with_capability("test_math")
                .agent("adder", "Use tools.")
                .agent_max_iterations(10_000)
        })
        .event_log(log.clone())
        .llm_sim(LlmSimConfig::fixed("fallback"))
        .build()
        .await?;
    let sid = rt.default_session_id().expect("session");

    // Turn 1: one batch of `calls` tool calls → ~2 events per call.
    let batch = SimStep {
        tool_calls: (0..calls)
            .map(|k| add_call(format!("fill_{k}"), k))
            .collect(),
        ..Default::default()
    };
    rt.set_llmsim_script(&sid, script(vec![batch, text("filled")]))
        .await?;
    let t = Instant::now();
    let r = rt.run_turn(&sid, InputMessage::user("fill")).await?;
    assert!(r.success, "{r:?}");
    assert_eq!(r.tool_calls_count as usize, calls);
    let before = rt.events().await?.len();
    println!(
        "turn 1: {calls} tool calls in one batch, {before} events, {:.2} s",
        t.elapsed().as_secs_f64()
    );

    // Turn 2: `iterations` reason/act iterations with one call each, then a final answer.
    let mut steps: Vec<SimStep> = (0..iterations)
        .map(|k| SimStep {
            tool_calls: vec![add_call(format!("iter_{k}"), k)],
            ..Default::default()
        })
        .collect();
    steps.push(text("done"));
    rt.set_llmsim_script(&sid, script(steps)).await?;
    let reads = |l: &CountingLog| {
        (
            l.full_reads.load(Ordering::Relaxed),
            l.incremental_reads.load(Ordering::Relaxed),
            l.events_returned.load(Ordering::Relaxed),
        )
    };
    let (f0, i0, e0) = reads(&log);
    let t = Instant::now();
    let r = rt.run_turn(&sid, InputMessage::user("iterate")).await?;
    let secs = t.elapsed().as_secs_f64();
    let (f1, i1, e1) = reads(&log);
    assert!(r.success, "{r:?}");
    assert_eq!(r.iterations as usize, iterations + 1);
    assert_eq!(r.tool_calls_count as usize, iterations);
    assert_eq!(r.response, "done");
    let after = rt.events().await?.len();
    // step boundaries: start, then reason + act per iteration, final reason, complete
    let steps = 2 * iterations + 3;
    println!(
        "turn 2: {} iterations over a log of {before}..{after} events: {secs:.2} s, \
         {:.1} ms per step ({steps} steps), {:.1} ms per iteration",
        iterations + 1,
        secs * 1000.0 / steps as f64,
        secs * 1000.0 / (iterations + 1) as f64
    );
    println!(
        "turn 2 log reads: {} full, {} incremental, {} events returned",
        f1 - f0,
        i1 - i0,
        e1 - e0
    );
    Ok(())
}
