//! Shared workloads and drivers for the SSE parser benchmarks.
//!
//! Three parsers read the same bytes, split into the same chunks (zero-copy [`Bytes`] slices
//! of one buffer, like the chunks of an HTTP body):
//!
//! * [`Parser::Ours`] — `everruns_core::sse::SseParser`, driven synchronously
//!   (`push` each chunk, then drain `next_frame`).
//! * [`Parser::EventsourceStream`] — `eventsource-stream` 0.2, a `Stream` adapter over
//!   `futures::stream::iter` of the chunks, polled with `futures::executor::block_on`.
//! * [`Parser::Sseer`] — `sseer` 0.3 `EventStream` over the same kind of stream.
//!
//! Every driver returns an [`Outcome`] (events and data bytes seen) so callers can check that
//! the parsers agree.

use std::convert::Infallible;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use everruns_core::sse::SseParser;
use futures::executor::block_on;
use futures::StreamExt;

/// Number of events in the small-event workload.
pub const SMALL_EVENTS: usize = 100_000;
/// Size of the `data` payload of the large-event workload.
pub const LARGE_EVENT_BYTES: usize = 8 * 1024 * 1024;
/// Chunk sizes every workload is fed in.
pub const CHUNK_SIZES: [usize; 3] = [1, 64, 16 * 1024];

/// The parsers being compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    /// `everruns_core::sse::SseParser`.
    Ours,
    /// The `eventsource-stream` crate.
    EventsourceStream,
    /// The `sseer` crate.
    Sseer,
}

impl Parser {
    /// All parsers, ours first.
    pub const ALL: [Parser; 3] = [Parser::Ours, Parser::EventsourceStream, Parser::Sseer];

    /// A short display name.
    pub fn name(self) -> &'static str {
        match self {
            Parser::Ours => "everruns-core",
            Parser::EventsourceStream => "eventsource-stream 0.2",
            Parser::Sseer => "sseer 0.3",
        }
    }

    /// Parses `input` split into `chunk`-byte pieces.
    pub fn run(self, input: &Bytes, chunk: usize) -> Outcome {
        match self {
            Parser::Ours => run_ours(input, chunk),
            Parser::EventsourceStream => run_eventsource_stream(input, chunk),
            Parser::Sseer => run_sseer(input, chunk),
        }
    }
}

/// What a parser produced from a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Dispatched events.
    pub events: usize,
    /// Total length of their `data`.
    pub data_bytes: usize,
}

impl Outcome {
    fn add(&mut self, data: &str) {
        self.events += 1;
        self.data_bytes += std::hint::black_box(data).len();
    }
}

/// `n` events shaped like the E2 session stream (docs/wire.md#15.2): `event:`, `id:`,
/// `retry:` and one ~360-byte JSON `data:` line each (~450 bytes per event), with a `: heartbeat` comment every
/// 1000 events.
pub fn small_events(n: usize) -> Bytes {
    const TYPES: [&str; 4] = [
        "output.message.delta",
        "reason.thinking.delta",
        "tool.output.delta",
        "turn.started",
    ];
    let mut out = String::with_capacity(n * 400);
    for i in 0..n {
        let kind = TYPES[i % TYPES.len()];
        let id = format!("event_0197a3c2{i:024x}");
        let data = format!(
            concat!(
                r#"{{"id":"{id}","type":"{kind}","ts":"2025-06-01T12:00:00.123Z","#,
                r#""session_id":"session_0197a3c1d2e37f4a8b9c0d1e2f3a4b5c","#,
                r#""context":{{"turn_id":"turn_0197a3c1d2e37f4a8b9c0d1e2f3a4b60","#,
                r#""trace_id":"turn_0197a3c1d2e37f4a8b9c0d1e2f3a4b60"}},"#,
                r#""data":{{"delta":"The quick brown fox jumps over the lazy dog #{i}"}},"#,
                r#""sequence":{seq}}}"#
            ),
            id = id,
            kind = kind,
            i = i,
            seq = i + 1
        );
        out.push_str("event: ");
        out.push_str(kind);
        out.push_str("\nid: ");
        out.push_str(&id);
        out.push_str("\nretry: 100\ndata: ");
        out.push_str(&data);
        out.push_str("\n\n");
        if i % 1000 == 999 {
            out.push_str(": heartbeat\n\n");
        }
    }
    Bytes::from(out)
}

/// One event whose single `data:` line carries `payload` bytes of text.
pub fn large_event(payload: usize) -> Bytes {
    let mut out = Vec::with_capacity(payload + 64);
    out.extend_from_slice(b"event: output.message.completed\nid: event_big\ndata: ");
    let text = b"lorem ipsum dolor sit amet, consectetur adipiscing elit; ";
    while out.len() < 52 + payload {
        let take = text.len().min(52 + payload - out.len());
        out.extend_from_slice(&text[..take]);
    }
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// `input` as consecutive zero-copy slices of at most `size` bytes.
pub fn chunks(input: &Bytes, size: usize) -> impl Iterator<Item = Bytes> + '_ {
    assert!(size > 0);
    (0..input.len())
        .step_by(size)
        .map(move |start| input.slice(start..input.len().min(start + size)))
}

/// Drives `everruns_core::sse::SseParser`.
pub fn run_ours(input: &Bytes, chunk: usize) -> Outcome {
    let mut parser = SseParser::new();
    let mut outcome = Outcome::default();
    for piece in chunks(input, chunk) {
        parser.push(&piece).expect("valid stream");
        while let Some(frame) = parser.next_frame() {
            outcome.add(&frame.data);
        }
    }
    outcome
}

/// Drives `eventsource-stream`.
pub fn run_eventsource_stream(input: &Bytes, chunk: usize) -> Outcome {
    let source = futures::stream::iter(chunks(input, chunk).map(Ok::<_, Infallible>));
    block_on(async {
        let mut events = source.eventsource();
        let mut outcome = Outcome::default();
        while let Some(event) = events.next().await {
            outcome.add(&event.expect("valid stream").data);
        }
        outcome
    })
}

/// Drives `sseer`.
pub fn run_sseer(input: &Bytes, chunk: usize) -> Outcome {
    let source = futures::stream::iter(chunks(input, chunk).map(Ok::<_, Infallible>));
    block_on(async {
        let mut events = sseer::EventStream::new(source);
        let mut outcome = Outcome::default();
        while let Some(event) = events.next().await {
            outcome.add(&event.expect("valid stream").data);
        }
        outcome
    })
}
