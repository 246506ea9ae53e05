//! The reason step: one LLM call, streamed into `output.message.*` events.

use std::time::Instant;

use chrono::{SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    ContentPart, Controls, EventPayload, LlmGenerationData, LlmGenerationMetadata,
    LlmGenerationOutput, Message, MessageRole, ModelMetadata, OutputMessageCompletedData,
    OutputMessageDeltaData, OutputMessageStartedData, ReasonCompletedData, ReasonStartedData,
    TokenUsage, ToolCall,
};
use futures::StreamExt;
use serde_json::json;

use super::{RuntimeBackends, RuntimeError, TurnEngine, TurnLog, TurnRequest};
use crate::config::MergedConfig;
use crate::llm::{LlmCallContext, LlmError, LlmErrorKind, LlmRequest, LlmStreamEvent};
use crate::messages::llm_history;
use crate::store::ResolvedModel;

/// Agent-visible text stored when the LLM call fails.
pub const LLM_ERROR_MESSAGE: &str =
    "I'm sorry, an error occurred while processing your request. Please try again.";

struct Failure {
    message: String,
    code: &'static str,
    kind: Option<LlmErrorKind>,
}

impl TurnEngine {
    async fn resolve_model(
        &self,
        request: &TurnRequest,
        controls: Option<&Controls>,
        merged: &MergedConfig,
        backends: &RuntimeBackends,
    ) -> Result<Result<ResolvedModel, Failure>, RuntimeError> {
        let wanted = request
            .model_override
            .clone()
            .or_else(|| controls.and_then(|c| c.model_id.clone()))
            .or_else(|| merged.model_id.clone())
            .filter(|m| !m.is_empty());
        let not_found = |message: String| Failure {
            message,
            code: "model_not_found",
            kind: None,
        };
        Ok(match wanted {
            Some(id) => match backends.models.resolve(&id).await? {
                Some(m) => Ok(m),
                None => Err(not_found(format!("model {id} was not found"))),
            },
            None => match backends.models.default_model().await? {
                Some(m) => Ok(m),
                None => Err(not_found(
                    "no model is configured (no message, session, agent or harness model and no default model)".into(),
                )),
            },
        })
    }

