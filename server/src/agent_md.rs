//! Agent files (docs/wire.md#19): import from Markdown with YAML front matter, YAML, JSON or
//! plain text; export to Markdown.

use chrono::Utc;
use everruns_core::{Agent, CapabilityRef, CreateAgentRequest, InitialFile, NetworkAccess};
use serde::Deserialize;

/// Metadata keys of an agent file.
#[derive(Debug, Default, Deserialize)]
struct Meta {
    id: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    capabilities: Option<Vec<CapabilityRef>>,
    default_model_id: Option<String>,
    system_prompt: Option<String>,
    harness_id: Option<String>,
    harness_name: Option<String>,
    max_iterations: Option<u32>,
    parallel_tool_calls: Option<bool>,
    #[serde(default)]
    initial_files: Option<Vec<InitialFile>>,
    network_access: Option<NetworkAccess>,
}

/// Largest YAML document parsed (front matter, or a whole file in the bare YAML form).
pub const MAX_YAML_BYTES: usize = 1024 * 1024;
/// Deepest flow-collection nesting (`[`/`{`) accepted in YAML: YAML parse time grows with
/// the square of the nesting depth, and no agent file needs more than a few levels.
pub const MAX_YAML_DEPTH: usize = 64;

/// The deepest `[`/`{` nesting of `yaml`, counted on the raw text (brackets inside quoted
/// scalars count too, which only errs on the side of refusing).
fn flow_depth(yaml: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in yaml.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Checks a YAML document against [`MAX_YAML_BYTES`] and [`MAX_YAML_DEPTH`] before parsing.
fn check_yaml_bounds(yaml: &str, what: &str) -> Result<(), String> {
    if yaml.len() > MAX_YAML_BYTES {
        return Err(format!(
            "The {what} is {} bytes; the maximum is {MAX_YAML_BYTES}.",
            yaml.len()
        ));
    }
    let depth = flow_depth(yaml);
    if depth > MAX_YAML_DEPTH {
        return Err(format!(
            "The {what} nests `[`/`{{` {depth} levels deep; the maximum is {MAX_YAML_DEPTH}."
        ));
    }
    Ok(())
}

/// Parses an agent file into a create request (name not yet slugged). YAML is bounded by
/// [`MAX_YAML_BYTES`] and [`MAX_YAML_DEPTH`]; the parse is CPU work, so async callers run
/// it on a blocking thread.
pub fn parse(text: &str) -> Result<CreateAgentRequest, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("The agent file is empty.".into());
    }
    let meta: Meta;
    let mut body: Option<String> = None;
    if let Some(rest) = t.strip_prefix("---") {
        // front matter: up to the next line that starts with ---
        let rest = rest
            .trim_start_matches(['\r'])
            .strip_prefix('\n')
            .unwrap_or(rest);
        let mut yaml_end = None;
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.starts_with("---") {
                yaml_end = Some((offset, offset + line.len()));
                break;
            }
            offset += line.len();
        }
        let Some((ye, be)) = yaml_end else {
            return Err("Front matter starts with `---` but has no closing `---` line.".into());
        };
        let yaml = &rest[..ye];
        meta = if yaml.trim().is_empty() {
            Meta::default()
        } else {
            check_yaml_bounds(yaml, "YAML front matter")?;
            serde_norway::from_str(yaml).map_err(|e| format!("Invalid YAML front matter: {e}"))?
        };
        body = Some(rest[be..].trim().to_string());
    } else if t.starts_with('{') {
        meta =
            serde_json::from_str(t).map_err(|e| format!("Invalid JSON agent definition: {e}"))?;
    } else if t.len() > MAX_YAML_BYTES {
        // too large for a YAML agent definition: the whole text is the prompt
        meta = Meta::default();
        body = Some(t.to_string());
    } else {
        check_yaml_bounds(t, "agent file")?;
        match serde_norway::from_str::<Meta>(t) {
            Ok(m) if m.name.is_some() || m.system_prompt.is_some() => meta = m,
            _ => {
                meta = Meta::default();
                body = Some(t.to_string());
            }
        }
    }
    let prompt = match body {
        Some(b) if !b.is_empty() => b,
        _ => meta.system_prompt.clone().unwrap_or_default(),
    };
    if prompt.trim().is_empty() {
        return Err(
            "The agent file has no system prompt (the text after the front matter).".into(),
        );
    }
    let name = meta
        .name
        .clone()
        .unwrap_or_else(|| format!("agent-{}", Utc::now().format("%Y%m%d-%H%M%S")));
    Ok(CreateAgentRequest {
        id: meta.id,
        name,
        display_name: meta.display_name,
        description: meta.description,
        system_prompt: prompt,
        harness_id: meta.harness_id,
        harness_name: meta.harness_name,
        default_model_id: meta.default_model_id,
        tags: meta.tags.unwrap_or_default(),
        capabilities: meta.capabilities.unwrap_or_default(),
        tools: vec![],
        initial_files: meta.initial_files.unwrap_or_default(),
        memory_ids: Vec::new(),
        max_iterations: meta.max_iterations,
        parallel_tool_calls: meta.parallel_tool_calls,
        network_access: meta.network_access,
    })
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string serialises")
}

