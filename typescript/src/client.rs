//! `NativeClient`: one method per core call, each a mechanical adapter.
//!
//! Every method parses its JSON arguments into a core type ([`crate::convert`]), calls the core
//! sub-client on the addon's tokio runtime, and resolves the returned `Promise` with the result
//! as JSON text (camelCase fields). Retries, timeouts, URLs, auth, pagination and the stream
//! cursor are the core's. The bridge adds only cancellation: an optional [`CancelToken`]
//! (driven by an `AbortSignal` in TypeScript) and the client's own token (fired by `close()`)
//! drop the core future, which aborts its HTTP request.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use everruns_core::client::{self as core, Everruns};
use everruns_core::types::{
    CreateAgentRequest, CreateFileRequest, CreateMessageRequest, CreateSessionRequest, GrepRequest,
    InputMessage, ListAgentsParams, ListCapabilitiesParams, ListEventsParams, ListHarnessesParams,
    ListModelsParams, ListSessionsParams, LlmSimScript, UpdateAgentRequest, UpdateFileRequest,
    UpdateSessionRequest,
};
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Result};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::convert::{from_js_json, to_js_json};
use crate::errors::{aborted, client_closed, core_error, encode_error, input_error};
use crate::stream::{NativeStream, StreamSource};

/// The `User-Agent` / `X-SDK-Version` product of this package (DECISIONS #9).
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

/// Client settings from JavaScript; unset values come from the environment
/// (`EVERRUNS_API_KEY`, `EVERRUNS_API_URL`, `EVERRUNS_ORG_ID`, `EVERRUNS_DEBUG`).
#[derive(Debug, Default, Deserialize)]
struct ClientConfig {
    api_key: Option<String>,
    base_url: Option<String>,
    org_id: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_retries: Option<u32>,
    retry_base_delay_ms: Option<u64>,
    retry_max_delay_ms: Option<u64>,
    max_retry_after_ms: Option<u64>,
    debug: Option<bool>,
    /// Read unset values from the environment (default true).
    use_env: Option<bool>,
}

/// Options of `events.stream`; durations in milliseconds.
#[derive(Debug, Default, Deserialize)]
struct StreamOptionsJs {
    since_id: Option<String>,
    from_beginning: Option<bool>,
    types: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    max_retries: Option<u32>,
    /// `0` disables the liveness timer.
    liveness_timeout_ms: Option<u64>,
    stall_timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_event_bytes: Option<u32>,
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
}

impl StreamOptionsJs {
    fn into_core(self) -> core::StreamOptions {
        let ms = Duration::from_millis;
        let mut o = core::StreamOptions::default();
        if let Some(v) = self.since_id {
            o.since_id = Some(v);
        }
        if let Some(v) = self.from_beginning {
            o.from_beginning = v;
        }
        if let Some(v) = self.types {
            o.types = v;
        }
        if let Some(v) = self.exclude {
            o.exclude = v;
        }
        if let Some(v) = self.max_retries {
            o.max_retries = Some(v);
        }
        if let Some(v) = self.liveness_timeout_ms {
            o.liveness_timeout = (v > 0).then(|| ms(v));
        }
        if let Some(v) = self.stall_timeout_ms {
            o.stall_timeout = (v > 0).then(|| ms(v));
        }
        if let Some(v) = self.connect_timeout_ms {
            o.connect_timeout = ms(v);
        }
        if let Some(v) = self.max_event_bytes {
            o.max_event_bytes = v as usize;
        }
        if let Some(v) = self.initial_backoff_ms {
            o.initial_backoff = ms(v);
        }
        if let Some(v) = self.max_backoff_ms {
            o.max_backoff = ms(v);
        }
        o
    }
}

/// Options of `messages.create` when not a plain string: `text` is the shorthand for one text
/// part; `message` gives the parts explicitly.
#[derive(Debug, Default, Deserialize)]
struct MessageOptionsJs {
    text: Option<String>,
    message: Option<InputMessage>,
    controls: Option<everruns_core::types::Controls>,
    metadata: Option<serde_json::Value>,
    tags: Option<Vec<String>>,
}

/// Options of `filesystem.list` / `delete`.
#[derive(Debug, Default, Deserialize)]
struct RecursiveJs {
    recursive: Option<bool>,
}

