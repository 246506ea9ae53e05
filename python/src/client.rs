//! `everruns_sdk._native.Client`: the core client and its four generic entry points.
//!
//! Every operation is declared once in the core's operation table (`everruns_core::ops`);
//! the generated Python facade (`_client.py`) calls `call`, `paged`, `stream` or `local` with
//! the operation's id and its keyword arguments as a dict. This file holds no per-operation
//! code: it converts values, adapts futures and streams to asyncio and maps errors.

use std::sync::{Arc, Mutex};

use everruns_core::client::{Error, Everruns, RequestOptions};
use everruns_core::ops::{self, Args, Output, Spelling};
use everruns_core::Event;
use futures::StreamExt;
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::{events_to_py, py_to_value, value_to_py};
use crate::errors::{invalid_input, to_pyerr};
use crate::runtime::future_into_py;
use crate::stream::{EventStream, ItemStream};

/// The product string of this package (`User-Agent`, `X-SDK-Version`).
const USER_AGENT: &str = concat!("everruns-python-sdk/", env!("CARGO_PKG_VERSION"));

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

fn to_json(item: &ops::Item) -> Result<Value, Error> {
    serde_json::to_value(&**item).map_err(|e| Error::Decode {
        status: None,
        message: format!("cannot serialise the result: {e}"),
        request_id: None,
    })
}

impl From<Result<Output, Error>> for Reply {
    fn from(r: Result<Output, Error>) -> Self {
        Reply(r.and_then(|o| match o {
            Output::Unit => Ok(Out::Unit),
            Output::Events(evs) => Ok(Out::Events(evs)),
            Output::Value(v) => to_json(&v).map(Out::Json),
        }))
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

/// A Python dict (or `None`) as JSON, raising `ValidationError` for values JSON cannot hold.
fn json_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match obj {
        None => Ok(Value::Null),
        Some(o) => py_to_value(o).map_err(|e| invalid_input(o.py(), e.0)),
    }
}

fn args(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Args> {
    Args::new(json_arg(obj)?, Spelling::Snake).map_err(|e| to_pyerr(py, &e))
}

struct Shared {
    settings: Value,
    /// The core client and the pid that built it (a forked child builds its own: the
    /// parent's connection pool belongs to the parent's runtime).
    slot: Mutex<(u32, Everruns)>,
}

fn build(settings: &Value) -> Result<Everruns, Error> {
    ops::settings::client_builder(settings.clone(), Spelling::Snake, USER_AGENT)?.build()
}

impl Shared {
    fn current(&self) -> Result<Everruns, Error> {
        let pid = std::process::id();
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.0 != pid {
            let fresh = build(&self.settings)?;
            let stale = std::mem::replace(&mut *slot, (pid, fresh));
            // Its sockets are registered with the parent's reactor: never touch them here.
            std::mem::forget(stale);
        }
        Ok(slot.1.clone())
    }
}

/// The native client: one connection pool, per-session stream cursors, every operation.
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

#[pymethods]
impl Client {
    /// Builds a client from its settings (the keys of `client_settings` in the operation
    /// table; durations in seconds). Bad settings raise `ConfigurationError`.
    #[new]
    #[pyo3(signature = (settings=None))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let settings = match settings {
            None => Value::Null,
            Some(o) => py_to_value(o).map_err(|e| to_pyerr(py, &Error::Config { message: e.0 }))?,
        };
        let client = py
            .detach(|| build(&settings))
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Client {
            shared: Arc::new(Shared {
                settings,
                slot: Mutex::new((std::process::id(), client)),
            }),
            opts: RequestOptions::default(),
        })
    }

    /// A client sharing this one's pool and caches whose calls use these per-call settings
    /// (the keys of `call_settings`).
    #[pyo3(signature = (options=None))]
    fn with_options(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Client> {
        let more = ops::settings::request_options(json_arg(options)?, Spelling::Snake)
            .map_err(|e| to_pyerr(py, &e))?;
        let merged = self.core(py)?.with_options(more).options().clone();
        Ok(Client {
            shared: self.shared.clone(),
            opts: merged,
        })
    }

    /// Runs unary operation `op` (e.g. `"agents.create"`) with keyword arguments `args`.
    #[pyo3(signature = (op, args=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self::args(py, args)?;
        let fut = ops::unary(&self.core(py)?, op, a).map_err(|e| to_pyerr(py, &e))?;
        future_into_py(py, async move { Ok(Reply::from(fut.await)) })
    }

    /// Runs unary operation `op` and blocks until it finishes (the synchronous client's
    /// entry point; Ctrl-C interrupts it).
    #[pyo3(signature = (op, args=None))]
    fn call_sync<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self::args(py, args)?;
        let fut = ops::unary(&self.core(py)?, op, a).map_err(|e| to_pyerr(py, &e))?;
        let reply = crate::blocking::block_on(py, async move { Reply::from(fut.await) })?;
        reply.into_pyobject(py)
    }

    /// Every item of paged operation `op`, pages fetched on demand.
    #[pyo3(signature = (op, args=None))]
    fn paged(
        &self,
        py: Python<'_>,
        op: &str,
        args: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ItemStream> {
        let a = self::args(py, args)?;
        let items = ops::paged(&self.core(py)?, op, a).map_err(|e| to_pyerr(py, &e))?;
        Ok(ItemStream::new(
            items.map(|r| r.and_then(|v| to_json(&v))).boxed(),
        ))
    }

    /// Opens stream operation `op` (nothing is sent until the first pull).
    #[pyo3(signature = (op, args=None))]
    fn stream(
        &self,
        py: Python<'_>,
        op: &str,
        args: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<EventStream> {
        let a = self::args(py, args)?;
        let s = ops::stream(&self.core(py)?, op, a).map_err(|e| to_pyerr(py, &e))?;
        Ok(EventStream::new(s))
    }

    /// Runs local operation `op` (no I/O).
    #[pyo3(signature = (op, args=None))]
    fn local<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self::args(py, args)?;
        let out = ops::local(&self.core(py)?, op, a);
        Reply::from(out).into_pyobject(py)
    }

    /// Closes the client (and every client sharing its pool): calls in flight raise
    /// `ClientClosedError`, open streams end. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.core(py)?.close();
        Ok(())
    }

    /// True once closed.
    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.core(py)?.is_closed())
    }

    /// Whether request logging is on (`debug`, else `EVERRUNS_DEBUG`, resolved by the core).
    #[getter]
    fn debug(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.core(py)?.debug())
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
        let c = self.core(py)?;
        Ok(c.options()
            .max_retries
            .unwrap_or(c.retry_policy().max_retries))
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
}

/// The operation table as JSON text (what the generated facades and parity tests read).
#[pyfunction]
pub fn operations() -> String {
    ops::describe().to_string()
}
