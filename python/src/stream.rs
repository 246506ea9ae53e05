//! Pull-based streams for Python (docs/architecture.md principle 4): the Python async iterator awaits
//! `next_batch(n)`, which waits for one item and takes whatever else is already buffered.
//! The core stream runs in acknowledged-delivery mode: the Python iterator calls `ack()` as
//! it hands each event to user code, so the per-session default cursor (docs/decisions.md#4) and
//! `last_event_id` never count events that were pulled but not handed over (a loop that
//! `break`s mid-batch resumes right after the event it saw last).
//! Dropping or stopping a stream ends it and closes its connection.

use std::sync::Arc;

use everruns_core::client::{AckHandle, Error, StopHandle};
use everruns_core::ops::batch::{Batch, Batches};
use futures::stream::BoxStream;
use futures::StreamExt;
use pyo3::prelude::*;
use serde_json::Value;

use crate::client::{Out, Reply};
use crate::hub::LoopHub;
use crate::runtime::future_into_py;

/// Largest batch one pull may return.
const MAX_BATCH: usize = 4096;

/// The core stream pulled in batches, with at most one batch read ahead.
///
/// An async pull through the loop's hub starts reading the next batch as soon as it has
/// handed its own over, so the core decodes batch n+1 on a tokio thread while Python works
/// through batch n. Events read ahead are not delivered: in acknowledged-delivery mode only
/// the events Python hands to user code move the cursor, and stopping drops them.
struct Pull {
    batches: Batches<everruns_core::Event>,
    ahead: Option<Result<Batch<everruns_core::Event>, Error>>,
}

impl Pull {
    async fn next(&mut self, max: usize) -> Result<Batch<everruns_core::Event>, Error> {
        match self.ahead.take() {
            Some(r) => r,
            None => self.batches.next(max, std::future::pending()).await,
        }
    }

    fn close(&mut self) {
        self.ahead = None;
        self.batches.close();
    }
}

fn events_reply(r: Result<Batch<everruns_core::Event>, Error>) -> Reply {
    Reply(r.map(|b| match b {
        Batch::Items(evs) => Out::Events(evs),
        _ => Out::Events(Vec::new()),
    }))
}

/// A session's event stream (wraps the core's resilient `EventStream`).
#[pyclass(module = "everruns_sdk._native", frozen)]
pub struct EventStream {
    inner: Arc<tokio::sync::Mutex<Pull>>,
    stop: StopHandle,
    ack: AckHandle,
    session_id: String,
}

impl EventStream {
    pub(crate) fn new(s: everruns_core::client::EventStream) -> Self {
        let stop = s.stop_handle();
        let ack = s.deliver_on_ack();
        let session_id = s.session_id().to_string();
        Self {
            inner: Arc::new(tokio::sync::Mutex::new(Pull {
                batches: Batches::new(s.boxed()),
                ahead: None,
            })),
            stop,
            ack,
            session_id,
        }
    }
}

impl EventStream {
    /// Stops the core stream and drops it (closing its connection) as soon as no pull holds
    /// it; a pending pull returns promptly once stopped.
    fn shutdown(&self) {
        self.stop.stop();
        let inner = self.inner.clone();
        crate::runtime::runtime().spawn(async move {
            inner.lock().await.close();
        });
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        // Garbage-collected without `stop()` (e.g. `break` out of `async for`): end it anyway.
        self.shutdown();
    }
}

