//! `NativeStream`: the pull adapter for the core's streams (events and paginated listings).
//!
//! Kotlin calls `nextBatch(max)` (a `suspend` function); the library waits for one item, takes
//! whatever further items are ready (up to `max`) and returns them as one JSON array text;
//! `null` means the stream ended. Nothing is read from the network unless Kotlin asks.
//! `shutdown()` (from the `Flow`'s cancellation or the client's `shutdown()`) stops the core stream
//! and drops its connection.
//!
//! Event streams run in the core's acknowledged-delivery mode: the facade calls `ack(1)` as it
//! hands each event to the collector, so `lastEventId` and the session's default cursor never
//! count events that were pulled but not handed over.

use std::sync::Arc;

use everruns_core::client::{AckHandle, Error, EventStream, StopHandle};
use everruns_core::ops::batch::{Batch, Batches};
use everruns_core::ops::Item;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::errors::NativeError;
use crate::runtime::run;

/// Items already encoded as JSON text.
type Items = BoxStream<'static, everruns_core::client::Result<String>>;

/// Where a [`NativeStream`] pulls from.
pub struct StreamSource {
    items: Items,
    stop: Option<StopHandle>,
    ack: Option<AckHandle>,
}

fn encoded<T: Serialize>(
    r: everruns_core::client::Result<T>,
) -> everruns_core::client::Result<String> {
    r.and_then(|v| {
        serde_json::to_string(&v).map_err(|e| Error::Decode {
            status: None,
            message: format!("cannot encode an item: {e}"),
            request_id: None,
        })
    })
}

impl StreamSource {
    /// The core's resilient event stream.
    pub fn events(stream: EventStream) -> Self {
        let stop = Some(stream.stop_handle());
        let ack = Some(stream.deliver_on_ack());
        StreamSource {
            items: stream.map(encoded).boxed(),
            stop,
            ack,
        }
    }

    /// A paginated listing (`list_all`).
    pub fn items(stream: BoxStream<'static, everruns_core::client::Result<Item>>) -> Self {
        StreamSource {
            items: stream.map(encoded).boxed(),
            stop: None,
            ack: None,
        }
    }
}

/// A pulled stream of JSON items (events or listing entries).
#[derive(uniffi::Object)]
pub struct NativeStream {
    state: Arc<tokio::sync::Mutex<Batches<String>>>,
    stopped: CancellationToken,
    stop: Option<StopHandle>,
    ack: Option<AckHandle>,
}

impl NativeStream {
    /// Wraps `source`; `stopped` fires on `shutdown()` (a child of the client's token).
    pub fn new(source: StreamSource, stopped: CancellationToken) -> Self {
        NativeStream {
            state: Arc::new(tokio::sync::Mutex::new(Batches::new(source.items))),
            stopped,
            stop: source.stop,
            ack: source.ack,
        }
    }
}

#[uniffi::export]
impl NativeStream {
    /// Waits for at least one item and returns up to `max` items as a JSON array text, or
    /// `null` once the stream ended. An error is raised once; the stream is ended after it.
    /// Cancelling the calling coroutine abandons this wait (the stream stays usable).
    pub async fn next_batch(&self, max: u32) -> Result<Option<String>, NativeError> {
        let state = self.state.clone();
        let stopped = self.stopped.clone();
        let max = max.max(1) as usize;
        run(async move {
            let mut st = tokio::select! {
                biased;
                _ = stopped.cancelled() => return Ok(None),
                g = state.lock() => g,
            };
            match st.next(max, stopped.cancelled()).await? {
                Batch::Items(items) => Ok(Some(format!("[{}]", items.join(",")))),
                Batch::End => Ok(None),
                Batch::Interrupted => {
                    // Closed: drop the source now (and with it the connection).
                    st.close();
                    Ok(None)
                }
            }
        })
        .await
    }

    /// Ends the stream: a pending `nextBatch` returns `null`, the connection is dropped and
    /// no further request is made. Idempotent.
    pub fn shutdown(&self) {
        self.stopped.cancel();
        if let Some(h) = &self.stop {
            h.stop();
        }
        if let Ok(mut st) = self.state.try_lock() {
            st.close();
        }
    }

    /// True after `shutdown()` (or the client's `shutdown()`).
    pub fn is_closed(&self) -> bool {
        self.stopped.is_cancelled()
    }

    /// Marks the next `n` pulled events as handed to user code: they move `lastEventId` and
    /// the session's default stream cursor. No effect on listings.
    pub fn ack(&self, n: u32) {
        if let Some(a) = &self.ack {
            a.ack(n as usize);
        }
    }

    /// The id of the last event handed to user code (`null` before the first, and for
    /// listings).
    pub fn last_event_id(&self) -> Option<String> {
        self.ack.as_ref().and_then(|a| a.last_event_id())
    }

    /// Unexpected disconnects in a row, reset once a connection delivers again (`null` for
    /// listings).
    pub fn retry_count(&self) -> Option<u32> {
        self.ack.as_ref().map(|a| a.retry_count())
    }

    /// Connections made after the first one, graceful cycles included (`null` for listings).
    pub fn reconnect_count(&self) -> Option<u64> {
        self.ack.as_ref().map(|a| a.reconnect_count())
    }
}
