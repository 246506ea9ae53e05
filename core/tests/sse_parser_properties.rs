//! Property tests of the SSE parser: any stream of well-formed frames, cut into chunks at any
//! byte and written with any of the three line endings, parses back to exactly those frames;
//! arbitrary bytes never panic and never yield more frames than blank lines.

use everruns_core::sse::{SseFrame, SseParser};
use proptest::prelude::*;

fn frame() -> impl Strategy<Value = SseFrame> {
    (
        proptest::option::of("[a-z][a-z._]{0,15}"),
        proptest::collection::vec("[^\r\n\u{0}]{0,24}", 1..4),
        proptest::option::of("[A-Za-z0-9_]{1,20}"),
        proptest::option::of(0u64..100_000),
    )
        .prop_map(|(event, lines, id, retry)| SseFrame {
            event,
            data: lines.join("\n"),
            id,
            retry,
        })
}

fn encode(frames: &[SseFrame], eol: &str, comments: bool) -> Vec<u8> {
    let mut out = String::new();
    for f in frames {
        if comments {
            out.push_str(&format!(": heartbeat{eol}"));
        }
        if let Some(e) = &f.event {
            out.push_str(&format!("event: {e}{eol}"));
        }
        if let Some(id) = &f.id {
            out.push_str(&format!("id: {id}{eol}"));
        }
        if let Some(r) = f.retry {
            out.push_str(&format!("retry: {r}{eol}"));
        }
        for line in f.data.split('\n') {
            out.push_str(&format!("data: {line}{eol}"));
        }
        out.push_str(eol);
    }
    out.into_bytes()
}

/// Feeds `bytes` cut at the given (sorted, deduplicated) offsets and collects every frame.
fn parse_chunked(bytes: &[u8], cuts: &[usize]) -> Result<Vec<SseFrame>, String> {
    let mut parser = SseParser::new();
    let mut frames = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.min(bytes.len());
        if cut < start {
            continue;
        }
        parser.push(&bytes[start..cut]).map_err(|e| e.to_string())?;
        frames.extend(std::iter::from_fn(|| parser.next_frame()));
        start = cut;
    }
    Ok(frames)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn frames_survive_any_chunking(
        frames in proptest::collection::vec(frame(), 0..8),
        eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        comments in any::<bool>(),
        cuts in proptest::collection::vec(0usize..2_000, 0..12),
    ) {
        let bytes = encode(&frames, eol, comments);
        let mut cuts = cuts;
        cuts.sort_unstable();
        cuts.dedup();
        let parsed = parse_chunked(&bytes, &cuts).map_err(TestCaseError::fail)?;
        prop_assert_eq!(parsed, frames);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(0usize..600, 0..8),
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        cuts.dedup();
        let frames = parse_chunked(&bytes, &cuts).map_err(TestCaseError::fail)?;
        // Each frame ends at a blank line, which takes at least one line terminator.
        let terminators = bytes.iter().filter(|b| **b == b'\n' || **b == b'\r').count();
        prop_assert!(frames.len() <= terminators);
    }

    #[test]
    fn oversized_events_are_refused_not_buffered(
        size in 65usize..4_096,
        chunk in 1usize..64,
    ) {
        let mut parser = SseParser::with_max_event_bytes(64);
        let mut stream = b"data: ".to_vec();
        stream.resize(6 + size, b'x');
        let refused = stream.chunks(chunk).any(|c| parser.push(c).is_err());
        prop_assert!(refused);
        prop_assert!(parser.next_frame().is_none());
    }
}