    /// `reason.thinking.completed`: the whole thinking of the step (and its signature).
    async fn thinking_completed(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        ctx: &everruns_core::EventContext,
        thinking: &str,
        signature: &Option<String>,
    ) -> Result<(), RuntimeError> {
        let mut data = json!({"turn_id": request.turn_id, "thinking": thinking});
        if let Some(sig) = signature {
            data["signature"] = json!(sig);
        }
        self.emit(
            request,
            backends,
            ctx,
            EventPayload::Unknown {
                event_type: "reason.thinking.completed".into(),
                data,
            },
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn reason_step(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        iteration: u32,
        recover: bool,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        let ctx = self.context(request, Some(new_id(IdKind::Exec)));
        let assembled = self
            .assemble_for_session(
                &request.harness_chain(),
                request.agent.as_ref(),
                &request.session,
                backends,
            )
            .await;
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        // Steering: user messages sent while the turn ran join it here, at a step boundary,
        // before the model's next call (they are in the history it reads).
        let steer = log.fold().pending_steer();
        if !steer.is_empty() {
            self.emit(
                request,
                backends,
                &ctx,
                EventPayload::Unknown {
                    event_type: everruns_core::event_types::TURN_STEERED.into(),
                    data: json!({"turn_id": request.turn_id, "input_message_ids": steer}),
                },
            )
            .await?;
            log.refresh(backends.events.as_ref(), &request.session.id)
                .await?;
        }
        let controls = log.input().and_then(|m| m.controls.clone());
        let model = self
            .resolve_model(request, controls.as_ref(), &assembled.ctx.merged, backends)
            .await?;
        let metadata = model.as_ref().ok().map(|m| ModelMetadata {
            model: m.model.model.clone(),
            model_id: m.model_id.clone(),
            provider_id: m.provider_id.clone(),
            provider: Some(m.model.provider_type.as_str().to_string()),
        });

        if recover {
            let accumulated_len = log.fold().streamed_len;
            self.emit(
                request,
                backends,
                &ctx,
                EventPayload::Unknown {
                    event_type: "reason.recovered".into(),
                    data: json!({
                        "turn_id": request.turn_id,
                        "mode": "restart",
                        "accumulated_len": accumulated_len,
                    }),
                },
            )
            .await?;
        } else {
            self.emit(
                request,
                backends,
                &ctx,
                ReasonStartedData {
                    harness_id: request.harness.id.clone(),
                    agent_id: request.agent.as_ref().map(|a| a.id.clone()),
                    metadata: metadata.clone(),
                },
            )
            .await?;
        }

        let model = match model {
            Ok(m) => m,
            Err(f) => {
                return self
                    .reason_failed(request, backends, &ctx, f, None, metadata)
                    .await
            }
        };
        let Some(driver) = self.platform.drivers.get(&model.model.provider_type) else {
            let f = Failure {
                message: format!(
                    "no LLM driver is registered for provider type {:?}",
                    model.model.provider_type.as_str()
                ),
                code: "llm_error",
                kind: Some(LlmErrorKind::ModelNotFound),
            };
            return self
                .reason_failed(request, backends, &ctx, f, None, metadata)
                .await;
        };

        let history = llm_history(log.messages());
        let effort = controls
            .as_ref()
            .and_then(|c| c.reasoning.as_ref())
            .and_then(|r| r.get("effort"))
            .and_then(|e| e.as_str())
            .map(str::to_string);
        let llm_request = LlmRequest {
            model: model.model.clone(),
            system_prompt: assembled.ctx.system_prompt.clone(),
            messages: history,
            tools: assembled.ctx.tools.clone(),
            parallel_tool_calls: assembled.ctx.merged.parallel_tool_calls,
            reasoning_effort: effort,
            max_tokens: None,
        };
        let mut gen_messages = vec![super::generation::system_message(
            &request.session,
            &llm_request.system_prompt,
        )];
        gen_messages.extend(
            llm_request
                .messages
                .iter()
                .map(|m| serde_json::to_value(m).unwrap_or_default()),
        );
        // Stored: only what this call adds to the list the session's last call sent.
        let stored = super::generation::store(gen_messages, log.last_generation());
        let gen_tools: Vec<serde_json::Value> = llm_request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description}))
            .collect();

        self.emit(
            request,
            backends,
            &ctx,
            OutputMessageStartedData {
                turn_id: request.turn_id.clone(),
                model: Some(model.model.model.clone()),
                iteration: Some(iteration),
            },
        )
        .await?;

        let call_ctx = LlmCallContext {
            session_id: request.session.id.clone(),
            call_key: format!("{}:{iteration}", request.turn_id),
            llmsim: backends.llmsim.clone(),
        };
        let t0 = Instant::now();
        let mut text = String::new();
        let mut buf = String::new();
        let mut calls: Vec<ToolCall> = Vec::new();
        let mut usage: Option<TokenUsage> = None;
        let mut ttft: Option<u64> = None;
        let mut error: Option<LlmError> = None;
        let mut thinking = String::new();
        let mut signature: Option<String> = None;
        let mut thinking_done = false;
        let interval = self.config.delta_flush_interval;