pub(crate) fn option_fields() -> String {
    use crate::convert::{camel_case, struct_fields};
    fn names<T: DeserializeOwned>() -> Vec<String> {
        let mut v: Vec<String> = struct_fields::<T>().iter().map(|f| camel_case(f)).collect();
        v.sort();
        v
    }
    serde_json::json!({
        "ClientOptions": names::<ClientConfig>(),
        "StreamOptions": names::<StreamOptionsJs>(),
        "MessageOptions": names::<MessageOptionsJs>(),
        "CreateFileOptions": names::<CreateFileRequest>(),
        "UpdateFileOptions": names::<UpdateFileRequest>(),
    })
    .to_string()
}

fn parse<T: DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    from_js_json(json).map_err(|e| input_error(what, e))
}

fn parse_opt<T: DeserializeOwned + Default>(what: &str, json: Option<String>) -> Result<T> {
    match json.as_deref() {
        None | Some("") | Some("null") => Ok(T::default()),
        Some(j) => parse(what, j),
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

    /// Runs a core future on the addon's runtime; resolves with its result as JSON text.
    fn spawn<'e, T, F>(
        &self,
        env: &'e Env,
        token: Option<&CancelToken>,
        fut: F,
    ) -> Result<PromiseRaw<'e, String>>
    where
        T: Serialize + Send + 'static,
        F: Future<Output = core::Result<T>> + Send + 'static,
    {
        let call = token.map(|t| t.0.clone()).unwrap_or_default();
        let closed = self.closed.clone();
        env.spawn_future(async move {
            tokio::select! {
                biased;
                _ = call.cancelled() => Err(aborted()),
                _ = closed.cancelled() => Err(client_closed()),
                r = fut => match r {
                    Ok(v) => to_js_json(&v).map_err(encode_error),
                    Err(e) => Err(core_error(e)),
                },
            }
        })
    }

    fn stream_of(&self, source: StreamSource) -> NativeStream {
        NativeStream::new(source, self.closed.child_token())
    }
}

