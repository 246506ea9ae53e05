//! `NativeClient`: the core client and its four generic entry points.
//!
//! Every operation is declared once in the core's operation table (`everruns_core::ops`); the
//! generated TypeScript facade (`ts/generated/client.ts`) calls `call`, `paged`, `stream` or
//! `local` with the operation's id and its arguments as JSON text (camelCase keys). Results
//! come back as JSON text with struct fields in camelCase. This file holds no per-operation
//! code: it converts values, adapts futures and streams, and adds cancellation — an optional
//! [`CancelToken`] (driven by an `AbortSignal`) and the client's own token (fired by `close()`)
//! drop the core future, which aborts its HTTP request.

use std::sync::Mutex;

use everruns_core::client::{Everruns, RequestOptions};
use everruns_core::ops::{self, Args, Output, Spelling};
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::convert::to_js_json;
use crate::errors::{aborted, client_closed, core_error, encode_error};
use crate::stream::{NativeStream, StreamSource};

/// The `User-Agent` / `X-SDK-Version` product of this package.
pub fn user_agent() -> String {
    format!("everruns-node-sdk/{}", env!("CARGO_PKG_VERSION"))
}

/// Cancels one call or stream from JavaScript (the TypeScript layer fires it from an
/// `AbortSignal`).
#[napi]
pub struct CancelToken(pub(crate) CancellationToken);

#[napi]
impl CancelToken {
    /// A token that has not fired.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelToken(CancellationToken::new())
    }

    /// Fires the token: the call it was given to rejects with an abort error and its HTTP
    /// request is dropped.
    #[napi]
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// True once fired.
    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

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

fn args(text: Option<String>) -> Result<Args> {
    Args::new(json(text)?, Spelling::Camel).map_err(core_error)
}

fn encode(out: Output) -> Result<String> {
    match out {
        Output::Unit => Ok("null".into()),
        Output::Value(v) => to_js_json(&v).map_err(encode_error),
        Output::Events(evs) => to_js_json(&evs).map_err(encode_error),
    }
}

/// The Everruns client as the addon exposes it to the TypeScript layer.
#[napi]
pub struct NativeClient {
    inner: Mutex<Option<Everruns>>,
    closed: CancellationToken,
}

impl NativeClient {
    fn client(&self) -> Result<Everruns> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(client_closed)
    }
}

#[napi]
impl NativeClient {
    /// Builds the client from JSON settings (the keys of `client_settings` in the operation
    /// table, durations in seconds); bad settings throw a configuration error.
    #[napi(constructor)]
    pub fn new(settings_json: Option<String>) -> Result<Self> {
        let client =
            ops::settings::client_builder(json(settings_json)?, Spelling::Camel, &user_agent())
                .and_then(|b| b.build())
                .map_err(core_error)?;
        Ok(NativeClient {
            inner: Mutex::new(Some(client)),
            closed: CancellationToken::new(),
        })
    }

    /// A client sharing this one's pool, caches and closed state whose calls use these
    /// per-call settings (the keys of `call_settings`, durations in seconds).
    #[napi]
    pub fn with_options(&self, options_json: Option<String>) -> Result<NativeClient> {
        let more: RequestOptions =
            ops::settings::request_options(json(options_json)?, Spelling::Camel)
                .map_err(core_error)?;
        Ok(NativeClient {
            inner: Mutex::new(Some(self.client()?.with_options(more))),
            closed: self.closed.clone(),
        })
    }

    /// Runs unary operation `op` (e.g. `"agents.create"`); resolves with its result as JSON
    /// text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        op: String,
        args_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let fut = ops::unary(&self.client()?, &op, args(args_json)?).map_err(core_error)?;
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

    /// Every item of paged operation `op`, pulled in batches.
    #[napi]
    pub fn paged(&self, op: String, args_json: Option<String>) -> Result<NativeStream> {
        let items = ops::paged(&self.client()?, &op, args(args_json)?).map_err(core_error)?;
        Ok(NativeStream::new(
            StreamSource::items(items),
            self.closed.child_token(),
        ))
    }

    /// Opens stream operation `op` (nothing is sent until the first pull).
    #[napi]
    pub fn stream(&self, op: String, args_json: Option<String>) -> Result<NativeStream> {
        let s = ops::stream(&self.client()?, &op, args(args_json)?).map_err(core_error)?;
        Ok(NativeStream::new(
            StreamSource::events(s),
            self.closed.child_token(),
        ))
    }

    /// Runs local operation `op` (no I/O); its result as JSON text.
    #[napi]
    pub fn local(&self, op: String, args_json: Option<String>) -> Result<String> {
        ops::local(&self.client()?, &op, args(args_json)?)
            .map_err(core_error)
            .and_then(encode)
    }

    /// Whether request logging is on (`debug`, else `EVERRUNS_DEBUG`, resolved by the core).
    #[napi(getter)]
    pub fn debug(&self) -> Result<bool> {
        Ok(self.client()?.debug())
    }

    /// The normalised base URL (ends with `/`).
    #[napi(getter)]
    pub fn base_url(&self) -> Result<String> {
        Ok(self.client()?.base_url().to_string())
    }

    /// The `User-Agent` / `X-SDK-Version` product string.
    #[napi(getter)]
    pub fn user_agent(&self) -> Result<String> {
        Ok(self.client()?.user_agent().to_string())
    }

    /// The configured organization id.
    #[napi(getter)]
    pub fn org_id(&self) -> Result<Option<String>> {
        Ok(self.client()?.org_id().map(str::to_string))
    }

    /// True after `close()`.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// Closes the client: in-flight calls reject with a `client_closed` error, open streams
    /// end, the connection pool is released. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.closed.cancel();
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// The operation table as JSON text (what the generated facade and parity tests read).
#[napi]
pub fn operations() -> String {
    ops::describe().to_string()
}
