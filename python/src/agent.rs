//! `everruns_sdk._native.AgentClient`: the core's `AgentClient` (the Agent Execution API) and
//! its two generic entry points. Every method is declared once in the core
//! (`everruns_core::agent_client::ops`); the Python facade (`agent.py`) calls `call` or
//! `stream` with the method's name and its keyword arguments. No per-method code here.

use std::sync::{Arc, Mutex};

use everruns_core::agent_client::ops;
use everruns_core::client::Error;
use everruns_core::ops::{Args, Spelling};
use everruns_core::AgentClient as CoreAgent;
use pyo3::prelude::*;
use serde_json::Value;

use crate::client::Reply;
use crate::convert::py_to_value;
use crate::errors::{invalid_input, to_pyerr};
use crate::runtime::future_into_py;
use crate::stream::EventStream;

const USER_AGENT: &str = concat!("everruns-python-sdk/", env!("CARGO_PKG_VERSION"));

struct Shared {
    settings: Value,
    /// The core client and the pid that built it (a forked child builds its own).
    slot: Mutex<(u32, CoreAgent)>,
}

fn build(settings: &Value) -> Result<CoreAgent, Error> {
    ops::build(settings.clone(), Spelling::Snake, USER_AGENT)
}

/// The native agent client: one connection pool, every Agent Execution API method.
#[pyclass(module = "everruns_sdk._native", frozen)]
pub struct AgentClient {
    shared: Arc<Shared>,
    end_user: Option<String>,
}

impl AgentClient {
    fn core(&self, py: Python<'_>) -> PyResult<CoreAgent> {
        let pid = std::process::id();
        let mut slot = self.shared.slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.0 != pid {
            let fresh = build(&self.shared.settings).map_err(|e| to_pyerr(py, &e))?;
            let stale = std::mem::replace(&mut *slot, (pid, fresh));
            std::mem::forget(stale);
        }
        let c = slot.1.clone();
        drop(slot);
        match &self.end_user {
            Some(u) => c.for_end_user(u).map_err(|e| to_pyerr(py, &e)),
            None => Ok(c),
        }
    }
}

fn args(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Args> {
    let v = match obj {
        None => Value::Null,
        Some(o) => py_to_value(o).map_err(|e| invalid_input(py, e.0))?,
    };
    Args::new(v, Spelling::Snake).map_err(|e| to_pyerr(py, &e))
}

#[pymethods]
impl AgentClient {
    /// Builds a client from its settings (`agent_url`, `agent_key`, `end_user`, `timeout`,
    /// `max_retries`, `debug`, `read_env`). Bad settings raise `ConfigurationError`.
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
        let end_user = client.end_user().map(str::to_string);
        Ok(AgentClient {
            shared: Arc::new(Shared {
                settings,
                slot: Mutex::new((std::process::id(), client)),
            }),
            end_user,
        })
    }

    /// A client acting for `end_user`, sharing this one's connections.
    fn for_end_user(&self, py: Python<'_>, end_user: &str) -> PyResult<AgentClient> {
        let c = self
            .core(py)?
            .for_end_user(end_user)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(AgentClient {
            shared: self.shared.clone(),
            end_user: c.end_user().map(str::to_string),
        })
    }

    /// Runs unary method `op` (e.g. `"send_message"`) with keyword arguments `args`.
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

    /// Opens stream method `op` (nothing is sent until the first pull).
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

    /// Closes the client and every client sharing its pool. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.core(py)?.close();
        Ok(())
    }

    /// True once closed.
    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.core(py)?.transport().is_closed())
    }

    /// The agent URL (`…/v1/channels/{channel_id}`).
    #[getter]
    fn agent_url(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core(py)?.agent_url())
    }

    /// The end user this client acts for, if any.
    #[getter]
    fn end_user(&self) -> Option<String> {
        self.end_user.clone()
    }

    /// Whether request logging is on.
    #[getter]
    fn debug(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.core(py)?.transport().debug())
    }
}

/// The AgentClient's operation table as JSON text (what the facade's parity test reads).
#[pyfunction]
pub fn agent_operations() -> String {
    ops::describe().to_string()
}
