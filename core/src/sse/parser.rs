//! Incremental, linear-time Server-Sent Events parser.
//!
//! Implements the "event stream interpretation" of the WHATWG HTML standard
//! (section 9.2.6) over raw bytes. See the [module documentation](super) for the rules and the
//! few documented deviations.
//!
//! # Why it is linear
//!
//! Every byte handed to [`SseParser::push`] is searched for a line terminator exactly once
//! (over the *new* chunk only; `memchr2` for anything but tiny chunks). A line that is complete
//! inside one chunk is interpreted in place. A line split across chunks is never rescanned
//! either: once its colon has been seen, the rest of its value is appended straight to the
//! field it belongs to (a `data` value goes directly into the event's data buffer, where its
//! UTF-8 is checked while still in cache, and which later becomes the frame's `String` without
//! another copy or pass), and values nobody keeps (comments, unknown fields) are only counted. Total work is therefore proportional to the number of
//! bytes pushed, however the stream is chunked.

use std::collections::VecDeque;
use std::mem;

use memchr::{memchr, memchr2};

/// Default upper bound for one event: 16 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// Buffers that grew beyond this capacity (because of one large event) are released once the
/// event is done, so a single huge event does not pin its memory for the life of the stream.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// The UTF-8 byte order mark, skipped once at the very start of a stream.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// One dispatched Server-Sent Events message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SseFrame {
    /// The `event` field (the event type). `None` when the block had no `event` field or its
    /// value was empty; per the standard such an event has the type `message`.
    pub event: Option<String>,
    /// The `data` field values of the block joined with `\n` (no trailing newline). Empty for
    /// a control-only frame (see the module documentation).
    pub data: String,
    /// The `id` field seen in *this* block (the last one if repeated), `Some("")` for an
    /// explicit empty `id` (which resets the last event ID in a browser), `None` if the block
    /// had no valid `id` field. Values containing NUL are ignored, as the standard requires.
    pub id: Option<String>,
    /// The `retry` field (reconnection time in milliseconds) of this block, if it had a valid
    /// one (ASCII digits only, fitting in `u64`).
    pub retry: Option<u64>,
}

/// Errors reported by [`SseParser::push`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// The event being accumulated (field values held so far plus the line being read) grew
    /// beyond the configured maximum. The parser discards the partial event and keeps
    /// returning this error until [`SseParser::reset`] is called.
    #[error("server-sent event exceeds the maximum size of {limit} bytes")]
    EventTooLarge {
        /// The configured maximum, in bytes.
        limit: usize,
    },
}

/// Progress through the optional leading byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// Nothing decided yet; this many leading bytes of the stream matched the BOM so far.
    Matching(u8),
    /// The start of the stream has been handled.
    Done,
}

/// Where the bytes of a field value go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Appended to the event's data buffer.
    Data,
    /// Written over the event type buffer.
    Event,
    /// Collected in the line buffer, applied at the end of the line (NUL check).
    Id,
    /// Collected in the line buffer, parsed at the end of the line.
    Retry,
    /// A comment line: discarded, counted at the end of the line.
    Comment,
    /// An unknown field: discarded.
    Ignored,
}

/// State of a line that started in an earlier chunk and has no terminator yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Partial {
    /// No unterminated line: the next byte starts a line.
    None,
    /// Reading the field name (no colon yet); the bytes so far are in `line`.
    Name,
    /// Past the colon, reading the value of `field`; `at_value_start` until the first value
    /// byte (the one optional space) has been looked at.
    Value { field: Field, at_value_start: bool },
}

