//! Value conversion between `serde_json::Value` (the core's wire values) and Python objects.
//!
//! A small hand-written converter instead of `pythonize`: it builds `dict`/`list`/`str`/`int`/
//! `float`/`bool`/`None` directly, and turns whole event batches into Python in one attached
//! section (see [`events_to_py`]).

use everruns_core::Event;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Converts a JSON value into the equivalent Python object.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => number_to_py(py, n)?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => object_to_py(py, map)?.into_any(),
    })
}

fn number_to_py<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    if let Some(i) = n.as_i64() {
        Ok(i.into_pyobject(py)?.into_any())
    } else if let Some(u) = n.as_u64() {
        Ok(u.into_pyobject(py)?.into_any())
    } else {
        Ok(PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any())
    }
}

/// Converts a JSON object into a Python `dict`.
pub fn object_to_py<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(PyString::new(py, k), value_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// Serialises any core type and converts it to Python.
pub fn to_py<'py, T: Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v)
        .map_err(|e| PyTypeError::new_err(format!("cannot serialise a core value: {e}")))?;
    value_to_py(py, &value)
}

static EVENT_NEW: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// An empty `everruns_sdk.Event` (a `dict` subclass), made with `dict.__new__` so no Python
/// `__init__` runs and nothing is copied.
fn new_event<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let (new, cls) = EVENT_NEW.get_or_try_init(py, || -> PyResult<_> {
        let cls = py.import("everruns_sdk._models")?.getattr("Event")?;
        let new = py.get_type::<PyDict>().getattr("__new__")?;
        Ok((new.unbind(), cls.unbind()))
    })?;
    Ok(new.bind(py).call1((cls.bind(py),))?.cast_into::<PyDict>()?)
}

/// Converts one event into an `everruns_sdk.Event` (a `dict` with the wire envelope's keys),
/// moving its payload.
pub fn event_to_py<'py>(py: Python<'py>, ev: Event) -> PyResult<Bound<'py, PyDict>> {
    let d = new_event(py)?;
    d.set_item(pyo3::intern!(py, "id"), ev.id.as_str())?;
    d.set_item(pyo3::intern!(py, "type"), ev.event_type.as_str())?;
    let ts = serde_json::to_value(ev.ts).unwrap_or(Value::Null);
    d.set_item(pyo3::intern!(py, "ts"), value_to_py(py, &ts)?)?;
    d.set_item(pyo3::intern!(py, "session_id"), ev.session_id.as_str())?;
    d.set_item(pyo3::intern!(py, "sequence"), ev.sequence)?;
    let ctx = PyDict::new(py);
    let c = &ev.context;
    for (k, v) in [
        (pyo3::intern!(py, "turn_id"), &c.turn_id),
        (pyo3::intern!(py, "input_message_id"), &c.input_message_id),
        (pyo3::intern!(py, "exec_id"), &c.exec_id),
        (pyo3::intern!(py, "trace_id"), &c.trace_id),
    ] {
        if let Some(v) = v {
            ctx.set_item(k, v.as_str())?;
        }
    }
    d.set_item(pyo3::intern!(py, "context"), ctx)?;
    d.set_item(pyo3::intern!(py, "data"), value_to_py(py, &ev.data)?)?;
    if let Some(m) = &ev.metadata {
        d.set_item(pyo3::intern!(py, "metadata"), value_to_py(py, m)?)?;
    }
    if !ev.tags.is_empty() {
        d.set_item(pyo3::intern!(py, "tags"), PyList::new(py, &ev.tags)?)?;
    }
    Ok(d)
}

/// Converts a batch of events into a Python `list` of `everruns_sdk.Event`s.
pub fn events_to_py<'py>(py: Python<'py>, events: Vec<Event>) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for ev in events {
        list.append(event_to_py(py, ev)?)?;
    }
    Ok(list)
}

/// Why a Python value could not be turned into JSON.
#[derive(Debug)]
pub struct NotJson(pub String);

/// Converts a Python object (`None`, `bool`, `int`, `float`, `str`, `list`/`tuple`, `dict`
/// with `str` keys, or anything with a `to_dict()` method) into a JSON value.
pub fn py_to_value(obj: &Bound<'_, PyAny>) -> Result<Value, NotJson> {
    py_to_value_at(obj, "$", 0)
}

fn py_to_value_at(obj: &Bound<'_, PyAny>, at: &str, depth: usize) -> Result<Value, NotJson> {
    if depth > 256 {
        return Err(NotJson(format!("{at}: nested too deeply")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(NotJson(format!("{at}: integer out of the 64-bit range")));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        return Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| NotJson(format!("{at}: {x} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| Value::String(s.to_owned()))
            .map_err(|e| NotJson(format!("{at}: {e}")));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| {
                    NotJson(format!(
                        "{at}: dict keys must be str, got {}",
                        type_name(&k)
                    ))
                })?
                .to_str()
                .map_err(|e| NotJson(format!("{at}: {e}")))?
                .to_owned();
            let child = format!("{at}.{key}");
            map.insert(key, py_to_value_at(&v, &child, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l
            .iter()
            .enumerate()
            .map(|(i, v)| py_to_value_at(&v, &format!("{at}[{i}]"), depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t
            .iter()
            .enumerate()
            .map(|(i, v)| py_to_value_at(&v, &format!("{at}[{i}]"), depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Ok(to_dict) = obj.getattr("to_dict") {
        if let Ok(d) = to_dict.call0() {
            return py_to_value_at(&d, at, depth + 1);
        }
    }
    Err(NotJson(format!(
        "{at}: cannot send a value of type {}",
        type_name(obj)
    )))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}
