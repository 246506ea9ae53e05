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
