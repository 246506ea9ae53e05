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
    println!("events:");
    for e in runtime.events().await? {
        println!("  {:>3} {}", e.sequence.unwrap_or(0), e.event_type);
    }
    println!("messages:");
    for m in runtime.messages().await? {
        println!("  {:<11} {}", m.role.as_str(), m.text());
    }
    Ok(())
}
