//! The seed-003 example: a math session on the in-process runtime with the llmsim driver.
//!
//! `cargo run -p everruns-runtime --example in_process_runtime`

use everruns_core::{InputMessage, LlmProviderType};
use everruns_runtime::capabilities::TestMathCapability;
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::{
    CapabilityRegistry, DriverRegistry, InProcessRuntimeBuilder, ModelWithProvider,
    PlatformDefinition,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut capabilities = CapabilityRegistry::new();
    capabilities.register(TestMathCapability);
    let platform = PlatformDefinition::new(capabilities, DriverRegistry::new());

    let runtime = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| {
            s.harness("math", "You are a calculator.")
                .harness_display_name("Math")
                .with_capability("test_math")
                .agent("math-agent", "Use tools when needed.")
                .agent_display_name("Math Agent")
                .agent_max_iterations(8)
                .session_title("Math Session")
        })
        .llm_sim(LlmSimConfig::fixed("4"))
        .default_model(ModelWithProvider {
            model: "llmsim-model".into(),
            provider_type: LlmProviderType::LlmSim,
            api_key: Some("fake-key".into()),
            base_url: None,
        })
        .build()
        .await?;

    let session_id = runtime.default_session_id().expect("single_session id");
    let result = runtime
        .run_turn(session_id, InputMessage::user("What is 2 + 2?"))
        .await?;
    assert!(result.success);

    println!("turn {}: success={}", result.turn_id, result.success);
    println!(
        "response: {:?} (iterations {}, tool calls {})",
        result.response, result.iterations, result.tool_calls_count
    );
    let events = runtime.events().await?;
    println!("events:");
    for e in &events {
        println!("  {:>3} {}", e.sequence.unwrap_or(0), e.event_type);
    }
    let messages = runtime.messages().await?;
    println!("messages:");
    for m in &messages {
        println!("  {:<11} {}", m.role.as_str(), m.text());
    }

    // The example checks its own output: a wrong result exits non-zero.
    ensure(result.response == "4", "the response is \"4\"")?;
    ensure(result.iterations == 1, "one reason step")?;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    for t in [
        "session.started",
        "input.message",
        "turn.started",
        "output.message.completed",
    ] {
        ensure(types.contains(&t), &format!("a {t} event"))?;
    }
    ensure(
        types.iter().filter(|t| **t == "turn.completed").count() == 1,
        "exactly one turn.completed",
    )?;
    ensure(types.last() == Some(&"session.idled"), "session.idled last")?;
    ensure(
        messages.len() == 2 && messages[0].text() == "What is 2 + 2?" && messages[1].text() == "4",
        "messages: the question, then \"4\"",
    )?;
    println!("ok: in_process_runtime");
    Ok(())
}

fn ensure(ok: bool, what: &str) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}
