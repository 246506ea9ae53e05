//! An application calling its agent with `AgentClient::run`. The application holds an agent
//! key of the agent's API channel (never a management key):
//!
//! `EVERRUNS_AGENT_URL=…/api/v1/channels/appchan_… EVERRUNS_AGENT_KEY=evr_ak_… cargo run -p
//! everruns-examples --bin agent_app`

use everruns_sdk::{AgentClient, Error};

#[tokio::main]
async fn main() -> everruns_sdk::Result<()> {
    let agent = AgentClient::from_env()?; // EVERRUNS_AGENT_URL, EVERRUNS_AGENT_KEY
    let card = agent.card().await?;
    println!("Talking to {}", card.name);
    let session = agent.create_session(Some("Order 42"), None).await?;
    for question in ["Where is my order 42?", "Can I still change the address?"] {
        match agent.run(question, Some(&session.id)).await {
            Ok(reply) => println!("Agent: {reply}"),
            Err(Error::TurnFailed { code, .. }) => {
                println!("The agent failed: {code}");
                std::process::exit(1);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
