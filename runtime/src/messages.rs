//! Messages derived from events (the event log is the truth).
//!
//! * `input.message` → its user message;
//! * `output.message.completed` → its agent message (text and `tool_call` parts);
//! * `tool.completed` → a `tool_result` message `{tool_call_id, result | error}`.
//!
//! Tool results that follow one agent message are ordered by the model's call order (the
//! events keep the real completion order).

use std::collections::HashMap;

use everruns_core::ids::{from_uuid, to_uuid, IdKind};
use everruns_core::{
    event_types, ContentPart, Event, EventPayload, Message, MessageRole, ToolStatus,
};

/// The message id of the `tool_result` derived from a `tool.completed` event: the event's
/// hex with the `message_` prefix (stable, so listing twice gives the same ids).
pub fn tool_result_message_id(event_id: &str) -> String {
    to_uuid(IdKind::Event, event_id)
        .map(|u| from_uuid(IdKind::Message, u))
        .unwrap_or_else(|_| format!("message_{}", event_id.trim_start_matches("event_")))
}

/// Parses a tool result text part back into JSON (plain text stays a string).
fn result_value(parts: &[ContentPart]) -> Option<serde_json::Value> {
    let text: String = parts.iter().filter_map(ContentPart::as_text).collect();
    if text.is_empty() && parts.is_empty() {
        return None;
    }
    Some(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

/// The message an event carries, if any.
pub fn message_from_event(e: &Event) -> Option<Message> {
    if !matches!(
        e.event_type.as_str(),
        event_types::INPUT_MESSAGE
            | event_types::OUTPUT_MESSAGE_COMPLETED
            | event_types::TOOL_COMPLETED
    ) {
        return None; // only these carry messages (skips parsing e.g. llm.generation)
    }
    match e.payload() {
        EventPayload::InputMessage(d) => {
            let mut m = d.message;
            m.sequence = e.sequence;
            m.session_id.get_or_insert_with(|| e.session_id.clone());
            Some(m)
        }
        EventPayload::OutputMessageCompleted(d) => {
            let mut m = d.message;
            m.sequence = e.sequence;
            m.session_id.get_or_insert_with(|| e.session_id.clone());
            Some(m)
        }
        EventPayload::ToolCompleted(d) => {
            let (result, error) = if d.status == ToolStatus::Success {
                (d.result.as_deref().and_then(result_value), None)
            } else {
                (
                    None,
                    Some(d.error.clone().unwrap_or_else(|| {
                        format!("tool finished with status {}", d.status.as_str())
                    })),
                )
            };
            Some(Message {
                id: tool_result_message_id(&e.id),
                role: MessageRole::ToolResult,
                content: vec![ContentPart::ToolResult {
                    tool_call_id: d.tool_call_id,
                    result,
                    error,
                }],
                created_at: e.ts,
                session_id: Some(e.session_id.clone()),
                sequence: e.sequence,
                controls: None,
                metadata: Some(serde_json::json!({"tool_name": d.tool_name})),
                tags: Vec::new(),
            })
        }
        _ => None,
    }
}

/// The tool calls of an agent message, in order.
pub fn tool_calls_of(m: &Message) -> Vec<(String, String, serde_json::Value)> {
    m.content
        .iter()
        .filter_map(|p| match p {
            ContentPart::ToolCall {
                id,
                name,
                arguments,
            } => Some((id.clone(), name.clone(), arguments.clone())),
            _ => None,
        })
        .collect()
}

fn tool_call_id_of(m: &Message) -> Option<&str> {
    m.content.iter().find_map(|p| match p {
        ContentPart::ToolResult { tool_call_id, .. } => Some(tool_call_id.as_str()),
        _ => None,
    })
}

/// Every message of a session's events, in order (see the module docs).
pub fn messages_from_events(events: &[Event]) -> Vec<Message> {
    let mut fold = MessageFold::default();
    for e in events {
        fold.push(e);
    }
    fold.into_messages()
}

/// [`messages_from_events`] as an incremental fold: [`MessageFold::push`] the session's
/// events in sequence order, read the messages so far with [`MessageFold::messages`].
#[derive(Debug, Clone, Default)]
pub struct MessageFold {
    out: Vec<Message>,
    /// Call order of the last agent message's tool calls.
    order: HashMap<String, usize>,
    /// Start of the trailing run of tool results (sorted into call order when read).
    run_start: Option<usize>,
}

impl MessageFold {
    /// Adds the message of the next event, if it carries one.
    pub fn push(&mut self, e: &Event) {
        let Some(m) = message_from_event(e) else {
            return;
        };
        if m.role == MessageRole::ToolResult {
            if self.run_start.is_none() {
                self.run_start = Some(self.out.len());
            }
            self.out.push(m);
            return;
        }
        if let Some(s) = self.run_start.take() {
            sort_run(&mut self.out[s..], &self.order);
        }
        if m.role == MessageRole::Agent {
            self.order = tool_calls_of(&m)
                .into_iter()
                .enumerate()
                .map(|(i, (id, _, _))| (id, i))
                .collect();
        }
        self.out.push(m);
    }

    /// The messages so far. (The trailing tool results are sorted in place; sorting is
    /// stable, so sorting again after more results arrive gives the same order as one sort.)
    pub fn messages(&mut self) -> &[Message] {
        if let Some(s) = self.run_start {
            sort_run(&mut self.out[s..], &self.order);
        }
        &self.out
    }

    /// The messages, consuming the fold.
    pub fn into_messages(mut self) -> Vec<Message> {
        self.messages();
        self.out
    }
}

fn sort_run(run: &mut [Message], order: &HashMap<String, usize>) {
    run.sort_by_key(|m| {
        tool_call_id_of(m)
            .and_then(|id| order.get(id).copied())
            .unwrap_or(usize::MAX)
    });
}

/// Text of a synthetic result for a tool call that never completed.
pub const DANGLING_TOOL_RESULT: &str =
    "This tool call did not complete (the turn was cancelled or interrupted); it was not run to completion.";

/// The conversation as sent to a model: each agent message's tool results directly after it,
/// in call order; a call without a result gets a synthetic error result; results without a
/// call are dropped.
pub fn llm_history(messages: &[Message]) -> Vec<Message> {
    let mut results: HashMap<String, Message> = HashMap::new();
    for m in messages
        .iter()
        .filter(|m| m.role == MessageRole::ToolResult)
    {
        if let Some(id) = tool_call_id_of(m) {
            results.entry(id.to_string()).or_insert_with(|| m.clone());
        }
    }
    let mut out = Vec::new();
    for m in messages {
        match m.role {
            MessageRole::ToolResult => {}
            MessageRole::Agent => {
                out.push(m.clone());
                for (id, _, _) in tool_calls_of(m) {
                    match results.remove(&id) {
                        Some(r) => out.push(r),
                        None => out.push(Message {
                            id: format!("synthetic_{id}"),
                            role: MessageRole::ToolResult,
                            content: vec![ContentPart::ToolResult {
                                tool_call_id: id.clone(),
                                result: None,
                                error: Some(DANGLING_TOOL_RESULT.into()),
                            }],
                            created_at: m.created_at,
                            session_id: m.session_id.clone(),
                            sequence: None,
                            controls: None,
                            metadata: None,
                            tags: Vec::new(),
                        }),
                    }
                }
            }
            _ => out.push(m.clone()),
        }
    }
    out
}
