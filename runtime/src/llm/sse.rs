//! Shared plumbing of the HTTP drivers: a producer-driven stream and SSE frame reading.

use everruns_core::sse::{SseFrame, SseParser};
use futures::channel::mpsc;
use futures::{Future, SinkExt, StreamExt};

use super::{LlmError, LlmErrorKind, LlmStream, LlmStreamEvent};

/// Sender half given to a producer.
pub(crate) type Tx = mpsc::Sender<Result<LlmStreamEvent, LlmError>>;

/// A stream fed by `producer`. The producer runs inside the stream: dropping the stream
/// drops the producer (aborting any HTTP read in flight).
pub(crate) fn producer_stream<F, Fut>(producer: F) -> LlmStream
where
    F: FnOnce(Tx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(32);
    let fut = producer(tx);
    let p = futures::stream::once(fut).filter_map(|_| async { None });
    Box::pin(futures::stream::select(p, rx))
}

/// Sends an item; `false` when the consumer is gone.
pub(crate) async fn send(tx: &mut Tx, item: Result<LlmStreamEvent, LlmError>) -> bool {
    tx.send(item).await.is_ok()
}

/// Reads SSE frames from a response body.
pub(crate) struct FrameReader {
    resp: reqwest::Response,
    parser: SseParser,
    done: bool,
}

impl FrameReader {
    pub(crate) fn new(resp: reqwest::Response) -> Self {
        Self {
            resp,
            parser: SseParser::new(),
            done: false,
        }
    }

    /// The next frame; `Ok(None)` at the end of the body.
    pub(crate) async fn next(&mut self) -> Result<Option<SseFrame>, LlmError> {
        loop {
            if let Some(f) = self.parser.next_frame() {
                return Ok(Some(f));
            }
            if self.done {
                return Ok(None);
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self
                    .parser
                    .push(&bytes)
                    .map_err(|e| LlmError::new(LlmErrorKind::Protocol, e.to_string()))?,
                Ok(None) => {
                    // A final event without its blank line still counts.
                    let _ = self.parser.push(b"\n\n");
                    self.done = true;
                }
                Err(e) => {
                    let kind = if e.is_timeout() {
                        LlmErrorKind::Timeout
                    } else {
                        LlmErrorKind::Protocol
                    };
                    return Err(LlmError::new(
                        kind,
                        format!("reading the stream failed: {e}"),
                    ));
                }
            }
        }
    }
}

/// Maps a transport error of `send()`.
pub(crate) fn request_error(e: reqwest::Error) -> LlmError {
    let kind = if e.is_timeout() {
        LlmErrorKind::Timeout
    } else {
        LlmErrorKind::Other
    };
    LlmError::new(kind, format!("request to the provider failed: {e}"))
}

/// Checks the status; on error reads (part of) the body into the message.
pub(crate) async fn check_status(resp: reqwest::Response) -> Result<reqwest::Response, LlmError> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    Err(LlmError::from_status(status, &body))
}

/// One shared HTTP client for the drivers (rustls; connection pooling), built on first use.
pub(crate) fn http_client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(30))
                .read_timeout(std::time::Duration::from_secs(300))
                .build()
                .expect("reqwest client with default settings")
        })
        .clone()
}
