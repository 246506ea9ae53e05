//! Behaviour tests for the Server-Sent Events parser (WHATWG event stream interpretation).

use everruns_core::sse::{SseError, SseFrame, SseParser, DEFAULT_MAX_EVENT_BYTES};

fn frame(event: Option<&str>, data: &str, id: Option<&str>, retry: Option<u64>) -> SseFrame {
    SseFrame {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        id: id.map(str::to_owned),
        retry,
    }
}

fn data(d: &str) -> SseFrame {
    frame(None, d, None, None)
}

fn drain(parser: &mut SseParser) -> Vec<SseFrame> {
    std::iter::from_fn(|| parser.next_frame()).collect()
}

/// Parses `chunks` in order with a fresh parser; returns the frames and the comment count.
fn parse_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<SseFrame>, u64) {
    let mut parser = SseParser::new();
    for chunk in chunks {
        parser.push(chunk).expect("push");
    }
    (drain(&mut parser), parser.comments_seen())
}

fn parse(stream: &[u8]) -> Vec<SseFrame> {
    parse_chunks([stream]).0
}

/// A small xorshift generator so the random chunking is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A stream exercising every rule, with all three line endings, a BOM and a CR/LF pair.
const MIXED: &[u8] = b"\xEF\xBB\xBF: hello\r\n\
event: turn.started\r\n\
id: event_1\r\n\
retry: 100\r\n\
data: {\"a\":1}\r\n\
\r\n\
data:first\rdata:  second\n\
data\r\n\
\n\
event:\n\
id\n\
data: x\r\r\
: heartbeat\n\
\n\
id: a\x00b\n\
retry: 12x\n\
foo: bar\n\
data: caf\xC3\xA9 \xFF\n\
\n\
event: only-event\n\
\n\
retry: 7\n\
\r\
data: unterminated";

fn mixed_expected() -> Vec<SseFrame> {
    vec![
        frame(
            Some("turn.started"),
            "{\"a\":1}",
            Some("event_1"),
            Some(100),
        ),
        data("first\n second\n"),
        frame(None, "x", Some(""), None),
        data("caf\u{e9} \u{FFFD}"),
        frame(None, "", None, Some(7)),
    ]
}

#[test]
fn mixed_stream_in_one_chunk() {
    let (frames, comments) = parse_chunks([MIXED]);
    assert_eq!(frames, mixed_expected());
    assert_eq!(comments, 2);
}

#[test]
fn every_single_split_point_gives_the_same_frames() {
    let expected = mixed_expected();
    for at in 0..=MIXED.len() {
        let (head, tail) = MIXED.split_at(at);
        let (frames, comments) = parse_chunks([head, tail]);
        assert_eq!(frames, expected, "split at {at}");
        assert_eq!(comments, 2, "split at {at}");
    }
}

#[test]
fn every_pair_of_split_points_gives_the_same_frames() {
    let expected = mixed_expected();
    for i in 0..=MIXED.len() {
        for j in i..=MIXED.len() {
            let chunks = [&MIXED[..i], &MIXED[i..j], &MIXED[j..]];
            let (frames, comments) = parse_chunks(chunks);
            assert_eq!(frames, expected, "split at {i}, {j}");
            assert_eq!(comments, 2);
        }
    }
}

#[test]
fn one_byte_chunks_give_the_same_frames() {
    let (frames, comments) = parse_chunks(MIXED.chunks(1));
    assert_eq!(frames, mixed_expected());
    assert_eq!(comments, 2);
}

#[test]
fn random_chunk_sizes_give_the_same_frames() {
    let mut rng = XorShift(0x0dd_ba11_cafe_f00d);
    let expected = mixed_expected();
    for _ in 0..500 {
        let mut chunks = Vec::new();
        let mut rest = MIXED;
        while !rest.is_empty() {
            // Include empty chunks now and then: they must change nothing.
            let n = ((rng.next() % 24) as usize).min(rest.len());
            chunks.push(&rest[..n]);
            rest = &rest[n..];
        }
        let (frames, comments) = parse_chunks(chunks);
        assert_eq!(frames, expected);
        assert_eq!(comments, 2);
    }
}

