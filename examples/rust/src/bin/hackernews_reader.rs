//! The tutorial's complete HackerNews reader: imports the agent from markdown, asks for the top
//! stories and streams the answer. Non-interactive by default; `--interactive` adds the
//! follow-up loop.

use std::io::BufRead;

use everruns_examples::{agent_markdown, client, follow_turn};
use everruns_sdk::StreamOptions;

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let interactive = std::env::args().any(|a| a == "--interactive");
    let client = client()?;
    let agent = client
        .agents()
        .import_agent(&agent_markdown("hackernews-reader"))
        .await?;
    println!("Agent: {} ({})", agent.id, agent.name);
    let session = client
        .sessions()
        .create(everruns_sdk::CreateSessionRequest {
            agent_id: Some(agent.id.clone()),
            title: Some("HackerNews Reader Session".into()),
            ..Default::default()
        })
        .await?;
    println!("Session: {}\n", session.id);

    let result = async {
        let prompt = "What are the top 5 stories on HackerNews right now?";
        client.messages().create(&session.id, prompt).await?;
        println!("You: {prompt}\n");
        let turn = follow_turn(
            client.events().stream(&session.id, StreamOptions::new()),
            false,
        )
        .await?;
        println!("Agent: {}\n\n[{}]", turn.text, turn.outcome);

        if interactive {
            let stdin = std::io::stdin();
            loop {
                print!("\nYou (or 'quit'): ");
                std::io::Write::flush(&mut std::io::stdout()).ok();
                let mut line = String::new();
                if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim();
                if line.is_empty() || ["quit", "exit", "q"].contains(&line) {
                    break;
                }
                client.messages().create(&session.id, line).await?;
                let turn = follow_turn(
                    client.events().stream(&session.id, StreamOptions::new()),
                    false,
                )
                .await?;
                println!("Agent: {}", turn.text);
            }
        }
        Ok::<_, everruns_sdk::Error>(())
    }
    .await;

    client.sessions().delete(&session.id).await?;
    client.agents().delete(&agent.id).await?;
    println!("\nCleaned up.");
    result
}
