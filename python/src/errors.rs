//! The one mapping from core errors to the Python exception classes of `everruns_sdk._errors`.

use everruns_core::client::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

pyo3::create_exception!(
    _native,
    CoreError,
    pyo3::exceptions::PyException,
    "The native core's error, kept as `__cause__` of the SDK exception it was mapped to."
);

static ERRORS_MODULE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn attr<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        py.import("everruns_sdk._errors")
            .map(|m| m.into_any().unbind())
    })?;
    module.bind(py).getattr(name)
}

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(attr(py, name)?.cast_into::<PyType>()?)
}

/// The SDK exception for a core error, with the core error as `__cause__`.
pub fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", e.code())?;
    if let Error::RateLimited { retry_after, .. } = e {
        kwargs.set_item("retry_after", retry_after.map(|d| d.as_secs_f64()))?;
    }
    // The one table from the core's error kind to the Python class.
    let (name, is_api) = match e.kind() {
        "Validation" => ("ValidationError", true),
        "Authentication" => ("AuthenticationError", true),
        "Permission" => ("PermissionDeniedError", true),
        "NotFound" => ("NotFoundError", true),
        "Conflict" => ("ConflictError", true),
        "RateLimited" => ("RateLimitError", true),
        "Server" => ("ServerError", true),
        "Api" => ("ApiError", true),
        "Network" => ("NetworkError", false),
        "Tls" => ("TlsError", false),
        "Timeout" => ("EverrunsTimeoutError", false),
        "Decode" => ("DecodeError", false),
        "Stream" => ("StreamError", false),
        "Config" => ("ConfigurationError", false),
        "Closed" => ("ClientClosedError", false),
        "TurnFailed" => ("TurnFailedError", false),
        _ => ("EverrunsError", false),
    };
    finish(py, e, class(py, name)?, kwargs, is_api)
}

fn finish(
    py: Python<'_>,
    e: &Error,
    cls: Bound<'_, PyType>,
    kwargs: Bound<'_, PyDict>,
    is_api: bool,
) -> PyResult<PyErr> {
    if is_api {
        kwargs.set_item("status", e.status())?;
        kwargs.set_item("request_id", e.request_id())?;
    } else if let Error::Decode {
        status, request_id, ..
    } = e
    {
        kwargs.set_item("status", *status)?;
        kwargs.set_item("request_id", request_id.as_deref())?;
    }
    let exc = cls.call((e.message(),), Some(&kwargs))?;
    let err = PyErr::from_value(exc);
    err.set_cause(
        py,
        Some(CoreError::new_err(format!("{} ({})", e, e.kind()))),
    );
    Ok(err)
}

/// A client-side validation error (nothing was sent) for input the bridge cannot convert.
pub fn invalid_input(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::validation(message.into()))
}
