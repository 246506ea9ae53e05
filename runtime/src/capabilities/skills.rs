//! `skills`: skill folders in the workspace. Each folder under a skills root
//! (`/skills/<name>/`, `/.agents/skills/<name>/` by default) holds a `SKILL.md` whose YAML front
//! matter gives `name` and `description`. The descriptions go into the system prompt; the
//! model loads a skill's instructions (the body of `SKILL.md`) and the list of its other files
//! with the `load_skill` tool. Everything is read through the session's file store.

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::FileEncoding;
use serde::Deserialize;
use serde_json::{json, Value};

use super::files::display_path;
use super::instructions::clip;
use super::{arg_str, Capability, SystemPromptContext, Tool, ToolContext, ToolError};
use crate::fs::{FsError, SessionFileSystem};

/// Skill roots searched when the capability config names none.
pub const DEFAULT_SKILL_ROOTS: &[&str] = &["/skills", "/.agents/skills"];

/// Skills listed in the prompt at most.
pub const MAX_SKILLS: usize = 100;

/// Characters of a skill's instructions `load_skill` returns.
pub const MAX_SKILL_CHARS: usize = 64 * 1024;

/// The `skills` capability. Config: `{"roots": ["/skills", …]}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SkillsCapability;

/// One skill found in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// Name from the front matter (else the folder name).
    pub name: String,
    /// Description from the front matter (else the body's first line of text).
    pub description: String,
    /// Store path of the skill folder.
    pub dir: String,
    /// The body of `SKILL.md` (after the front matter).
    pub instructions: String,
}

#[derive(Deserialize, Default)]
struct FrontMatter {
    name: Option<String>,
    description: Option<String>,
}

/// Splits `SKILL.md` into its front matter and body. Without front matter the whole text is the
/// body; a malformed front matter is an error (so a typo is reported, not silently ignored).
fn parse_skill_md(text: &str) -> Result<(FrontMatter, String), String> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = t
        .strip_prefix("---\n")
        .or_else(|| t.strip_prefix("---\r\n"))
    else {
        return Ok((FrontMatter::default(), t.to_string()));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let fm: FrontMatter = if yaml.trim().is_empty() {
                FrontMatter::default()
            } else {
                serde_norway::from_str(yaml).map_err(|e| format!("invalid front matter: {e}"))?
            };
            return Ok((fm, body.trim_start().to_string()));
        }
        offset += line.len();
    }
    Err("front matter is not closed by a `---` line".into())
}

fn roots(config: Option<&Value>) -> Vec<String> {
    match config
        .and_then(|c| c.get("roots"))
        .and_then(Value::as_array)
    {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => DEFAULT_SKILL_ROOTS.iter().map(|s| s.to_string()).collect(),
    }
}

/// Every skill under the roots, sorted by name (first root wins on a name clash), and the
/// problems found (unreadable or malformed `SKILL.md`).
pub async fn discover_skills(
    files: &dyn SessionFileSystem,
    session_id: &str,
    config: Option<&Value>,
) -> (Vec<Skill>, Vec<String>) {
    let mut skills: Vec<Skill> = Vec::new();
    let mut problems = Vec::new();
    for root in roots(config) {
        let entries = match files.list(session_id, &root, false).await {
            Ok(e) => e,
            Err(FsError::NotFound(_)) | Err(FsError::NotADirectory(_)) => continue,
            Err(e) => {
                problems.push(format!("{root}: {e}"));
                continue;
            }
        };
        for dir in entries.into_iter().filter(|e| e.is_directory) {
            let md = format!("{}/SKILL.md", dir.path);
            let f = match files.read(session_id, &md).await {
                Ok(f) => f,
                Err(FsError::NotFound(_)) => continue,
                Err(e) => {
                    problems.push(format!("{}: {e}", display_path(&md)));
                    continue;
                }
            };
            let (Some(text), false) = (f.content, matches!(f.encoding, Some(FileEncoding::Base64)))
            else {
                continue;
            };
            match parse_skill_md(&text) {
                Ok((fm, body)) => {
                    let name = fm
                        .name
                        .map(|n| n.trim().to_string())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| dir.name.clone());
                    let description = fm
                        .description
                        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|d| !d.is_empty())
                        .or_else(|| {
                            body.lines()
                                .map(|l| l.trim_start_matches('#').trim())
                                .find(|l| !l.is_empty())
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    if !skills.iter().any(|s| s.name == name) {
                        skills.push(Skill {
                            name,
                            description,
                            dir: dir.path.clone(),
                            instructions: body,
                        });
                    }
                }
                Err(e) => problems.push(format!("{}: {e}", display_path(&md))),
            }
        }
    }
    skills.sort_by(|a, b| a.name.cmp(&b.name));
    (skills, problems)
}