/// Markdown with YAML front matter; the body is the system prompt verbatim.
pub fn export(agent: &Agent) -> String {
    let mut out = String::from("---\n");
    out.push_str(&format!("id: {}\n", agent.id));
    out.push_str(&format!("name: {}\n", q(&agent.name)));
    if let Some(d) = &agent.display_name {
        out.push_str(&format!("display_name: {}\n", q(d)));
    }
    if let Some(d) = &agent.description {
        out.push_str(&format!("description: {}\n", q(d)));
    }
    if let Some(m) = &agent.default_model_id {
        out.push_str(&format!("default_model_id: {}\n", q(m)));
    }
    if !agent.tags.is_empty() {
        out.push_str("tags:\n");
        for t in &agent.tags {
            out.push_str(&format!("  - {}\n", q(t)));
        }
    }
    if !agent.capabilities.is_empty() {
        out.push_str("capabilities:\n");
        for c in &agent.capabilities {
            match &c.config {
                None => out.push_str(&format!("  - {}\n", c.r#ref)),
                Some(cfg) => out.push_str(&format!(
                    "  - {{\"ref\": {}, \"config\": {}}}\n",
                    q(&c.r#ref),
                    serde_json::to_string(cfg).expect("json")
                )),
            }
        }
    }
    if let Some(m) = agent.max_iterations {
        out.push_str(&format!("max_iterations: {m}\n"));
    }
    out.push_str("---\n");
    out.push_str(&agent.system_prompt);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter() {
        let r = parse("---\nname: \"HackerNews Reader\"\ntags:\n  - demo\ncapabilities:\n  - web_fetch\n---\nYou read HN.\n").unwrap();
        assert_eq!(r.name, "HackerNews Reader");
        assert_eq!(r.system_prompt, "You read HN.");
        assert_eq!(r.capabilities[0].r#ref, "web_fetch");
        assert_eq!(r.tags, vec!["demo"]);
    }

    #[test]
    fn other_forms() {
        assert_eq!(
            parse("{\"name\":\"a\",\"system_prompt\":\"p\"}")
                .unwrap()
                .system_prompt,
            "p"
        );
        assert_eq!(parse("name: a\nsystem_prompt: p\n").unwrap().name, "a");
        let plain = parse("Just be nice.").unwrap();
        assert!(plain.name.starts_with("agent-"));
        assert!(parse("---\nname: a\n---\n").is_err());
        assert!(parse("---\nname: [\n---\nx").is_err());
        assert!(parse("---\nname: a\n").is_err());
    }

    #[test]
    fn deep_or_large_yaml_is_refused_before_parsing() {
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let e = parse(&format!("---\nname: a\ntags: {deep}\n---\nprompt")).unwrap_err();
        assert!(e.contains("65 levels"), "{e}");
        assert!(parse(&format!("name: a\ntags: {deep}\n")).is_err());
        let ok = format!("{}1{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&format!("---\nname: a\nx: {ok}\n---\nprompt")).is_ok());
        let big = format!(
            "---\nname: a\ndescription: \"{}\"\n---\np",
            "x".repeat(MAX_YAML_BYTES)
        );
        assert!(parse(&big).unwrap_err().contains("maximum"));
        // a large plain-text prompt is not parsed as YAML
        let prose = "word ".repeat(MAX_YAML_BYTES / 4);
        assert_eq!(parse(&prose).unwrap().system_prompt, prose.trim());
    }

    mod properties {
        use super::super::*;
        use everruns_core::{Agent, ResourceStatus};
        use proptest::prelude::*;

        fn agent(
            name: String,
            description: Option<String>,
            tags: Vec<String>,
            prompt: String,
            max_iterations: Option<u32>,
        ) -> Agent {
            let t = Utc::now();
            Agent {
                id: everruns_core::ids::new_id(everruns_core::ids::IdKind::Agent),
                name,
                display_name: None,
                description,
                system_prompt: prompt,
                harness_id: String::new(),
                default_model_id: None,
                status: ResourceStatus::Active,
                tags,
                capabilities: vec![],
                tools: vec![],
                initial_files: vec![],
                max_iterations,
                parallel_tool_calls: None,
                network_access: None,
                memory_ids: Vec::new(),
                created_at: t,
                updated_at: t,
                archived_at: None,
                usage: None,
                session_count: None,
                self_url: None,
                view_url: None,
                ui_link: None,
                app_count: None,
                default_version_id: None,
                forked_from_agent_id: None,
                forked_from_version_id: None,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// Whatever the text, the importer answers (a request or a message) without panicking.
            #[test]
            fn any_text_gets_an_answer(text in "\\PC{0,300}|---\\n[ -~\\n]{0,200}") {
                if let Err(e) = parse(&text) {
                    prop_assert!(!e.is_empty());
                }
            }

            /// Deep flow nesting is refused by the bound check, never handed to the YAML parser.
            #[test]
            fn deep_nesting_is_refused(depth in 65usize..3_000, front in any::<bool>()) {
                let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
                let text = if front {
                    format!("---\nname: a\ntags: {deep}\n---\nprompt")
                } else {
                    format!("name: a\ntags: {deep}\n")
                };
                let e = parse(&text).unwrap_err();
                prop_assert!(e.contains("levels deep"), "{}", e);
            }

            /// An exported agent imports back to the same fields.
            #[test]
            fn export_then_parse_round_trips(
                name in "[a-z][a-z0-9-]{0,30}",
                description in proptest::option::of("\\PC{0,60}"),
                tags in proptest::collection::vec("\\PC{1,20}", 0..4),
                prompt in "\\PC{0,80}[!-~]",
                max_iterations in proptest::option::of(1u32..1000),
            ) {
                let a = agent(name, description, tags, prompt, max_iterations);
                let text = export(&a);
                let r = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(&r.name, &a.name);
                prop_assert_eq!(&r.description, &a.description);
                prop_assert_eq!(&r.tags, &a.tags);
                prop_assert_eq!(r.system_prompt.as_str(), a.system_prompt.trim());
                prop_assert_eq!(r.max_iterations, a.max_iterations);
                prop_assert_eq!(r.id.as_deref(), Some(a.id.as_str()));
            }
        }
    }
}
