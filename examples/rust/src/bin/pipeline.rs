//! Multi-agent pipeline: a researcher's answer becomes a writer's input.

use everruns_examples::{agent_markdown, client, follow_turn};
use everruns_sdk::StreamOptions;

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let client = client()?;
    let researcher = client
        .agents()
        .import_agent(&agent_markdown("researcher"))
        .await?;
    let research = client.sessions().create_for_agent(&researcher.id).await?;
    client
        .messages()
        .create(&research.id, "Research Python async frameworks")
        .await?;
    println!("[researcher]");
    let notes = follow_turn(
        client.events().stream(&research.id, StreamOptions::new()),
        false,
    )
    .await?;
    println!("{}\n", notes.text);

    let writer = client
        .agents()
        .import_agent(&agent_markdown("technical-writer"))
        .await?;
    let article = client.sessions().create_for_agent(&writer.id).await?;
    client
        .messages()
        .create(
            &article.id,
            &format!(
                "Write a blog post based on this research:\n\n{}",
                notes.text
            ),
        )
        .await?;
    println!("[writer]");
    let post = follow_turn(
        client.events().stream(&article.id, StreamOptions::new()),
        true,
    )
    .await?;
    println!("\n[{}]", post.outcome);

    for sid in [&research.id, &article.id] {
        client.sessions().delete(sid).await?;
    }
    for aid in [&researcher.id, &writer.id] {
        client.agents().delete(aid).await?;
    }
    Ok(())
}
