//! Server-Sent Events framing.
//!
//! [`SseParser`] turns the bytes of a `text/event-stream` response into [`SseFrame`]s,
//! following the "event stream interpretation" of the WHATWG HTML standard:
//!
//! * Lines end with CRLF, LF or CR; a CR at the end of one chunk followed by an LF at the start
//!   of the next is one line end.
//! * A UTF-8 byte order mark at the very start of the stream is skipped.
//! * `name: value` lines set a field (one space after the colon is stripped); a line without a
//!   colon is a field with an empty value; lines starting with `:` are comments (counted by
//!   [`SseParser::comments_seen`], e.g. the server's `: heartbeat`).
//! * `event` sets the type, `data` lines are joined with `\n`, `id` is ignored if it contains
//!   NUL, `retry` is accepted only as ASCII digits; unknown fields are ignored.
//! * A blank line dispatches the event. An unterminated event at the end of the stream (or at
//!   [`SseParser::reset`]) is discarded.
//! * Invalid UTF-8 is replaced with U+FFFD.
//!
//! Deviations, chosen for a frame-based API:
//!
//! * **Dispatch rule.** A browser dispatches only when the data buffer is non-empty, but it
//!   applies `id` and `retry` immediately. So that a reader can still see those, a block is
//!   dispatched when it had at least one `data` line, a valid `id` or a valid `retry`. A block
//!   with only `id`/`retry` yields a *control-only* frame whose `data` is empty; a block with
//!   only `event` (or nothing but comments and unknown fields) yields no frame, as in a
//!   browser.
//! * **Event ID.** [`SseFrame::id`] is the `id` field of that block only; keeping the
//!   "last event ID" across events is left to the caller.
//! * **Size limit.** An event larger than the configured maximum (16 MiB by default) is an
//!   error, [`SseError::EventTooLarge`], instead of unbounded memory growth.
//!
//! Parsing is linear in the number of bytes pushed regardless of how the stream is chunked:
//! each chunk is scanned once with `memchr`, and a pending partial line is never rescanned.

mod parser;
#[cfg(feature = "client")]
pub mod stream;

pub use parser::{SseError, SseFrame, SseParser, DEFAULT_MAX_EVENT_BYTES};
