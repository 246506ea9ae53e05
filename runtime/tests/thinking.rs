//! Reasoning events: thinking streamed by a provider becomes `reason.thinking.*` events and is
//! sent back (with its signature) on the next call. Against a local server speaking the
//! Anthropic Messages protocol, and an OpenAI-compatible one streaming `reasoning_content`.

mod common;

use common::http::{serve, Response};
use everruns_core::{InputMessage, LlmProviderType};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::*;
use serde_json::json;

fn sse(frames: &[(&str, serde_json::Value)]) -> Vec<u8> {
    let mut out = String::new();
    for (event, data) in frames {
        if !event.is_empty() {
            out.push_str(&format!("event: {event}\n"));
        }
        out.push_str(&format!("data: {data}\n\n"));
    }
    out.into_bytes()
}

async fn runtime_for(model: ModelWithProvider) -> InProcessRuntime {
    InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("h", "You are precise.")
                .with_capability("test_math")
        })
        .llm_sim(LlmSimConfig::fixed("unused"))
        .default_model(model)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn anthropic_thinking_streams_as_reason_thinking_and_returns_signed() {
    let server = serve(|_req, i| {
        let body = if i == 0 {
            sse(&[
                ("message_start", json!({"type":"message_start","message":{"usage":{"input_tokens":5}}})),
                ("content_block_start", json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Six times seven; "}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"use multiply."}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig-abc"}})),
                ("content_block_stop", json!({"type":"content_block_stop","index":0})),
                ("content_block_start", json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"multiply","input":{}}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":6,\"b\":7}"}})),
                ("content_block_stop", json!({"type":"content_block_stop","index":1})),
                ("message_delta", json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}})),
                ("message_stop", json!({"type":"message_stop"})),
            ])
        } else {
            sse(&[
                ("message_start", json!({"type":"message_start","message":{"usage":{"input_tokens":40}}})),
                ("content_block_start", json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"It is 42."}})),
                ("content_block_stop", json!({"type":"content_block_stop","index":0})),
                ("message_delta", json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}})),
                ("message_stop", json!({"type":"message_stop"})),
            ])
        };
        Response::new(200, "text/event-stream", body)
    })
    .await;
    let rt = runtime_for(ModelWithProvider {
        model: "claude-test".into(),
        provider_type: LlmProviderType::Anthropic,
        api_key: Some("ak-test".into()),
        base_url: Some(server.url("")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("6*7?")).await.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.response, "It is 42.");

    let ev = rt.events().await.unwrap();
    let types: Vec<&str> = ev.iter().map(|e| e.event_type.as_str()).collect();
    let started = types
        .iter()
        .position(|t| *t == "reason.thinking.started")
        .unwrap();
    let completed = types
        .iter()
        .position(|t| *t == "reason.thinking.completed")
        .unwrap();
    let deltas: Vec<&str> = ev
        .iter()
        .filter(|e| e.event_type == "reason.thinking.delta")
        .map(|e| e.data["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, vec!["Six times seven; ", "use multiply."]);
    assert!(started < completed);
    let done = &ev[completed];
    assert_eq!(done.data["thinking"], "Six times seven; use multiply.");
    assert_eq!(done.data["signature"], "sig-abc");
    assert_eq!(done.turn_id(), Some(r.turn_id.as_str()));

    // the next call carries the signed thinking block before the tool use
    let b1 = server.requests()[1].json();
    let assistant = &b1["messages"][1];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(
        assistant["content"][0],
        json!({"type": "thinking", "thinking": "Six times seven; use multiply.", "signature": "sig-abc"})
    );
    assert_eq!(assistant["content"][1]["type"], "tool_use");
    // the stored agent message keeps it (the history), its text does not include it
    let msgs = rt.messages().await.unwrap();
    assert_eq!(msgs[1].content[0].to_value()["type"], "thinking");
    assert_eq!(msgs[1].text(), "");
}

#[tokio::test]
async fn openai_reasoning_content_streams_as_thinking() {
    let server = serve(|_req, _i| {
        let chunk = |delta: serde_json::Value| {
            json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":delta,"finish_reason":null}]})
        };
        let body = sse(&[
            ("", chunk(json!({"role":"assistant","reasoning_content":"Think first."}))),
            ("", chunk(json!({"content":"Done."}))),
            ("", json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})),
        ]);
        let mut body = body;
        body.extend_from_slice(b"data: [DONE]\n\n");
        Response::new(200, "text/event-stream", body)
    })
    .await;
    let rt = runtime_for(ModelWithProvider {
        model: "gpt-test".into(),
        provider_type: LlmProviderType::OpenAi,
        api_key: Some("sk-test".into()),
        base_url: Some(server.url("/v1")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.response, "Done.");
    let ev = rt.events().await.unwrap();
    let done = ev
        .iter()
        .find(|e| e.event_type == "reason.thinking.completed")
        .expect("thinking completed");
    assert_eq!(done.data["thinking"], "Think first.");
}
