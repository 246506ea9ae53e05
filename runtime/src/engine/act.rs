//! The act step: run one batch of tool calls.
//!
//! Calls run concurrently (at most `max_tool_concurrency` at once), except calls that share a
//! concurrency class, which run one at a time in the model's call order; with
//! `parallel_tool_calls = false` the whole batch runs in order. Every call gets
//! `tool.started` when it really starts and `tool.completed` when it ends (status `success`,
//! `error` or `timeout`); `file.written` events recorded by the tool follow its
//! `tool.completed`.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::SubsecRound;
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    ActCompletedData, ActStartedData, ActToolCall, ContentPart, EventContext, ToolCall,
    ToolCallRequestedData, ToolCompletedData, ToolStartedData, ToolStatus,
};
use futures::FutureExt;

use super::{
    BoundTool, RuntimeActPlan, RuntimeBackends, RuntimeError, TurnEngine, TurnLog, TurnRequest,
};
use crate::capabilities::ToolContext;

/// Error text of a tool call that was running when the host stopped.
pub const INTERRUPTED_TOOL_ERROR: &str = "The tool call was interrupted by a runtime restart before it finished; it may or may not have taken effect. Check its effects before retrying.";

/// Cuts a serialised tool result to `max` bytes (on a character boundary) with a marker.
pub fn cap_output(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let total = s.len();
    let mut end = max.saturating_sub(80).min(total);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[output truncated: {end} of {total} bytes shown]",
        &s[..end]
    )
}

