//! `NativeStream`: the pull adapter for the core's streams (events and paginated listings).
//!
//! JavaScript calls `nextBatch(max)`; the addon waits for one item, then takes whatever further
//! items the core stream has ready (letting the connection task run a few times, up to `max`),
//! and resolves with them as one
//! JSON array text (one `JSON.parse` per batch). `null` means the stream ended. Nothing is read
//! from the network unless JavaScript asks, and nothing is pushed to JavaScript unasked, so an
//! abandoned stream holds no callback that could keep the process alive. `close()` (from
//! `return()`, `abort()`, an `AbortSignal` or the client's `close()`) stops the core stream and
//! drops its connection.
//!
//! Event streams run in the core's acknowledged-delivery mode: JavaScript calls `ack()` as it
//! hands each event to user code, so `lastEventId` and the session's default cursor
//! (docs/decisions.md#4) never count events that were pulled but not handed over.

use std::sync::Arc;

use everruns_core::client::{AckHandle, Error, EventStream, StopHandle};
use everruns_core::ops::batch::{Batch, Batches};
use everruns_core::ops::Item;
use futures::stream::BoxStream;
use futures::StreamExt;
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Result};
use napi_derive::napi;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::client::CancelToken;
use crate::convert::to_js_json;
use crate::errors::{aborted, core_error};

/// Items already encoded as JSON text (struct fields camelCase).
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
        to_js_json(&v).map_err(|e| Error::Decode {
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
#[napi]
pub struct NativeStream {
    state: Arc<tokio::sync::Mutex<Batches<String>>>,
    stopped: CancellationToken,
    stop: Option<StopHandle>,
    ack: Option<AckHandle>,
}

impl NativeStream {
    /// Wraps `source`; `stopped` fires on `close()` (a child of the client's token, so the
    /// client's `close()` ends every stream too).
    pub fn new(source: StreamSource, stopped: CancellationToken) -> Self {
        NativeStream {
            state: Arc::new(tokio::sync::Mutex::new(Batches::new(source.items))),
            stopped,
            stop: source.stop,
            ack: source.ack,
        }
    }
}

#[napi]
impl NativeStream {
    /// Waits for at least one item and resolves with up to `max` items as a JSON array text,
    /// or `null` once the stream ended. An error rejects once; the stream is ended after it.
    /// `token` aborts this wait (the stream stays usable).
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_batch<'e>(
        &self,
        env: &'e Env,
        max: u32,
        token: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Option<String>>> {
        let state = self.state.clone();
        let stopped = self.stopped.clone();
        let call = token.map(|t| t.0.clone()).unwrap_or_default();
        let max = max.max(1) as usize;
        env.spawn_future(async move {
            let mut st = tokio::select! {
                biased;
                _ = stopped.cancelled() => return Ok(None),
                _ = call.cancelled() => return Err(aborted()),
                g = state.lock() => g,
            };
            let interrupt = async {
                tokio::select! {
                    _ = stopped.cancelled() => {},
                    _ = call.cancelled() => {},
                }
            };
            match st.next(max, interrupt).await.map_err(core_error)? {
                Batch::Items(items) => Ok(Some(format!("[{}]", items.join(",")))),
                Batch::End => Ok(None),
                Batch::Interrupted if stopped.is_cancelled() => {
                    // Closed: drop the source now (and with it the connection).
                    st.close();
                    Ok(None)
                }
                Batch::Interrupted => Err(aborted()),
            }
        })
    }

    /// Ends the stream: a pending `nextBatch` resolves `null`, the connection is dropped and
    /// no further request is made. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.stopped.cancel();
        if let Some(h) = &self.stop {
            h.stop();
        }
        if let Ok(mut st) = self.state.try_lock() {
            st.close();
        }
    }

    /// True after `close()` (or the client's `close()`).
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.stopped.is_cancelled()
    }

    /// Marks the next `n` pulled events as handed to user code: they move `lastEventId` and
    /// the session's default stream cursor. No effect on listings.
    #[napi]
    pub fn ack(&self, n: u32) {
        if let Some(a) = &self.ack {
            a.ack(n as usize);
        }
    }

    /// The id of the last event handed to user code (`null` before the first, and for
    /// listings).
    #[napi(getter)]
    pub fn last_event_id(&self) -> Option<String> {
        self.ack.as_ref().and_then(|a| a.last_event_id())
    }

    /// Unexpected disconnects in a row, reset once a connection delivers again (`null` for
    /// listings).
    #[napi(getter)]
    pub fn retry_count(&self) -> Option<u32> {
        self.ack.as_ref().map(|a| a.retry_count())
    }

    /// Connections made after the first one, graceful cycles included (`null` for listings).
    #[napi(getter)]
    pub fn reconnect_count(&self) -> Option<i64> {
        self.ack
            .as_ref()
            .map(|a| i64::try_from(a.reconnect_count()).unwrap_or(i64::MAX))
    }
}