/// Incremental Server-Sent Events parser: feed it bytes with [`push`](Self::push), take
/// complete events with [`next_frame`](Self::next_frame).
///
/// ```
/// use everruns_core::sse::SseParser;
///
/// let mut parser = SseParser::new();
/// parser.push(b"event: turn.started\nid: event_1\nda").unwrap();
/// assert!(parser.next_frame().is_none()); // not complete yet
/// parser.push(b"ta: {\"a\":1}\n\n: heartbeat\n\n").unwrap();
/// let frame = parser.next_frame().unwrap();
/// assert_eq!(frame.event.as_deref(), Some("turn.started"));
/// assert_eq!(frame.id.as_deref(), Some("event_1"));
/// assert_eq!(frame.data, "{\"a\":1}");
/// assert_eq!(parser.comments_seen(), 1);
/// ```
#[derive(Debug)]
pub struct SseParser {
    max_event_bytes: usize,
    /// The unterminated line: its field name while in `Partial::Name`, the value while
    /// reading an `id` or `retry` value.
    line: Vec<u8>,
    partial: Partial,
    /// Raw length of the unterminated line so far (terminator excluded).
    partial_len: usize,
    /// Bytes held for the event when the unterminated line started.
    partial_base: usize,
    /// The previous chunk ended with CR: an LF at the start of the next chunk belongs to it.
    pending_cr: bool,
    bom: Bom,
    /// Set once `EventTooLarge` was returned; cleared by `reset`.
    failed: bool,

    // The event being accumulated.
    data: Utf8Buf,
    has_data: bool,
    event: Vec<u8>,
    id: Vec<u8>,
    has_id: bool,
    retry: Option<u64>,

    frames: VecDeque<SseFrame>,
    comments: u64,

    /// Bytes examined or copied so far; lets tests prove the work is linear.
    #[cfg(test)]
    work: u64,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default maximum event size ([`DEFAULT_MAX_EVENT_BYTES`], 16 MiB).
    pub fn new() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser that rejects events larger than `limit` bytes with [`SseError::EventTooLarge`].
    ///
    /// The size of an event is the `data`, `event` and `id` bytes held for it when a line
    /// starts (data lines counted with their `\n` separators) plus the raw length of that line
    /// so far, terminator excluded — comment and unknown-field lines count too, so an endless
    /// line of any kind is rejected. The outcome does not depend on how the stream is chunked.
    pub fn with_max_event_bytes(limit: usize) -> Self {
        Self {
            max_event_bytes: limit,
            line: Vec::new(),
            partial: Partial::None,
            partial_len: 0,
            partial_base: 0,
            pending_cr: false,
            bom: Bom::Matching(0),
            failed: false,
            data: Utf8Buf::default(),
            has_data: false,
            event: Vec::new(),
            id: Vec::new(),
            has_id: false,
            retry: None,
            frames: VecDeque::new(),
            comments: 0,
            #[cfg(test)]
            work: 0,
        }
    }

