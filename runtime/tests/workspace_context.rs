//! `agent_instructions` and `skills`: workspace files that shape the prompt, read through the
//! session's file store (in memory or a real directory).

mod common;

use common::*;
use everruns_core::InputMessage;
use everruns_runtime::llmsim_driver::LlmSimConfig;
use everruns_runtime::*;
use serde_json::json;

const SKILL: &str = "---\nname: release-notes\ndescription: Write release notes from the changelog.\n---\n# Release notes\n\n1. Read CHANGELOG.md.\n2. Group by kind.\n";

#[tokio::test]
async fn agents_md_enters_the_prompt_and_changes_with_the_file() {
    let rt = runtime(&["agent_instructions"]).await;
    let sid = rt.default_session_id().unwrap();
    let ctx = rt.load_context(&sid).await.unwrap();
    assert!(
        !ctx.system_prompt
            .contains("<capability id=\"agent_instructions\">"),
        "no AGENTS.md, no prompt part: {}",
        ctx.system_prompt
    );
    rt.seed_text_file(&sid, "/workspace/AGENTS.md", "Always answer in French.")
        .await
        .unwrap();
    let ctx = rt.load_context(&sid).await.unwrap();
    assert!(ctx.system_prompt.contains(
        "<instructions path=\"/workspace/AGENTS.md\">\nAlways answer in French.\n</instructions>"
    ));
    // the reason step sends the same prompt: llm.generation records it
    assert!(
        rt.run_turn(&sid, InputMessage::user("hi"))
            .await
            .unwrap()
            .success
    );
    let ev = rt.events().await.unwrap();
    let gen = ev
        .iter()
        .find(|e| e.event_type == "llm.generation")
        .unwrap();
    assert!(gen.data.to_string().contains("Always answer in French."));
}

#[tokio::test]
async fn instruction_files_are_configurable_and_cut_when_huge() {
    let h = HarnessBuilder::new("h", "p")
        .capability(everruns_core::CapabilityRef {
            r#ref: "agent_instructions".into(),
            config: Some(json!({"files": ["docs/RULES.md", "/AGENTS.md"]})),
        })
        .build();
    let rt = InProcessRuntimeBuilder::new()
        .llm_sim(LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let s = SessionBuilder::new(&h.id).build();
    let sid = rt.create_session(h, None, s).await.unwrap();
    rt.seed_text_file(&sid, "/docs/RULES.md", "Rule one.")
        .await
        .unwrap();
    rt.seed_text_file(
        &sid,
        "/AGENTS.md",
        &"x".repeat(capabilities::MAX_INSTRUCTION_CHARS + 10),
    )
    .await
    .unwrap();
    let p = rt.load_context(&sid).await.unwrap().system_prompt;
    let rules = p.find("/workspace/docs/RULES.md").unwrap();
    let agents = p.find("/workspace/AGENTS.md").unwrap();
    assert!(rules < agents, "configured order");
    assert!(p.contains("[… cut: the file is longer than"));
}

#[tokio::test]
async fn skills_are_listed_and_loaded_with_a_tool() {
    let rt = runtime(&["skills"]).await;
    let sid = rt.default_session_id().unwrap();
    rt.seed_text_file(&sid, "/skills/release/SKILL.md", SKILL)
        .await
        .unwrap();
    rt.seed_text_file(&sid, "/skills/release/template.md", "## vX")
        .await
        .unwrap();
    rt.seed_text_file(
        &sid,
        "/.agents/skills/broken/SKILL.md",
        "---\nname: [x\n---\n",
    )
    .await
    .unwrap();
    let ctx = rt.load_context(&sid).await.unwrap();
    assert!(ctx.tools.iter().any(|t| t.name == "load_skill"));
    assert!(ctx.system_prompt.contains(
        "- release-notes: Write release notes from the changelog. (/workspace/skills/release)"
    ));
    assert!(ctx
        .system_prompt
        .contains("/workspace/.agents/skills/broken/SKILL.md: invalid front matter"));

    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[
                ("s1", "load_skill", json!({"name": "release-notes"})),
                ("s2", "load_skill", json!({"name": "nope"})),
            ]),
            text("done"),
        ]),
    )
    .await
    .unwrap();
    assert!(
        rt.run_turn(&sid, InputMessage::user("notes"))
            .await
            .unwrap()
            .success
    );
    let done = tool_completions(&rt.events().await.unwrap());
    let loaded = result_json(&done[0]);
    assert_eq!(loaded["name"], "release-notes");
    assert!(loaded["instructions"]
        .as_str()
        .unwrap()
        .starts_with("# Release notes\n\n1. Read CHANGELOG.md."));
    assert_eq!(
        loaded["files"],
        json!(["/workspace/skills/release/template.md"])
    );
    let missing = done[1]
        .result
        .as_ref()
        .map(|r| format!("{r:?}"))
        .unwrap_or_default()
        + done[1].error.as_deref().unwrap_or("");
    assert!(
        missing.contains("no skill named \\\"nope\\\"")
            || missing.contains("no skill named \"nope\""),
        "{missing}"
    );
    assert!(missing.contains("release-notes"), "{missing}");
}

#[tokio::test]
async fn a_real_disk_workspace_feeds_both_capabilities() {
    let dir = std::env::temp_dir().join(format!(
        "everruns-workspace-context-{}",
        everruns_core::ids::new_id(everruns_core::ids::IdKind::Session)
    ));
    std::fs::create_dir_all(dir.join("skills/deploy")).unwrap();
    std::fs::write(dir.join("AGENTS.md"), "Use British spelling.").unwrap();
    std::fs::write(
        dir.join("skills/deploy/SKILL.md"),
        "---\nname: deploy\ndescription: Ship it.\n---\nRun make deploy.",
    )
    .unwrap();
    let platform = PlatformDefinition::builtin()
        .with_session_file_system_factory(RealDiskSessionFileSystemFactory::new(&dir));
    let rt = InProcessRuntimeBuilder::new()
        .platform_definition(platform)
        .single_session(|s| s.generic_harness())
        .llm_sim(LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    let ctx = rt.load_context(&sid).await.unwrap();
    for c in GENERIC_HARNESS_CAPABILITIES {
        assert!(ctx.capabilities.iter().any(|x| x == c), "{c}");
    }
    assert!(ctx.system_prompt.contains("Use British spelling."));
    assert!(ctx
        .system_prompt
        .contains("- deploy: Ship it. (/workspace/skills/deploy)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_builtin_registry_lists_both() {
    let ids: Vec<String> = CapabilityRegistry::with_builtins()
        .infos()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(ids.contains(&"agent_instructions".to_string()));
    assert!(ids.contains(&"skills".to_string()));
    let h = HarnessBuilder::generic().build();
    assert_eq!(h.name, "generic");
    assert!(h.is_built_in);
    assert_eq!(h.capabilities.len(), GENERIC_HARNESS_CAPABILITIES.len());
}
