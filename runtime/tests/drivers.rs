//! OpenAI and Anthropic drivers against local servers speaking their streaming protocols.

mod common;

use common::http::{serve, Response};
use everruns_core::{EventPayload, InputMessage, LlmProviderType};
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
async fn openai_chat_completions_stream_with_tool_calls() {
    let server = serve(|_req, i| {
        let body = if i == 0 {
            let mut b = sse(&[
                ("", json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Let me"}}]})),
                ("", json!({"choices":[{"index":0,"delta":{"content":" add.\n"}}]})),
                ("", json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":"}}]}}]})),
                ("", json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"2,\"b\":3}"}}]}}]})),
                ("", json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})),
                ("", json!({"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7}})),
            ]);
            b.extend_from_slice(b"data: [DONE]\n\n");
            b
        } else {
            let mut b = sse(&[
                ("", json!({"choices":[{"index":0,"delta":{"content":"The sum"}}]})),
                ("", json!({"choices":[{"index":0,"delta":{"content":" is 5."},"finish_reason":"stop"}]})),
            ]);
            b.extend_from_slice(b"data: [DONE]\n\n");
            b
        };
        Response::new(200, "text/event-stream", body)
    })
    .await;
    let rt = runtime_for(ModelWithProvider {
        model: "gpt-test".into(),
        provider_type: LlmProviderType::OpenAi,
        api_key: Some("sk-test".into()),
        base_url: Some(server.url("/v1/chat/completions")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("2+3?")).await.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.response, "The sum is 5.");
    assert_eq!(r.tool_calls_count, 1);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].header("authorization"), Some("Bearer sk-test"));
    let b0 = reqs[0].json();
    assert_eq!(b0["stream"], true);
    assert_eq!(b0["model"], "gpt-test");
    assert_eq!(b0["messages"][0]["role"], "system");
    assert!(b0["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("You are precise."));
    assert_eq!(
        b0["messages"][1],
        json!({"role": "user", "content": "2+3?"})
    );
    let tools: Vec<&str> = b0["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, vec!["add", "subtract", "multiply", "divide"]);
    let b1 = reqs[1].json();
    let msgs = b1["messages"].as_array().unwrap();
    let assistant = &msgs[2];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["content"], "Let me add.\n");
    assert_eq!(assistant["tool_calls"][0]["id"], "call_1");
    assert_eq!(
        assistant["tool_calls"][0]["function"]["arguments"],
        r#"{"a":2,"b":3}"#
    );
    assert_eq!(msgs[3]["role"], "tool");
    assert_eq!(msgs[3]["tool_call_id"], "call_1");
    assert_eq!(msgs[3]["content"], r#"{"result":5.0}"#);

    let ev = rt.events().await.unwrap();
    let gens: Vec<_> = ev
        .iter()
        .filter_map(|e| match e.payload() {
            EventPayload::LlmGeneration(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(gens[0].metadata.provider.as_deref(), Some("openai"));
    assert_eq!(gens[0].metadata.usage.as_ref().unwrap().input_tokens, 11);
    assert_eq!(
        gens[0].output.tool_calls[0].arguments,
        json!({"a": 2, "b": 3})
    );
    // streamed text kept its newline
    let first_text: String = ev
        .iter()
        .filter_map(|e| match e.payload() {
            EventPayload::OutputMessageDelta(d) => Some(d.delta),
            _ => None,
        })
        .take(2)
        .collect();
    assert_eq!(first_text, "Let me add.\n");
}

#[tokio::test]
async fn openai_http_errors_and_missing_key_fail_the_turn() {
    let server = serve(|_, _| {
        Response::new(
            429,
            "application/json",
            r#"{"error":{"message":"slow down"}}"#,
        )
    })
    .await;
    let rt = runtime_for(ModelWithProvider {
        model: "gpt-test".into(),
        provider_type: LlmProviderType::OpenAi,
        api_key: Some("sk-test".into()),
        base_url: Some(server.url("/v1/chat/completions")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert_eq!(r.error_code.as_deref(), Some("llm_error"));
    let err = r.error.unwrap();
    assert!(err.contains("429") && err.contains("slow down"), "{err}");

    let rt = runtime_for(ModelWithProvider {
        model: "gpt-test".into(),
        provider_type: LlmProviderType::OpenAi,
        api_key: None,
        base_url: Some(server.url("/v1/chat/completions")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert!(!r.success);
    assert!(r.error.unwrap().contains("no API key"));
    assert_eq!(server.requests().len(), 1, "no request without a key");
}

#[tokio::test]
async fn anthropic_messages_stream_with_tool_use() {
    let server = serve(|_req, i| {
        let body = if i == 0 {
            sse(&[
                ("message_start", json!({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":21,"output_tokens":1}}})),
                ("content_block_start", json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})),
                ("ping", json!({"type":"ping"})),
                ("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Adding\n  now."}})),
                ("content_block_stop", json!({"type":"content_block_stop","index":0})),
                ("content_block_start", json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"multiply","input":{}}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\": 6,"}})),
                ("content_block_delta", json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"b\": 7}"}})),
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
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/v1/messages");
    assert_eq!(reqs[0].header("x-api-key"), Some("ak-test"));
    assert_eq!(reqs[0].header("anthropic-version"), Some("2023-06-01"));
    let b0 = reqs[0].json();
    assert_eq!(b0["max_tokens"], 4096);
    assert!(b0["system"].as_str().unwrap().contains("You are precise."));
    assert_eq!(b0["tools"][2]["name"], "multiply");
    assert!(b0["tools"][2]["input_schema"].is_object());
    let b1 = reqs[1].json();
    let msgs = b1["messages"].as_array().unwrap();
    assert_eq!(msgs[1]["role"], "assistant");
    assert_eq!(
        msgs[1]["content"][1],
        json!({"type":"tool_use","id":"toolu_1","name":"multiply","input":{"a":6,"b":7}})
    );
    assert_eq!(msgs[2]["role"], "user");
    assert_eq!(msgs[2]["content"][0]["type"], "tool_result");
    assert_eq!(msgs[2]["content"][0]["tool_use_id"], "toolu_1");
    assert_eq!(msgs[2]["content"][0]["content"], r#"{"result":42.0}"#);
    let ev = rt.events().await.unwrap();
    let usage = ev
        .iter()
        .find_map(|e| match e.payload() {
            EventPayload::LlmGeneration(d) => d.metadata.usage,
            _ => None,
        })
        .unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens), (21, 9));
    let msgs = rt.messages().await.unwrap();
    assert_eq!(msgs[1].text(), "Adding\n  now.");
}

#[tokio::test]
async fn anthropic_stream_error_event_fails_the_turn() {
    let server = serve(|_, _| {
        Response::new(
            200,
            "text/event-stream",
            sse(&[
                ("message_start", json!({"type":"message_start","message":{"usage":{"input_tokens":1}}})),
                ("error", json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})),
            ]),
        )
    })
    .await;
    let rt = runtime_for(ModelWithProvider {
        model: "claude-test".into(),
        provider_type: LlmProviderType::Anthropic,
        api_key: Some("ak".into()),
        base_url: Some(server.url("/v1/messages")),
    })
    .await;
    let sid = rt.default_session_id().unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("hi")).await.unwrap();
    assert!(!r.success);
    assert!(r.error.unwrap().contains("Overloaded"));
    assert_eq!(server.requests()[0].path, "/v1/messages");
}