#[test]
fn api_contract_stream() {
    // The shape of E2 `GET /v1/sessions/{id}/sse` (docs/wire.md#15.2 / #13.6).
    let stream = b"event: connected\ndata: {\"status\":\"connected\"}\n\n\
event: turn.started\nid: event_0001\nretry: 100\ndata: {\"id\":\"event_0001\",\"type\":\"turn.started\"}\n\n\
: heartbeat\n\n\
event: disconnecting\nretry: 100\ndata: {\"reason\":\"connection_cycle\",\"retry_ms\":100}\n\n";
    let mut parser = SseParser::new();
    parser.push(stream).unwrap();
    assert_eq!(
        drain(&mut parser),
        vec![
            frame(Some("connected"), "{\"status\":\"connected\"}", None, None),
            frame(
                Some("turn.started"),
                "{\"id\":\"event_0001\",\"type\":\"turn.started\"}",
                Some("event_0001"),
                Some(100)
            ),
            frame(
                Some("disconnecting"),
                "{\"reason\":\"connection_cycle\",\"retry_ms\":100}",
                None,
                Some(100)
            ),
        ]
    );
    assert_eq!(parser.comments_seen(), 1);
}

// ---- line endings ----

#[test]
fn lf_crlf_and_cr_each_end_lines() {
    for eol in ["\n", "\r\n", "\r"] {
        let stream = format!("data: a{eol}data: b{eol}{eol}data: c{eol}{eol}");
        assert_eq!(
            parse(stream.as_bytes()),
            vec![data("a\nb"), data("c")],
            "{eol:?}"
        );
    }
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    let (frames, _) = parse_chunks([&b"data: a\r"[..], b"\ndata: b\r", b"\n\r", b"\n"]);
    assert_eq!(frames, vec![data("a\nb")]);
}

#[test]
fn cr_at_chunk_end_survives_empty_chunks() {
    let (frames, _) = parse_chunks([&b"data: a\r"[..], b"", b"", b"\n\n"]);
    assert_eq!(frames, vec![data("a")]);
}

#[test]
fn cr_cr_is_two_line_ends_even_when_split() {
    let (frames, _) = parse_chunks([&b"data: a\r"[..], b"\rdata: b\r\r"]);
    assert_eq!(frames, vec![data("a"), data("b")]);
}

#[test]
fn lf_cr_is_two_line_ends() {
    assert_eq!(parse(b"data: a\n\rdata: b\n\n"), vec![data("a"), data("b")]);
}

#[test]
fn cr_followed_by_other_byte_in_next_chunk() {
    let (frames, _) = parse_chunks([&b"data: a\r"[..], b"data: b\r\n\r\n"]);
    assert_eq!(frames, vec![data("a\nb")]);
}

// ---- BOM ----

#[test]
fn leading_bom_is_skipped() {
    assert_eq!(parse(b"\xEF\xBB\xBFdata: x\n\n"), vec![data("x")]);
}

#[test]
fn leading_bom_split_across_chunks_is_skipped() {
    let (frames, _) = parse_chunks([&b"\xEF"[..], b"\xBB", b"\xBF", b"data: x\n\n"]);
    assert_eq!(frames, vec![data("x")]);
}