    /// The configured maximum event size in bytes.
    pub fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// Feeds the next bytes of the stream. Complete events become available through
    /// [`next_frame`](Self::next_frame).
    ///
    /// On [`SseError::EventTooLarge`] the partial event is dropped (its memory released);
    /// events completed earlier stay queued. The parser then refuses further input with the
    /// same error until [`reset`](Self::reset).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SseError> {
        if self.failed {
            return Err(self.too_large());
        }
        let result = self.push_inner(chunk);
        if result.is_err() {
            self.fail();
        }
        result
    }

    /// Removes and returns the oldest complete event, if any (FIFO).
    #[inline]
    pub fn next_frame(&mut self) -> Option<SseFrame> {
        self.frames.pop_front()
    }

    /// How many comment lines (lines starting with `:`, such as `: heartbeat`) were seen since
    /// the parser was created. Not cleared by [`reset`](Self::reset).
    #[inline]
    pub fn comments_seen(&self) -> u64 {
        self.comments
    }

    /// Drops all partial state, as when a new connection starts: the unterminated line, the
    /// event being accumulated, a pending CR, and the error state. The next byte is treated
    /// as the start of a new stream (a leading BOM is skipped again). Events already
    /// complete stay queued for [`next_frame`](Self::next_frame); the comment count is kept.
    pub fn reset(&mut self) {
        self.clear_partial();
        self.clear_event();
        self.pending_cr = false;
        self.bom = Bom::Matching(0);
        self.failed = false;
    }

    fn push_inner(&mut self, mut chunk: &[u8]) -> Result<(), SseError> {
        if chunk.is_empty() {
            return Ok(());
        }
        if let Bom::Matching(matched) = self.bom {
            chunk = match self.skip_bom(matched, chunk)? {
                Some(rest) => rest,
                None => return Ok(()), // the chunk was all (a prefix of) the BOM
            };
            if chunk.is_empty() {
                return Ok(());
            }
        }
        if mem::take(&mut self.pending_cr) && chunk[0] == b'\n' {
            chunk = &chunk[1..];
        }
        self.feed(chunk)
    }

    /// Handles the possible BOM at the start of the stream. Returns the bytes left to parse,
    /// or `None` when the whole chunk was consumed while still matching the BOM.
    fn skip_bom<'a>(
        &mut self,
        mut matched: u8,
        chunk: &'a [u8],
    ) -> Result<Option<&'a [u8]>, SseError> {
        let mut rest = chunk;
        while let Some((&byte, tail)) = rest.split_first() {
            if byte != BOM[usize::from(matched)] {
                // Not a BOM: whatever matched so far is ordinary content. Those bytes are
                // neither a line terminator nor a colon, so they simply start the first line.
                self.bom = Bom::Done;
                if matched > 0 {
                    self.append_partial(&BOM[..usize::from(matched)])?;
                }
                return Ok(Some(rest));
            }
            matched += 1;
            rest = tail;
            if usize::from(matched) == BOM.len() {
                self.bom = Bom::Done;
                return Ok(Some(rest));
            }
        }
        self.bom = Bom::Matching(matched);
        Ok(None)
    }

    /// Splits `chunk` into lines and applies them. Only `chunk` is scanned.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), SseError> {
        let mut rest = chunk;
        while let Some(pos) = find_line_end(rest) {
            self.count_work(pos + 1);
            let mut next = pos + 1;
            if rest[pos] == b'\r' {
                match rest.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.pending_cr = true,
                }
            }
            let piece = &rest[..pos];
            if self.partial == Partial::None {
                // The whole line is in this chunk: interpret it in place.
                self.check_size(self.held(), piece.len())?;
                self.count_work(piece.len());
                self.apply_line(piece);
            } else {
                self.append_partial(piece)?;
                self.finish_partial();
            }
            rest = &rest[next..];
        }
        if !rest.is_empty() {
            self.count_work(rest.len());
            self.append_partial(rest)?;
        }
        Ok(())
    }

    /// Interprets one complete line (terminator removed).
    fn apply_line(&mut self, line: &[u8]) {
        if line.is_empty() {
            self.dispatch();
            return;
        }
        let (name, value) = match memchr(b':', line) {
            Some(0) => {
                self.comments += 1;
                return;
            }
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match classify(name) {
            Field::Data => {
                self.start_data_value();
                self.data.extend(value);
            }
            Field::Event => {
                self.event.clear();
                self.event.extend_from_slice(value);
            }
            Field::Id => self.set_id(value),
            Field::Retry => self.set_retry(value),
            Field::Comment | Field::Ignored => {}
        }
    }

    /// Adds bytes of a line whose terminator has not been seen yet. The bytes are examined
    /// once: while the field name is incomplete they are searched for the colon; after it
    /// they are appended to (or discarded for) the field's destination.
    fn append_partial(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.partial == Partial::None {
            self.partial = Partial::Name;
            self.partial_base = self.held();
            self.partial_len = 0;
        }
        self.check_size(self.partial_base, self.partial_len + bytes.len())?;
        self.partial_len += bytes.len();
        let mut bytes = bytes;
        if self.partial == Partial::Name {
            match memchr(b':', bytes) {
                None => {
                    self.count_work(2 * bytes.len());
                    self.line.extend_from_slice(bytes);
                    return Ok(());
                }
                Some(colon) => {
                    self.count_work(2 * colon + 1);
                    let field = if self.line.is_empty() && colon == 0 {
                        Field::Comment
                    } else {
                        self.line.extend_from_slice(&bytes[..colon]);
                        classify(&self.line)
                    };
                    self.line.clear();
                    self.start_value(field);
                    bytes = &bytes[colon + 1..];
                }
            }
        }
        if let Partial::Value {
            field,
            at_value_start,
        } = &mut self.partial
        {
            if *at_value_start && !bytes.is_empty() {
                *at_value_start = false;
                if bytes[0] == b' ' {
                    bytes = &bytes[1..];
                }
            }
            let field = *field;
            match field {
                Field::Data => self.data.extend(bytes),
                Field::Event => self.event.extend_from_slice(bytes),
                Field::Id | Field::Retry => self.line.extend_from_slice(bytes),
                Field::Comment | Field::Ignored => return Ok(()),
            }
            self.count_work(bytes.len());
        }
        Ok(())
    }

    /// The colon of an unterminated line was found: prepare the field's destination.
    fn start_value(&mut self, field: Field) {
        match field {
            Field::Data => self.start_data_value(),
            Field::Event => self.event.clear(),
            Field::Id | Field::Retry | Field::Comment | Field::Ignored => {}
        }
        self.partial = Partial::Value {
            field,
            at_value_start: true,
        };
    }

    /// Completes an unterminated line once its terminator arrives.
    fn finish_partial(&mut self) {
        match self.partial {
            Partial::None => {}
            Partial::Name => {
                // No colon: the whole line is a field name with an empty value. It is never
                // empty here (an empty line has no partial state), so this is not a dispatch.
                let line = mem::take(&mut self.line);
                self.count_work(line.len());
                self.apply_line(&line);
                self.line = line;
            }
            Partial::Value { field, .. } => match field {
                Field::Data | Field::Event | Field::Ignored => {}
                Field::Id => {
                    let value = mem::take(&mut self.line);
                    self.set_id(&value);
                    self.line = value;
                }
                Field::Retry => {
                    if let Some(ms) = parse_retry(&self.line) {
                        self.retry = Some(ms);
                    }
                }
                Field::Comment => self.comments += 1,
            },
        }
        self.clear_partial();
    }

    fn start_data_value(&mut self) {
        if self.has_data {
            self.data.extend(b"\n");
        }
        self.has_data = true;
    }

    fn set_id(&mut self, value: &[u8]) {
        // An id containing NUL is ignored, as the standard requires.
        if memchr(0, value).is_none() {
            self.id.clear();
            self.id.extend_from_slice(value);
            self.has_id = true;
        }
    }

    fn set_retry(&mut self, value: &[u8]) {
        if let Some(ms) = parse_retry(value) {
            self.retry = Some(ms);
        }
    }

    /// A blank line: emit the accumulated event (if it carries anything) and start afresh.
    fn dispatch(&mut self) {
        if self.has_data || self.has_id || self.retry.is_some() {
            // The data buffer is handed over as is (already validated as UTF-8): the first
            // data line of the next event allocates exactly its own length, so a one-line
            // event costs one allocation and one copy of its data.
            let frame = SseFrame {
                event: (!self.event.is_empty()).then(|| bytes_to_string(&self.event)),
                data: self.data.take_string(),
                id: self.has_id.then(|| bytes_to_string(&self.id)),
                retry: self.retry,
            };
            self.frames.push_back(frame);
        }
        self.clear_event();
    }

    fn clear_event(&mut self) {
        self.data.clear();
        self.has_data = false;
        self.event.clear();
        self.id.clear();
        self.has_id = false;
        self.retry = None;
        self.data.release();
        release(&mut self.event);
        release(&mut self.id);
    }

    fn clear_partial(&mut self) {
        self.partial = Partial::None;
        self.partial_len = 0;
        self.partial_base = 0;
        self.line.clear();
        release(&mut self.line);
    }

    /// Bytes currently held for the event being accumulated.
    fn held(&self) -> usize {
        self.data.len() + self.event.len() + self.id.len()
    }

    /// Errors if `held` bytes plus a line of `line_len` bytes pass the limit.
    fn check_size(&self, held: usize, line_len: usize) -> Result<(), SseError> {
        if held.saturating_add(line_len) > self.max_event_bytes {
            Err(self.too_large())
        } else {
            Ok(())
        }
    }

    fn too_large(&self) -> SseError {
        SseError::EventTooLarge {
            limit: self.max_event_bytes,
        }
    }

    fn fail(&mut self) {
        self.failed = true;
        self.pending_cr = false;
        self.clear_partial();
        self.clear_event();
    }

    #[inline(always)]
    #[cfg_attr(not(test), allow(unused_variables))]
    fn count_work(&mut self, bytes: usize) {
        #[cfg(test)]
        {
            self.work += bytes as u64;
        }
    }

    /// Bytes examined or copied since creation (test builds only).
    #[cfg(test)]
    pub(crate) fn work(&self) -> u64 {
        self.work
    }
}

