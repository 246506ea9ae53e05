//! Configuration layers: harness chain → agent → session (docs/runtime.md#4).

use everruns_core::{Agent, CapabilityRef, Harness, InitialFile, Session, ToolDefinition};

use crate::capabilities::{Capability, CapabilityRegistry};
use crate::fs::normalize;
use crate::runtime_config::NetworkPolicy;
use std::sync::Arc;

/// The result of folding harness chain → agent → session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedConfig {
    /// Trimmed, non-empty prompt fragments joined base-first by a blank line.
    pub system_prompt: String,
    /// Capabilities by canonical id, first-seen order; a later layer's entry replaces the
    /// config of an earlier one.
    pub capabilities: Vec<CapabilityRef>,
    /// Starter files by normalised path; later layers win. Paths are canonical.
    pub initial_files: Vec<InitialFile>,
    /// Allow lists intersected, block lists united.
    pub network: NetworkPolicy,
    /// Last layer that sets a default model wins (harness → agent → session `model_id`).
    pub model_id: Option<String>,
    /// Last layer that sets it wins.
    pub max_iterations: Option<u32>,
    /// Last layer that sets it wins.
    pub parallel_tool_calls: Option<bool>,
    /// Client-side tools, appended layer by layer.
    pub tools: Vec<ToolDefinition>,
}

struct Layer<'a> {
    prompt: Option<&'a str>,
    capabilities: &'a [CapabilityRef],
    initial_files: &'a [InitialFile],
    network: Option<&'a everruns_core::NetworkAccess>,
    model_id: Option<&'a str>,
    max_iterations: Option<u32>,
    parallel_tool_calls: Option<bool>,
    tools: &'a [ToolDefinition],
}

/// Folds the layers. `harness_chain` is root-first (a harness's parents before it).
/// Capability ids are canonicalised through `registry` (so `file_system` and
/// `session_file_system` are one entry).
pub fn merge_layers(
    harness_chain: &[&Harness],
    agent: Option<&Agent>,
    session: &Session,
    registry: &CapabilityRegistry,
) -> MergedConfig {
    let mut layers: Vec<Layer> = harness_chain
        .iter()
        .map(|h| Layer {
            prompt: h.system_prompt.as_deref(),
            capabilities: &h.capabilities,
            initial_files: &h.initial_files,
            network: h.network_access.as_ref(),
            model_id: h.default_model_id.as_deref(),
            max_iterations: None,
            parallel_tool_calls: h.parallel_tool_calls,
            tools: &[],
        })
        .collect();
    if let Some(a) = agent {
        layers.push(Layer {
            prompt: Some(&a.system_prompt),
            capabilities: &a.capabilities,
            initial_files: &a.initial_files,
            network: a.network_access.as_ref(),
            model_id: a.default_model_id.as_deref(),
            max_iterations: a.max_iterations,
            parallel_tool_calls: a.parallel_tool_calls,
            tools: &a.tools,
        });
    }
    layers.push(Layer {
        prompt: session.system_prompt.as_deref(),
        capabilities: &session.capabilities,
        initial_files: &session.initial_files,
        network: session.network_access.as_ref(),
        model_id: session.model_id.as_deref(),
        max_iterations: session.max_iterations,
        parallel_tool_calls: session.parallel_tool_calls,
        tools: &session.tools,
    });

    let mut out = MergedConfig::default();
    let mut prompts: Vec<&str> = Vec::new();
    for l in &layers {
        if let Some(p) = l.prompt.map(str::trim).filter(|p| !p.is_empty()) {
            prompts.push(p);
        }
        for c in l.capabilities {
            let id = registry.canonical_id(&c.r#ref);
            let entry = CapabilityRef {
                r#ref: id.clone(),
                config: c.config.clone(),
            };
            match out.capabilities.iter_mut().find(|x| x.r#ref == id) {
                Some(x) => *x = entry,
                None => out.capabilities.push(entry),
            }
        }
        for f in l.initial_files {
            let path = normalize(&f.path).unwrap_or_else(|_| f.path.clone());
            let entry = InitialFile {
                path: path.clone(),
                ..f.clone()
            };
            match out.initial_files.iter_mut().find(|x| x.path == path) {
                Some(x) => *x = entry,
                None => out.initial_files.push(entry),
            }
        }
        if let Some(n) = l.network {
            if !n.allowed.is_empty() {
                out.network.allowed = Some(match out.network.allowed.take() {
                    None => n.allowed.clone(),
                    Some(prev) => prev
                        .into_iter()
                        .filter(|p| n.allowed.iter().any(|q| q.eq_ignore_ascii_case(p)))
                        .collect(),
                });
            }
            for b in &n.blocked {
                if !out
                    .network
                    .blocked
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(b))
                {
                    out.network.blocked.push(b.clone());
                }
            }
        }
        if let Some(m) = l.model_id.filter(|m| !m.is_empty()) {
            out.model_id = Some(m.to_string());
        }
        if l.max_iterations.is_some() {
            out.max_iterations = l.max_iterations;
        }
        if l.parallel_tool_calls.is_some() {
            out.parallel_tool_calls = l.parallel_tool_calls;
        }
        out.tools.extend(l.tools.iter().cloned());
    }
    out.system_prompt = prompts.join("\n\n");
    out
}

/// A capability after dependency resolution, with its config.
#[derive(Clone)]
pub struct ResolvedCapability {
    /// The capability.
    pub capability: Arc<dyn Capability>,
    /// Its `CapabilityRef.config` (None for capabilities pulled in as dependencies).
    pub config: Option<serde_json::Value>,
}

/// Resolves merged capability refs against the registry: dependencies first (depth-first,
/// topological), each capability once. Returns the resolved list and the unknown ids.
pub fn resolve_capabilities(
    refs: &[CapabilityRef],
    registry: &CapabilityRegistry,
) -> (Vec<ResolvedCapability>, Vec<String>) {
    let mut out: Vec<ResolvedCapability> = Vec::new();
    let mut unknown = Vec::new();
    let mut visiting: Vec<String> = Vec::new();

    fn visit(
        id: &str,
        config: Option<serde_json::Value>,
        registry: &CapabilityRegistry,
        out: &mut Vec<ResolvedCapability>,
        unknown: &mut Vec<String>,
        visiting: &mut Vec<String>,
    ) {
        let Some(cap) = registry.get(id) else {
            if !unknown.iter().any(|u| u == id) {
                unknown.push(id.to_string());
            }
            return;
        };
        let cid = cap.id().to_string();
        if let Some(existing) = out.iter_mut().find(|r| r.capability.id() == cid) {
            if config.is_some() {
                existing.config = config;
            }
            return;
        }
        if visiting.contains(&cid) {
            return; // dependency cycle: the capability is added by the outer visit
        }
        visiting.push(cid.clone());
        for d in cap.dependencies() {
            visit(&d, None, registry, out, unknown, visiting);
        }
        visiting.pop();
        if !out.iter().any(|r| r.capability.id() == cid) {
            out.push(ResolvedCapability {
                capability: cap,
                config,
            });
        }
    }

    for r in refs {
        visit(
            &r.r#ref,
            r.config.clone(),
            registry,
            &mut out,
            &mut unknown,
            &mut visiting,
        );
    }
    (out, unknown)
}
