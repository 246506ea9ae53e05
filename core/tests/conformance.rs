//! Rust runner of the language-neutral conformance vectors in `tests/conformance/vectors`.
//!
//! The Python and Node runners read the same files and call the same core functions through
//! their bindings, so a behaviour change in the core shows up in all three languages.

use std::path::PathBuf;

use everruns_core::ids::{self, IdKind};
use everruns_core::slug::{self, NameError};
use everruns_core::sse::SseParser;
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn kind(name: &str) -> IdKind {
    match name {
        "agent" => IdKind::Agent,
        "session" => IdKind::Session,
        "event" => IdKind::Event,
        "harness" => IdKind::Harness,
        "message" => IdKind::Message,
        other => panic!("unknown id kind {other}"),
    }
}

#[test]
fn error_bodies() {
    let v = vectors("error_bodies.json");
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let parsed = everruns_core::parse_error_body(
            case["status"].as_u64().unwrap() as u16,
            case["body"].as_str().unwrap(),
        );
        assert_eq!(parsed.code, case["code"].as_str().unwrap(), "{name}: code");
        assert_eq!(
            parsed.message,
            case["message"].as_str().unwrap(),
            "{name}: message"
        );
        assert_eq!(
            parsed.retry_after_seconds,
            case["retry_after_seconds"].as_u64(),
            "{name}: retry_after_seconds"
        );
    }
}

#[test]
fn names() {
    let v = vectors("names.json");
    for c in v["is_valid_slug"].as_array().unwrap() {
        let input = c[0].as_str().unwrap();
        assert_eq!(
            slug::is_valid_slug(input),
            c[1].as_bool().unwrap(),
            "is_valid_slug({input:?})"
        );
    }
    for c in v["slugify"].as_array().unwrap() {
        let input = c[0].as_str().unwrap();
        assert_eq!(
            slug::slugify(input),
            c[1].as_str().unwrap(),
            "slugify({input:?})"
        );
    }
    for c in v["resolve_name"].as_array().unwrap() {
        let input = c["input"].as_str().unwrap();
        let got = slug::resolve_name(input, c["display_name"].as_str());
        match c.get("error").and_then(Value::as_str) {
            Some("empty") => assert!(
                matches!(got, Err(NameError::Empty(_))),
                "{input:?}: {got:?}"
            ),
            Some("too_long") => assert!(
                matches!(got, Err(NameError::TooLong(_))),
                "{input:?}: {got:?}"
            ),
            Some(other) => panic!("unknown error kind {other}"),
            None => {
                let (name, display) = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(name, c["name"].as_str().unwrap(), "{input:?}");
                assert_eq!(
                    display.as_deref(),
                    c["resolved_display_name"].as_str(),
                    "{input:?}"
                );
            }
        }
    }
}

#[test]
fn id_validation() {
    let v = vectors("ids.json");
    for c in v["cases"].as_array().unwrap() {
        let value = c["value"].as_str().unwrap();
        let k = kind(c["kind"].as_str().unwrap());
        assert_eq!(
            ids::is_valid(k, value),
            c["valid"].as_bool().unwrap(),
            "{k}: {value:?}"
        );
    }
}

#[test]
fn paths() {
    let v = vectors("paths.json");
    for c in v["cases"].as_array().unwrap() {
        let input = c[0].as_str().unwrap();
        let got = everruns_core::normalize_path(input).ok();
        assert_eq!(got.as_deref(), c[1].as_str(), "normalize_path({input:?})");
    }
}

/// Feeds `bytes` in the given chunk boundaries and returns (frames as JSON, comments).
fn parse_chunks(bytes: &[u8], cuts: &[usize]) -> (Vec<Value>, u64) {
    let mut parser = SseParser::new();
    let mut frames = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&bytes.len())) {
        parser.push(&bytes[start..end]).unwrap();
        while let Some(f) = parser.next_frame() {
            frames.push(
                serde_json::json!({"event": f.event, "data": f.data, "id": f.id, "retry": f.retry}),
            );
        }
        start = end;
    }
    (frames, parser.comments_seen())
}

#[test]
fn sse_framing() {
    let v = vectors("sse_framing.json");
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let bytes = c["stream"].as_str().unwrap().as_bytes();
        let expect = c["frames"].as_array().unwrap();
        let mut chunkings: Vec<Vec<usize>> = (0..=bytes.len()).map(|i| vec![i]).collect();
        for size in [1usize, 2, 3, 7, 64] {
            chunkings.push((size..bytes.len()).step_by(size).collect());
        }
        for cuts in chunkings {
            let (frames, comments) = parse_chunks(bytes, &cuts);
            assert_eq!(&frames, expect, "{name}: cuts {cuts:?}");
            if let Some(n) = c["comments"].as_u64() {
                assert_eq!(comments, n, "{name}: comments");
            }
        }
    }
    let o = &v["oversized"];
    let limit = o["max_event_bytes"].as_u64().unwrap() as usize;
    let mut stream = o["stream_prefix"].as_str().unwrap().as_bytes().to_vec();
    stream.extend(std::iter::repeat_n(
        b'x',
        o["payload_bytes"].as_u64().unwrap() as usize,
    ));
    stream.extend_from_slice(b"\n\n");
    for size in [1usize, 100, stream.len()] {
        let mut parser = SseParser::with_max_event_bytes(limit);
        let failed = stream.chunks(size).any(|c| parser.push(c).is_err());
        assert!(
            failed,
            "an event over {limit} bytes in chunks of {size} must be refused"
        );
    }
}
