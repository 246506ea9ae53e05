//! Answering a waiting turn: client-side tool results, tool approvals and `ask_user` answers
//! (upstream 0.3 names and shapes), and what a session shows as pending.

use serde::{Deserialize, Serialize};

use super::common::null_default;
use super::event_data::ToolCall;

/// Name of the synthetic call a turn waits on when a tool needs approval.
pub const APPROVE_TOOL_CALL: &str = "approve_tool_call";
/// Prefix of a synthetic approval call's id (`tool_approval_{original call id}`).
pub const APPROVAL_CALL_PREFIX: &str = "tool_approval_";
/// Name of the built-in tool that asks the user a question set.
pub const ASK_USER: &str = "ask_user";

/// One client-side tool result (`tool_results[]` of `POST /v1/sessions/{id}/tool-results`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientToolResult {
    /// The call answered (`tool.call_requested` `data.tool_calls[].id`).
    pub tool_call_id: String,
    /// The result the model sees (any JSON); absent with `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// An error the model sees instead of a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Body of `POST /v1/sessions/{id}/tool-results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitToolResultsRequest {
    /// One result per pending client-side call.
    pub tool_results: Vec<ClientToolResult>,
}

/// Answer of `POST /v1/sessions/{id}/tool-results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitToolResultsResponse {
    /// Results stored.
    pub accepted: u32,
    /// Session status after the results (`active`, or still `waitingfortoolresults`).
    pub status: String,
}

string_enum! {
    /// What a person decided about a gated tool call.
    pub enum ToolApprovalDecision {
        /// Run this call.
        Allow = "allow",
        /// Run this call (same as `allow` here: nothing is remembered past the turn).
        AllowAlways = "allow_always",
        /// Do not run it: the model sees a tool error.
        Reject = "reject",
        /// Do not run it (same as `reject` here).
        RejectAlways = "reject_always",
    }
}

impl ToolApprovalDecision {
    /// True for the decisions that let the call run.
    pub fn allows(&self) -> bool {
        matches!(
            self,
            ToolApprovalDecision::Allow | ToolApprovalDecision::AllowAlways
        )
    }
}

/// One decision of `POST /v1/sessions/{id}/tool-approvals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolApprovalAnswer {
    /// The approval call answered (`tool_approval_…`, from `pending_approvals[].tool_call_id`).
    pub tool_call_id: String,
    /// The decision.
    pub decision: ToolApprovalDecision,
}

/// Body of `POST /v1/sessions/{id}/tool-approvals`. Pending approvals left out are resolved
/// as not approved (silence never approves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitToolApprovalsRequest {
    /// Decisions.
    pub decisions: Vec<ToolApprovalAnswer>,
}

/// How one approval request was settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolApprovalResolution {
    /// The approval call.
    pub tool_call_id: String,
    /// The gated tool.
    pub tool: String,
    /// `allow`, `allow_always`, `reject`, `reject_always` or `not_approved` (left out).
    pub outcome: String,
}

/// Answer of `POST /v1/sessions/{id}/tool-approvals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitToolApprovalsResponse {
    /// Every pending approval of the batch.
    pub resolved: Vec<ToolApprovalResolution>,
    /// Session status after the decisions.
    pub status: String,
}

/// A tool call waiting for a person's approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingToolApproval {
    /// The approval call to answer (`tool_approval_{original id}`).
    pub tool_call_id: String,
    /// The gated tool.
    pub tool: String,
    /// The model's call id of the gated call.
    pub original_tool_call_id: String,
    /// The arguments it would run with.
    #[serde(default = "super::common::empty_object")]
    pub arguments: serde_json::Value,
}

/// One option of an `ask_user` question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionOption {
    /// What the user picks (answers select by label).
    pub label: String,
    /// More detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One `ask_user` question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Id answers refer to.
    pub id: String,
    /// The question.
    pub question: String,
    /// Options (empty: free text).
    #[serde(default, deserialize_with = "null_default")]
    pub options: Vec<QuestionOption>,
    /// Several options may be selected.
    #[serde(default)]
    pub multi_select: bool,
    /// Free text is accepted besides the options.
    #[serde(default)]
    pub allow_other: bool,
}

/// A question set an `ask_user` call waits on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingQuestions {
    /// The `ask_user` call.
    pub tool_call_id: String,
    /// The questions.
    pub questions: Vec<Question>,
}

/// One answer of `POST /v1/sessions/{id}/question-answers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAnswer {
    /// The question's id.
    pub id: String,
    /// Option labels picked.
    #[serde(default, deserialize_with = "null_default")]
    pub selected: Vec<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_text: Option<String>,
}

string_enum! {
    /// What the user did with a question set.
    pub enum QuestionAnswerStatus {
        /// Answered every question.
        Answered = "answered",
        /// Declined to answer (the model must not ask again).
        Declined = "declined",
    }
}

