//! Answering a waiting turn: client-side tool results (`messages`), tool approvals and
//! `ask_user` answers (`sessions`).

use reqwest::Method;

use super::{Error, Result};
use super::{MessagesClient, SessionsClient};
use crate::ids::{self, IdKind};
use crate::types::{
    ContentPart, QuestionAnswersRequest, QuestionAnswersResponse, SubmitToolApprovalsRequest,
    SubmitToolApprovalsResponse, SubmitToolResultsResponse, ToolApprovalAnswer,
};

impl MessagesClient {
    /// `POST /v1/sessions/{id}/tool-results`: the results of the client-side tool calls a
    /// `tool.call_requested` event asked for, as `tool_result` parts
    /// ([`ContentPart::make_tool_result`] / [`ContentPart::make_tool_error`]). The turn
    /// resumes once every pending call has one. Not retried once it may have reached the
    /// server.
    pub async fn create_tool_results(
        &self,
        session_id: &str,
        results: Vec<ContentPart>,
    ) -> Result<SubmitToolResultsResponse> {
        ids::validate(IdKind::Session, session_id)?;
        let body = crate::types::tool_results_request(results).map_err(Error::validation)?;
        let c = self.client();
        c.send_json(
            Method::POST,
            c.url(&["sessions", session_id, "tool-results"]),
            &body,
            false,
        )
        .await
    }
}

impl SessionsClient {
    /// `POST /v1/sessions/{id}/tool-approvals`: allow or reject the calls in the session's
    /// `pending_approvals` (left-out ones are not approved).
    pub async fn submit_tool_approvals(
        &self,
        session_id: &str,
        decisions: Vec<ToolApprovalAnswer>,
    ) -> Result<SubmitToolApprovalsResponse> {
        ids::validate(IdKind::Session, session_id)?;
        if decisions.is_empty() {
            return Err(Error::validation("decisions must not be empty"));
        }
        let c = self.client();
        c.send_json(
            Method::POST,
            c.url(&["sessions", session_id, "tool-approvals"]),
            &SubmitToolApprovalsRequest { decisions },
            false,
        )
        .await
    }

    /// `POST /v1/sessions/{id}/question-answers`: answers the pending `ask_user` question set.
    pub async fn answer_questions(
        &self,
        session_id: &str,
        request: QuestionAnswersRequest,
    ) -> Result<QuestionAnswersResponse> {
        ids::validate(IdKind::Session, session_id)?;
        let c = self.client();
        c.send_json(
            Method::POST,
            c.url(&["sessions", session_id, "question-answers"]),
            &request,
            false,
        )
        .await
    }
}
