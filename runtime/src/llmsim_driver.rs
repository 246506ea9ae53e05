//! The deterministic LLM simulator (`llmsim`): no key, no network.
//!
//! A reply comes from, in order: the session's script in the [`crate::LlmSimStore`] (set by
//! the host, e.g. `PUT /v1/sessions/{id}/llmsim`), else the driver's [`LlmSimConfig`]
//! (fixed text, echo, a script, or an error). Script positions are claimed per LLM call
//! through [`crate::LlmSimStore::claim_step`], so they survive restarts and a retried call gets
//! the same reply.
//!
//! Text is streamed in word-sized chunks that keep every space and newline (the chunks
//! concatenate to the exact text). A model name containing `-ttft-<ms>` adds a delay before
//! the first token.

use std::time::Duration;

use async_trait::async_trait;
use everruns_core::{
    LlmSimScript, MessageRole, OnExhausted, SimErrorKind, SimStep, TokenUsage, ToolCall,
};

use crate::llm::{
    LlmCallContext, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStream, LlmStreamEvent,
};

/// The text of [`LlmSimConfig::default`].
pub const DEFAULT_SIM_TEXT: &str = "Hello! I am a simulated assistant.";

/// What the simulator answers when the session has no script of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSimConfig {
    mode: SimMode,
    response_delay_ms: u64,
    chunk_delay_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum SimMode {
    Fixed(String),
    Echo,
    Script(LlmSimScript),
    Error(String),
}

impl Default for LlmSimConfig {
    fn default() -> Self {
        Self::fixed(DEFAULT_SIM_TEXT)
    }
}

impl LlmSimConfig {
    /// The same text on every call.
    pub fn fixed(text: impl Into<String>) -> Self {
        Self {
            mode: SimMode::Fixed(text.into()),
            response_delay_ms: 0,
            chunk_delay_ms: 0,
        }
    }

    /// `Echo: ` followed by the last user message's text.
    pub fn echo() -> Self {
        Self {
            mode: SimMode::Echo,
            ..Self::default()
        }
    }

    /// A script (positions tracked per session).
    pub fn script(script: LlmSimScript) -> Self {
        Self {
            mode: SimMode::Script(script),
            ..Self::default()
        }
    }

    /// Every call fails with this message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            mode: SimMode::Error(message.into()),
            ..Self::default()
        }
    }

    /// Delay before the first token of every reply.
    pub fn with_response_delay(mut self, delay: Duration) -> Self {
        self.response_delay_ms = delay.as_millis() as u64;
        self
    }

    /// Delay between streamed chunks.
    pub fn with_chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay_ms = delay.as_millis() as u64;
        self
    }
}

/// The llmsim [`LlmDriver`].
#[derive(Debug, Clone)]
pub struct LlmSimDriver {
    config: LlmSimConfig,
}

impl LlmSimDriver {
    /// A driver with this fallback configuration.
    pub fn new(config: LlmSimConfig) -> Self {
        Self { config }
    }
}

