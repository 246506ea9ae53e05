//! Quick start against a running server:
//!
//! ```text
//! EVERRUNS_API_URL=http://localhost:9300/api EVERRUNS_API_KEY=dev \
//!     cargo run -p everruns-sdk --example quickstart
//! ```
//!
//! On a dev server the LLM simulator answers; the example scripts it so the reply is
//! deterministic (a production server refuses the script call, which is only logged).

use everruns_sdk::types::{LlmSimScript, SimStep};
use everruns_sdk::{Everruns, StreamOptions};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Everruns::builder()
        .with_env()
        .api_key(std::env::var("EVERRUNS_API_KEY").unwrap_or_else(|_| "dev".into()))
        .build()?;
    println!("Server: {}", client.base_url());

    let agent = client
        .agents()
        .create(
            "Quickstart Assistant",
            "You are a concise, helpful assistant.",
        )
        .await?;
    println!("Agent: {} ({})", agent.id, agent.name);
    let session = client.sessions().create_for_agent(&agent.id).await?;
    println!("Session: {}", session.id);

    let script = LlmSimScript {
        steps: vec![SimStep {
            text: Some(
                "Hello from Everruns! Durable execution means work survives crashes.".into(),
            ),
            ..Default::default()
        }],
        ..Default::default()
    };
    if let Err(e) = client
        .sessions()
        .set_llmsim_script(&session.id, &script)
        .await
    {
        eprintln!("(not scripting the simulator: {e})");
    }

    let result = run_turn(&client, &session.id, "What is durable execution?").await;
    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    result?;
    println!("\nCleaned up.");
    Ok(())
}

async fn run_turn(
    client: &Everruns,
    session_id: &str,
    prompt: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("\nYou: {prompt}");
    client.messages().create(session_id, prompt).await?;
    let mut events = client
        .events()
        .stream(session_id, StreamOptions::new().exclude_deltas());
    while let Some(event) = events.next().await {
        let event = event?;
        match event.event_type.as_str() {
            "output.message.completed" => {
                let parts = event.data["message"]["content"].as_array().cloned();
                for part in parts.unwrap_or_default() {
                    if let Some(text) = part["text"].as_str() {
                        println!("Agent: {text}");
                    }
                }
            }
            "turn.completed" => break,
            "turn.failed" | "turn.cancelled" => {
                println!("Turn ended: {}", event.data);
                break;
            }
            _ => {}
        }
    }
    Ok(())
}
