//! `everruns_sdk._native.Client`: every core call as one method returning an awaitable.
//!
//! Arguments arrive as Python values and are converted into the core's request types;
//! results leave as plain Python values (`dict`/`list`/`str`/`bool`/`None`) that the Python
//! layer wraps into typed objects. Serialisation runs on tokio without the GIL; only the final
//! conversion to Python objects attaches, inside the guarded completion callback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use everruns_core::client::{Error, Everruns, FsEntry, RequestOptions, StreamOptions};
use everruns_core::{
    CreateAgentRequest, CreateFileRequest, CreateMessageRequest, CreateSessionRequest, Event,
    GrepRequest, ListAgentsParams, ListCapabilitiesParams, ListEventsParams, ListHarnessesParams,
    ListModelsParams, ListSessionsParams, LlmSimScript, UpdateAgentRequest, UpdateFileRequest,
    UpdateSessionRequest,
};
use futures::stream::BoxStream;
use futures::StreamExt;
use pyo3::prelude::*;
use pyo3::types::PyString;
use serde::Serialize;
use serde_json::Value;

use crate::convert::{events_to_py, from_py, value_to_py};
use crate::errors::{invalid_input, to_pyerr};
use crate::runtime::future_into_py;
use crate::stream::{EventStream, ItemStream};

/// What a finished call hands to Python.
pub enum Out {
    /// A JSON value (already serialised off the GIL).
    Json(Value),
    /// Nothing (`None`).
    Unit,
    /// A batch of events.
    Events(Vec<Event>),
}

/// The outcome of a core call; converted to Python (or raised) inside the completion callback.
pub struct Reply(pub Result<Out, Error>);

impl Reply {
    /// Serialises a core result.
    pub fn json<T: Serialize>(r: Result<T, Error>) -> Self {
        Reply(r.and_then(|v| {
            serde_json::to_value(v)
                .map(Out::Json)
                .map_err(|e| Error::Decode {
                    status: None,
                    message: format!("cannot serialise the result: {e}"),
                    request_id: None,
                })
        }))
    }

    /// A result without a value.
    pub fn unit(r: Result<(), Error>) -> Self {
        Reply(r.map(|_| Out::Unit))
    }
}

impl<'py> IntoPyObject<'py> for Reply {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(Out::Json(v)) => value_to_py(py, &v),
            Ok(Out::Unit) => Ok(py.None().into_bound(py)),
            Ok(Out::Events(evs)) => Ok(events_to_py(py, evs)?.into_any()),
            Err(e) => Err(to_pyerr(py, &e)),
        }
    }
}

/// Converts a Python argument into a core request, raising `ValidationError` (nothing sent).
fn arg<T: serde::de::DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    from_py(obj, what).map_err(|m| invalid_input(obj.py(), m))
}

fn secs(what: &str, v: Option<f64>) -> Result<Option<Duration>, Error> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Error::validation(format!(
            "{what} must be a non-negative number of seconds, got {s}"
        ))),
    }
}

#[derive(Clone)]
struct Config {
    api_key: Option<String>,
    base_url: Option<String>,
    org_id: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    retry_base_delay: Option<Duration>,
    retry_max_delay: Option<Duration>,
    max_retry_after: Option<Duration>,
    debug: Option<bool>,
    read_env: bool,
}

impl Config {
    fn build(&self) -> Result<Everruns, Error> {
        let mut b = Everruns::builder()
            .user_agent(concat!("everruns-python-sdk/", env!("CARGO_PKG_VERSION")));
        if self.read_env {
            b = b.with_env();
        }
        if let Some(v) = &self.api_key {
            b = b.api_key(v.clone());
        }
        if let Some(v) = &self.base_url {
            b = b.base_url(v.clone());
        }
        if let Some(v) = &self.org_id {
            b = b.org_id(v.clone());
        }
        if let Some(v) = self.timeout {
            b = b.timeout(v);
        }
        if let Some(v) = self.connect_timeout {
            b = b.connect_timeout(v);
        }
        if let Some(v) = self.max_retries {
            b = b.max_retries(v);
        }
        if let Some(v) = self.retry_base_delay {
            b = b.retry_base_delay(v);
        }
        if let Some(v) = self.retry_max_delay {
            b = b.retry_max_delay(v);
        }
        if let Some(v) = self.max_retry_after {
            b = b.max_retry_after(v);
        }
        if let Some(v) = self.debug {
            b = b.debug(v);
        }
        b.build()
    }
}

