//! `agent_instructions` over a real directory: the workspace's own `AGENTS.md` shapes the
//! system prompt, and editing the file on disk changes the next turn's prompt.
//!
//! `cargo run -p everruns-runtime --example real_disk_agent_instructions [-- DIR]`
//! (default: a fresh directory under the system temp dir, removed at the end).

use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::{
    CollectingEventBus, EventBus, InProcessRuntimeBuilder, InputMessage, PlatformDefinition,
    RealDiskSessionFileSystemFactory,
};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, temporary) = match std::env::args().nth(1) {
        Some(d) => (std::path::PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("everruns-agents-md-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("AGENTS.md"),
        "# Project rules\n\n- Answer in one sentence.\n- Cite file paths with /workspace.\n",
    )?;
    println!("workspace: {}", dir.display());

    // Every built-in capability reads and writes this directory.
    let platform = PlatformDefinition::builtin()
        .with_session_file_system_factory(RealDiskSessionFileSystemFactory::new(&dir));
    let bus = Arc::new(CollectingEventBus::new());
    let runtime = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| {
            s.generic_harness()
                .agent("reviewer", "You review the project.")
                .session_title("AGENTS.md on disk")
        })
        .llm_sim(LlmSimConfig::fixed(
            "The rules are in /workspace/AGENTS.md.",
        ))
        .event_bus(bus.clone())
        .build()
        .await?;
    let sid = runtime.default_session_id().expect("session");

    let ctx = runtime.load_context(&sid).await?;
    let part = section(&ctx.system_prompt, "agent_instructions");
    println!("--- agent_instructions part of the system prompt ---\n{part}\n---");
    ensure(
        part.contains("<instructions path=\"/workspace/AGENTS.md\">")
            && part.contains("- Answer in one sentence."),
        "AGENTS.md from disk is in the prompt",
    )?;

    let r = runtime
        .run_turn(&sid, InputMessage::user("Where are the rules?"))
        .await?;
    println!("turn: success={} response={:?}", r.success, r.response);
    ensure(r.success, "the turn succeeded")?;
    // What the model was sent, as the event bus saw it.
    let sent = bus
        .collected()
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.event_type == "llm.generation")
        .map(|e| e.data.to_string())
        .unwrap_or_default();
    ensure(
        sent.contains("Answer in one sentence."),
        "the reason step sent AGENTS.md",
    )?;

    // Edit the file on disk: the next turn's prompt follows.
    std::fs::write(dir.join("AGENTS.md"), "Answer in French.\n")?;
    let part = section(
        &runtime.load_context(&sid).await?.system_prompt,
        "agent_instructions",
    );
    println!("--- after editing AGENTS.md on disk ---\n{part}\n---");
    ensure(
        part.contains("Answer in French.") && !part.contains("one sentence"),
        "the prompt follows the file on disk",
    )?;

    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }
    println!("ok: real_disk_agent_instructions");
    Ok(())
}

/// The `<capability id="…">` part of a system prompt.
fn section(prompt: &str, id: &str) -> String {
    let open = format!("<capability id=\"{id}\">");
    match prompt.find(&open) {
        Some(i) => {
            let rest = &prompt[i..];
            let end = rest
                .find("</capability>")
                .map(|j| j + 13)
                .unwrap_or(rest.len());
            rest[..end].to_string()
        }
        None => String::new(),
    }
}

fn ensure(ok: bool, what: &str) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}