        match driver.stream(llm_request, &call_ctx).await {
            Err(e) => error = Some(e),
            Ok(mut stream) => {
                let mut deadline: Option<tokio::time::Instant> = None;
                let mut flushed_once = false;
                loop {
                    let item = match deadline {
                        Some(d) => tokio::select! {
                            item = stream.next() => Some(item),
                            _ = tokio::time::sleep_until(d) => None,
                        },
                        None => Some(stream.next().await),
                    };
                    match item {
                        None => {
                            deadline = None;
                            self.flush_delta(request, backends, &ctx, &mut buf, &mut text)
                                .await?;
                        }
                        Some(None) => break,
                        Some(Some(Ok(LlmStreamEvent::TextDelta(t)))) => {
                            if t.is_empty() {
                                continue;
                            }
                            if !thinking.is_empty() && !thinking_done {
                                thinking_done = true;
                                self.thinking_completed(
                                    request, backends, &ctx, &thinking, &signature,
                                )
                                .await?;
                            }
                            ttft.get_or_insert(t0.elapsed().as_millis() as u64);
                            buf.push_str(&t);
                            if !flushed_once {
                                flushed_once = true;
                                self.flush_delta(request, backends, &ctx, &mut buf, &mut text)
                                    .await?;
                            } else if deadline.is_none() {
                                deadline = Some(tokio::time::Instant::now() + interval);
                            }
                        }
                        Some(Some(Ok(LlmStreamEvent::ThinkingDelta(t)))) => {
                            if t.is_empty() {
                                continue;
                            }
                            ttft.get_or_insert(t0.elapsed().as_millis() as u64);
                            if thinking.is_empty() {
                                self.emit(
                                    request,
                                    backends,
                                    &ctx,
                                    EventPayload::Unknown {
                                        event_type: "reason.thinking.started".into(),
                                        data: json!({"turn_id": request.turn_id}),
                                    },
                                )
                                .await?;
                            }
                            thinking.push_str(&t);
                            self.emit(
                                request,
                                backends,
                                &ctx,
                                EventPayload::Unknown {
                                    event_type: "reason.thinking.delta".into(),
                                    data: json!({"turn_id": request.turn_id, "delta": t}),
                                },
                            )
                            .await?;
                        }
                        Some(Some(Ok(LlmStreamEvent::ThinkingSignature(sig)))) => {
                            signature.get_or_insert_with(String::new).push_str(&sig)
                        }
                        Some(Some(Ok(LlmStreamEvent::ToolCalls(c)))) => calls.extend(c),
                        Some(Some(Ok(LlmStreamEvent::Usage(u)))) => usage = Some(u),
                        Some(Some(Ok(LlmStreamEvent::Done { .. }))) => {}
                        Some(Some(Err(e))) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                self.flush_delta(request, backends, &ctx, &mut buf, &mut text)
                    .await?;
            }
        }
        let duration_ms = t0.elapsed().as_millis() as u64;
        if !thinking.is_empty() && !thinking_done {
            self.thinking_completed(request, backends, &ctx, &thinking, &signature)
                .await?;
        }

        if let Some(e) = error {
            let gen = LlmGenerationData {
                messages: stored.messages,
                messages_omitted: stored.omitted,
                messages_total: Some(stored.total),
                messages_digest: Some(stored.digest),
                output: LlmGenerationOutput {
                    text: (!text.is_empty()).then(|| text.clone()),
                    tool_calls: Vec::new(),
                },
                metadata: LlmGenerationMetadata {
                    model: model.model.model.clone(),
                    success: false,
                    provider: Some(model.model.provider_type.as_str().to_string()),
                    usage: usage.clone(),
                    duration_ms: Some(duration_ms),
                    error: Some(e.message.clone()),
                    time_to_first_token_ms: ttft,
                },
                tools: gen_tools,
            };
            let f = Failure {
                message: format!("LLM call failed: {}", e.message),
                code: "llm_error",
                kind: Some(e.kind),
            };
            return self
                .reason_failed(request, backends, &ctx, f, Some(gen), metadata)
                .await;
        }

        for (n, c) in calls.iter_mut().enumerate() {
            if c.id.is_empty() {
                c.id = format!("call_{}_{iteration}_{n}", request.turn_id);
            }
            if !c.arguments.is_object() {
                c.arguments = json!({});
            }
        }
        self.emit(
            request,
            backends,
            &ctx,
            LlmGenerationData {
                messages: stored.messages,
                messages_omitted: stored.omitted,
                messages_total: Some(stored.total),
                messages_digest: Some(stored.digest),
                output: LlmGenerationOutput {
                    text: (!text.is_empty()).then(|| text.clone()),
                    tool_calls: calls.clone(),
                },
                metadata: LlmGenerationMetadata {
                    model: model.model.model.clone(),
                    success: true,
                    provider: Some(model.model.provider_type.as_str().to_string()),
                    usage: usage.clone(),
                    duration_ms: Some(duration_ms),
                    error: None,
                    time_to_first_token_ms: ttft,
                },
                tools: gen_tools,
            },
        )
        .await?;

        let mut content = Vec::new();
        if !thinking.is_empty() {
            // Kept in the history: providers that sign thinking need it back on the next call.
            let mut part = json!({"type": "thinking", "thinking": thinking});
            if let Some(sig) = &signature {
                part["signature"] = json!(sig);
            }
            content.push(ContentPart::Other(part));
        }
        if !text.is_empty() || calls.is_empty() {
            content.push(ContentPart::text(text.clone()));
        }
        content.extend(calls.iter().map(|c| ContentPart::ToolCall {
            id: c.id.clone(),
            name: c.name.clone(),
            arguments: c.arguments.clone(),
        }));
        let phase = if calls.is_empty() {
            "completed"
        } else {
            "in_progress"
        };
        self.emit(
            request,
            backends,
            &ctx,
            OutputMessageCompletedData {
                message: Message {
                    id: new_id(IdKind::Message),
                    role: MessageRole::Agent,
                    content,
                    created_at: Utc::now().trunc_subsecs(3),
                    session_id: Some(request.session.id.clone()),
                    sequence: None,
                    controls: None,
                    metadata: Some(json!({"model": model.model.model, "phase": phase})),
                    tags: Vec::new(),
                },
                metadata: metadata.clone(),
                usage: usage.clone(),
                error_code: None,
            },
        )
        .await?;
        self.emit(
            request,
            backends,
            &ctx,
            ReasonCompletedData {
                success: true,
                has_tool_calls: !calls.is_empty(),
                tool_call_count: calls.len() as u32,
                text_preview: Some(text.chars().take(200).collect()),
                error: None,
                duration_ms: Some(duration_ms),
                usage,
            },
        )
        .await?;
        Ok(())
    }

    async fn flush_delta(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        ctx: &everruns_core::EventContext,
        buf: &mut String,
        text: &mut String,
    ) -> Result<(), RuntimeError> {
        if buf.is_empty() {
            return Ok(());
        }
        text.push_str(buf);
        let delta = std::mem::take(buf);
        self.emit(
            request,
            backends,
            ctx,
            OutputMessageDeltaData {
                turn_id: request.turn_id.clone(),
                delta,
                accumulated: text.clone(),
            },
        )
        .await?;
        Ok(())
    }

    async fn reason_failed(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        ctx: &everruns_core::EventContext,
        f: Failure,
        generation: Option<LlmGenerationData>,
        metadata: Option<ModelMetadata>,
    ) -> Result<(), RuntimeError> {
        if let Some(g) = generation {
            self.emit(request, backends, ctx, g).await?;
        }
        self.emit(
            request,
            backends,
            ctx,
            OutputMessageCompletedData {
                message: Message {
                    id: new_id(IdKind::Message),
                    role: MessageRole::Agent,
                    content: vec![ContentPart::text(LLM_ERROR_MESSAGE)],
                    created_at: Utc::now().trunc_subsecs(3),
                    session_id: Some(request.session.id.clone()),
                    sequence: None,
                    controls: None,
                    metadata: Some(json!({
                        "error_kind": f.kind,
                        "error": f.message,
                    })),
                    tags: Vec::new(),
                },
                metadata,
                usage: None,
                error_code: Some(f.code.to_string()),
            },
        )
        .await?;
        self.emit(
            request,
            backends,
            ctx,
            ReasonCompletedData {
                success: false,
                has_tool_calls: false,
                tool_call_count: 0,
                text_preview: None,
                error: Some(f.message),
                duration_ms: None,
                usage: None,
            },
        )
        .await?;
        Ok(())
    }
}
