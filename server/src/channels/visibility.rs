//! What a channel caller sees of a session's events.
//!
//! `full`: the stored envelopes (a failure's text still follows `errors`). `activity`
//! (default): user and agent text, turn boundaries, and tool start/finish with the channel's
//! activity text instead of tool names, arguments or results. `messages`: text and turn
//! boundaries only. Hidden events are skipped, never sent redacted; metadata and tags are
//! `full` only.

use everruns_core::event_types::{
    INPUT_MESSAGE, OUTPUT_MESSAGE_COMPLETED, TOOL_COMPLETED, TOOL_STARTED, TURN_CANCELLED,
    TURN_COMPLETED, TURN_FAILED, TURN_STARTED,
};
use everruns_core::ApiChannelConfig;
use serde_json::{json, Value};

/// Activity text when the channel sets none.
pub const DEFAULT_ACTIVITY_TEXT: &str = "Working...";

/// The event types a caller may see; `None` for every type (`full`).
pub fn visible_types(config: &ApiChannelConfig) -> Option<Vec<String>> {
    let mut types = vec![
        INPUT_MESSAGE,
        OUTPUT_MESSAGE_COMPLETED,
        TURN_STARTED,
        TURN_COMPLETED,
        TURN_FAILED,
        TURN_CANCELLED,
    ];
    match config.visibility.as_str() {
        "full" => return None,
        "messages" => {}
        _ => types.extend([TOOL_STARTED, TOOL_COMPLETED]),
    }
    Some(types.into_iter().map(str::to_string).collect())
}

/// The public form of a turn failure: a stable public code and message, nothing internal.
fn public_failure(data: &Value) -> Value {
    let code = data["error_code"].as_str().unwrap_or_default();
    let (public, message) = if code.contains("rate_limit") {
        ("rate_limited", "The agent is busy. Try again shortly.")
    } else if code.contains("too_large") || code.contains("context_length") {
        (
            "request_too_large",
            "The request is too large for the agent.",
        )
    } else if code.contains("provider") || code.contains("model") || code.contains("unavailable") {
        (
            "service_unavailable",
            "The agent is temporarily unavailable.",
        )
    } else {
        (
            "internal_error",
            "The agent could not complete this request.",
        )
    };
    json!({"turn_id": data["turn_id"], "error": message, "error_code": public})
}

/// A message event's text parts, or `None` when it has none (tool calls only).
fn visible_message(data: &Value) -> Option<Value> {
    let message = &data["message"];
    let content: Vec<Value> = message["content"]
        .as_array()?
        .iter()
        .filter(|p| p["type"] == "text")
        .map(|p| json!({"type": "text", "text": p["text"]}))
        .collect();
    if content.is_empty() {
        return None;
    }
    Some(json!({"message": {
        "id": message["id"],
        "role": message["role"],
        "content": content,
        "created_at": message["created_at"],
    }}))
}

/// One stored envelope as the caller may see it, or `None` when it is hidden.
pub fn project(envelope: &Value, config: &ApiChannelConfig) -> Option<Value> {
    let kind = envelope["type"].as_str()?;
    let data = &envelope["data"];
    let detailed = config.errors == "detailed";
    if config.visibility == "full" {
        let mut out = envelope.clone();
        if kind == TURN_FAILED && !detailed {
            out["data"] = public_failure(data);
        }
        return Some(out);
    }
    let activity = config.visibility != "messages";
    let projected = match kind {
        INPUT_MESSAGE | OUTPUT_MESSAGE_COMPLETED => visible_message(data)?,
        TURN_STARTED | TURN_CANCELLED => json!({"turn_id": data["turn_id"]}),
        TURN_COMPLETED => {
            json!({"turn_id": data["turn_id"], "final_message_id": data["final_message_id"]})
        }
        TURN_FAILED if detailed => json!({
            "turn_id": data["turn_id"], "error": data["error"], "error_code": data["error_code"],
        }),
        TURN_FAILED => public_failure(data),
        TOOL_STARTED if activity => json!({
            "tool_call_id": data["tool_call"]["id"],
            "activity": config.tool_activity_text.as_deref().unwrap_or(DEFAULT_ACTIVITY_TEXT),
        }),
        TOOL_COMPLETED if activity => json!({
            "tool_call_id": data["tool_call_id"], "success": data["success"],
        }),
        _ => return None,
    };
    Some(json!({
        "id": envelope["id"],
        "type": kind,
        "ts": envelope["ts"],
        "session_id": envelope["session_id"],
        "sequence": envelope["sequence"],
        "context": envelope["context"],
        "data": projected,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(visibility: &str, errors: &str) -> ApiChannelConfig {
        ApiChannelConfig {
            visibility: visibility.into(),
            errors: errors.into(),
            ..Default::default()
        }
    }

    fn env(kind: &str, data: Value) -> Value {
        json!({"id": "event_1", "type": kind, "ts": "2026-01-01T00:00:00Z",
               "session_id": "session_1", "sequence": 3, "context": {}, "data": data,
               "metadata": {"internal": "x"}})
    }

    #[test]
    fn activity_hides_tool_names_and_arguments() {
        let started = env(
            TOOL_STARTED,
            json!({"tool_call": {"id": "c1", "name": "secret_tool", "arguments": {"k": "v"}}}),
        );
        let out = project(&started, &cfg("activity", "public"))
            .unwrap()
            .to_string();
        assert!(out.contains("Working..."));
        assert!(
            !out.contains("secret_tool") && !out.contains("\"k\"") && !out.contains("internal")
        );
        assert!(project(&started, &cfg("messages", "public")).is_none());
        assert!(project(&started, &cfg("full", "public"))
            .unwrap()
            .to_string()
            .contains("secret_tool"));
    }

    #[test]
    fn failures_are_public_unless_detailed() {
        let failed = env(
            TURN_FAILED,
            json!({"turn_id": "turn_1", "error": "db password wrong at 10.0.0.3", "error_code": "llm_error"}),
        );
        for vis in ["messages", "activity", "full"] {
            let out = project(&failed, &cfg(vis, "public")).unwrap();
            assert_eq!(out["data"]["error_code"], "internal_error", "{vis}");
            assert!(!out.to_string().contains("10.0.0.3"), "{vis}");
            let detailed = project(&failed, &cfg(vis, "detailed")).unwrap();
            assert!(detailed.to_string().contains("10.0.0.3"), "{vis}");
        }
    }

    #[test]
    fn messages_keep_text_only() {
        let msg = env(
            OUTPUT_MESSAGE_COMPLETED,
            json!({"message": {"id": "m", "role": "agent", "content": [
            {"type": "text", "text": "the answer"},
            {"type": "tool_call", "id": "c1", "name": "secret_tool", "arguments": {}}]}}),
        );
        let out = project(&msg, &cfg("messages", "public"))
            .unwrap()
            .to_string();
        assert!(out.contains("the answer") && !out.contains("secret_tool"));
        let only_call = env(
            OUTPUT_MESSAGE_COMPLETED,
            json!({"message": {"id": "m", "role": "agent", "content": [
            {"type": "tool_call", "id": "c1", "name": "t", "arguments": {}}]}}),
        );
        assert!(project(&only_call, &cfg("activity", "public")).is_none());
    }
}
