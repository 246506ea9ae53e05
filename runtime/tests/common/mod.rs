//! Shared helpers of the runtime integration tests.
#![allow(dead_code)]

pub mod file_backend;
pub mod http;

use everruns_core::{
    ContentPart, Event, EventPayload, LlmProviderType, LlmSimScript, OnExhausted, SimErrorKind,
    SimStep, SimToolCall,
};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::*;
use serde_json::Value;

/// The llmsim model used everywhere.
pub fn llmsim_model() -> ModelWithProvider {
    ModelWithProvider {
        model: "llmsim-model".into(),
        provider_type: LlmProviderType::LlmSim,
        api_key: None,
        base_url: None,
    }
}

/// A text step.
pub fn text(t: &str) -> SimStep {
    SimStep {
        text: Some(t.into()),
        ..Default::default()
    }
}

/// A tool-call step: (id, name, arguments).
pub fn calls(list: &[(&str, &str, Value)]) -> SimStep {
    SimStep {
        tool_calls: list
            .iter()
            .map(|(id, name, args)| SimToolCall {
                id: Some(id.to_string()),
                name: name.to_string(),
                arguments: args.clone(),
            })
            .collect(),
        ..Default::default()
    }
}

/// An injected provider error step.
pub fn error(kind: SimErrorKind) -> SimStep {
    SimStep {
        error: Some(kind),
        ..Default::default()
    }
}

/// A script from steps (exhaustion: error, so a test never silently loops).
pub fn script(steps: Vec<SimStep>) -> LlmSimScript {
    LlmSimScript {
        steps,
        on_exhausted: Some(OnExhausted::Error),
        chunk_delay_ms: None,
    }
}

/// An in-process runtime with one session using these harness capabilities.
pub async fn runtime_with(
    platform: PlatformDefinition,
    config: RuntimeConfig,
    caps: &[&str],
) -> InProcessRuntime {
    let caps: Vec<String> = caps.iter().map(|s| s.to_string()).collect();
    InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .runtime_config(config)
        .single_session(move |mut s| {
            s = s.harness("test", "You are a test harness.");
            for c in caps {
                s = s.with_capability(c);
            }
            s.agent("tester", "Follow the script.")
        })
        .llm_sim(LlmSimConfig::fixed("fallback"))
        .build()
        .await
        .expect("runtime builds")
}

/// A builtin runtime with these capabilities.
pub async fn runtime(caps: &[&str]) -> InProcessRuntime {
    runtime_with(
        PlatformDefinition::builtin(),
        RuntimeConfig::default(),
        caps,
    )
    .await
}

/// Event types with runs of `output.message.delta` collapsed to `output.message.delta*`.
pub fn types(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let t = if e.event_type == "output.message.delta" {
            "output.message.delta*".to_string()
        } else {
            e.event_type.clone()
        };
        if t == "output.message.delta*"
            && out.last().map(String::as_str) == Some("output.message.delta*")
        {
            continue;
        }
        out.push(t);
    }
    out
}

/// Events after (and including) the last `input.message` that started a turn.
pub fn last_turn(events: &[Event], turn_id: &str) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.turn_id() == Some(turn_id))
        .cloned()
        .collect()
}

/// `tool.completed` payloads of a set of events.
pub fn tool_completions(events: &[Event]) -> Vec<everruns_core::ToolCompletedData> {
    events
        .iter()
        .filter_map(|e| match e.payload() {
            EventPayload::ToolCompleted(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// The parsed JSON result of a successful tool.completed.
pub fn result_json(d: &everruns_core::ToolCompletedData) -> Value {
    let text: String = d
        .result
        .as_ref()
        .expect("tool has a result")
        .iter()
        .filter_map(ContentPart::as_text)
        .collect();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Number of events of a type.
pub fn count(events: &[Event], ty: &str) -> usize {
    events.iter().filter(|e| e.event_type == ty).count()
}

/// The expected event types of a turn whose LLM replies are tool batches of the given sizes
/// followed by a final text answer.
pub fn expected_turn(batches: &[usize]) -> Vec<String> {
    let mut v: Vec<&str> = vec!["turn.started", "session.activated"];
    for &n in batches {
        v.extend([
            "reason.started",
            "output.message.started",
            "llm.generation",
            "output.message.completed",
            "reason.completed",
            "act.started",
        ]);
        for _ in 0..n {
            v.push("tool.started");
            v.push("tool.completed");
        }
        v.push("act.completed");
    }
    v.extend([
        "reason.started",
        "output.message.started",
        "output.message.delta*",
        "llm.generation",
        "output.message.completed",
        "reason.completed",
        "turn.completed",
        "session.idled",
    ]);
    v.into_iter().map(String::from).collect()
}