struct Shared {
    cfg: Config,
    /// The core client and the pid that built it (a forked child builds its own: the
    /// parent's connection pool belongs to the parent's runtime).
    slot: Mutex<(u32, Everruns)>,
}

impl Shared {
    fn current(&self) -> Result<Everruns, Error> {
        let pid = std::process::id();
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.0 != pid {
            let fresh = self.cfg.build()?;
            let stale = std::mem::replace(&mut *slot, (pid, fresh));
            // Its sockets are registered with the parent's reactor: never touch them here.
            std::mem::forget(stale);
        }
        Ok(slot.1.clone())
    }
}

/// The native client: one connection pool, per-session stream cursors, and every API call.
#[pyclass(module = "everruns_sdk._native", frozen)]
pub struct Client {
    shared: Arc<Shared>,
    opts: RequestOptions,
}

impl Client {
    fn core(&self, py: Python<'_>) -> PyResult<Everruns> {
        self.shared
            .current()
            .map(|c| c.with_options(self.opts.clone()))
            .map_err(|e| to_pyerr(py, &e))
    }
}

macro_rules! call {
    ($py:expr, $client:ident, $reply:path, |$c:ident| $body:expr) => {{
        let $c = $client;
        future_into_py($py, async move { Ok($reply($body.await)) })
    }};
}

fn paged<T: Serialize + Send + 'static>(s: BoxStream<'static, Result<T, Error>>) -> ItemStream {
    ItemStream::new(
        s.map(|r| {
            r.and_then(|v| {
                serde_json::to_value(v).map_err(|e| Error::Decode {
                    status: None,
                    message: format!("cannot serialise an item: {e}"),
                    request_id: None,
                })
            })
        })
        .boxed(),
    )
}