#[pymethods]
impl EventStream {
    /// Waits for at least one event and returns it with the events already buffered, up to
    /// `max` (list of dicts). An empty list means the stream ended.
    #[pyo3(signature = (max=256))]
    fn next_batch<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let max = max.clamp(1, MAX_BATCH);
        future_into_py(py, async move {
            Ok(events_reply(inner.lock().await.next(max).await))
        })
    }

    /// `next_batch` resolved through the event loop's [`LoopHub`]: the batch (or the error)
    /// is set on `fut` (from `loop.create_future()`) at the hub's next drain, together with
    /// every other stream's batch that finished meanwhile.
    #[pyo3(signature = (hub, fut, max=256))]
    fn next_batch_into(
        &self,
        py: Python<'_>,
        hub: &Bound<'_, LoopHub>,
        fut: &Bound<'_, PyAny>,
        max: usize,
    ) -> PyResult<()> {
        let inner = self.inner.clone();
        let max = max.clamp(1, MAX_BATCH);
        let stop = self.stop.clone();
        hub.get().submit(py, fut, async move {
            let r = inner.lock().await.next(max).await;
            if matches!(r, Ok(Batch::Items(_))) && !stop.is_stopped() {
                // Read the next batch ahead (not cancelled with this pull's future: what it
                // reads waits in `ahead` for the next pull).
                crate::runtime::runtime().spawn(async move {
                    let mut g = inner.lock().await;
                    if g.ahead.is_none() && !stop.is_stopped() {
                        let r = g.batches.next(max, std::future::pending()).await;
                        g.ahead = Some(r);
                    }
                });
            }
            events_reply(r)
        })
    }

    /// Blocking `next_batch` (the synchronous client's iterator; Ctrl-C interrupts it and
    /// leaves the stream usable).
    #[pyo3(signature = (max=256))]
    fn next_batch_sync<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let max = max.clamp(1, MAX_BATCH);
        let r = crate::blocking::block_on(py, async move { inner.lock().await.next(max).await })?;
        events_reply(r).into_pyobject(py)
    }

    /// Ends the stream: a pending `next_batch` returns an empty list promptly, no further
    /// connection is made.
    fn stop(&self) {
        self.shutdown();
    }

    /// True once `stop()` was called (or the stream was dropped).
    #[getter]
    fn stopped(&self) -> bool {
        self.stop.is_stopped()
    }

    /// The session this stream follows.
    #[getter]
    fn session_id(&self) -> String {
        self.session_id.clone()
    }

    /// Marks the next `n` pulled events as handed to user code: they move `last_event_id`
    /// and the session's default stream cursor.
    #[pyo3(signature = (n=1))]
    fn ack(&self, n: usize) {
        self.ack.ack(n);
    }

    /// The id of the last event handed to user code (`None` before the first).
    #[getter]
    fn last_event_id(&self) -> Option<String> {
        self.ack.last_event_id()
    }

    /// Connections made after the first one (graceful cycles and unexpected drops).
    #[getter]
    fn reconnect_count(&self) -> u64 {
        self.ack.reconnect_count()
    }

    /// Unexpected disconnects in a row (reset by the next `connected` frame or event).
    #[getter]
    fn retry_count(&self) -> u32 {
        self.ack.retry_count()
    }
}

/// A stream of JSON items (auto-paginated listings).
#[pyclass(module = "everruns_sdk._native", frozen)]
pub struct ItemStream {
    inner: Arc<tokio::sync::Mutex<Batches<Value>>>,
}

impl ItemStream {
    pub(crate) fn new(s: BoxStream<'static, Result<Value, Error>>) -> Self {
        Self {
            inner: Arc::new(tokio::sync::Mutex::new(Batches::new(s))),
        }
    }
}

#[pymethods]
impl ItemStream {
    /// Waits for the next item and returns it with the items already available, up to `max`.
    /// An empty list means the listing is complete.
    #[pyo3(signature = (max=100))]
    fn next_batch<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let max = max.clamp(1, MAX_BATCH);
        future_into_py(py, async move {
            let r = inner.lock().await.next(max, std::future::pending()).await;
            Ok(Reply(r.map(|b| match b {
                Batch::Items(v) => Out::Json(Value::Array(v)),
                _ => Out::Json(Value::Array(Vec::new())),
            })))
        })
    }

    /// Blocking `next_batch` (the synchronous client's iterator).
    #[pyo3(signature = (max=100))]
    fn next_batch_sync<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let max = max.clamp(1, MAX_BATCH);
        let r = crate::blocking::block_on(py, async move {
            inner.lock().await.next(max, std::future::pending()).await
        })?;
        Reply(r.map(|b| match b {
            Batch::Items(v) => Out::Json(Value::Array(v)),
            _ => Out::Json(Value::Array(Vec::new())),
        }))
        .into_pyobject(py)
    }

    /// Stops fetching further pages.
    fn close(&self) {
        if let Ok(mut g) = self.inner.try_lock() {
            g.close();
        }
    }
}
