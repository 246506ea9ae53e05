//! `NativeClient`: the core client and its four generic entry points.
//!
//! Every operation is declared once in the core's operation table; the generated Kotlin facade
//! calls `call`, `paged`, `stream` or `local` with the operation's id and its arguments as JSON
//! text (snake_case keys, durations in seconds). Results come back as JSON text in the wire's
//! snake_case. No per-operation code lives here.

use std::sync::{Arc, Mutex};

use everruns_core::client::{Everruns, RequestOptions};
use everruns_core::ops::{self, Args, Output, Spelling};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::errors::NativeError;
use crate::runtime::{run, runtime};
use crate::stream::{NativeStream, StreamSource};

/// The `User-Agent` / `X-SDK-Version` product of this package.
fn user_agent() -> String {
    format!("everruns-kotlin-sdk/{}", env!("CARGO_PKG_VERSION"))
}

fn json(text: &str) -> Result<Value, NativeError> {
    match text.trim() {
        "" => Ok(Value::Null),
        t => serde_json::from_str(t).map_err(|e| {
            everruns_core::client::Error::validation(format!(
                "the arguments are not valid JSON: {e}"
            ))
            .into()
        }),
    }
}

fn args(text: &str) -> Result<Args, NativeError> {
    Ok(Args::new(json(text)?, Spelling::Snake)?)
}

fn encode(out: Output) -> Result<String, NativeError> {
    match out {
        Output::Unit => Ok("null".into()),
        Output::Value(v) => serde_json::to_string(&v).map_err(NativeError::encode),
        Output::Events(evs) => serde_json::to_string(&evs).map_err(NativeError::encode),
    }
}

/// The Everruns client as the native library exposes it to the Kotlin facade.
#[derive(uniffi::Object)]
pub struct NativeClient {
    inner: Mutex<Option<Everruns>>,
    closed: CancellationToken,
}

impl NativeClient {
    fn client(&self) -> Result<Everruns, NativeError> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(NativeError::client_closed)
    }
}

#[uniffi::export]
impl NativeClient {
    /// Builds the client from JSON settings (the keys of `client_settings` in the operation
    /// table, durations in seconds); bad settings raise a `Config` failure.
    #[uniffi::constructor]
    pub fn new(settings_json: String) -> Result<Arc<Self>, NativeError> {
        let _rt = runtime().enter();
        let client =
            ops::settings::client_builder(json(&settings_json)?, Spelling::Snake, &user_agent())
                .and_then(|b| b.build())?;
        Ok(Arc::new(NativeClient {
            inner: Mutex::new(Some(client)),
            closed: CancellationToken::new(),
        }))
    }

    /// A client sharing this one's pool, caches and closed state whose calls use these
    /// per-call settings (the keys of `call_settings`, durations in seconds).
    pub fn with_options(&self, options_json: String) -> Result<Arc<NativeClient>, NativeError> {
        let more: RequestOptions =
            ops::settings::request_options(json(&options_json)?, Spelling::Snake)?;
        Ok(Arc::new(NativeClient {
            inner: Mutex::new(Some(self.client()?.with_options(more))),
            closed: self.closed.clone(),
        }))
    }

    /// Runs unary operation `op` (e.g. `"agents.create"`); its result as JSON text.
    /// Cancelling the calling coroutine drops the request.
    pub async fn call(&self, op: String, args_json: String) -> Result<String, NativeError> {
        let fut = {
            let _rt = runtime().enter();
            ops::unary(&self.client()?, &op, args(&args_json)?)?
        };
        let closed = self.closed.clone();
        run(async move {
            tokio::select! {
                biased;
                _ = closed.cancelled() => Err(NativeError::client_closed()),
                r = fut => encode(r?),
            }
        })
        .await
    }

    /// Every item of paged operation `op`, pulled in batches.
    pub fn paged(&self, op: String, args_json: String) -> Result<Arc<NativeStream>, NativeError> {
        let _rt = runtime().enter();
        let items = ops::paged(&self.client()?, &op, args(&args_json)?)?;
        Ok(Arc::new(NativeStream::new(
            StreamSource::items(items),
            self.closed.child_token(),
        )))
    }

    /// Opens stream operation `op` (nothing is sent until the first pull).
    pub fn stream(&self, op: String, args_json: String) -> Result<Arc<NativeStream>, NativeError> {
        let _rt = runtime().enter();
        let s = ops::stream(&self.client()?, &op, args(&args_json)?)?;
        Ok(Arc::new(NativeStream::new(
            StreamSource::events(s),
            self.closed.child_token(),
        )))
    }

    /// Runs local operation `op` (no I/O); its result as JSON text.
    pub fn local(&self, op: String, args_json: String) -> Result<String, NativeError> {
        let _rt = runtime().enter();
        encode(ops::local(&self.client()?, &op, args(&args_json)?)?)
    }

    /// Whether request logging is on (`debug`, else `EVERRUNS_DEBUG`, resolved by the core).
    pub fn debug(&self) -> Result<bool, NativeError> {
        Ok(self.client()?.debug())
    }

    /// The normalised base URL (ends with `/`).
    pub fn base_url(&self) -> Result<String, NativeError> {
        Ok(self.client()?.base_url().to_string())
    }

    /// The `User-Agent` / `X-SDK-Version` product string.
    pub fn user_agent(&self) -> Result<String, NativeError> {
        Ok(self.client()?.user_agent().to_string())
    }

    /// The configured organization id.
    pub fn org_id(&self) -> Result<Option<String>, NativeError> {
        Ok(self.client()?.org_id().map(str::to_string))
    }

    /// True after `shutdown()`.
    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// Closes the client: in-flight calls fail with a `ClientClosed` failure, open streams
    /// end, the connection pool is released. Idempotent.
    pub fn shutdown(&self) {
        self.closed.cancel();
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// The operation table as JSON text (what the parity test reads).
#[uniffi::export]
pub fn operations() -> String {
    ops::describe().to_string()
}