#[pymethods]
impl Client {
    /// Builds a client. Unset values come from `EVERRUNS_API_KEY`, `EVERRUNS_API_URL`,
    /// `EVERRUNS_ORG_ID` and `EVERRUNS_DEBUG` when `read_env` is true; timeouts and delays
    /// are seconds.
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, org_id=None, *, timeout=None, connect_timeout=None, max_retries=None, retry_base_delay=None, retry_max_delay=None, max_retry_after=None, debug=None, read_env=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        org_id: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_retries: Option<u32>,
        retry_base_delay: Option<f64>,
        retry_max_delay: Option<f64>,
        max_retry_after: Option<f64>,
        debug: Option<bool>,
        read_env: bool,
    ) -> PyResult<Self> {
        let cfg = (|| -> Result<Config, Error> {
            Ok(Config {
                api_key,
                base_url,
                org_id,
                timeout: secs("timeout", timeout)?,
                connect_timeout: secs("connect_timeout", connect_timeout)?,
                max_retries,
                retry_base_delay: secs("retry_base_delay", retry_base_delay)?,
                retry_max_delay: secs("retry_max_delay", retry_max_delay)?,
                max_retry_after: secs("max_retry_after", max_retry_after)?,
                debug,
                read_env,
            })
        })()
        .map_err(|e| to_pyerr(py, &e))?;
        let built = py.detach(|| cfg.build());
        let client = built.map_err(|e| to_pyerr(py, &e))?;
        Ok(Client {
            shared: Arc::new(Shared {
                cfg,
                slot: Mutex::new((std::process::id(), client)),
            }),
            opts: RequestOptions::default(),
        })
    }

    /// A client sharing this one's pool and caches whose calls use these per-call settings.
    #[pyo3(signature = (*, timeout=None, max_retries=None, idempotency_key=None, headers=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
        idempotency_key: Option<String>,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<Client> {
        let mut opts = self.opts.clone();
        if let Some(t) = secs("timeout", timeout).map_err(|e| to_pyerr(py, &e))? {
            opts = opts.timeout(t);
        }
        if let Some(n) = max_retries {
            opts = opts.max_retries(n);
        }
        if let Some(k) = idempotency_key {
            opts = opts.idempotency_key(k);
        }
        for (k, v) in headers.unwrap_or_default() {
            opts = opts.header(k, v);
        }
        Ok(Client {
            shared: self.shared.clone(),
            opts,
        })
    }

    /// The normalised base URL (with a trailing `/`).
    #[getter]
    fn base_url(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core(py)?.base_url().to_string())
    }

    /// The `X-Org-Id` sent, if any.
    #[getter]
    fn org_id(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.core(py)?.org_id().map(str::to_string))
    }

    /// The `User-Agent` / `X-SDK-Version` product string.
    #[getter]
    fn user_agent(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core(py)?.user_agent().to_string())
    }

    /// Whole-request timeout of REST calls, in seconds.
    #[getter]
    fn timeout(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core(py)?.timeout().as_secs_f64())
    }

    /// Retries of a failed REST call.
    #[getter]
    fn max_retries(&self, py: Python<'_>) -> PyResult<u32> {
        Ok(self.core(py)?.retry_policy().max_retries)
    }

    /// TCP/TLS connect timeout, in seconds.
    #[getter]
    fn connect_timeout(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core(py)?.connect_timeout().as_secs_f64())
    }

    /// First retry backoff delay, in seconds.
    #[getter]
    fn retry_base_delay(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core(py)?.retry_policy().base_delay.as_secs_f64())
    }

    /// Retry backoff cap, in seconds.
    #[getter]
    fn retry_max_delay(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core(py)?.retry_policy().max_delay.as_secs_f64())
    }

    /// Longest `Retry-After` honoured, in seconds.
    #[getter]
    fn max_retry_after(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core(py)?.retry_policy().max_retry_after.as_secs_f64())
    }

    // ----- agents ------------------------------------------------------------------------

    /// `POST /v1/agents` (create, or update the agent with the same name).
    fn agents_create<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateAgentRequest = arg(request, "agent")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().create_with_options(req))
    }

    /// Upsert by client-chosen id.
    fn agents_apply<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateAgentRequest = arg(request, "agent")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().apply(req))
    }

    /// Upsert by name.
    fn agents_apply_by_name<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateAgentRequest = arg(request, "agent")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().apply_by_name(req))
    }

    /// One page of agents.
    fn agents_list<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListAgentsParams = arg(params, "list parameters")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().list(p))
    }

    /// Every matching agent, pages fetched on demand.
    fn agents_list_all(&self, py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<ItemStream> {
        let p: ListAgentsParams = arg(params, "list parameters")?;
        Ok(paged(self.core(py)?.agents().list_all(p)))
    }

    /// An agent by id or name.
    fn agents_get<'py>(&self, py: Python<'py>, id_or_name: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().get(&id_or_name))
    }

    /// `PATCH /v1/agents/{id}`.
    fn agents_update<'py>(
        &self,
        py: Python<'py>,
        agent_id: String,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: UpdateAgentRequest = arg(request, "agent update")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().update(&agent_id, req))
    }

    /// `DELETE /v1/agents/{id}`.
    fn agents_delete<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::unit, |c| c.agents().delete(&agent_id))
    }

    /// `POST /v1/agents/import` with a markdown agent file.
    fn agents_import<'py>(&self, py: Python<'py>, markdown: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().import_agent(&markdown))
    }

    /// `GET /v1/agents/{id}/export`: the agent as markdown.
    fn agents_export<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.agents().export(&agent_id))
    }

    /// A fresh `agent_…` id for `agents_apply`.
    fn agents_generate_id(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core(py)?.agents().generate_agent_id())
    }

    // ----- sessions ----------------------------------------------------------------------

    /// `POST /v1/sessions`.
    fn sessions_create<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateSessionRequest = arg(request, "session")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.sessions().create(req))
    }

    /// One page of sessions.
    fn sessions_list<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListSessionsParams = arg(params, "list parameters")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.sessions().list(p))
    }

    /// Every matching session, pages fetched on demand.
    fn sessions_list_all(&self, py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<ItemStream> {
        let p: ListSessionsParams = arg(params, "list parameters")?;
        Ok(paged(self.core(py)?.sessions().list_all(p)))
    }

    /// A session by id.
    fn sessions_get<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.sessions().get(&session_id))
    }

    /// `PATCH /v1/sessions/{id}`.
    fn sessions_update<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: UpdateSessionRequest = arg(request, "session update")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c
            .sessions()
            .update(&session_id, req))
    }

    /// `DELETE /v1/sessions/{id}`.
    fn sessions_delete<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::unit, |c| c.sessions().delete(&session_id))
    }

    /// `POST /v1/sessions/{id}/cancel`.
    fn sessions_cancel<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.sessions().cancel(&session_id))
    }

    /// Dev servers: `PUT /v1/sessions/{id}/llmsim`.
    fn sessions_set_llmsim_script<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        script: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s: LlmSimScript = arg(script, "llmsim script")?;
        let c = self.core(py)?;
        call!(py, c, Reply::unit, |c| c
            .sessions()
            .set_llmsim_script(&session_id, &s))
    }

    // ----- messages ----------------------------------------------------------------------

    /// `POST /v1/sessions/{id}/messages`: `message` is the text, or a full request object.
    fn messages_create<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateMessageRequest = match message.cast::<PyString>() {
            Ok(s) => CreateMessageRequest::text(s.to_str()?),
            Err(_) => arg(message, "message")?,
        };
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c
            .messages()
            .create_with_options(&session_id, req))
    }

    /// Every message of a session, oldest first.
    fn messages_list<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.messages().list(&session_id))
    }

    // ----- events ------------------------------------------------------------------------

    /// `GET /v1/sessions/{id}/events`.
    fn events_list<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListEventsParams = arg(params, "event query")?;
        let c = self.core(py)?;
        future_into_py(py, async move {
            Ok(Reply(
                c.events().list(&session_id, p).await.map(Out::Events),
            ))
        })
    }

    /// The session's resilient event stream (nothing is sent until the first pull).
    /// Timeouts and backoff are seconds.
    #[pyo3(signature = (session_id, *, since_id=None, from_beginning=false, types=None, exclude=None, max_retries=None, liveness_timeout=None, stall_timeout=None, connect_timeout=None, max_event_bytes=None, initial_backoff=None, max_backoff=None, disable_liveness=false))]
    #[allow(clippy::too_many_arguments)]
    fn events_stream(
        &self,
        py: Python<'_>,
        session_id: String,
        since_id: Option<String>,
        from_beginning: bool,
        types: Option<Vec<String>>,
        exclude: Option<Vec<String>>,
        max_retries: Option<u32>,
        liveness_timeout: Option<f64>,
        stall_timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_event_bytes: Option<usize>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        disable_liveness: bool,
    ) -> PyResult<EventStream> {
        let opts = (|| -> Result<StreamOptions, Error> {
            let mut o = StreamOptions::default();
            o.since_id = since_id;
            o.from_beginning = from_beginning;
            o.types = types.unwrap_or_default();
            o.exclude = exclude.unwrap_or_default();
            o.max_retries = max_retries;
            if let Some(t) = secs("liveness_timeout", liveness_timeout)? {
                o.liveness_timeout = Some(t);
            }
            if disable_liveness {
                o.liveness_timeout = None;
            }
            o.stall_timeout = secs("stall_timeout", stall_timeout)?;
            if let Some(t) = secs("connect_timeout", connect_timeout)? {
                o.connect_timeout = t;
            }
            if let Some(n) = max_event_bytes {
                o.max_event_bytes = n;
            }
            if let Some(t) = secs("initial_backoff", initial_backoff)? {
                o.initial_backoff = t;
            }
            if let Some(t) = secs("max_backoff", max_backoff)? {
                o.max_backoff = t;
            }
            Ok(o)
        })()
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(EventStream::new(
            self.core(py)?.events().stream(&session_id, opts),
        ))
    }

    /// The per-session default stream cursor (DECISIONS #4), if known.
    fn default_cursor(&self, py: Python<'_>, session_id: String) -> PyResult<Option<String>> {
        Ok(self.core(py)?.default_cursor(&session_id))
    }

    /// Forgets the per-session default stream cursor.
    fn reset_default_cursor(&self, py: Python<'_>, session_id: String) -> PyResult<()> {
        self.core(py)?.reset_default_cursor(&session_id);
        Ok(())
    }

    // ----- filesystem --------------------------------------------------------------------

    /// Lists a directory: `{"path", "entries"}`.
    #[pyo3(signature = (session_id, path, recursive=false))]
    fn fs_list<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
        recursive: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().list_with_options(
            &session_id,
            &path,
            recursive
        ))
    }

    /// A file (`{"file": …}`) or a directory listing (`{"directory": …}`).
    fn fs_get<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        future_into_py(py, async move {
            let r = c
                .filesystem()
                .get(&session_id, &path)
                .await
                .map(|e| match e {
                    FsEntry::File(f) => serde_json::json!({ "file": f }),
                    FsEntry::Directory(d) => serde_json::json!({ "directory": d }),
                });
            Ok(Reply::json(r))
        })
    }

    /// Reads a file with its content.
    fn fs_read<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c
            .filesystem()
            .read(&session_id, &path))
    }

    /// Creates a file or directory (`request`: content, encoding, is_readonly, is_directory).
    fn fs_create<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: CreateFileRequest = arg(request, "file")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().create_with_options(
            &session_id,
            &path,
            req
        ))
    }

    /// Updates a file (`request`: content, encoding, is_readonly).
    fn fs_update<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: UpdateFileRequest = arg(request, "file update")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().update_with_options(
            &session_id,
            &path,
            req
        ))
    }

    /// Deletes a file or directory; returns whether something was deleted.
    #[pyo3(signature = (session_id, path, recursive=false))]
    fn fs_delete<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
        recursive: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().delete(
            &session_id,
            &path,
            recursive
        ))
    }

    /// Moves (renames) a file or directory.
    fn fs_move<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        src_path: String,
        dst_path: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().move_file(
            &session_id,
            &src_path,
            &dst_path
        ))
    }

    /// Copies a file.
    fn fs_copy<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        src_path: String,
        dst_path: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.filesystem().copy(
            &session_id,
            &src_path,
            &dst_path
        ))
    }

    /// Searches file contents (`request`: pattern, path_pattern).
    fn fs_grep<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: GrepRequest = arg(request, "grep request")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c
            .filesystem()
            .grep(&session_id, req))
    }

    /// Metadata of a file or directory.
    fn fs_stat<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        path: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c
            .filesystem()
            .stat(&session_id, &path))
    }

    // ----- catalog -----------------------------------------------------------------------

    /// One page of capabilities.
    fn capabilities_list<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListCapabilitiesParams = arg(params, "list parameters")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.capabilities().list(p))
    }

    /// Every matching capability, pages fetched on demand.
    fn capabilities_list_all(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
    ) -> PyResult<ItemStream> {
        let p: ListCapabilitiesParams = arg(params, "list parameters")?;
        Ok(paged(self.core(py)?.capabilities().list_all(p)))
    }

    /// A capability by id.
    fn capabilities_get<'py>(
        &self,
        py: Python<'py>,
        capability_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.capabilities().get(&capability_id))
    }

    /// Harnesses.
    fn harnesses_list<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListHarnessesParams = arg(params, "list parameters")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.harnesses().list_with_params(p))
    }

    /// A harness by id or name.
    fn harnesses_get<'py>(
        &self,
        py: Python<'py>,
        id_or_name: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.harnesses().get(&id_or_name))
    }

    /// Models with their providers.
    fn models_list<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: ListModelsParams = arg(params, "list parameters")?;
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.models().list_with_params(p))
    }

    /// A model by id.
    fn models_get<'py>(&self, py: Python<'py>, model_id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        call!(py, c, Reply::json, |c| c.models().get(&model_id))
    }
}
