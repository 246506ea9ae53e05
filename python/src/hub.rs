//! One hand-off to the asyncio event loop per batch of completions.
//!
//! `pyo3-async-runtimes` completes every native future on its own: a blocking tokio thread
//! attaches to the interpreter and calls `loop.call_soon_threadsafe` (a self-pipe write) for
//! each one. With 1,000 streams that each receive an event at the same moment, that is 1,000
//! threads queueing for the GIL and 1,000 loop wake-ups.
//!
//! A [`LoopHub`] belongs to one event loop. Finished stream pulls are pushed (without the GIL)
//! onto its queue; only the push that finds the queue idle writes one byte to a socket the loop
//! watches (`loop.add_reader(hub.fileno(), hub.drain)`). [`LoopHub::drain`] then runs on the
//! loop's own thread, converts every queued result to Python and resolves its future: one
//! wake-up, no foreign thread attaching, however many streams finished. Nothing attaches from a
//! tokio thread, so the interpreter-exit guard of [`crate::runtime`] is not needed here: a
//! completion arriving during exit just sits in the queue.
//!
//! Cancelling the asyncio future aborts the Rust task (as `pyo3-async-runtimes` does), so a
//! cancelled pull never takes events from the stream.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::client::Reply;

/// A finished pull waiting for the loop: its future and its result.
struct Done {
    fut: Py<PyAny>,
    reply: Reply,
}

struct Inner {
    queue: Mutex<Vec<Done>>,
    /// A wake-up byte is on its way (set by the push that found the queue idle).
    armed: AtomicBool,
    rx: UnixStream,
    tx: UnixStream,
}

impl Inner {
    fn push(&self, d: Done) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).push(d);
        if !self.armed.swap(true, Ordering::SeqCst) {
            // Non-blocking: a full socket buffer already means a wake-up is pending.
            let _ = (&self.tx).write(&[1]);
        }
    }
}

/// The completion queue of one asyncio event loop (see the module documentation).
#[pyclass(module = "everruns_sdk._native", frozen)]
pub struct LoopHub {
    inner: Arc<Inner>,
}

impl LoopHub {
    /// Runs `fut` on the tokio runtime and resolves the asyncio future `py_fut` (made by the
    /// caller with `loop.create_future()`) with its result at the loop's next drain.
    pub(crate) fn submit<F>(
        &self,
        py: Python<'_>,
        py_fut: &Bound<'_, PyAny>,
        fut: F,
    ) -> PyResult<()>
    where
        F: std::future::Future<Output = Reply> + Send + 'static,
    {
        let inner = self.inner.clone();
        let task_fut = py_fut.clone().unbind();
        let handle = crate::runtime::runtime().spawn(async move {
            let reply = fut.await;
            inner.push(Done {
                fut: task_fut,
                reply,
            });
        });
        let cancel = Py::new(
            py,
            AbortOnCancel {
                handle: handle.abort_handle(),
            },
        )?;
        py_fut.call_method1(pyo3::intern!(py, "add_done_callback"), (cancel,))?;
        Ok(())
    }
}

#[pymethods]
impl LoopHub {
    /// A hub with its wake-up socket pair.
    #[new]
    fn new() -> PyResult<Self> {
        let (rx, tx) = UnixStream::pair().map_err(|e| PyOSError::new_err(e.to_string()))?;
        rx.set_nonblocking(true)
            .and_then(|()| tx.set_nonblocking(true))
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                queue: Mutex::new(Vec::new()),
                armed: AtomicBool::new(false),
                rx,
                tx,
            }),
        })
    }

    /// The descriptor the loop watches (`loop.add_reader(hub.fileno(), hub.drain)`).
    fn fileno(&self) -> i32 {
        self.inner.rx.as_raw_fd()
    }

    /// Resolves every finished pull (called by the loop when the descriptor is readable).
    /// Returns how many futures it resolved.
    fn drain(&self, py: Python<'_>) -> usize {
        let mut buf = [0u8; 64];
        while let Ok(n) = (&self.inner.rx).read(&mut buf) {
            if n < buf.len() {
                break;
            }
        }
        self.inner.armed.store(false, Ordering::SeqCst);
        let items =
            std::mem::take(&mut *self.inner.queue.lock().unwrap_or_else(|e| e.into_inner()));
        let mut resolved = 0;
        for Done { fut, reply } in items {
            let fut = fut.bind(py);
            // Cancelled (or otherwise settled) meanwhile: its task was aborted or lost the race.
            if fut
                .call_method0(pyo3::intern!(py, "done"))
                .and_then(|d| d.is_truthy())
                .unwrap_or(true)
            {
                continue;
            }
            let r = match reply.into_pyobject(py) {
                Ok(v) => fut.call_method1(pyo3::intern!(py, "set_result"), (v,)),
                Err(e) => fut.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),)),
            };
            match r {
                Ok(_) => resolved += 1,
                Err(e) => e.write_unraisable(py, Some(fut)),
            }
        }
        resolved
    }

    /// Completions waiting for the next drain (diagnostics and tests).
    #[getter]
    fn pending(&self) -> usize {
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

/// Done-callback of a hub future: aborts the Rust task when the future was cancelled.
#[pyclass(module = "everruns_sdk._native", frozen)]
struct AbortOnCancel {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut
            .call_method0(pyo3::intern!(fut.py(), "cancelled"))?
            .is_truthy()?
        {
            self.handle.abort();
        }
        Ok(())
    }
}