struct LoadSkill;

#[async_trait]
impl Tool for LoadSkill {
    fn name(&self) -> &str {
        "load_skill"
    }
    fn description(&self) -> &str {
        "Load a skill from the workspace by name: returns its instructions (the body of its \
         SKILL.md) and the other files in its folder. Load a skill before doing a task it covers."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "The skill's name as listed in the prompt"}
            },
            "required": ["name"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let name = arg_str(&args, "name")?;
        let (skills, _) = discover_skills(
            ctx.files.as_ref(),
            &ctx.session_id,
            ctx.capability_config.as_ref(),
        )
        .await;
        let Some(skill) = skills.iter().find(|s| s.name == name) else {
            let names: Vec<&str> = skills.iter().map(|s| s.name.as_str()).collect();
            return Err(ToolError::new(if names.is_empty() {
                format!("no skill named {name:?}: the workspace has no skills")
            } else {
                format!("no skill named {name:?}; available: {}", names.join(", "))
            }));
        };
        let others: Vec<String> = ctx
            .files
            .list(&ctx.session_id, &skill.dir, true)
            .await?
            .into_iter()
            .filter(|f| !f.is_directory && !f.path.ends_with("/SKILL.md"))
            .map(|f| display_path(&f.path))
            .collect();
        Ok(json!({
            "name": skill.name,
            "description": skill.description,
            "path": display_path(&skill.dir),
            "instructions": clip(&skill.instructions, MAX_SKILL_CHARS),
            "files": others,
        }))
    }
}

#[async_trait]
impl Capability for SkillsCapability {
    fn id(&self) -> &str {
        "skills"
    }
    fn name(&self) -> &str {
        "Skills"
    }
    fn description(&self) -> &str {
        "Skill folders in the workspace (skills/<name>/SKILL.md): their descriptions enter the \
         prompt and the model loads one with load_skill."
    }
    fn category(&self) -> Option<&str> {
        Some("context")
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(LoadSkill)]
    }
    async fn session_system_prompt(&self, ctx: &SystemPromptContext) -> Option<String> {
        let (skills, problems) = discover_skills(
            ctx.file_store.as_ref(),
            &ctx.session_id,
            ctx.capability_config.as_ref(),
        )
        .await;
        if skills.is_empty() && problems.is_empty() {
            return None;
        }
        let mut out = String::from(
            "Skills are folders of instructions in the workspace. When a task matches a skill's \
             description, call load_skill with its name first and follow what it says.\n\n<skills>",
        );
        for s in skills.iter().take(MAX_SKILLS) {
            out.push_str(&format!(
                "\n- {}: {} ({})",
                s.name,
                s.description,
                display_path(&s.dir)
            ));
        }
        if skills.len() > MAX_SKILLS {
            out.push_str(&format!(
                "\n- … {} more not listed",
                skills.len() - MAX_SKILLS
            ));
        }
        out.push_str("\n</skills>");
        if !problems.is_empty() {
            out.push_str("\nSkills that could not be read: ");
            out.push_str(&problems.join("; "));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_parsed_and_required_to_close() {
        let (fm, body) = parse_skill_md(
            "---\nname: pdf\ndescription: >\n  Fill PDF\n  forms\n---\n# PDF\nSteps",
        )
        .unwrap();
        assert_eq!(fm.name.as_deref(), Some("pdf"));
        assert_eq!(fm.description.as_deref(), Some("Fill PDF forms\n"));
        assert_eq!(body, "# PDF\nSteps");
        let (fm, body) = parse_skill_md("# Just a body").unwrap();
        assert!(fm.name.is_none());
        assert_eq!(body, "# Just a body");
        assert!(parse_skill_md("---\nname: x\n# never closed").is_err());
        assert!(parse_skill_md("---\nname: [unclosed\n---\nbody").is_err());
    }
}
