//! The tokio runtime behind every native future, made safe for interpreter exit and `fork()`.
//!
//! * **Exit.** `pyo3-async-runtimes` completes an `asyncio.Future` from a blocking tokio thread
//!   that attaches to the interpreter. If that happens after finalisation began, CPython crashes
//!   (pyo3-async-runtimes issue #40). [`GuardedRuntime::spawn_blocking`] counts those
//!   completion callbacks; [`shutdown_hook`] (registered with `atexit` by the package) raises an
//!   "exiting" flag and waits, detached from the interpreter and bounded in time, until no
//!   callback is in flight. Callbacks that start after the flag are dropped without attaching.
//! * **Fork.** A forked child has a copy of the parent's runtime without its threads. The
//!   runtime is tagged with the pid that built it; a different pid builds a fresh one (the
//!   stale copy is leaked on purpose: dropping it would wait for threads that do not exist).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{ContextExt, JoinError, Runtime};
use pyo3_async_runtimes::TaskLocals;

/// Number of completion callbacks that may still attach to the interpreter.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Set by the `atexit` hook: no new callback may attach after this.
static EXITING: AtomicBool = AtomicBool::new(false);
/// The current runtime and the pid that built it.
static SLOT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());

struct Slot {
    pid: u32,
    runtime: tokio::runtime::Runtime,
}

fn build_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("everruns-tokio")
        .enable_all()
        .build()
        .expect("failed to start the tokio runtime")
}

/// The runtime of this process; built on first use and again after a `fork()`.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    let pid = std::process::id();
    loop {
        let cur = SLOT.load(Ordering::Acquire);
        // SAFETY: slots are leaked boxes, never freed once published.
        if let Some(slot) = unsafe { cur.as_ref() } {
            if slot.pid == pid {
                return &slot.runtime;
            }
        }
        let fresh = Box::into_raw(Box::new(Slot {
            pid,
            runtime: build_runtime(),
        }));
        match SLOT.compare_exchange(cur, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // The previous slot (if any) belongs to the parent process: leak it.
            Ok(_) => return unsafe { &(*fresh).runtime },
            Err(_) => {
                // Another thread of this process won the race; shut ours down quietly.
                // SAFETY: `fresh` was never published.
                let lost = unsafe { Box::from_raw(fresh) };
                lost.runtime.shutdown_background();
            }
        }
    }
}

/// True once the interpreter started exiting.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Completion callbacks currently allowed to attach (for tests and diagnostics).
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

/// Runs `f` on a blocking thread as a counted, exit-guarded interpreter callback.
pub fn spawn_guarded_blocking<F>(f: F) -> tokio::task::JoinHandle<()>
where
    F: FnOnce() + Send + 'static,
{
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    runtime().spawn_blocking(move || {
        struct Done;
        impl Drop for Done {
            fn drop(&mut self) {
                IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _done = Done;
        if EXITING.load(Ordering::SeqCst) {
            // The interpreter is going away: never attach. Leak the captured Python
            // references rather than touching the reference pool during finalisation.
            std::mem::forget(f);
            return;
        }
        f();
    })
}

/// The `pyo3_async_runtimes` runtime used by every native future.
pub struct GuardedRuntime;

/// Join error of [`GuardedRuntime`] tasks.
pub struct GuardedJoinError(tokio::task::JoinError);

impl JoinError for GuardedJoinError {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }
    fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.0.into_panic()
    }
}

/// Join handle of [`GuardedRuntime`] tasks.
pub struct GuardedJoinHandle(tokio::task::JoinHandle<()>);

impl Future for GuardedJoinHandle {
    type Output = Result<(), GuardedJoinError>;
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map_err(GuardedJoinError)
    }
}

impl Runtime for GuardedRuntime {
    type JoinError = GuardedJoinError;
    type JoinHandle = GuardedJoinHandle;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        GuardedJoinHandle(runtime().spawn(fut))
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        GuardedJoinHandle(spawn_guarded_blocking(f))
    }
}

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<TaskLocals>;
}

impl ContextExt for GuardedRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}

/// Turns a Rust future into an `asyncio.Future` completed through the guarded runtime.
/// Cancelling the asyncio future drops (cancels) the Rust future.
pub fn future_into_py<F, T>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<GuardedRuntime, _, _>(py, fut)
}

/// `atexit` hook: stop new completion callbacks and wait (detached, at most `timeout_s`
/// seconds) for the ones in flight. Returns the number still in flight when it gave up (0 on a
/// clean exit).
#[pyfunction]
#[pyo3(signature = (timeout_s = 5.0))]
pub fn shutdown_hook(py: Python<'_>, timeout_s: f64) -> usize {
    EXITING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_s.max(0.0));
    py.detach(|| loop {
        let n = IN_FLIGHT.load(Ordering::SeqCst);
        if n == 0 || Instant::now() >= deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(1));
    })
}

/// Diagnostics: `(pid that owns the runtime, callbacks in flight, exiting flag)`.
#[pyfunction]
pub fn runtime_info() -> (u32, usize, bool) {
    let pid = {
        let _ = runtime();
        let cur = SLOT.load(Ordering::Acquire);
        // SAFETY: published slots are never freed.
        unsafe { cur.as_ref() }.map(|s| s.pid).unwrap_or(0)
    };
    (pid, in_flight(), exiting())
}

/// A native future that completes after `ms` milliseconds with `value` (used by the
/// exit-crash stress test and the fork test; exercises the same completion path as every API
/// call).
#[pyfunction]
#[pyo3(signature = (ms, value = None))]
pub fn sleep<'py>(
    py: Python<'py>,
    ms: u64,
    value: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    future_into_py(py, async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(value)
    })
}