#[test]
fn only_one_bom_and_only_at_the_start_is_skipped() {
    // The second BOM becomes part of the field name, so the line is an unknown field.
    assert_eq!(parse(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"), vec![]);
    assert_eq!(
        parse(b"data: a\n\n\xEF\xBB\xBFdata: x\n\n"),
        vec![data("a")]
    );
}

#[test]
fn partial_bom_is_ordinary_content() {
    // "\xEF\xBB" followed by something else is not a BOM: it stays in the first line.
    let (frames, _) = parse_chunks([&b"\xEF\xBB"[..], b"data: x\n\ndata: y\n\n"]);
    assert_eq!(frames, vec![data("y")]);
    let (frames, _) = parse_chunks([&b"\xEF"[..], b":comment\n"]);
    assert_eq!(frames, vec![]);
    // With no BOM at all nothing is lost.
    let (frames, _) = parse_chunks([&b"d"[..], b"ata: x\n\n"]);
    assert_eq!(frames, vec![data("x")]);
}

// ---- fields ----

#[test]
fn one_leading_space_is_stripped() {
    assert_eq!(
        parse(b"data:a\n\ndata: b\n\ndata:  c\n\ndata: \n\ndata:\td\n\n"),
        vec![data("a"), data("b"), data(" c"), data(""), data("\td")]
    );
}

#[test]
fn only_the_first_colon_separates() {
    assert_eq!(parse(b"data: a: b:c\n\n"), vec![data("a: b:c")]);
}

#[test]
fn line_without_colon_is_a_field_with_empty_value() {
    assert_eq!(parse(b"data\n\n"), vec![data("")]);
    assert_eq!(parse(b"data\ndata\n\n"), vec![data("\n")]);
    assert_eq!(
        parse(b"event\ndata: x\n\n"),
        vec![data("x")],
        "empty event type"
    );
}

#[test]
fn data_lines_are_joined_with_lf() {
    assert_eq!(
        parse(b"data: a\ndata: b\ndata:\ndata: c\n\n"),
        vec![data("a\nb\n\nc")]
    );
}

#[test]
fn last_event_field_wins_and_empty_means_none() {
    assert_eq!(
        parse(b"event: a\nevent: b\ndata: x\n\nevent: a\nevent:\ndata: y\n\n"),
        vec![frame(Some("b"), "x", None, None), data("y")]
    );
}

#[test]
fn id_rules() {
    assert_eq!(
        parse(b"id: 1\nid: 2\ndata: a\n\nid: 3\nid: 4\x005\ndata: b\n\nid: \x00\ndata: c\n\nid:\ndata: d\n\n"),
        vec![
            frame(None, "a", Some("2"), None),
            frame(None, "b", Some("3"), None),
            data("c"),
            frame(None, "d", Some(""), None),
        ]
    );
}

#[test]
fn fields_do_not_leak_into_the_next_event() {
    assert_eq!(
        parse(b"event: e\nid: 1\nretry: 5\ndata: a\n\ndata: b\n\n"),
        vec![frame(Some("e"), "a", Some("1"), Some(5)), data("b")]
    );
}

#[test]
fn retry_rules() {
    let cases: &[(&[u8], Option<u64>)] = &[
        (b"retry: 0", Some(0)),
        (b"retry: 3000", Some(3000)),
        (b"retry:42", Some(42)),
        (b"retry: 18446744073709551615", Some(u64::MAX)),
        (b"retry: 18446744073709551616", None),
        (b"retry: 12x", None),
        (b"retry: -1", None),
        (b"retry: 1.5", None),
        (b"retry: +1", None),
        (b"retry:  5", None),
        (b"retry: 5 ", None),
        (b"retry:", None),
        (b"retry", None),
        (b"retry: \xD9\xA3", None), // ARABIC-INDIC DIGIT THREE is not an ASCII digit
    ];
    for (line, expected) in cases {
        let mut stream = line.to_vec();
        stream.extend_from_slice(b"\ndata: x\n\n");
        assert_eq!(
            parse(&stream),
            vec![frame(None, "x", None, *expected)],
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    // An invalid retry does not erase an earlier valid one.
    assert_eq!(
        parse(b"retry: 10\nretry: x\ndata: y\n\n"),
        vec![frame(None, "y", None, Some(10))]
    );
}

#[test]
fn unknown_fields_are_ignored_and_names_are_case_sensitive() {
    assert_eq!(
        parse(b"foo: bar\nData: no\nDATA: no\n data: no\nevent : no\ndata: yes\n\n"),
        vec![data("yes")]
    );
}

#[test]
fn invalid_utf8_is_replaced() {
    assert_eq!(
        parse(b"event: \xFFe\nid: \xC3\ndata: ok \xE2\x82\n\n"),
        vec![frame(
            Some("\u{FFFD}e"),
            "ok \u{FFFD}",
            Some("\u{FFFD}"),
            None
        )]
    );
}

#[test]
fn multibyte_utf8_split_across_chunks() {
    let stream = "data: 日本語 — ✓\n\n".as_bytes();
    let (frames, _) = parse_chunks(stream.chunks(1));
    assert_eq!(frames, vec![data("日本語 — ✓")]);
}

// ---- comments and dispatch ----

#[test]
fn comments_are_counted_and_not_dispatched() {
    let mut parser = SseParser::new();
    parser
        .push(b": heartbeat\n\n:\n:no space\ndata: a\n: inside\n\n")
        .unwrap();
    assert_eq!(drain(&mut parser), vec![data("a")]);
    assert_eq!(parser.comments_seen(), 4);
}

#[test]
fn blank_lines_alone_dispatch_nothing() {
    assert_eq!(parse(b"\n\n\r\n\r\r\n"), vec![]);
}

#[test]
fn event_only_block_is_not_dispatched() {
    assert_eq!(parse(b"event: ping\n\nfoo\n\n"), vec![]);
}

#[test]
fn id_only_and_retry_only_blocks_yield_control_frames() {
    assert_eq!(
        parse(b"id: event_9\n\nretry: 250\n\nevent: x\nretry: 5\n\n"),
        vec![
            frame(None, "", Some("event_9"), None),
            frame(None, "", None, Some(250)),
            frame(Some("x"), "", None, Some(5)),
        ]
    );
}

#[test]
fn unterminated_event_is_not_dispatched() {
    assert_eq!(parse(b"data: a\n"), vec![]);
    assert_eq!(parse(b"data: a"), vec![]);
    assert_eq!(parse(b"data: a\n\ndata: b\n"), vec![data("a")]);
}

#[test]
fn frames_come_out_in_order_and_can_be_taken_between_pushes() {
    let mut parser = SseParser::new();
    parser.push(b"data: 1\n\ndata: 2\n\ndata: 3").unwrap();
    assert_eq!(parser.next_frame(), Some(data("1")));
    parser.push(b"\n\ndata: 4\n\n").unwrap();
    assert_eq!(drain(&mut parser), vec![data("2"), data("3"), data("4")]);
    assert_eq!(parser.next_frame(), None);
}

// ---- size limit ----

#[test]
fn default_limit_is_16_mib() {
    assert_eq!(DEFAULT_MAX_EVENT_BYTES, 16 * 1024 * 1024);
    assert_eq!(SseParser::new().max_event_bytes(), DEFAULT_MAX_EVENT_BYTES);
    assert_eq!(
        SseParser::default().max_event_bytes(),
        DEFAULT_MAX_EVENT_BYTES
    );
}

#[test]
fn event_at_the_limit_is_accepted() {
    // "data: " + 94 bytes = a 100-byte line.
    let line = format!("data: {}\n\n", "x".repeat(94));
    for chunk_size in [1, 7, line.len()] {
        let mut parser = SseParser::with_max_event_bytes(100);
        for chunk in line.as_bytes().chunks(chunk_size) {
            parser.push(chunk).unwrap();
        }
        assert_eq!(parser.next_frame().unwrap().data.len(), 94);
    }
}

#[test]
fn oversized_line_is_rejected_however_it_is_chunked() {
    let line = format!("data: {}\n\n", "x".repeat(95)); // a 101-byte line
    for chunk_size in [1, 2, 7, 64, line.len()] {
        let mut parser = SseParser::with_max_event_bytes(100);
        let result = line
            .as_bytes()
            .chunks(chunk_size)
            .try_for_each(|chunk| parser.push(chunk));
        assert_eq!(
            result,
            Err(SseError::EventTooLarge { limit: 100 }),
            "chunk size {chunk_size}"
        );
        assert_eq!(parser.next_frame(), None);
    }
}

#[test]
fn oversized_unterminated_line_is_rejected_without_buffering_it() {
    let mut parser = SseParser::with_max_event_bytes(1024);
    let chunk = [b'a'; 100];
    let mut pushed = 0;
    let err = loop {
        match parser.push(&chunk) {
            Ok(()) => pushed += chunk.len(),
            Err(err) => break err,
        }
        assert!(pushed <= 1024, "kept accepting an endless line");
    };
    assert_eq!(err, SseError::EventTooLarge { limit: 1024 });
}

#[test]
fn many_data_lines_add_up_to_the_limit() {
    let mut parser = SseParser::with_max_event_bytes(1000);
    let mut result = Ok(());
    for _ in 0..200 {
        result = parser.push(b"data: 0123456789\n");
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(SseError::EventTooLarge { limit: 1000 }));
}

#[test]
fn limit_is_per_event() {
    let mut parser = SseParser::with_max_event_bytes(64);
    for i in 0..1000 {
        parser
            .push(
                format!("event: e\nid: {i}\ndata: 0123456789012345678901234567890123\n\n")
                    .as_bytes(),
            )
            .unwrap();
    }
    assert_eq!(drain(&mut parser).len(), 1000);
}

#[test]
fn error_is_sticky_until_reset_and_earlier_frames_survive() {
    let mut parser = SseParser::with_max_event_bytes(16);
    let err = parser
        .push(b"data: ok\n\ndata: this line is far too long\n\n")
        .unwrap_err();
    assert_eq!(err, SseError::EventTooLarge { limit: 16 });
    assert_eq!(
        parser.push(b"data: x\n\n"),
        Err(SseError::EventTooLarge { limit: 16 })
    );
    assert_eq!(drain(&mut parser), vec![data("ok")]);

    parser.reset();
    parser.push(b"\xEF\xBB\xBFdata: again\n\n").unwrap();
    assert_eq!(drain(&mut parser), vec![data("again")]);
}

#[test]
fn error_display_is_clear() {
    let msg = SseError::EventTooLarge { limit: 1024 }.to_string();
    assert_eq!(
        msg,
        "server-sent event exceeds the maximum size of 1024 bytes"
    );
    let _: &dyn std::error::Error = &SseError::EventTooLarge { limit: 1 };
}

// ---- reset ----

#[test]
fn reset_drops_partial_line_and_event() {
    let mut parser = SseParser::new();
    parser.push(b"event: old\nid: 1\ndata: half").unwrap();
    parser.reset();
    parser.push(b"data: new\n\n").unwrap();
    assert_eq!(drain(&mut parser), vec![data("new")]);
}

#[test]
fn reset_drops_pending_cr() {
    let mut parser = SseParser::new();
    parser.push(b"data: a\r").unwrap();
    parser.reset();
    // The LF now starts a fresh stream: it is a blank line, not the end of a CRLF.
    parser.push(b"\ndata: b\n\n").unwrap();
    assert_eq!(drain(&mut parser), vec![data("b")]);
}

#[test]
fn reset_keeps_queued_frames_and_comment_count() {
    let mut parser = SseParser::new();
    parser.push(b": hi\ndata: a\n\ndata: b").unwrap();
    parser.reset();
    assert_eq!(parser.comments_seen(), 1);
    assert_eq!(drain(&mut parser), vec![data("a")]);
}

#[test]
fn reset_in_the_middle_of_a_bom() {
    let mut parser = SseParser::new();
    parser.push(b"\xEF\xBB").unwrap();
    parser.reset();
    parser.push(b"\xEF\xBB\xBFdata: x\n\n").unwrap();
    assert_eq!(drain(&mut parser), vec![data("x")]);
}

// ---- large events ----

#[test]
fn eight_mb_event_in_one_byte_chunks_completes() {
    const PAYLOAD: usize = 8 * 1024 * 1024;
    let mut stream = b"event: big\r\nid: event_big\r\ndata: ".to_vec();
    stream.resize(stream.len() + PAYLOAD, b'q');
    stream.extend_from_slice(b"\r\n\r\n");
    let mut parser = SseParser::new();
    for byte in stream.chunks(1) {
        parser.push(byte).unwrap();
    }
    let frame = parser.next_frame().unwrap();
    assert_eq!(frame.event.as_deref(), Some("big"));
    assert_eq!(frame.id.as_deref(), Some("event_big"));
    assert_eq!(frame.data.len(), PAYLOAD);
    assert!(parser.next_frame().is_none());
}
