//! `NativeAgentClient`: the core's `AgentClient` (the Agent Execution API) and its two generic
//! entry points. Every method is declared once in the core (`everruns_core::agent_client::ops`);
//! the TypeScript facade (`ts/agent.ts`) calls `call` or `stream` with the method's name and
//! its arguments as JSON text (camelCase keys). No per-method code here.

use std::sync::Mutex;

use everruns_core::agent_client::ops;
use everruns_core::ops::{Args, Output, Spelling};
use everruns_core::AgentClient;
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::client::{user_agent, CancelToken};
use crate::convert::to_js_json;
use crate::errors::{aborted, client_closed, core_error, encode_error};
use crate::stream::{NativeStream, StreamSource};

fn json(text: Option<String>) -> Result<Value> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(Value::Null),
        Some(t) => serde_json::from_str(t).map_err(|e| {
            core_error(everruns_core::client::Error::validation(format!(
                "the arguments are not valid JSON: {e}"
            )))
        }),
    }
}

fn encode(out: Output) -> Result<String> {
    match out {
        Output::Unit => Ok("null".into()),
        Output::Value(v) => to_js_json(&v).map_err(encode_error),
        Output::Events(evs) => to_js_json(&evs).map_err(encode_error),
    }
}

/// The agent client as the addon exposes it to the TypeScript layer.
#[napi]
pub struct NativeAgentClient {
    inner: Mutex<Option<AgentClient>>,
    closed: CancellationToken,
}

impl NativeAgentClient {
    fn client(&self) -> Result<AgentClient> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(client_closed)
    }
}

#[napi]
impl NativeAgentClient {
    /// Builds the client from JSON settings (`agentUrl`, `agentKey`, `endUser`, `timeout`,
    /// `maxRetries`, `debug`, `readEnv`; durations in seconds).
    #[napi(constructor)]
    pub fn new(settings_json: Option<String>) -> Result<Self> {
        let client =
            ops::build(json(settings_json)?, Spelling::Camel, &user_agent()).map_err(core_error)?;
        Ok(NativeAgentClient {
            inner: Mutex::new(Some(client)),
            closed: CancellationToken::new(),
        })
    }

    /// A client acting for `end_user`, sharing this one's connections and closed state.
    #[napi]
    pub fn for_end_user(&self, end_user: String) -> Result<NativeAgentClient> {
        let c = self.client()?.for_end_user(&end_user).map_err(core_error)?;
        Ok(NativeAgentClient {
            inner: Mutex::new(Some(c)),
            closed: self.closed.clone(),
        })
    }

    /// Runs unary method `op` (its snake_case name, e.g. `"send_message"`); resolves with its
    /// result as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        op: String,
        args_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let a = Args::new(json(args_json)?, Spelling::Camel).map_err(core_error)?;
        let fut = ops::unary(&self.client()?, &op, a).map_err(core_error)?;
        let call = token.map(|t| t.0.clone()).unwrap_or_default();
        let closed = self.closed.clone();
        env.spawn_future(async move {
            tokio::select! {
                biased;
                _ = call.cancelled() => Err(aborted()),
                _ = closed.cancelled() => Err(client_closed()),
                r = fut => r.map_err(core_error).and_then(encode),
            }
        })
    }

    /// Opens stream method `op` (nothing is sent until the first pull).
    #[napi]
    pub fn stream(&self, op: String, args_json: Option<String>) -> Result<NativeStream> {
        let a = Args::new(json(args_json)?, Spelling::Camel).map_err(core_error)?;
        let s = ops::stream(&self.client()?, &op, a).map_err(core_error)?;
        Ok(NativeStream::new(
            StreamSource::events(s),
            self.closed.child_token(),
        ))
    }

    /// The agent URL.
    #[napi(getter)]
    pub fn agent_url(&self) -> Result<String> {
        Ok(self.client()?.agent_url())
    }

    /// The end user this client acts for, if any.
    #[napi(getter)]
    pub fn end_user(&self) -> Result<Option<String>> {
        Ok(self.client()?.end_user().map(str::to_string))
    }

    /// True after `close()`.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// Closes the client: in-flight calls reject, open streams end. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.closed.cancel();
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// The AgentClient's operation table as JSON text (what the facade's parity test reads).
#[napi]
pub fn agent_operations() -> String {
    ops::describe().to_string()
}
