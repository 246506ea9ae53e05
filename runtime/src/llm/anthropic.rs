//! Anthropic Messages streaming driver.
//!
//! `base_url` is the API root (default `https://api.anthropic.com`); `/v1/messages` is appended
//! unless the URL already ends with `/messages`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use everruns_core::{ContentPart, Message, MessageRole, TokenUsage, ToolCall};
use serde_json::{json, Value};

use super::sse::{check_status, http_client, producer_stream, request_error, send, FrameReader};
use super::{
    LlmCallContext, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStream, LlmStreamEvent,
};

/// Default API root.
pub const ANTHROPIC_DEFAULT_URL: &str = "https://api.anthropic.com";
/// `anthropic-version` header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Default `max_tokens`.
pub const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 4096;

/// The Messages driver.
#[derive(Clone)]
pub struct AnthropicDriver {}

impl Default for AnthropicDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl AnthropicDriver {
    /// A driver with a pooled client.
    pub fn new() -> Self {
        Self {}
    }
}

/// Extended-thinking budget of a reasoning effort.
pub fn thinking_budget(effort: &str) -> Option<u32> {
    match effort {
        "low" => Some(1024),
        "medium" => Some(4096),
        "high" => Some(16384),
        "xhigh" => Some(32768),
        _ => None,
    }
}

/// Request messages in Messages form: user/assistant turns; tool results as `tool_result`
/// blocks of user turns (consecutive user turns are merged).
pub fn to_anthropic_messages(messages: &[Message]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |role: &str, blocks: Vec<Value>| {
        if blocks.is_empty() {
            return;
        }
        if let Some(last) = out.last_mut() {
            if last["role"] == role {
                if let Some(arr) = last["content"].as_array_mut() {
                    arr.extend(blocks);
                    return;
                }
            }
        }
        out.push(json!({"role": role, "content": blocks}));
    };
    for m in messages {
        match m.role {
            MessageRole::User | MessageRole::System => {
                let blocks = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::Text { text } if !text.is_empty() => {
                            Some(json!({"type": "text", "text": text}))
                        }
                        ContentPart::Image {
                            base64: Some(b),
                            media_type,
                            ..
                        } => Some(json!({"type": "image", "source": {
                            "type": "base64",
                            "media_type": media_type.as_deref().unwrap_or("image/png"),
                            "data": b
                        }})),
                        ContentPart::Image { url: Some(u), .. } => {
                            Some(json!({"type": "image", "source": {"type": "url", "url": u}}))
                        }
                        _ => None,
                    })
                    .collect();
                push("user", blocks);
            }
            MessageRole::Agent => {
                let blocks = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::Text { text } if !text.is_empty() => {
                            Some(json!({"type": "text", "text": text}))
                        }
                        // Thinking goes back with its signature (the API requires it before
                        // tool use in the same assistant turn).
                        ContentPart::Other(v)
                            if v["type"] == "thinking" && v["signature"].is_string() =>
                        {
                            Some(json!({"type": "thinking", "thinking": v["thinking"],
                                        "signature": v["signature"]}))
                        }
                        ContentPart::ToolCall {
                            id,
                            name,
                            arguments,
                        } => Some(
                            json!({"type": "tool_use", "id": id, "name": name, "input": arguments}),
                        ),
                        _ => None,
                    })
                    .collect();
                push("assistant", blocks);
            }
            MessageRole::ToolResult => {
                let blocks = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::ToolResult {
                            tool_call_id,
                            result,
                            error,
                        } => {
                            let (content, is_error) = match (error, result) {
                                (Some(e), _) => (e.clone(), true),
                                (None, Some(Value::String(s))) => (s.clone(), false),
                                (None, Some(v)) => (v.to_string(), false),
                                (None, None) => (String::new(), false),
                            };
                            let mut b = json!({"type": "tool_result", "tool_use_id": tool_call_id, "content": content});
                            if is_error {
                                b["is_error"] = json!(true);
                            }
                            Some(b)
                        }
                        _ => None,
                    })
                    .collect();
                push("user", blocks);
            }
            MessageRole::Other(_) => {}
        }
    }
    out
}