/// The data buffer of an event. It checks UTF-8 as it grows, while the new bytes are still in
/// cache, so turning it into the frame's `String` needs no second pass over a large event.
#[derive(Debug, Default)]
struct Utf8Buf {
    bytes: Vec<u8>,
    /// Invariant: `bytes[..valid]` is valid UTF-8 (so `valid` is on a char boundary).
    valid: usize,
    /// An invalid sequence was seen: the final conversion replaces it (lossy, slow path).
    invalid: bool,
}

impl Utf8Buf {
    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn extend(&mut self, more: &[u8]) {
        let complete_before = !self.invalid && self.valid == self.bytes.len();
        self.bytes.extend_from_slice(more);
        if complete_before && more.len() <= 8 && more.is_ascii() {
            // Fast path for tiny pieces (1-byte chunks): ASCII after complete UTF-8.
            self.valid = self.bytes.len();
        } else if !self.invalid {
            // Only the new bytes are checked, plus at most 3 bytes of a character that was
            // incomplete at the end of the previous piece.
            match std::str::from_utf8(&self.bytes[self.valid..]) {
                Ok(_) => self.valid = self.bytes.len(),
                // An incomplete character at the end may be completed by the next piece.
                Err(err) if err.error_len().is_none() => self.valid += err.valid_up_to(),
                Err(_) => self.invalid = true,
            }
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.valid = 0;
        self.invalid = false;
    }

    /// Hands the bytes over as a `String` (invalid UTF-8 replaced) and leaves the buffer empty.
    fn take_string(&mut self) -> String {
        let bytes = mem::take(&mut self.bytes);
        let all_valid = !self.invalid && self.valid == bytes.len();
        self.clear();
        if all_valid {
            debug_assert!(std::str::from_utf8(&bytes).is_ok());
            // SAFETY: `extend` is the only way bytes are added, and it advances `valid` only
            // over bytes `str::from_utf8` accepted; `valid == bytes.len()` means all of them.
            unsafe { String::from_utf8_unchecked(bytes) }
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    fn release(&mut self) {
        release(&mut self.bytes);
    }
}

/// Which field a (complete) field name designates. An empty name is a comment line.
fn classify(name: &[u8]) -> Field {
    match name {
        b"" => Field::Comment,
        b"data" => Field::Data,
        b"event" => Field::Event,
        b"id" => Field::Id,
        b"retry" => Field::Retry,
        _ => Field::Ignored,
    }
}

/// Position of the first CR or LF. Tiny inputs (such as 1-byte chunks) are searched with a
/// plain loop, which is cheaper than `memchr2`'s setup; anything longer goes to `memchr2`.
#[inline]
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 16 {
        bytes.iter().position(|&b| b == b'\n' || b == b'\r')
    } else {
        memchr2(b'\n', b'\r', bytes)
    }
}

/// `retry` values must be non-empty ASCII digits; values that overflow `u64` are ignored.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Frees a buffer that grew large for one big event.
fn release(buf: &mut Vec<u8>) {
    if buf.capacity() > RETAINED_CAPACITY {
        *buf = Vec::new();
    }
}

/// Copies `bytes` into a `String`, replacing invalid UTF-8 with U+FFFD. Valid input (the
/// usual case) takes the fast validator; `from_utf8_lossy` is much slower even on ASCII.
fn bytes_to_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(event: Option<&str>, data: &str, id: Option<&str>, retry: Option<u64>) -> SseFrame {
        SseFrame {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
            retry,
        }
    }

    fn drain(parser: &mut SseParser) -> Vec<SseFrame> {
        std::iter::from_fn(|| parser.next_frame()).collect()
    }

    /// A small xorshift generator so chunking tests are reproducible without dependencies.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn work_is_linear_for_8mb_event_in_1_byte_chunks() {
        const PAYLOAD: usize = 8 * 1024 * 1024;
        let mut stream = Vec::with_capacity(PAYLOAD + 16);
        stream.extend_from_slice(b"data: ");
        stream.resize(6 + PAYLOAD, b'x');
        stream.extend_from_slice(b"\n\n");

        let mut parser = SseParser::new();
        for byte in stream.chunks(1) {
            parser.push(byte).unwrap();
        }
        let frame = parser.next_frame().expect("the event completes");
        assert_eq!(frame.data.len(), PAYLOAD);
        assert!(frame.data.bytes().all(|b| b == b'x'));
        assert!(parser.next_frame().is_none());

        // Each byte is scanned once, copied into the line buffer once, and read once more
        // when the finished line is applied: at most 3 units of work per byte pushed.
        // A parser that rescanned the pending line on every chunk would do ~PAYLOAD²/2.
        let total = stream.len() as u64;
        assert!(
            parser.work() <= 3 * total + 64,
            "work {} for {} bytes is not linear",
            parser.work(),
            total
        );

        // The same bytes in one chunk cost no more than one pass over them plus one copy.
        let mut whole = SseParser::new();
        whole.push(&stream).unwrap();
        assert_eq!(whole.next_frame().unwrap().data.len(), PAYLOAD);
        assert!(whole.work() <= 2 * total + 64);
    }

