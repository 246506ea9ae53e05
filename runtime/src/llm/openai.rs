//! OpenAI-compatible Chat Completions streaming driver (also Azure OpenAI).
//!
//! `base_url` is the full endpoint URL (default `https://api.openai.com/v1/chat/completions`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use everruns_core::{ContentPart, Message, MessageRole, TokenUsage, ToolCall};
use serde_json::{json, Value};

use super::sse::{check_status, http_client, producer_stream, request_error, send, FrameReader};
use super::{
    LlmCallContext, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStream, LlmStreamEvent,
};

/// Default Chat Completions endpoint.
pub const OPENAI_DEFAULT_URL: &str = "https://api.openai.com/v1/chat/completions";

/// The Chat Completions driver.
#[derive(Clone)]
pub struct OpenAiDriver {
    azure: bool,
}

impl Default for OpenAiDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenAiDriver {
    /// An OpenAI driver (`Authorization: Bearer`).
    pub fn new() -> Self {
        Self { azure: false }
    }

    /// An Azure OpenAI driver (`api-key` header; `base_url` required).
    pub fn azure() -> Self {
        Self { azure: true }
    }
}

fn tool_result_text(p: &ContentPart) -> Option<(String, String)> {
    match p {
        ContentPart::ToolResult {
            tool_call_id,
            result,
            error,
        } => {
            let text = match (error, result) {
                (Some(e), _) => format!("Error: {e}"),
                (None, Some(Value::String(s))) => s.clone(),
                (None, Some(v)) => v.to_string(),
                (None, None) => String::new(),
            };
            Some((tool_call_id.clone(), text))
        }
        _ => None,
    }
}

/// Request messages in Chat Completions form.
pub fn to_openai_messages(system: &str, messages: &[Message]) -> Vec<Value> {
    let mut out = Vec::new();
    if !system.is_empty() {
        out.push(json!({"role": "system", "content": system}));
    }
    for m in messages {
        match m.role {
            MessageRole::User | MessageRole::System => {
                let role = if m.role == MessageRole::System {
                    "system"
                } else {
                    "user"
                };
                let has_image = m
                    .content
                    .iter()
                    .any(|p| matches!(p, ContentPart::Image { .. }));
                if has_image {
                    let parts: Vec<Value> = m
                        .content
                        .iter()
                        .filter_map(|p| match p {
                            ContentPart::Text { text } => {
                                Some(json!({"type": "text", "text": text}))
                            }
                            ContentPart::Image {
                                base64,
                                url,
                                media_type,
                            } => {
                                let u = match (url, base64) {
                                    (Some(u), _) => u.clone(),
                                    (None, Some(b)) => format!(
                                        "data:{};base64,{b}",
                                        media_type.as_deref().unwrap_or("image/png")
                                    ),
                                    _ => return None,
                                };
                                Some(json!({"type": "image_url", "image_url": {"url": u}}))
                            }
                            _ => None,
                        })
                        .collect();
                    out.push(json!({"role": role, "content": parts}));
                } else {
                    out.push(json!({"role": role, "content": m.text()}));
                }
            }
            MessageRole::Agent => {
                let calls: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::ToolCall {
                            id,
                            name,
                            arguments,
                        } => Some(json!({
                            "id": id,
                            "type": "function",
                            "function": {"name": name, "arguments": arguments.to_string()}
                        })),
                        _ => None,
                    })
                    .collect();
                let text = m.text();
                let mut v = json!({
                    "role": "assistant",
                    "content": if text.is_empty() { Value::Null } else { json!(text) },
                });
                if !calls.is_empty() {
                    v["tool_calls"] = json!(calls);
                }
                out.push(v);
            }
            MessageRole::ToolResult => {
                for (id, text) in m.content.iter().filter_map(tool_result_text) {
                    out.push(json!({"role": "tool", "tool_call_id": id, "content": text}));
                }
            }
            MessageRole::Other(_) => {}
        }
    }
    out
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

fn finish_calls(calls: &mut BTreeMap<u64, PartialCall>) -> Vec<ToolCall> {
    std::mem::take(calls)
        .into_values()
        .map(|c| ToolCall {
            id: c.id,
            name: c.name,
            arguments: serde_json::from_str::<Value>(&c.arguments)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({})),
        })
        .collect()
}

