//! LLM drivers: the streaming [`LlmDriver`] trait, its request/stream types, and the
//! [`DriverRegistry`] that maps a provider type to a driver.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{LlmProviderType, Message, TokenUsage, ToolCall};
use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::store::{LlmSimStore, ModelWithProvider};

pub mod anthropic;
pub mod openai;
pub(crate) mod sse;

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of the arguments.
    pub parameters: serde_json::Value,
}

/// One provider call.
#[derive(Debug, Clone)]
pub struct LlmRequest {
    /// Model and provider.
    pub model: ModelWithProvider,
    /// System prompt (capability parts + merged prompt).
    pub system_prompt: String,
    /// Conversation (roles user / agent / tool_result; parts text, tool_call, tool_result).
    /// Every agent `tool_call` has a matching `tool_result` (the runtime repairs dangling
    /// calls before the request).
    pub messages: Vec<Message>,
    /// Tools offered.
    pub tools: Vec<ToolSpec>,
    /// `parallel_tool_calls` flag passed to providers that know it.
    pub parallel_tool_calls: Option<bool>,
    /// `reasoning.effort` from message controls.
    pub reasoning_effort: Option<String>,
    /// Output token limit.
    pub max_tokens: Option<u32>,
}

/// Per-call context: who is calling, and the llmsim position store.
#[derive(Clone)]
pub struct LlmCallContext {
    /// The session.
    pub session_id: String,
    /// Unique key of this call (`{turn_id}:{iteration}`), stable across retries.
    pub call_key: String,
    /// Where llmsim keeps per-session scripts and positions.
    pub llmsim: Arc<dyn LlmSimStore>,
}

/// What a driver streams.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmStreamEvent {
    /// A chunk of text (whitespace and newlines kept as produced).
    TextDelta(String),
    /// A piece of the model's thinking (Anthropic thinking blocks, OpenAI reasoning).
    ThinkingDelta(String),
    /// The provider's signature of the thinking (sent back with it on the next call).
    ThinkingSignature(String),
    /// The complete tool calls of this reply (one batch, after the text).
    ToolCalls(Vec<ToolCall>),
    /// Token usage.
    Usage(TokenUsage),
    /// End of the reply.
    Done {
        /// Provider finish reason (`stop`, `tool_calls`, …).
        finish_reason: Option<String>,
    },
}

/// Kinds of provider failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmErrorKind {
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    ServerError,
    /// The provider did not answer in time.
    Timeout,
    /// Missing or rejected credentials.
    Auth,
    /// The request was refused (4xx).
    InvalidRequest,
    /// The model or driver does not exist.
    ModelNotFound,
    /// The stream could not be read or parsed.
    Protocol,
    /// Anything else.
    Other,
}

/// A provider failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LlmError {
    /// Classification.
    pub kind: LlmErrorKind,
    /// Human text (may include the provider's message).
    pub message: String,
    /// HTTP status, when there was one.
    pub status: Option<u16>,
}

impl LlmError {
    /// A new error.
    pub fn new(kind: LlmErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Classifies an HTTP status.
    pub fn from_status(status: u16, body: &str) -> Self {
        let kind = match status {
            401 | 403 => LlmErrorKind::Auth,
            404 => LlmErrorKind::ModelNotFound,
            408 | 504 => LlmErrorKind::Timeout,
            429 => LlmErrorKind::RateLimited,
            500..=599 => LlmErrorKind::ServerError,
            _ => LlmErrorKind::InvalidRequest,
        };
        let body: String = body.chars().take(500).collect();
        Self::new(kind, format!("provider returned HTTP {status}: {body}")).with_status(status)
    }

    /// Stable code for events (`provider_rate_limited`, `provider_error`, …).
    pub fn code(&self) -> &'static str {
        match self.kind {
            LlmErrorKind::RateLimited => "provider_rate_limited",
            LlmErrorKind::ServerError => "provider_error",
            LlmErrorKind::Timeout => "provider_timeout",
            LlmErrorKind::Auth => "provider_auth",
            LlmErrorKind::InvalidRequest => "provider_invalid_request",
            LlmErrorKind::ModelNotFound => "model_not_found",
            LlmErrorKind::Protocol => "provider_protocol",
            LlmErrorKind::Other => "llm_error",
        }
    }
}

/// The stream a driver returns.
pub type LlmStream = Pin<Box<dyn Stream<Item = Result<LlmStreamEvent, LlmError>> + Send>>;

/// A streaming LLM driver.
#[async_trait]
pub trait LlmDriver: Send + Sync {
    /// Starts a streaming completion. Errors before the first event (bad key, HTTP error) may
    /// be returned here or as the stream's first item.
    async fn stream(
        &self,
        request: LlmRequest,
        ctx: &LlmCallContext,
    ) -> Result<LlmStream, LlmError>;
}

/// Provider type → driver. [`DriverRegistry::new`] holds the built-ins: `llmsim` (default
/// config), `openai` and `azure_openai` (Chat Completions), `anthropic` (Messages).
#[derive(Clone)]
pub struct DriverRegistry {
    drivers: HashMap<String, Arc<dyn LlmDriver>>,
}

impl Default for DriverRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl DriverRegistry {
    /// The built-in drivers.
    pub fn new() -> Self {
        let mut r = Self::empty();
        r.register(
            LlmProviderType::LlmSim,
            crate::llmsim_driver::LlmSimDriver::new(crate::llmsim_driver::LlmSimConfig::default()),
        );
        r.register(LlmProviderType::OpenAi, openai::OpenAiDriver::new());
        r.register(LlmProviderType::AzureOpenAi, openai::OpenAiDriver::azure());
        r.register(
            LlmProviderType::Anthropic,
            anthropic::AnthropicDriver::new(),
        );
        r
    }

    /// No drivers at all.
    pub fn empty() -> Self {
        Self {
            drivers: HashMap::new(),
        }
    }

    /// Registers (or replaces) the driver of a provider type.
    pub fn register(&mut self, provider: LlmProviderType, driver: impl LlmDriver + 'static) {
        self.register_arc(provider, Arc::new(driver));
    }

    /// Registers a shared driver.
    pub fn register_arc(&mut self, provider: LlmProviderType, driver: Arc<dyn LlmDriver>) {
        self.drivers.insert(provider.as_str().to_string(), driver);
    }

    /// The driver of a provider type.
    pub fn get(&self, provider: &LlmProviderType) -> Option<Arc<dyn LlmDriver>> {
        self.drivers.get(provider.as_str()).cloned()
    }

    /// Registered provider types.
    pub fn provider_types(&self) -> Vec<String> {
        let mut v: Vec<_> = self.drivers.keys().cloned().collect();
        v.sort();
        v
    }
}
