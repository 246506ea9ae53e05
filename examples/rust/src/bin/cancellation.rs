//! Cancellation: start a long turn, cancel it, and watch the turn end with `turn.cancelled`.

use std::time::Duration;

use everruns_examples::{client, follow_turn};
use everruns_sdk::StreamOptions;

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let client = client()?;
    let agent = client
        .agents()
        .create("Package Analyst", "You analyse software packages in depth.")
        .await?;
    let session = client.sessions().create_for_agent(&agent.id).await?;
    client
        .messages()
        .create(&session.id, "Analyze every Python package on PyPI")
        .await?;
    let events = client.events().stream(&session.id, StreamOptions::new());

    tokio::time::sleep(Duration::from_millis(500)).await;
    let cancel = client.sessions().cancel(&session.id).await?;
    println!("cancel: {} ({})", cancel.status, cancel.message);

    let turn = follow_turn(events, false).await?;
    println!("turn ended with {}", turn.outcome);
    if !turn.text.is_empty() {
        println!("Agent: {}", turn.text);
    }

    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    Ok(())
}
