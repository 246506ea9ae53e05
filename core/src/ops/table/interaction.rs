//! Answering a waiting turn (upstream 0.3 names): `messages.create_tool_results`,
//! `messages.extract_tool_calls`, `sessions.submit_tool_approvals`,
//! `sessions.answer_questions`.

use futures::FutureExt;

use crate::ops::spec::*;
use crate::types::{ContentPart, QuestionAnswersRequest, ToolApprovalAnswer};

const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");

pub(crate) const MESSAGES: &[Op] = &[
    Op {
        group: "messages",
        name: "create_tool_results",
        doc: "Sends the results of the client-side tool calls a `tool.call_requested` event \
              asked for, as `tool_result` content parts (`make_tool_result` / \
              `make_tool_error`); the turn resumes once every pending call has one. A session \
              that is not waiting answers 409 (\"not waiting for tool results\").",
        params: &[
            SESSION_ID,
            primary(
                "results",
                Ty::ObjList,
                "`tool_result` parts: `{type: \"tool_result\", tool_call_id, result | error}`.",
            ),
        ],
        fields: None,
        ret: Ret::Model("SubmitToolResultsResponse"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let results: Vec<ContentPart> = a.req("results")?;
                a.done()?;
                c.messages()
                    .create_tool_results(&id, results)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "messages",
        name: "extract_tool_calls",
        doc: "The tool calls an event asks for: `data.tool_calls` of a `tool.call_requested` \
              event, else the `tool_call` parts of `data.message.content`.",
        params: &[primary("data", Ty::Json, "An event's `data`.").with_role(Role::Address)],
        fields: None,
        ret: Ret::List("ToolCall"),
        idempotent: true,
        run: Run::Local(|_, mut a| {
            let data: serde_json::Value = a.req("data")?;
            a.done()?;
            Ok(output(crate::types::extract_tool_calls(&data)))
        }),
    },
];

pub(crate) const SESSIONS: &[Op] = &[
    Op {
        group: "sessions",
        name: "submit_tool_approvals",
        doc: "Allows or rejects tool calls waiting for approval (`pending_approvals` of the \
              session): `[{tool_call_id, decision: allow | allow_always | reject | \
              reject_always}]`. Pending approvals left out are not approved; a rejected call \
              reaches the model as a tool error.",
        params: &[
            SESSION_ID,
            primary(
                "decisions",
                Ty::ObjList,
                "One `{tool_call_id, decision}` per approval.",
            ),
        ],
        fields: None,
        ret: Ret::Model("SubmitToolApprovalsResponse"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let decisions: Vec<ToolApprovalAnswer> = a.req("decisions")?;
                a.done()?;
                c.sessions()
                    .submit_tool_approvals(&id, decisions)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "answer_questions",
        doc: "Answers the `ask_user` question set the turn waits for (`pending_questions`): \
              one `{id, selected?, other_text?}` per question; `status: \"declined\"` declines.",
        params: &[
            SESSION_ID,
            primary(
                "answers",
                Ty::ObjList,
                "One `{id, selected?, other_text?}` per question.",
            ),
            optional(
                "tool_call_id",
                Ty::Str,
                None,
                "The `ask_user` call (default: the one pending).",
            ),
            optional(
                "status",
                Ty::Str,
                Some("\"answered\""),
                "`answered` or `declined`.",
            ),
        ],
        fields: None,
        ret: Ret::Model("QuestionAnswersResponse"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let answers = a.req("answers")?;
                let tool_call_id: Option<String> = a.opt("tool_call_id")?;
                let status: Option<String> = a.opt("status")?;
                a.done()?;
                let req = QuestionAnswersRequest {
                    tool_call_id,
                    status: status.as_deref().unwrap_or("answered").into(),
                    answers,
                };
                c.sessions().answer_questions(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
];
