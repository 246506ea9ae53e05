//! Criterion benchmark: `cargo bench -p everruns-bench --bench sse_parser`.
//!
//! Workloads: 100k small events (~450 bytes each on the wire, a ~360-byte JSON `data:` line) and one
//! 8 MiB event, each fed in 1-byte, 64-byte and 16 KiB chunks, to our parser, to
//! `eventsource-stream` and to `sseer`.
//!
//! `eventsource-stream` re-parses its pending buffer on every chunk and copies the remainder of
//! the buffer after every line, so some of its cases are quadratic. To keep the whole run to a
//! few minutes those cases are measured on a smaller input (the benchmark id says which); the
//! reported throughput at that size is an *upper bound* for the full size.

use bytes::Bytes;
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use everruns_bench::{
    large_event, small_events, Parser, CHUNK_SIZES, LARGE_EVENT_BYTES, SMALL_EVENTS,
};
use std::time::Duration;

/// `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) criterion runs each
/// benchmark once as a smoke test, so the inputs are cut down to keep the test suite fast.
fn smoke_test_mode() -> bool {
    !std::env::args().any(|arg| arg == "--bench")
}

/// The input size used for a parser/case, scaled down where the parser is quadratic.
fn scaled(parser: Parser, large: bool, chunk: usize) -> usize {
    let full = if large {
        LARGE_EVENT_BYTES
    } else {
        SMALL_EVENTS
    };
    let size = full_or_scaled(parser, large, chunk, full);
    if smoke_test_mode() {
        (size / 256).max(1)
    } else {
        size
    }
}

fn full_or_scaled(parser: Parser, large: bool, chunk: usize, full: usize) -> usize {
    if parser != Parser::EventsourceStream {
        return full;
    }
    match (large, chunk) {
        (true, 1) => full / 256, // 32 KiB
        (true, 64) => full / 64, // 128 KiB
        (true, _) => full / 8,   // 1 MiB
        (false, 1) => full / 50, // 2k events
        (false, _) => full / 4,  // 25k events
    }
}

fn label(large: bool, size: usize) -> String {
    match (large, size) {
        (true, s) if s >= 1024 => format!("{} KiB", s / 1024),
        (true, s) => format!("{s} B"),
        (false, s) if s >= 1000 => format!("{}k events", s / 1000),
        (false, s) => format!("{s} events"),
    }
}

fn bench_workload(c: &mut Criterion, large: bool) {
    let group_name = if large {
        "large_event_8MiB"
    } else {
        "small_events_100k"
    };
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    // Flat sampling: the same iteration count per sample, so slow cases stay affordable.
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for chunk in CHUNK_SIZES {
        for parser in Parser::ALL {
            let size = scaled(parser, large, chunk);
            let input: Bytes = if large {
                large_event(size)
            } else {
                small_events(size)
            };
            let expected_events = if large { 1 } else { size };
            group.throughput(Throughput::Bytes(input.len() as u64));
            let id = BenchmarkId::new(
                parser.name(),
                format!("chunk {chunk} B, {}", label(large, size)),
            );
            group.bench_with_input(id, &input, |b, input| {
                b.iter(|| {
                    let outcome = parser.run(input, chunk);
                    assert_eq!(outcome.events, expected_events);
                    outcome
                })
            });
        }
    }
    group.finish();
}

fn small(c: &mut Criterion) {
    bench_workload(c, false);
}

fn large(c: &mut Criterion) {
    bench_workload(c, true);
}

criterion_group!(benches, small, large);
criterion_main!(benches);
