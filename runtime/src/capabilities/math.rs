//! `test_math`: add, subtract, multiply, divide.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{Capability, Tool, ToolContext, ToolError};

/// The `test_math` capability (deterministic arithmetic tools for tests and demos).
#[derive(Debug, Clone, Copy, Default)]
pub struct TestMathCapability;

#[derive(Debug, Clone, Copy)]
enum Op {
    Add,
    Subtract,
    Multiply,
    Divide,
}

struct MathTool(Op);

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Subtract => "subtract",
            Op::Multiply => "multiply",
            Op::Divide => "divide",
        }
    }
}

fn num(args: &Value, key: &str) -> Result<f64, ToolError> {
    args.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| ToolError::new(format!("missing required number argument `{key}`")))
}

#[async_trait]
impl Tool for MathTool {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn description(&self) -> &str {
        match self.0 {
            Op::Add => "Add two numbers: a + b.",
            Op::Subtract => "Subtract two numbers: a - b.",
            Op::Multiply => "Multiply two numbers: a * b.",
            Op::Divide => "Divide two numbers: a / b. Dividing by zero is an error.",
        }
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "a": {"type": "number", "description": "First operand"},
                "b": {"type": "number", "description": "Second operand"}
            },
            "required": ["a", "b"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let (a, b) = (num(&args, "a")?, num(&args, "b")?);
        let r = match self.0 {
            Op::Add => a + b,
            Op::Subtract => a - b,
            Op::Multiply => a * b,
            Op::Divide => {
                if b == 0.0 {
                    return Err(ToolError::new("Cannot divide by zero"));
                }
                a / b
            }
        };
        Ok(json!({ "result": r }))
    }
}

impl Capability for TestMathCapability {
    fn id(&self) -> &str {
        "test_math"
    }
    fn name(&self) -> &str {
        "Test Math"
    }
    fn description(&self) -> &str {
        "Arithmetic tools (add, subtract, multiply, divide) for testing tool calls."
    }
    fn category(&self) -> Option<&str> {
        Some("testing")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "You can do arithmetic with the tools add, subtract, multiply and divide; use them \
             instead of computing by hand."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        [Op::Add, Op::Subtract, Op::Multiply, Op::Divide]
            .into_iter()
            .map(|o| Arc::new(MathTool(o)) as Arc<dyn Tool>)
            .collect()
    }
}
