//! Inspect the assembled turn context (system prompt and tools) before running a turn.
//!
//! `cargo run -p everruns-runtime --example inspect_context`

use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::InProcessRuntimeBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = InProcessRuntimeBuilder::new()
        .single_session(|s| {
            s.harness("workspace", "You are a careful assistant.")
                .with_capability("sample_data")
                .with_capability("stateless_todo_list")
                .agent("analyst", "Answer from the files in the workspace.")
                .session_title("Inspect")
        })
        .llm_sim(LlmSimConfig::fixed("ok"))
        .build()
        .await?;
    let sid = runtime.default_session_id().expect("session");
    let ctx = runtime.load_context(&sid).await?;
    println!("capabilities (dependencies first): {:?}", ctx.capabilities);
    println!("max_iterations: {}", ctx.max_iterations);
    println!("--- system prompt ---\n{}\n---", ctx.system_prompt);
    println!("tools:");
    for t in &ctx.tools {
        println!("  {:<16} {}", t.name, t.description);
    }
    let files = runtime
        .backends()
        .files
        .list(&sid, "/samples", false)
        .await?;
    println!("mounted files:");
    for f in files {
        println!(
            "  {} ({} bytes, read-only: {})",
            f.path, f.size_bytes, f.is_readonly
        );
    }
    Ok(())
}