/// Body of `POST /v1/sessions/{id}/question-answers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAnswersRequest {
    /// The `ask_user` call (default: the one pending question set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// `answered` (default) or `declined`.
    #[serde(default = "answered")]
    pub status: QuestionAnswerStatus,
    /// One answer per question.
    #[serde(default, deserialize_with = "null_default")]
    pub answers: Vec<QuestionAnswer>,
}

fn answered() -> QuestionAnswerStatus {
    QuestionAnswerStatus::Answered
}

/// Answer of `POST /v1/sessions/{id}/question-answers`: what the model reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAnswersResponse {
    /// The `ask_user` call answered.
    pub tool_call_id: String,
    /// `answered` or `declined`.
    pub status: QuestionAnswerStatus,
    /// The answers in question order (empty when declined).
    #[serde(default, deserialize_with = "null_default")]
    pub answers: Vec<QuestionAnswer>,
    /// Session status after the answer.
    pub session_status: String,
}

/// What a waiting turn needs from its caller (`GET /v1/sessions/{id}` `pending_*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInput {
    /// Client-side tool calls awaiting results.
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<ToolCall>,
    /// Tool calls awaiting approval.
    #[serde(default, deserialize_with = "null_default")]
    pub approvals: Vec<PendingToolApproval>,
    /// Question sets awaiting answers.
    #[serde(default, deserialize_with = "null_default")]
    pub questions: Vec<PendingQuestions>,
    /// When the turn stops waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl PendingInput {
    /// Nothing pending.
    pub fn is_empty(&self) -> bool {
        self.tool_calls.is_empty() && self.approvals.is_empty() && self.questions.is_empty()
    }
}

/// The tool calls an event asks for: `data.tool_calls` (a `tool.call_requested` event), else
/// the `tool_call` parts of `data.message.content` (an agent message). Entries without an id
/// or a name are skipped.
pub fn extract_tool_calls(data: &serde_json::Value) -> Vec<ToolCall> {
    let listed = data.get("tool_calls").and_then(|v| v.as_array());
    let parts = data
        .get("message")
        .and_then(|m| m.get("content"))
        .and_then(|c| c.as_array());
    let Some(items) = listed.or(parts) else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|c| {
            c.get("type")
                .and_then(|t| t.as_str())
                .is_none_or(|t| t == "tool_call")
        })
        .filter_map(|c| {
            let id = c.get("id")?.as_str()?;
            let name = c.get("name")?.as_str()?;
            if id.is_empty() || name.is_empty() {
                return None;
            }
            Some(ToolCall {
                id: id.to_string(),
                name: name.to_string(),
                arguments: c
                    .get("arguments")
                    .filter(|a| !a.is_null())
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({})),
            })
        })
        .collect()
}

/// Turns `tool_result` content parts into the body of `POST …/tool-results`; any other part
/// is refused (upstream's `create_tool_results` accepts only `tool_result` parts).
pub fn tool_results_request(
    parts: Vec<super::messages::ContentPart>,
) -> Result<SubmitToolResultsRequest, String> {
    if parts.is_empty() {
        return Err("create_tool_results needs at least one tool_result part".into());
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            super::messages::ContentPart::ToolResult {
                tool_call_id,
                result,
                error,
            } if !tool_call_id.is_empty() => out.push(ClientToolResult {
                tool_call_id,
                result,
                error,
            }),
            other => {
                return Err(format!(
                "create_tool_results accepts only tool_result parts with a tool_call_id, got {}",
                other.to_value()
            ))
            }
        }
    }
    Ok(SubmitToolResultsRequest { tool_results: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ContentPart;
    use serde_json::json;

    #[test]
    fn extracts_requested_calls_then_message_parts() {
        let requested = json!({"tool_calls": [
            {"id": "c1", "name": "get_weather", "arguments": {"city": "Oslo"}},
            {"id": "", "name": "nameless_id"},
            {"name": "no_id"}
        ]});
        let calls = extract_tool_calls(&requested);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].arguments, json!({"city": "Oslo"}));
        let message = json!({"message": {"content": [
            {"type": "text", "text": "let me check"},
            {"type": "tool_call", "id": "c2", "name": "lookup"}
        ]}});
        let calls = extract_tool_calls(&message);
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (calls[0].id.as_str(), calls[0].arguments.clone()),
            ("c2", json!({}))
        );
        assert!(extract_tool_calls(&json!({"other": 1})).is_empty());
    }

    #[test]
    fn builds_tool_results_from_parts_only() {
        let req = tool_results_request(vec![
            ContentPart::make_tool_result("c1", json!({"t": 3})),
            ContentPart::make_tool_error("c2", "no permission"),
        ])
        .unwrap();
        let body = serde_json::to_value(&req).unwrap();
        assert_eq!(
            body,
            json!({"tool_results": [
                {"tool_call_id": "c1", "result": {"t": 3}},
                {"tool_call_id": "c2", "error": "no permission"}]})
        );
        let err = tool_results_request(vec![ContentPart::text("hi")]).unwrap_err();
        assert!(err.contains("only tool_result parts"), "{err}");
        assert!(tool_results_request(vec![]).is_err());
    }
}
