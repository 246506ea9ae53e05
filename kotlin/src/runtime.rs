//! The tokio runtime every native future runs on.
//!
//! uniffi polls a `suspend` call's future from the Kotlin side; the core needs a tokio context
//! (reqwest, timers), so each call is spawned here and awaited through a handle that aborts the
//! task when dropped. A cancelled coroutine drops the uniffi future, which drops the handle,
//! which aborts the task and with it the core future and its HTTP request.

use std::future::Future;
use std::sync::OnceLock;

use crate::errors::NativeError;

/// The runtime of this process, built on first use.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("everruns-tokio")
            .enable_all()
            .build()
            .expect("failed to start the tokio runtime")
    })
}

/// Aborts the task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `fut` on the runtime; dropping the returned future aborts it.
pub async fn run<T, F>(fut: F) -> Result<T, NativeError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, NativeError>> + Send + 'static,
{
    let mut handle = AbortOnDrop(runtime().spawn(fut));
    match (&mut handle.0).await {
        Ok(r) => r,
        Err(e) if e.is_cancelled() => Err(NativeError::aborted()),
        Err(e) => Err(NativeError::bridge(
            "Api",
            "panic",
            format!("the native task failed: {e}"),
        )),
    }
}
