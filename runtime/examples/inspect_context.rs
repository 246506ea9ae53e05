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
    for f in &files {
        println!(
            "  {} ({} bytes, read-only: {})",
            f.path, f.size_bytes, f.is_readonly
        );
    }

    // The example checks its own output: a wrong result exits non-zero.
    ensure(
        ctx.capabilities == ["session_file_system", "sample_data", "stateless_todo_list"],
        "capabilities, dependencies first",
    )?;
    let tools: Vec<&str> = ctx.tools.iter().map(|t| t.name.as_str()).collect();
    for t in ["read_file", "write_file", "list_directory", "write_todos"] {
        ensure(tools.contains(&t), &format!("tool {t}"))?;
    }
    ensure(
        ctx.system_prompt
            .ends_with("You are a careful assistant.\n\nAnswer from the files in the workspace."),
        "harness then agent prompt, after the capability parts",
    )?;
    ensure(
        ctx.system_prompt
            .contains("<capability id=\"sample_data\">"),
        "the sample_data prompt part",
    )?;
    ensure(
        files.len() == 3 && files.iter().all(|f| f.is_readonly),
        "three read-only sample files",
    )?;
    println!("ok: inspect_context");
    Ok(())
}

fn ensure(ok: bool, what: &str) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}
