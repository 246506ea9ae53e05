//! Criterion benchmark: `cargo bench -p everruns-bench --bench sse_parser`.
//!
//! Workloads: 100k small events (~420 bytes each on the wire, ~300-byte JSON `data:`) and one
//! 8 MiB event, each fed in 1-byte, 64-byte and 16 KiB chunks, to our parser, to
//! `eventsource-stream` and to `sseer`.
//!
//! `eventsource-stream` re-parses its pending buffer on every chunk and copies the remainder of
//! the buffer after every line, so some of its cases are quadratic. To keep the whole run to a
//! few minutes those cases are measured on a smaller input (the benchmark id says which); the
//! reported throughput at that size is an *upper bound* for the full size.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use everruns_bench::{
    large_event, small_events, Parser, CHUNK_SIZES, LARGE_EVENT_BYTES, SMALL_EVENTS,
};
use std::time::Duration;

/// The input size used for a parser/case, scaled down where the parser is quadratic.
fn scaled(parser: Parser, large: bool, chunk: usize) -> usize {
    let full = if large {
        LARGE_EVENT_BYTES
    } else {
        SMALL_EVENTS
    };
    if parser != Parser::EventsourceStream {
        return full;
    }
    match (large, chunk) {
        (true, 1) => full / 64,  // 128 KiB
        (true, 64) => full / 16, // 512 KiB
        (true, _) => full,       // 8 MiB
        (false, 1) => full / 10, // 10k events
        (false, _) => full / 4,  // 25k events
    }
}

fn label(large: bool, size: usize) -> String {
    if large {
        format!("{} KiB", size / 1024)
    } else {
        format!("{}k events", size / 1000)
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