    #[test]
    fn work_grows_linearly_with_size() {
        let work_for = |payload: usize| {
            let mut stream = b"event: big\ndata: ".to_vec();
            stream.resize(stream.len() + payload, b'y');
            stream.extend_from_slice(b"\r\n\r\n");
            let mut parser = SseParser::new();
            for chunk in stream.chunks(7) {
                parser.push(chunk).unwrap();
            }
            assert_eq!(parser.next_frame().unwrap().data.len(), payload);
            parser.work()
        };
        let small = work_for(1 << 20);
        let large = work_for(1 << 21);
        // Doubling the input at most doubles the work (plus a constant).
        assert!(large <= 2 * small + 64, "{small} -> {large}");
    }

    #[test]
    fn many_small_events_in_1_byte_chunks_are_linear() {
        let mut stream = Vec::new();
        for i in 0..2000 {
            stream.extend_from_slice(
                format!("event: e\nid: {i}\ndata: {{\"n\":{i}}}\n\n").as_bytes(),
            );
        }
        let mut parser = SseParser::new();
        for byte in stream.chunks(1) {
            parser.push(byte).unwrap();
        }
        assert_eq!(drain(&mut parser).len(), 2000);
        assert!(parser.work() <= 3 * stream.len() as u64);
    }

    #[test]
    fn buffers_are_released_after_a_huge_event() {
        let mut parser = SseParser::new();
        let mut stream = b"data: ".to_vec();
        stream.resize(1 << 20, b'z');
        stream.extend_from_slice(b"\n\n");
        for chunk in stream.chunks(1000) {
            parser.push(chunk).unwrap();
        }
        assert!(parser.next_frame().is_some());
        assert!(parser.line.capacity() <= RETAINED_CAPACITY);
        assert!(parser.data.bytes.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn error_releases_partial_event_memory() {
        let mut parser = SseParser::with_max_event_bytes(1 << 20);
        let mut stream = b"data: ".to_vec();
        stream.resize(2 << 20, b'z');
        let mut result = Ok(());
        for chunk in stream.chunks(4096) {
            result = parser.push(chunk);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::EventTooLarge { limit: 1 << 20 }));
        assert!(parser.line.capacity() <= RETAINED_CAPACITY);
        assert_eq!(parser.data.len(), 0);
    }

    #[test]
    fn random_chunking_matches_single_push() {
        let mut stream = Vec::new();
        for i in 0..300u32 {
            let eol: &[u8] = match i % 3 {
                0 => b"\n",
                1 => b"\r\n",
                _ => b"\r",
            };
            for part in [
                format!("event: t{i}"),
                format!("id: event_{i}"),
                format!(
                    "data: {{\"i\":{i},\"s\":\"{}\"}}",
                    "é".repeat(i as usize % 7)
                ),
                "data:second".to_owned(),
                ": heartbeat".to_owned(),
                String::new(),
            ] {
                stream.extend_from_slice(part.as_bytes());
                stream.extend_from_slice(eol);
            }
        }
        let mut reference = SseParser::new();
        reference.push(&stream).unwrap();
        let expected = drain(&mut reference);
        assert_eq!(expected.len(), 300);

        let mut rng = XorShift(0x5eed_1234_abcd_ef01);
        for _ in 0..50 {
            let mut parser = SseParser::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let n = (rng.next() % 97) as usize + 1;
                let n = n.min(rest.len());
                parser.push(&rest[..n]).unwrap();
                rest = &rest[n..];
            }
            assert_eq!(drain(&mut parser), expected);
            assert_eq!(parser.comments_seen(), 300);
        }
    }

