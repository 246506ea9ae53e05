//! Quick start: agent → session → message → streamed reply.
//!
//! `cargo run -p everruns-examples --bin quickstart` (server at `EVERRUNS_API_URL`).

use everruns_examples::{client, follow_turn};
use everruns_sdk::StreamOptions;

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let client = client()?;
    let agent = client
        .agents()
        .create(
            "Research Assistant",
            "You are a research assistant. Be concise.",
        )
        .await?;
    println!("Agent created: {} ({})", agent.id, agent.name);
    let session = client.sessions().create_for_agent(&agent.id).await?;
    println!("Session created: {}", session.id);

    client
        .messages()
        .create(&session.id, "What is a durable execution engine?")
        .await?;
    print!("Agent: ");
    let turn = follow_turn(
        client.events().stream(&session.id, StreamOptions::new()),
        true,
    )
    .await?;
    println!("\n[{}]", turn.outcome);

    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    println!("Cleaned up.");
    Ok(())
}