impl TurnEngine {
    pub(crate) async fn act_step(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        plan: RuntimeActPlan,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        let ctx = self.context(request, Some(new_id(IdKind::Exec)));
        let assembled = self.assemble(
            &request.harness_chain(),
            request.agent.as_ref(),
            &request.session,
        );
        let t0 = Instant::now();
        if !plan.resumed {
            self.emit(
                request,
                backends,
                &ctx,
                ActStartedData {
                    tool_calls: plan
                        .tool_calls
                        .iter()
                        .map(|c| ActToolCall {
                            id: c.id.clone(),
                            name: c.name.clone(),
                            display_name: assembled
                                .tools
                                .get(&c.name)
                                .and_then(|b| b.tool.display_name().map(str::to_string)),
                        })
                        .collect(),
                },
            )
            .await?;
        }
        for id in &plan.interrupted {
            let name = plan
                .tool_calls
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            self.emit(
                request,
                backends,
                &ctx,
                ToolCompletedData {
                    tool_call_id: id.clone(),
                    tool_name: name.clone(),
                    success: false,
                    status: ToolStatus::Error,
                    result: None,
                    error: Some(INTERRUPTED_TOOL_ERROR.into()),
                    duration_ms: None,
                    capability_id: assembled.tools.get(&name).map(|b| b.capability_id.clone()),
                },
            )
            .await?;
        }
        let candidates: Vec<ToolCall> = plan
            .tool_calls
            .iter()
            .filter(|c| !plan.completed.contains(&c.id) && !plan.interrupted.contains(&c.id))
            .cloned()
            .collect();
        // What the caller must answer (client-side tools, approvals, ask_user) is asked
        // for, not run; everything else runs now.
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let requested: HashSet<String> = match &log.state().phase {
            super::TurnPhase::Acting { requested, .. } => {
                requested.iter().map(|c| c.id.clone()).collect()
            }
            _ => HashSet::new(),
        };
        let approvals = log.fold().approvals.clone();
        let mut to_request: Vec<ToolCall> = Vec::new();
        let mut to_run: Vec<ToolCall> = Vec::new();
        for c in candidates {
            let bound = assembled.tools.get(&c.name);
            if bound.is_none() && assembled.client_tools.contains_key(&c.name) {
                if !requested.contains(&c.id) {
                    to_request.push(c);
                }
                continue;
            }
            if assembled.approval.requires(&c.name) && approvals.get(&c.id) != Some(&true) {
                let ask = super::interaction::approval_call(&c);
                if !approvals.contains_key(&c.id) && !requested.contains(&ask.id) {
                    to_request.push(ask);
                }
                continue;
            }
            match bound {
                Some(b) if b.tool.waits_for_caller() => {
                    if requested.contains(&c.id) {
                        continue;
                    }
                    let tctx = ToolContext::standalone(
                        request.session.id.clone(),
                        backends.files.clone(),
                        backends.storage.clone(),
                        self.config.clone(),
                    );
                    match b.tool.execute(c.arguments.clone(), &tctx).await {
                        Ok(arguments) => to_request.push(ToolCall {
                            id: c.id.clone(),
                            name: c.name.clone(),
                            arguments,
                        }),
                        Err(e) => {
                            self.emit(
                                request,
                                backends,
                                &ctx,
                                ToolCompletedData {
                                    tool_call_id: c.id.clone(),
                                    tool_name: c.name.clone(),
                                    success: false,
                                    status: ToolStatus::Error,
                                    result: None,
                                    error: Some(e.message),
                                    duration_ms: None,
                                    capability_id: Some(b.capability_id.clone()),
                                },
                            )
                            .await?;
                        }
                    }
                }
                _ => to_run.push(c),
            }
        }

        // Lanes: each lane runs in order; lanes run concurrently.
        let mut lanes: Vec<(Option<String>, Vec<ToolCall>)> = Vec::new();
        for c in to_run {
            let class = if assembled.ctx.parallel_tool_calls {
                assembled
                    .tools
                    .get(&c.name)
                    .and_then(|b| b.tool.concurrency_class().map(str::to_string))
            } else {
                Some("__sequential__".to_string())
            };
            match class
                .as_ref()
                .and_then(|k| lanes.iter_mut().find(|(lk, _)| lk.as_ref() == Some(k)))
            {
                Some((_, lane)) => lane.push(c),
                None => lanes.push((class, vec![c])),
            }
        }
        let sem = Arc::new(tokio::sync::Semaphore::new(
            self.config.max_tool_concurrency.max(1),
        ));
        let tools = &assembled.tools;
        let network = assembled.ctx.merged.network.clone();
        let lane_futures = lanes.into_iter().map(|(_, lane)| {
            let sem = sem.clone();
            let ctx = ctx.clone();
            let network = network.clone();
            async move {
                for call in lane {
                    let bound = tools.get(&call.name).cloned();
                    self.run_tool(request, backends, &ctx, call, bound, &sem, &network)
                        .await?;
                }
                Ok::<(), RuntimeError>(())
            }
        });
        futures::future::try_join_all(lane_futures).await?;

        if !to_request.is_empty() {
            // Ask, then stop: the turn waits (durably: the request is in the log).
            let expires_at = chrono::Utc::now()
                + chrono::Duration::from_std(self.config.tool_results_timeout)
                    .unwrap_or_else(|_| chrono::Duration::hours(1));
            self.emit(
                request,
                backends,
                &ctx,
                ToolCallRequestedData {
                    turn_id: Some(request.turn_id.clone()),
                    tool_calls: to_request,
                    expires_at: Some(expires_at.trunc_subsecs(3)),
                },
            )
            .await?;
            return Ok(());
        }

        // Count the batch's results from the log (covers results stored before a restart).
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let (mut ok, mut err) = (0u32, 0u32);
        let mut seen: HashSet<&str> = HashSet::new();
        for c in &plan.tool_calls {
            if !seen.insert(c.id.as_str()) {
                continue;
            }
            match log.fold().first_results.get(&c.id) {
                Some(true) => ok += 1,
                Some(false) => err += 1,
                None => {}
            }
        }
        self.emit(
            request,
            backends,
            &ctx,
            ActCompletedData {
                completed: true,
                success_count: ok,
                error_count: err,
                duration_ms: Some(t0.elapsed().as_millis() as u64),
            },
        )
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_tool(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        ctx: &EventContext,
        call: ToolCall,
        bound: Option<BoundTool>,
        sem: &tokio::sync::Semaphore,
        network: &crate::runtime_config::NetworkPolicy,
    ) -> Result<(), RuntimeError> {
        let _permit = sem.acquire().await.expect("semaphore never closed");
        self.emit(
            request,
            backends,
            ctx,
            ToolStartedData {
                tool_call: call.clone(),
                display_name: bound
                    .as_ref()
                    .and_then(|b| b.tool.display_name().map(str::to_string)),
            },
        )
        .await?;
        let t0 = Instant::now();
        let effects = Arc::new(Mutex::new(Vec::new()));
        let (status, result, error) = match &bound {
            None => (
                ToolStatus::Error,
                None,
                Some(format!(
                    "Tool '{}' not found: it is not provided by this session's capabilities.",
                    call.name
                )),
            ),
            Some(b) => {
                let tctx = ToolContext {
                    session_id: request.session.id.clone(),
                    turn_id: request.turn_id.clone(),
                    tool_call_id: call.id.clone(),
                    files: backends.files.clone(),
                    storage: backends.storage.clone(),
                    config: self.config.clone(),
                    capability_config: b.config.clone(),
                    network: network.clone(),
                    effects: effects.clone(),
                };
                let timeout = b.tool.timeout().unwrap_or(self.config.tool_timeout);
                let fut =
                    AssertUnwindSafe(b.tool.execute(call.arguments.clone(), &tctx)).catch_unwind();
                match tokio::time::timeout(timeout, fut).await {
                    Err(_) => (
                        ToolStatus::Timeout,
                        None,
                        Some(format!(
                            "Tool '{}' timed out after {} ms.",
                            call.name,
                            timeout.as_millis()
                        )),
                    ),
                    Ok(Err(_panic)) => (
                        ToolStatus::Error,
                        None,
                        Some(format!(
                            "Tool '{}' failed with an internal error.",
                            call.name
                        )),
                    ),
                    Ok(Ok(Err(e))) => (ToolStatus::Error, None, Some(e.message)),
                    Ok(Ok(Ok(v))) => {
                        let s = serde_json::to_string(&v).unwrap_or_else(|_| "null".into());
                        let s = cap_output(s, self.config.max_tool_output_bytes);
                        (ToolStatus::Success, Some(vec![ContentPart::text(s)]), None)
                    }
                }
            }
        };
        self.emit(
            request,
            backends,
            ctx,
            ToolCompletedData {
                tool_call_id: call.id.clone(),
                tool_name: call.name.clone(),
                success: status == ToolStatus::Success,
                status,
                result,
                error,
                duration_ms: Some(t0.elapsed().as_millis() as u64),
                capability_id: bound.as_ref().map(|b| b.capability_id.clone()),
            },
        )
        .await?;
        let written: Vec<_> = effects.lock().expect("effects lock").drain(..).collect();
        for w in written {
            self.emit(request, backends, ctx, w).await?;
        }
        Ok(())
    }
}
