//! Capabilities that make a turn wait for a person: `ask_user` (a question set the caller
//! answers with `POST …/question-answers`) and `tool_approval` (named tools run only after
//! `POST …/tool-approvals` allows them).

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{Question, ASK_USER};
use serde_json::{json, Value};

use super::{Capability, Tool, ToolContext, ToolError};

/// The `ask_user` capability: one tool, `ask_user{questions}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AskUserCapability;

struct AskUser;

#[async_trait]
impl Tool for AskUser {
    fn name(&self) -> &str {
        ASK_USER
    }
    fn description(&self) -> &str {
        "Ask the user one or more questions and wait for the answers. Each question has an id, \
         the question text, and optionally options (labels to pick from), multi_select and \
         allow_other (free text besides the options). Without options the answer is free text."
    }
    fn display_name(&self) -> Option<&str> {
        Some("Ask user")
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "questions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "question": {"type": "string"},
                            "options": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "label": {"type": "string"},
                                        "description": {"type": "string"}
                                    },
                                    "required": ["label"]
                                }
                            },
                            "multi_select": {"type": "boolean"},
                            "allow_other": {"type": "boolean"}
                        },
                        "required": ["id", "question"]
                    }
                }
            },
            "required": ["questions"]
        })
    }
    fn waits_for_caller(&self) -> bool {
        true
    }
    /// Checks and normalises the question set (the answer comes from the caller).
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let raw = args
            .get("questions")
            .cloned()
            .ok_or_else(|| ToolError::new("`questions` is required: a list of questions"))?;
        let questions: Vec<Question> = serde_json::from_value(raw).map_err(|e| {
            ToolError::new(format!(
                "`questions` must be a list of {{id, question, options?}}: {e}"
            ))
        })?;
        if questions.is_empty() {
            return Err(ToolError::new("`questions` must not be empty"));
        }
        let mut ids = std::collections::HashSet::new();
        for q in &questions {
            if q.id.trim().is_empty() || q.question.trim().is_empty() {
                return Err(ToolError::new("every question needs an id and a question"));
            }
            if !ids.insert(q.id.as_str()) {
                return Err(ToolError::new(format!(
                    "question id {:?} is used twice",
                    q.id
                )));
            }
        }
        Ok(json!({ "questions": questions }))
    }
}

impl Capability for AskUserCapability {
    fn id(&self) -> &str {
        "ask_user"
    }
    fn name(&self) -> &str {
        "Ask user"
    }
    fn description(&self) -> &str {
        "Lets the agent ask the user a question set and wait for the answers."
    }
    fn category(&self) -> Option<&str> {
        Some("interaction")
    }
    fn system_prompt(&self) -> Option<String> {
        Some("When you need a decision or information only the user has, call ask_user.".into())
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(AskUser)]
    }
}

/// The `tool_approval` capability: config `{"tools": ["write_file", …]}` (or `["*"]`, or no
/// config: every tool) names the tools whose calls wait for a person's decision.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToolApprovalCapability;

impl Capability for ToolApprovalCapability {
    fn id(&self) -> &str {
        super::super::engine::interaction::TOOL_APPROVAL_CAPABILITY
    }
    fn name(&self) -> &str {
        "Tool approval"
    }
    fn description(&self) -> &str {
        "Calls of the configured tools ({\"tools\": [names] or [\"*\"]}) wait for a person to \
         allow or reject them."
    }
    fn category(&self) -> Option<&str> {
        Some("interaction")
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        Vec::new()
    }
}