/// Splits text into chunks that each end before the next run of whitespace + word, keeping
/// every character.
pub fn chunk_text(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            if in_word {
                out.push(std::mem::take(&mut cur));
                in_word = false;
            }
        } else {
            in_word = true;
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn ttft_from_model(model: &str) -> Option<u64> {
    let i = model.find("-ttft-")?;
    let digits: String = model[i + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

fn last_user_text(req: &LlmRequest) -> String {
    req.messages
        .iter()
        .rev()
        .find(|m| m.role == MessageRole::User)
        .map(|m| m.text())
        .unwrap_or_default()
}

fn pick_step(script: &LlmSimScript, index: u64, fallback: &str) -> Result<SimStep, LlmError> {
    let n = script.steps.len() as u64;
    if n == 0 {
        return Ok(SimStep {
            text: Some(fallback.to_string()),
            ..Default::default()
        });
    }
    if index < n {
        return Ok(script.steps[index as usize].clone());
    }
    match script
        .on_exhausted
        .clone()
        .unwrap_or(OnExhausted::RepeatLast)
    {
        OnExhausted::Loop => Ok(script.steps[(index % n) as usize].clone()),
        OnExhausted::Error => Err(LlmError::new(
            LlmErrorKind::Other,
            format!("llmsim script exhausted: all {n} steps were used"),
        )),
        OnExhausted::Fixed => Ok(SimStep {
            text: Some(fallback.to_string()),
            ..Default::default()
        }),
        _ => Ok(script.steps[(n - 1) as usize].clone()),
    }
}

fn sim_error(kind: &SimErrorKind) -> LlmError {
    match kind {
        SimErrorKind::RateLimit => {
            LlmError::new(LlmErrorKind::RateLimited, "llmsim: rate limited (HTTP 429)")
                .with_status(429)
        }
        SimErrorKind::ServerError => LlmError::new(
            LlmErrorKind::ServerError,
            "llmsim: provider error (HTTP 500)",
        )
        .with_status(500),
        SimErrorKind::Timeout => LlmError::new(LlmErrorKind::Timeout, "llmsim: provider timed out"),
        SimErrorKind::Other(o) => LlmError::new(LlmErrorKind::Other, format!("llmsim: {o}")),
    }
}

fn estimate_tokens(s: &str) -> u64 {
    (s.chars().count() as u64).div_ceil(4)
}

#[async_trait]
impl LlmDriver for LlmSimDriver {
    async fn stream(
        &self,
        request: LlmRequest,
        ctx: &LlmCallContext,
    ) -> Result<LlmStream, LlmError> {
        let session_script = ctx
            .llmsim
            .script(&ctx.session_id)
            .await
            .map_err(|e| LlmError::new(LlmErrorKind::Other, e.to_string()))?;
        let fallback = match &self.config.mode {
            SimMode::Fixed(t) => t.clone(),
            _ => DEFAULT_SIM_TEXT.to_string(),
        };
        let mut chunk_delay = self.config.chunk_delay_ms;
        let (step, index) = match (&session_script, &self.config.mode) {
            (Some(script), _) | (None, SimMode::Script(script)) => {
                let index = ctx
                    .llmsim
                    .claim_step(&ctx.session_id, &ctx.call_key)
                    .await
                    .map_err(|e| LlmError::new(LlmErrorKind::Other, e.to_string()))?;
                if let Some(d) = script.chunk_delay_ms {
                    chunk_delay = d;
                }
                (pick_step(script, index, &fallback), index)
            }
            (None, SimMode::Fixed(t)) => (
                Ok(SimStep {
                    text: Some(t.clone()),
                    ..Default::default()
                }),
                0,
            ),
            (None, SimMode::Echo) => (
                Ok(SimStep {
                    text: Some(format!("Echo: {}", last_user_text(&request))),
                    ..Default::default()
                }),
                0,
            ),
            (None, SimMode::Error(m)) => (Err(LlmError::new(LlmErrorKind::Other, m.clone())), 0),
        };
        let delay_ms = step
            .as_ref()
            .ok()
            .and_then(|s| s.delay_ms)
            .or_else(|| ttft_from_model(&request.model.model))
            .unwrap_or(self.config.response_delay_ms);
        let input_tokens: u64 = estimate_tokens(&request.system_prompt)
            + request
                .messages
                .iter()
                .map(|m| estimate_tokens(&serde_json::to_string(&m.content).unwrap_or_default()))
                .sum::<u64>();

        let stream = async_stream(step, index, delay_ms, chunk_delay, input_tokens);
        Ok(stream)
    }
}

fn async_stream(
    step: Result<SimStep, LlmError>,
    index: u64,
    delay_ms: u64,
    chunk_delay_ms: u64,
    input_tokens: u64,
) -> LlmStream {
    use futures::StreamExt;
    let (tx, rx) = futures::channel::mpsc::channel::<Result<LlmStreamEvent, LlmError>>(16);
    let fut = async move {
        let mut tx = tx;
        use futures::SinkExt;
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        let step = match step {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        if let Some(kind) = &step.error {
            let _ = tx.send(Err(sim_error(kind))).await;
            return;
        }
        if let Some(thinking) = step.thinking.as_deref().filter(|t| !t.is_empty()) {
            for chunk in chunk_text(thinking) {
                if tx
                    .send(Ok(LlmStreamEvent::ThinkingDelta(chunk)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let signature = format!("llmsim-signature-{index}");
            if tx
                .send(Ok(LlmStreamEvent::ThinkingSignature(signature)))
                .await
                .is_err()
            {
                return;
            }
        }
        let text = step.text.clone().unwrap_or_default();
        for (i, chunk) in chunk_text(&text).into_iter().enumerate() {
            if i > 0 && chunk_delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(chunk_delay_ms)).await;
            }
            if tx.send(Ok(LlmStreamEvent::TextDelta(chunk))).await.is_err() {
                return;
            }
        }
        if !step.tool_calls.is_empty() {
            let calls = step
                .tool_calls
                .iter()
                .enumerate()
                .map(|(n, c)| ToolCall {
                    id: c
                        .id
                        .clone()
                        .unwrap_or_else(|| format!("call_sim_{index}_{n}")),
                    name: c.name.clone(),
                    arguments: c.arguments.clone(),
                })
                .collect();
            if tx.send(Ok(LlmStreamEvent::ToolCalls(calls))).await.is_err() {
                return;
            }
        }
        let _ = tx
            .send(Ok(LlmStreamEvent::Usage(TokenUsage {
                input_tokens,
                output_tokens: estimate_tokens(&text),
                ..Default::default()
            })))
            .await;
        let finish = if step.tool_calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        };
        let _ = tx
            .send(Ok(LlmStreamEvent::Done {
                finish_reason: Some(finish.to_string()),
            }))
            .await;
    };
    // The producer runs as part of the stream: dropping the stream drops the producer (an
    // aborted turn stops the simulated provider at once).
    let producer = futures::stream::once(fut).filter_map(|_| async { None });
    Box::pin(futures::stream::select(producer, rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_whitespace() {
        let t = "Hello  world\n\n- a\n- b  ";
        let c = chunk_text(t);
        assert_eq!(c.concat(), t);
        assert!(c.len() > 3);
        assert_eq!(chunk_text(""), Vec::<String>::new());
    }

    #[test]
    fn ttft() {
        assert_eq!(ttft_from_model("llmsim-ttft-250"), Some(250));
        assert_eq!(ttft_from_model("llmsim"), None);
    }

    #[test]
    fn exhaustion() {
        let s = LlmSimScript {
            steps: vec![
                SimStep {
                    text: Some("a".into()),
                    ..Default::default()
                },
                SimStep {
                    text: Some("b".into()),
                    ..Default::default()
                },
            ],
            on_exhausted: Some(OnExhausted::Loop),
            chunk_delay_ms: None,
        };
        assert_eq!(pick_step(&s, 3, "f").unwrap().text.as_deref(), Some("b"));
        let mut s2 = s.clone();
        s2.on_exhausted = None;
        assert_eq!(pick_step(&s2, 9, "f").unwrap().text.as_deref(), Some("b"));
        s2.on_exhausted = Some(OnExhausted::Fixed);
        assert_eq!(pick_step(&s2, 9, "f").unwrap().text.as_deref(), Some("f"));
        s2.on_exhausted = Some(OnExhausted::Error);
        assert!(pick_step(&s2, 2, "f").is_err());
    }
}
