//! Client-side tools: the agent calls `get_weather`, a tool this application runs itself. The
//! turn waits (`tool.call_requested`) until the application posts the result.

use everruns_examples::{client, message_text};
use everruns_sdk::{
    extract_tool_calls, ContentPart, CreateSessionRequest, StreamOptions, ToolDefinition,
};
use futures::StreamExt;
use serde_json::{json, Value};

/// The application's own weather lookup (a real app would call its weather service).
fn local_weather(city: &str) -> Value {
    json!({"city": city, "temperature_c": 21, "conditions": "sunny"})
}

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let client = client()?;
    let agent = client
        .agents()
        .create(
            "Weather Assistant",
            "Answer weather questions with get_weather.",
        )
        .await?;
    let session = client
        .sessions()
        .create(CreateSessionRequest {
            agent_id: Some(agent.id.clone()),
            tools: vec![ToolDefinition {
                kind: "client_side".into(),
                name: "get_weather".into(),
                description: "Current weather for a city".into(),
                parameters: json!({"type": "object", "properties": {"city": {"type": "string"}},
                                   "required": ["city"]}),
            }],
            ..Default::default()
        })
        .await?;
    client
        .messages()
        .create(&session.id, "What's the weather in Paris?")
        .await?;

    let mut events = client.events().stream(&session.id, StreamOptions::new());
    while let Some(event) = events.next().await {
        let event = event?;
        match event.event_type.as_str() {
            "tool.call_requested" => {
                let mut results = Vec::new();
                for call in extract_tool_calls(&event.data) {
                    let city = call.arguments["city"].as_str().unwrap_or("unknown");
                    println!("tool call: {}({city})", call.name);
                    let result = local_weather(city);
                    println!("sent result: {result}");
                    results.push(ContentPart::make_tool_result(call.id, result));
                }
                let r = client
                    .messages()
                    .create_tool_results(&session.id, results)
                    .await?;
                println!("accepted {} result(s); session {}", r.accepted, r.status);
            }
            "output.message.completed" => {
                let text = message_text(&event);
                if !text.is_empty() {
                    println!("Agent: {text}");
                }
            }
            "turn.completed" => {
                println!("turn.completed");
                break;
            }
            "turn.failed" => {
                println!("turn.failed: {}", event.data["error"]);
                break;
            }
            _ => {}
        }
    }

    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    Ok(())
}
