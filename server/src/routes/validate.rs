//! Input validation shared by the routes (limits from docs/wire.md#4 / docs/runtime.md#9).

use everruns_core::ids::IdKind;
use everruns_core::{slug, CapabilityRef, InitialFile, ToolDefinition};

use crate::error::{ApiError, ApiResult};
use crate::store::seeded;
use crate::util::{check_id, check_len};
use crate::App;

/// Display name / name limit.
pub const MAX_NAME_BYTES: usize = 2 * 1024;
/// Description limit.
pub const MAX_DESCRIPTION_BYTES: usize = 10 * 1024;
/// System prompt limit.
pub const MAX_PROMPT_BYTES: usize = 1024 * 1024;
/// Capabilities per agent/session.
pub const MAX_CAPABILITIES: usize = 250;
/// Tags per resource.
pub const MAX_TAGS: usize = 100;
/// Client-side tools per resource.
pub const MAX_TOOLS: usize = 128;
/// Initial files per resource.
pub const MAX_INITIAL_FILES: usize = 1000;
/// Largest iteration limit.
pub const MAX_ITERATIONS: u32 = 10_000;

fn limit(what: &str, n: usize, max: usize) -> ApiResult<()> {
    if n > max {
        return Err(ApiError::bad_request(
            "limit_exceeded",
            format!("Input exceeds allowed limits: {n} {what}, the maximum is {max}."),
        ));
    }
    Ok(())
}

/// Tags, capabilities, tools and initial files.
pub fn lists(
    tags: &[String],
    capabilities: &[CapabilityRef],
    tools: &[ToolDefinition],
    initial_files: &[InitialFile],
) -> ApiResult<()> {
    limit("tags", tags.len(), MAX_TAGS)?;
    for t in tags {
        check_len("tags[]", t, 256)?;
    }
    limit("capabilities", capabilities.len(), MAX_CAPABILITIES)?;
    for c in capabilities {
        let id = c.r#ref.as_str();
        if id.is_empty()
            || id.len() > 128
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
        {
            return Err(ApiError::invalid(format!(
                "Invalid capability id {id:?}: use letters, digits, `_`, `-`, `.` or `:`."
            )));
        }
    }
    limit("tools", tools.len(), MAX_TOOLS)?;
    for t in tools {
        if t.name.is_empty() || t.name.len() > 128 {
            return Err(ApiError::invalid(
                "Every tool needs a name of 1 to 128 characters.",
            ));
        }
        if !t.parameters.is_object() {
            return Err(ApiError::invalid(format!(
                "Tool {:?}: `parameters` must be a JSON Schema object.",
                t.name
            )));
        }
    }
    limit("initial files", initial_files.len(), MAX_INITIAL_FILES)?;
    for f in initial_files {
        let p = everruns_core::normalize_path(&f.path)
            .map_err(|e| ApiError::bad_request("invalid_path", format!("Initial file: {e}")))?;
        if p == "/" {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("Initial file path {:?} names the root, not a file.", f.path),
            ));
        }
        if let Some(enc) = &f.encoding {
            everruns_runtime::fs::decode_content(&f.content, Some(enc)).map_err(|e| {
                ApiError::bad_request("invalid_content", format!("Initial file {}: {e}", f.path))
            })?;
        }
    }
    Ok(())
}

/// Every agent field.
#[allow(clippy::too_many_arguments)]
pub fn agent_fields(
    name: &str,
    display_name: Option<&str>,
    description: Option<&str>,
    system_prompt: &str,
    tags: &[String],
    capabilities: &[CapabilityRef],
    tools: &[ToolDefinition],
    initial_files: &[InitialFile],
    max_iterations: Option<u32>,
) -> ApiResult<()> {
    if !slug::is_valid_slug(name) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("Invalid name {name:?}: use lowercase letters, digits and single hyphens (at most 64)."),
        ));
    }
    if let Some(d) = display_name {
        check_len("display_name", d, MAX_NAME_BYTES)?;
    }
    if let Some(d) = description {
        check_len("description", d, MAX_DESCRIPTION_BYTES)?;
    }
    check_len("system_prompt", system_prompt, MAX_PROMPT_BYTES)?;
    if let Some(m) = max_iterations {
        if m == 0 || m > MAX_ITERATIONS {
            return Err(ApiError::invalid(format!(
                "max_iterations must be between 1 and {MAX_ITERATIONS}, got {m}."
            )));
        }
    }
    lists(tags, capabilities, tools, initial_files)
}

/// Resolves `harness_id` | `harness_name` (exclusive) to an id; neither → `generic`.
pub async fn resolve_harness(
    app: &App,
    harness_id: Option<&str>,
    harness_name: Option<&str>,
) -> ApiResult<String> {
    match (harness_id, harness_name) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "Give either harness_id or harness_name, not both.",
        )),
        (Some(id), None) => {
            check_id(IdKind::Harness, id)?;
            let h = app.store.get_harness(id).await?.ok_or_else(|| {
                ApiError::not_found("harness_not_found", format!("Harness {id} not found."))
            })?;
            Ok(h.id)
        }
        (None, Some(name)) => {
            let h = app.store.get_harness(name).await?.ok_or_else(|| {
                ApiError::not_found("harness_not_found", format!("Harness {name:?} not found."))
            })?;
            Ok(h.id)
        }
        (None, None) => Ok(seeded::GENERIC_HARNESS_ID.to_string()),
    }
}

/// Checks a `model_…` id exists.
pub async fn model_exists(app: &App, id: &str) -> ApiResult<()> {
    check_id(IdKind::Model, id)?;
    if app.store.get_model(id).await?.is_none() {
        return Err(ApiError::not_found(
            "model_not_found",
            format!("Model {id} not found."),
        ));
    }
    Ok(())
}

/// A scripted llmsim reply set: only error kinds and exhaustion behaviours the simulator
/// knows (the wire enums keep unknown values, which would echo back as invalid answers).
pub fn llmsim_script(script: &everruns_core::LlmSimScript) -> ApiResult<()> {
    use everruns_core::{OnExhausted, SimErrorKind};
    let unknown = |what: &str, value: &str, known: &[&str]| {
        ApiError::invalid(format!(
            "Unknown llmsim {what} {value:?}: expected one of {}.",
            known.join(", ")
        ))
    };
    if let Some(v) = script.on_exhausted.as_ref().and_then(OnExhausted::unknown) {
        return Err(unknown("on_exhausted", v, OnExhausted::KNOWN));
    }
    match script
        .steps
        .iter()
        .find_map(|s| s.error.as_ref().and_then(SimErrorKind::unknown))
    {
        Some(v) => Err(unknown("error kind", v, SimErrorKind::KNOWN)),
        None => Ok(()),
    }
}
