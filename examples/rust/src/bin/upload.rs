//! Upload a file into the session's workspace, then ask the agent to process it.

use everruns_examples::{agent_markdown, client, follow_turn};
use everruns_sdk::StreamOptions;

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let client = client()?;
    let agent = client
        .agents()
        .import_agent(&agent_markdown("data-analyst"))
        .await?;
    let session = client.sessions().create_for_agent(&agent.id).await?;
    client
        .filesystem()
        .create(
            &session.id,
            "/workspace/input.csv",
            "name,value\nalpha,1\nbeta,2\ngamma,3",
        )
        .await?;
    println!("Uploaded /workspace/input.csv");

    client
        .messages()
        .create(
            &session.id,
            "Read /workspace/input.csv and create a summary.",
        )
        .await?;
    let turn = follow_turn(
        client.events().stream(&session.id, StreamOptions::new()),
        false,
    )
    .await?;
    println!("Agent: {}\n[{}]", turn.text, turn.outcome);

    let listing = client.filesystem().list(&session.id, "/workspace").await?;
    for entry in &listing.entries {
        println!(
            "  [{}] {}",
            if entry.is_directory { "dir" } else { "file" },
            entry.name
        );
    }

    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    Ok(())
}