#[async_trait]
impl LlmDriver for OpenAiDriver {
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
                    "no API key is configured for this OpenAI provider",
                )
            })?;
        let url = match (&request.model.base_url, self.azure) {
            (Some(u), _) => u.clone(),
            (None, false) => OPENAI_DEFAULT_URL.to_string(),
            (None, true) => {
                return Err(LlmError::new(
                    LlmErrorKind::InvalidRequest,
                    "Azure OpenAI needs base_url (the deployment's chat completions URL)",
                ))
            }
        };
        let mut body = json!({
            "model": request.model.model,
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": to_openai_messages(&request.system_prompt, &request.messages),
        });
        if !request.tools.is_empty() {
            body["tools"] = json!(request
                .tools
                .iter()
                .map(|t| json!({
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters}
                }))
                .collect::<Vec<_>>());
            if let Some(p) = request.parallel_tool_calls {
                body["parallel_tool_calls"] = json!(p);
            }
        }
        if let Some(e) = &request.reasoning_effort {
            body["reasoning_effort"] = json!(e);
        }
        if let Some(m) = request.max_tokens {
            body["max_tokens"] = json!(m);
        }
        let mut rb = http_client().post(&url).json(&body);
        rb = if self.azure {
            rb.header("api-key", key)
        } else {
            rb.bearer_auth(key)
        };
        let resp = check_status(rb.send().await.map_err(request_error)?).await?;
        Ok(producer_stream(move |mut tx| async move {
            let mut reader = FrameReader::new(resp);
            let mut calls: BTreeMap<u64, PartialCall> = BTreeMap::new();
            let mut finish: Option<String> = None;
            loop {
                let frame = match reader.next().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        send(&mut tx, Err(e)).await;
                        return;
                    }
                };
                let data = frame.data.trim();
                if data.is_empty() {
                    continue;
                }
                if data == "[DONE]" {
                    break;
                }
                let v: Value = match serde_json::from_str(data) {
                    Ok(v) => v,
                    Err(e) => {
                        send(
                            &mut tx,
                            Err(LlmError::new(
                                LlmErrorKind::Protocol,
                                format!("bad stream chunk: {e}"),
                            )),
                        )
                        .await;
                        return;
                    }
                };
                if let Some(err) = v.get("error") {
                    let msg = err
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("provider error")
                        .to_string();
                    send(&mut tx, Err(LlmError::new(LlmErrorKind::ServerError, msg))).await;
                    return;
                }
                if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
                    let usage = TokenUsage {
                        input_tokens: u.get("prompt_tokens").and_then(Value::as_u64).unwrap_or(0),
                        output_tokens: u
                            .get("completion_tokens")
                            .and_then(Value::as_u64)
                            .unwrap_or(0),
                        cache_read_tokens: u
                            .pointer("/prompt_tokens_details/cached_tokens")
                            .and_then(Value::as_u64),
                        ..Default::default()
                    };
                    if !send(&mut tx, Ok(LlmStreamEvent::Usage(usage))).await {
                        return;
                    }
                }
                let Some(choice) = v.get("choices").and_then(|c| c.get(0)) else {
                    continue;
                };
                let delta = choice.get("delta").cloned().unwrap_or(Value::Null);
                // Reasoning summaries of OpenAI-compatible servers (`reasoning_content`, or
                // `reasoning`) stream as thinking.
                let reasoning = delta
                    .get("reasoning_content")
                    .or_else(|| delta.get("reasoning"))
                    .and_then(Value::as_str);
                if let Some(t) = reasoning.filter(|t| !t.is_empty()) {
                    if !send(&mut tx, Ok(LlmStreamEvent::ThinkingDelta(t.into()))).await {
                        return;
                    }
                }
                if let Some(t) = delta.get("content").and_then(Value::as_str) {
                    if !t.is_empty()
                        && !send(&mut tx, Ok(LlmStreamEvent::TextDelta(t.into()))).await
                    {
                        return;
                    }
                }
                if let Some(tcs) = delta.get("tool_calls").and_then(Value::as_array) {
                    for (n, tc) in tcs.iter().enumerate() {
                        let idx = tc.get("index").and_then(Value::as_u64).unwrap_or(n as u64);
                        let c = calls.entry(idx).or_default();
                        if let Some(id) = tc.get("id").and_then(Value::as_str) {
                            c.id = id.to_string();
                        }
                        if let Some(name) = tc.pointer("/function/name").and_then(Value::as_str) {
                            c.name.push_str(name);
                        }
                        if let Some(a) = tc.pointer("/function/arguments").and_then(Value::as_str) {
                            c.arguments.push_str(a);
                        }
                    }
                }
                if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
                    finish = Some(f.to_string());
                    if !calls.is_empty()
                        && !send(
                            &mut tx,
                            Ok(LlmStreamEvent::ToolCalls(finish_calls(&mut calls))),
                        )
                        .await
                    {
                        return;
                    }
                }
            }
            if !calls.is_empty()
                && !send(
                    &mut tx,
                    Ok(LlmStreamEvent::ToolCalls(finish_calls(&mut calls))),
                )
                .await
            {
                return;
            }
            send(
                &mut tx,
                Ok(LlmStreamEvent::Done {
                    finish_reason: finish,
                }),
            )
            .await;
        }))
    }
}
