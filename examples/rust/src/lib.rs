//! Shared bits of the Rust tutorial examples: the client from the environment, the agent
//! definitions in `examples/agents/`, and printing a turn's events.

use everruns_sdk::{Event, EventStream, Everruns};
use futures::StreamExt;

/// A client from `EVERRUNS_API_KEY` (default `dev`) and `EVERRUNS_API_URL`
/// (default `http://localhost:9300/api`).
pub fn client() -> everruns_sdk::Result<Everruns> {
    let mut builder = Everruns::builder().with_env();
    if std::env::var("EVERRUNS_API_KEY").is_err() {
        builder = builder.api_key("dev");
    }
    builder.build()
}

/// The markdown of `examples/agents/<name>.md`.
pub fn agent_markdown(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agents")
        .join(format!("{name}.md"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text parts of an `output.message.completed` event.
pub fn message_text(event: &Event) -> String {
    event.data["message"]["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["type"] == "text")
        .filter_map(|p| p["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a turn produced.
#[derive(Debug, Default)]
pub struct TurnOutput {
    /// Text of the last agent message.
    pub text: String,
    /// The terminal event type (`turn.completed`, `turn.failed`, `turn.cancelled`).
    pub outcome: String,
}

/// Reads a turn's events, printing deltas (when `print_deltas`), tool calls and the answer,
/// until the turn ends.
pub async fn follow_turn(
    mut events: EventStream,
    print_deltas: bool,
) -> everruns_sdk::Result<TurnOutput> {
    let mut out = TurnOutput::default();
    while let Some(event) = events.next().await {
        let event = event?;
        match event.event_type.as_str() {
            "output.message.delta" if print_deltas => {
                use std::io::Write;
                print!("{}", event.data["delta"].as_str().unwrap_or(""));
                let _ = std::io::stdout().flush();
            }
            "tool.started" => {
                let call = &event.data["tool_call"];
                let name = call["name"].as_str().unwrap_or("unknown");
                match call["arguments"]["url"].as_str() {
                    Some(url) if name == "web_fetch" => println!("  -> Fetching: {url}"),
                    _ => println!("  -> Tool: {name}"),
                }
            }
            "tool.completed" => {
                let ok = event.data["success"].as_bool().unwrap_or(false);
                let name = event.data["tool_name"].as_str().unwrap_or("?");
                println!("  <- {name}: {}", if ok { "done" } else { "error" });
            }
            "output.message.completed" => {
                let text = message_text(&event);
                if !text.is_empty() {
                    out.text = text;
                }
            }
            "turn.completed" | "turn.failed" | "turn.cancelled" => {
                if event.event_type == "turn.failed" {
                    println!(
                        "[Turn failed: {}]",
                        event.data["error"].as_str().unwrap_or("unknown")
                    );
                }
                out.outcome = event.event_type;
                break;
            }
            _ => {}
        }
    }
    Ok(out)
}