    #[test]
    fn data_utf8_matches_lossy_decoding_however_chunked() {
        const PIECES: [&[u8]; 10] = [
            b"a",
            b"\xC3\xA9",
            b"\xE2\x82\xAC",
            b"\xF0\x9F\x98\x80",
            b"\xFF",
            b"\xC3",
            b"\xE2\x82",
            b"\x80",
            b"\xF0\x9F",
            b"b", // not a space: one leading space of a value is stripped
        ];
        let mut rng = XorShift(0xfeed_beef_0123_4567);
        for _ in 0..400 {
            let mut values: Vec<Vec<u8>> = Vec::new();
            for _ in 0..(rng.next() % 3 + 1) {
                let mut value = Vec::new();
                for _ in 0..(rng.next() % 8) {
                    value.extend_from_slice(PIECES[(rng.next() % 10) as usize]);
                }
                values.push(value);
            }
            let mut stream = Vec::new();
            for value in &values {
                stream.extend_from_slice(b"data:");
                stream.extend_from_slice(value);
                stream.push(b'\n');
            }
            stream.push(b'\n');
            let expected = String::from_utf8_lossy(&values.join(&b'\n')).into_owned();

            for chunk in [1, 2, 3, 5, stream.len()] {
                let mut parser = SseParser::new();
                for piece in stream.chunks(chunk) {
                    parser.push(piece).unwrap();
                }
                let frame = parser.next_frame().unwrap();
                assert_eq!(frame.data, expected, "chunk {chunk}, stream {stream:?}");
            }
        }
    }

    #[test]
    fn frame_fields() {
        let mut parser = SseParser::new();
        parser
            .push(b"event: a\nevent: b\nid: 1\nid: 2\nretry: 30\ndata: x\n\n")
            .unwrap();
        assert_eq!(
            drain(&mut parser),
            vec![frame(Some("b"), "x", Some("2"), Some(30))]
        );
    }
}
