//! The file tools and bash over a real directory: a scripted (llmsim) turn reads a file that
//! is on disk, writes a new one, lists a directory and runs bash; the results are checked on
//! disk afterwards.
//!
//! `cargo run -p everruns-runtime --example real_disk_file_system_tools [-- DIR]`
//! (default: a fresh directory under the system temp dir, removed at the end).

use everruns_core::{LlmSimScript, OnExhausted, SimStep, SimToolCall};
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::{
    InProcessRuntimeBuilder, InputMessage, PlatformDefinition, RealDiskSessionFileSystemFactory,
};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, temporary) = match std::env::args().nth(1) {
        Some(d) => (std::path::PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("everruns-fs-tools-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(dir.join("data"))?;
    std::fs::write(dir.join("data/cities.txt"), "Paris\nLisbon\nOslo\n")?;
    println!("workspace: {}", dir.display());

    let platform = PlatformDefinition::builtin()
        .with_session_file_system_factory(RealDiskSessionFileSystemFactory::new(&dir));
    let runtime = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| s.generic_harness().session_title("Files on disk"))
        .llm_sim(LlmSimConfig::fixed("unused"))
        .build()
        .await?;
    let sid = runtime.default_session_id().expect("session");
    let call = |id: &str, name: &str, args: Value| SimToolCall {
        id: Some(id.into()),
        name: name.into(),
        arguments: args,
    };
    runtime
        .set_llmsim_script(
            &sid,
            LlmSimScript {
                steps: vec![
                    calls(vec![call(
                        "read",
                        "read_file",
                        json!({"path": "/workspace/data/cities.txt"}),
                    )]),
                    calls(vec![call(
                        "write",
                        "write_file",
                        json!({"path": "/workspace/out/summary.md",
                               "content": "# Cities\n\n3 cities: Paris, Lisbon, Oslo.\n"}),
                    )]),
                    calls(vec![
                        call("list", "list_directory", json!({"path": "/workspace/out"})),
                        call(
                            "bash",
                            "bash",
                            json!({"command": "wc -l /workspace/data/cities.txt"}),
                        ),
                    ]),
                    SimStep {
                        text: Some("Wrote /workspace/out/summary.md.".into()),
                        ..Default::default()
                    },
                ],
                on_exhausted: Some(OnExhausted::Error),
                chunk_delay_ms: None,
            },
        )
        .await?;

    let r = runtime
        .run_turn(
            &sid,
            InputMessage::user("Summarise data/cities.txt into out/summary.md"),
        )
        .await?;
    println!(
        "turn: success={} iterations={} tool calls={} response={:?}",
        r.success, r.iterations, r.tool_calls_count, r.response
    );
    let mut results = std::collections::HashMap::new();
    for e in runtime.events().await? {
        if let everruns_core::EventPayload::ToolCompleted(d) = e.payload() {
            let text = d
                .result
                .as_ref()
                .and_then(|parts| parts.first())
                .map(|p| {
                    p.to_value()["text"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .unwrap_or_default();
            println!(
                "  {:<15} success={} {}",
                d.tool_name,
                d.success,
                clip(&text, 110)
            );
            results.insert(d.tool_call_id.clone(), (d.success, text));
        }
    }
    let on_disk = std::fs::read_to_string(dir.join("out/summary.md"))?;
    println!("out/summary.md on disk:\n{on_disk}");

    // The example checks its own output: a wrong result exits non-zero.
    ensure(
        r.success && r.tool_calls_count == 4,
        "four tool calls, turn completed",
    )?;
    ensure(results.values().all(|(ok, _)| *ok), "every tool succeeded")?;
    ensure(
        results["read"].1.contains("Lisbon"),
        "read_file saw the file on disk",
    )?;
    ensure(on_disk.contains("3 cities"), "write_file wrote to disk")?;
    ensure(
        results["list"].1.contains("summary.md"),
        "list_directory sees the new file",
    )?;
    ensure(
        results["bash"].1.contains('3'),
        "bash counted the lines of the file on disk",
    )?;

    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }
    println!("ok: real_disk_file_system_tools");
    Ok(())
}

fn calls(tool_calls: Vec<SimToolCall>) -> SimStep {
    SimStep {
        tool_calls,
        ..Default::default()
    }
}

fn clip(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', "\\n");
    match one_line.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

fn ensure(ok: bool, what: &str) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}