#[async_trait]
impl LlmDriver for AnthropicDriver {
    async fn stream(
        &self,
        request: LlmRequest,
        _ctx: &LlmCallContext,
    ) -> Result<LlmStream, LlmError> {
        let key = request
            .model
            .api_key
            .clone()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                LlmError::new(
                    LlmErrorKind::Auth,
                    "no API key is configured for this Anthropic provider",
                )
            })?;
        let base = request
            .model
            .base_url
            .clone()
            .unwrap_or_else(|| ANTHROPIC_DEFAULT_URL.to_string());
        let url = if base.trim_end_matches('/').ends_with("/messages") {
            base
        } else {
            format!("{}/v1/messages", base.trim_end_matches('/'))
        };
        let mut max_tokens = request.max_tokens.unwrap_or(ANTHROPIC_DEFAULT_MAX_TOKENS);
        let mut body = json!({
            "model": request.model.model,
            "stream": true,
            "messages": to_anthropic_messages(&request.messages),
        });
        if !request.system_prompt.is_empty() {
            body["system"] = json!(request.system_prompt);
        }
        if !request.tools.is_empty() {
            body["tools"] = json!(request
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
                .collect::<Vec<_>>());
        }
        if let Some(budget) = request
            .reasoning_effort
            .as_deref()
            .and_then(thinking_budget)
        {
            body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
            max_tokens = max_tokens.max(budget + ANTHROPIC_DEFAULT_MAX_TOKENS);
        }
        body["max_tokens"] = json!(max_tokens);
        let rb = http_client()
            .post(&url)
            .header("x-api-key", key)
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(&body);
        let resp = check_status(rb.send().await.map_err(request_error)?).await?;
        Ok(producer_stream(move |mut tx| async move {
            let mut reader = FrameReader::new(resp);
            // index → (id, name, partial json)
            let mut tools: BTreeMap<u64, (String, String, String)> = BTreeMap::new();
            let mut done_calls: Vec<ToolCall> = Vec::new();
            let mut usage = TokenUsage::default();
            let mut stop: Option<String> = None;
            loop {
                let frame = match reader.next().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        send(&mut tx, Err(e)).await;
                        return;
                    }
                };
                if frame.data.trim().is_empty() {
                    continue;
                }
                let v: Value = match serde_json::from_str(&frame.data) {
                    Ok(v) => v,
                    Err(e) => {
                        send(
                            &mut tx,
                            Err(LlmError::new(
                                LlmErrorKind::Protocol,
                                format!("bad stream event: {e}"),
                            )),
                        )
                        .await;
                        return;
                    }
                };
                let ty = v
                    .get("type")
                    .and_then(Value::as_str)
                    .or(frame.event.as_deref())
                    .unwrap_or("")
                    .to_string();
                match ty.as_str() {
                    "message_start" => {
                        if let Some(u) = v.pointer("/message/usage") {
                            usage.input_tokens =
                                u.get("input_tokens").and_then(Value::as_u64).unwrap_or(0);
                            usage.cache_read_tokens =
                                u.get("cache_read_input_tokens").and_then(Value::as_u64);
                            usage.cache_creation_tokens =
                                u.get("cache_creation_input_tokens").and_then(Value::as_u64);
                        }
                    }
                    "content_block_start" => {
                        let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                        let block = v.get("content_block").cloned().unwrap_or(Value::Null);
                        match block.get("type").and_then(Value::as_str) {
                            Some("tool_use") => {
                                tools.insert(
                                    idx,
                                    (
                                        block
                                            .get("id")
                                            .and_then(Value::as_str)
                                            .unwrap_or("")
                                            .into(),
                                        block
                                            .get("name")
                                            .and_then(Value::as_str)
                                            .unwrap_or("")
                                            .into(),
                                        String::new(),
                                    ),
                                );
                            }
                            Some("text") => {
                                if let Some(t) = block.get("text").and_then(Value::as_str) {
                                    if !t.is_empty()
                                        && !send(&mut tx, Ok(LlmStreamEvent::TextDelta(t.into())))
                                            .await
                                    {
                                        return;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    "content_block_delta" => {
                        let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                        let d = v.get("delta").cloned().unwrap_or(Value::Null);
                        match d.get("type").and_then(Value::as_str) {
                            Some("text_delta") => {
                                if let Some(t) = d.get("text").and_then(Value::as_str) {
                                    if !send(&mut tx, Ok(LlmStreamEvent::TextDelta(t.into()))).await
                                    {
                                        return;
                                    }
                                }
                            }
                            Some("thinking_delta") => {
                                if let Some(t) = d.get("thinking").and_then(Value::as_str) {
                                    if !send(&mut tx, Ok(LlmStreamEvent::ThinkingDelta(t.into())))
                                        .await
                                    {
                                        return;
                                    }
                                }
                            }
                            Some("signature_delta") => {
                                if let Some(t) = d.get("signature").and_then(Value::as_str) {
                                    if !send(
                                        &mut tx,
                                        Ok(LlmStreamEvent::ThinkingSignature(t.into())),
                                    )
                                    .await
                                    {
                                        return;
                                    }
                                }
                            }
                            Some("input_json_delta") => {
                                if let (Some(e), Some(p)) = (
                                    tools.get_mut(&idx),
                                    d.get("partial_json").and_then(Value::as_str),
                                ) {
                                    e.2.push_str(p);
                                }
                            }
                            _ => {}
                        }
                    }
                    "content_block_stop" => {
                        let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                        if let Some((id, name, args)) = tools.remove(&idx) {
                            let arguments = if args.trim().is_empty() {
                                json!({})
                            } else {
                                serde_json::from_str::<Value>(&args)
                                    .ok()
                                    .filter(Value::is_object)
                                    .unwrap_or_else(|| json!({}))
                            };
                            done_calls.push(ToolCall {
                                id,
                                name,
                                arguments,
                            });
                        }
                    }
                    "message_delta" => {
                        if let Some(o) = v.pointer("/usage/output_tokens").and_then(Value::as_u64) {
                            usage.output_tokens = o;
                        }
                        if let Some(s) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                            stop = Some(s.to_string());
                        }
                    }
                    "message_stop" => break,
                    "error" => {
                        let et = v
                            .pointer("/error/type")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let msg = v
                            .pointer("/error/message")
                            .and_then(Value::as_str)
                            .unwrap_or("provider error")
                            .to_string();
                        let kind = match et {
                            "overloaded_error" | "api_error" => LlmErrorKind::ServerError,
                            "rate_limit_error" => LlmErrorKind::RateLimited,
                            "authentication_error" | "permission_error" => LlmErrorKind::Auth,
                            "not_found_error" => LlmErrorKind::ModelNotFound,
                            _ => LlmErrorKind::InvalidRequest,
                        };
                        send(&mut tx, Err(LlmError::new(kind, msg))).await;
                        return;
                    }
                    _ => {} // ping and unknown events
                }
            }
            for (_, (id, name, args)) in std::mem::take(&mut tools) {
                done_calls.push(ToolCall {
                    id,
                    name,
                    arguments: serde_json::from_str::<Value>(&args)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({})),
                });
            }
            if !done_calls.is_empty()
                && !send(&mut tx, Ok(LlmStreamEvent::ToolCalls(done_calls))).await
            {
                return;
            }
            if !send(&mut tx, Ok(LlmStreamEvent::Usage(usage))).await {
                return;
            }
            send(
                &mut tx,
                Ok(LlmStreamEvent::Done {
                    finish_reason: stop,
                }),
            )
            .await;
        }))
    }
}
