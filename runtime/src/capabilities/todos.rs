//! `stateless_todo_list`: `write_todos` validates and echoes the full list (no state is
//! stored; the list lives in the conversation).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{Capability, Tool, ToolContext, ToolError, CLASS_SESSION_TODOS};

/// The `stateless_todo_list` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatelessTodoListCapability;

struct WriteTodos;

#[async_trait]
impl Tool for WriteTodos {
    fn name(&self) -> &str {
        "write_todos"
    }
    fn description(&self) -> &str {
        "Write the complete task list (every call replaces the list). Each todo has content, \
         activeForm and status (pending, in_progress, completed). Keep exactly one task \
         in_progress while working."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "todos": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "content": {"type": "string"},
                            "activeForm": {"type": "string"},
                            "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]}
                        },
                        "required": ["content", "activeForm", "status"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["todos"],
            "additionalProperties": false
        })
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_TODOS)
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let todos = args
            .get("todos")
            .and_then(Value::as_array)
            .ok_or_else(|| ToolError::new("`todos` must be an array"))?;
        let (mut pending, mut in_progress, mut completed) = (0, 0, 0);
        let mut out = Vec::new();
        for (i, t) in todos.iter().enumerate() {
            let content = t
                .get("content")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ToolError::new(format!("todo {i}: `content` must be a non-empty string"))
                })?;
            let active = t
                .get("activeForm")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ToolError::new(format!("todo {i}: `activeForm` must be a non-empty string"))
                })?;
            let status = t.get("status").and_then(Value::as_str).unwrap_or("");
            match status {
                "pending" => pending += 1,
                "in_progress" => in_progress += 1,
                "completed" => completed += 1,
                other => {
                    return Err(ToolError::new(format!(
                        "todo {i}: status {other:?} is not one of pending, in_progress, completed"
                    )))
                }
            }
            out.push(json!({"content": content, "activeForm": active, "status": status}));
        }
        let warning = match in_progress {
            0 if pending > 0 => Some("No task is in_progress; mark the one you are working on."),
            n if n > 1 => Some("More than one task is in_progress; keep exactly one."),
            _ => None,
        };
        let mut v = json!({
            "success": true,
            "total": out.len(),
            "pending": pending,
            "in_progress": in_progress,
            "completed": completed,
            "todos": out,
        });
        if let Some(w) = warning {
            v["warning"] = json!(w);
        }
        Ok(v)
    }
}

impl Capability for StatelessTodoListCapability {
    fn id(&self) -> &str {
        "stateless_todo_list"
    }
    fn name(&self) -> &str {
        "Task Management"
    }
    fn description(&self) -> &str {
        "Plan multi-step work with a todo list kept in the conversation (write_todos)."
    }
    fn category(&self) -> Option<&str> {
        Some("planning")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "For work with three or more steps, plan it with write_todos: send the full list \
             each time, keep exactly one task in_progress, and mark tasks completed as soon as \
             they are done. Skip the list for simple one-step requests."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(WriteTodos)]
    }
}