#[napi]
impl NativeClient {
    /// Builds the client from JSON settings (`apiKey`, `baseUrl`, `orgId`, `timeoutMs`,
    /// `maxRetries`, …); bad settings throw a configuration error.
    #[napi(constructor)]
    pub fn new(config_json: Option<String>) -> Result<Self> {
        let cfg: ClientConfig = parse_opt("client options", config_json)?;
        let ms = Duration::from_millis;
        let mut b = Everruns::builder().user_agent(user_agent());
        if let Some(v) = cfg.api_key {
            b = b.api_key(v);
        }
        if let Some(v) = cfg.base_url {
            b = b.base_url(v);
        }
        if let Some(v) = cfg.org_id {
            b = b.org_id(v);
        }
        if let Some(v) = cfg.timeout_ms {
            b = b.timeout(ms(v));
        }
        if let Some(v) = cfg.connect_timeout_ms {
            b = b.connect_timeout(ms(v));
        }
        if let Some(v) = cfg.max_retries {
            b = b.max_retries(v);
        }
        if let Some(v) = cfg.retry_base_delay_ms {
            b = b.retry_base_delay(ms(v));
        }
        if let Some(v) = cfg.retry_max_delay_ms {
            b = b.retry_max_delay(ms(v));
        }
        if let Some(v) = cfg.max_retry_after_ms {
            b = b.max_retry_after(ms(v));
        }
        if let Some(v) = cfg.debug {
            b = b.debug(v);
        }
        if cfg.use_env.unwrap_or(true) {
            b = b.with_env();
        }
        let client = b.build().map_err(core_error)?;
        Ok(NativeClient {
            inner: Mutex::new(Some(client)),
            closed: CancellationToken::new(),
        })
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

    // ----- agents -----

    /// `agents.create(options)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_create<'e>(
        &self,
        env: &'e Env,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: CreateAgentRequest = parse("agents.create options", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.agents().create_with_options(req).await
        })
    }

    /// `agents.apply(options)`: upsert by id.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_apply<'e>(
        &self,
        env: &'e Env,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: CreateAgentRequest = parse("agents.apply options", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move { c.agents().apply(req).await })
    }

    /// `agents.list(params)`: one page.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_list<'e>(
        &self,
        env: &'e Env,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListAgentsParams = parse_opt("agents.list params", params_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move { c.agents().list(p).await })
    }

    /// `agents.listAll(params)`: every agent, pages fetched on demand.
    #[napi]
    pub fn agents_list_all(&self, params_json: Option<String>) -> Result<NativeStream> {
        let p: ListAgentsParams = parse_opt("agents.listAll params", params_json)?;
        let c = self.client()?;
        Ok(self.stream_of(StreamSource::items(c.agents().list_all(p))))
    }

    /// `agents.get(idOrName)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_get<'e>(
        &self,
        env: &'e Env,
        id_or_name: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move { c.agents().get(&id_or_name).await })
    }

    /// `agents.update(id, changes)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_update<'e>(
        &self,
        env: &'e Env,
        agent_id: String,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: UpdateAgentRequest = parse("agents.update changes", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.agents().update(&agent_id, req).await
        })
    }

    /// `agents.delete(id)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_delete<'e>(
        &self,
        env: &'e Env,
        agent_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.agents().delete(&agent_id).await },
        )
    }

    /// `agents.importAgent(markdown)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_import<'e>(
        &self,
        env: &'e Env,
        markdown: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.agents().import_agent(&markdown).await
        })
    }

    /// `agents.export(id)`: the agent as markdown.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn agents_export<'e>(
        &self,
        env: &'e Env,
        agent_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.agents().export(&agent_id).await },
        )
    }

    /// A fresh client-side agent id (`agent_<32hex>`).
    #[napi]
    pub fn agents_generate_id(&self) -> Result<String> {
        Ok(self.client()?.agents().generate_agent_id())
    }

    // ----- sessions -----

    /// `sessions.create(options)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_create<'e>(
        &self,
        env: &'e Env,
        request_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: CreateSessionRequest = parse_opt("sessions.create options", request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move { c.sessions().create(req).await })
    }

    /// `sessions.list(params)`: one page.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_list<'e>(
        &self,
        env: &'e Env,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListSessionsParams = parse_opt("sessions.list params", params_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move { c.sessions().list(p).await })
    }

    /// `sessions.listAll(params)`.
    #[napi]
    pub fn sessions_list_all(&self, params_json: Option<String>) -> Result<NativeStream> {
        let p: ListSessionsParams = parse_opt("sessions.listAll params", params_json)?;
        let c = self.client()?;
        Ok(self.stream_of(StreamSource::items(c.sessions().list_all(p))))
    }

    /// `sessions.get(id)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_get<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.sessions().get(&session_id).await },
        )
    }

    /// `sessions.update(id, changes)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_update<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: UpdateSessionRequest = parse("sessions.update changes", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.sessions().update(&session_id, req).await
        })
    }

    /// `sessions.delete(id)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_delete<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.sessions().delete(&session_id).await },
        )
    }

    /// `sessions.cancel(id)`: cancels the running turn.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_cancel<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.sessions().cancel(&session_id).await },
        )
    }

    /// `sessions.setLlmsimScript(id, script)` (dev servers only).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sessions_set_llmsim_script<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        script_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let script: LlmSimScript = parse("llmsim script", &script_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.sessions().set_llmsim_script(&session_id, &script).await
        })
    }

    // ----- messages -----

    /// `messages.create(sessionId, text | options)`: `input_json` is a JSON string (the text)
    /// or an object (`text` or `message`, plus `controls`, `metadata`, `tags`).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn messages_create<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        input_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req = match serde_json::from_str::<serde_json::Value>(&input_json) {
            Ok(serde_json::Value::String(text)) => CreateMessageRequest::text(text),
            _ => {
                let o: MessageOptionsJs = parse("messages.create options", &input_json)?;
                let message = match (o.text, o.message) {
                    (Some(t), None) => InputMessage::user(t),
                    (None, Some(m)) => m,
                    _ => {
                        return Err(input_error(
                            "messages.create options",
                            crate::convert::InputError(
                                "give exactly one of `text` or `message`".into(),
                            ),
                        ))
                    }
                };
                CreateMessageRequest {
                    message,
                    controls: o.controls,
                    metadata: o.metadata,
                    tags: o.tags.unwrap_or_default(),
                }
            }
        };
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.messages().create_with_options(&session_id, req).await
        })
    }

    /// `messages.list(sessionId)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn messages_list<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.messages().list(&session_id).await },
        )
    }

    // ----- events -----

    /// `events.list(sessionId, params)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn events_list<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListEventsParams = parse_opt("events.list params", params_json)?;
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.events().list(&session_id, p).await },
        )
    }

    /// `events.stream(sessionId, options)`: the core's resilient event stream, pulled in
    /// batches.
    #[napi]
    pub fn events_stream(
        &self,
        session_id: String,
        options_json: Option<String>,
    ) -> Result<NativeStream> {
        let o: StreamOptionsJs = parse_opt("events.stream options", options_json)?;
        let c = self.client()?;
        let stream = c.events().stream(&session_id, o.into_core());
        Ok(self.stream_of(StreamSource::events(stream)))
    }

    /// The event id the next default stream of `sessionId` starts after.
    #[napi]
    pub fn events_default_cursor(&self, session_id: String) -> Result<Option<String>> {
        Ok(self.client()?.default_cursor(&session_id))
    }

    // ----- filesystem -----

    /// `filesystem.list(sessionId, path, { recursive })`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_list<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        options_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let o: RecursiveJs = parse_opt("filesystem.list options", options_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem()
                .list_with_options(&session_id, &path, o.recursive.unwrap_or(false))
                .await
        })
    }

    /// `filesystem.read(sessionId, path)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_read<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem().read(&session_id, &path).await
        })
    }

    /// `filesystem.create(sessionId, path, content, options)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_create<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: CreateFileRequest = parse("filesystem.create options", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem()
                .create_with_options(&session_id, &path, req)
                .await
        })
    }

    /// `filesystem.createDir(sessionId, path)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_create_dir<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem().create_dir(&session_id, &path).await
        })
    }

    /// `filesystem.update(sessionId, path, content, options)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_update<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: UpdateFileRequest = parse("filesystem.update options", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem()
                .update_with_options(&session_id, &path, req)
                .await
        })
    }

    /// `filesystem.delete(sessionId, path, { recursive })`: resolves `true` when something
    /// was deleted.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_delete<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        options_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let o: RecursiveJs = parse_opt("filesystem.delete options", options_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem()
                .delete(&session_id, &path, o.recursive.unwrap_or(false))
                .await
        })
    }

    /// `filesystem.move(sessionId, src, dst)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_move<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        src_path: String,
        dst_path: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem()
                .move_file(&session_id, &src_path, &dst_path)
                .await
        })
    }

    /// `filesystem.copy(sessionId, src, dst)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_copy<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        src_path: String,
        dst_path: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem().copy(&session_id, &src_path, &dst_path).await
        })
    }

    /// `filesystem.grep(sessionId, pattern, { pathPattern })`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_grep<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        request_json: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let req: GrepRequest = parse("filesystem.grep options", &request_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem().grep(&session_id, req).await
        })
    }

    /// `filesystem.stat(sessionId, path)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fs_stat<'e>(
        &self,
        env: &'e Env,
        session_id: String,
        path: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.filesystem().stat(&session_id, &path).await
        })
    }

    // ----- catalog -----

    /// `capabilities.list(params)`: one page.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn capabilities_list<'e>(
        &self,
        env: &'e Env,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListCapabilitiesParams = parse_opt("capabilities.list params", params_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move { c.capabilities().list(p).await })
    }

    /// `capabilities.listAll(params)`.
    #[napi]
    pub fn capabilities_list_all(&self, params_json: Option<String>) -> Result<NativeStream> {
        let p: ListCapabilitiesParams = parse_opt("capabilities.listAll params", params_json)?;
        let c = self.client()?;
        Ok(self.stream_of(StreamSource::items(c.capabilities().list_all(p))))
    }

    /// `capabilities.get(id)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn capabilities_get<'e>(
        &self,
        env: &'e Env,
        capability_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.capabilities().get(&capability_id).await
        })
    }

    /// `harnesses.list(params)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn harnesses_list<'e>(
        &self,
        env: &'e Env,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListHarnessesParams = parse_opt("harnesses.list params", params_json)?;
        let c = self.client()?;
        self.spawn(env, token, async move {
            c.harnesses().list_with_params(p).await
        })
    }

    /// `harnesses.get(idOrName)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn harnesses_get<'e>(
        &self,
        env: &'e Env,
        id_or_name: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.harnesses().get(&id_or_name).await },
        )
    }

    /// `models.list(params)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn models_list<'e>(
        &self,
        env: &'e Env,
        params_json: Option<String>,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let p: ListModelsParams = parse_opt("models.list params", params_json)?;
        let c = self.client()?;
        self.spawn(
            env,
            token,
            async move { c.models().list_with_params(p).await },
        )
    }

    /// `models.get(id)`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn models_get<'e>(
        &self,
        env: &'e Env,
        model_id: String,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, String>> {
        let c = self.client()?;
        self.spawn(env, token, async move { c.models().get(&model_id).await })
    }
}
