//! Prints a markdown table comparing the SSE parsers (run in release:
//! `cargo run --release -p everruns-bench --bin sse_parser_table`).
//!
//! Each case is timed with `std::time::Instant`; the cell is the median of several runs.
//! A parser whose run would take too long at the full size (a quadratic one) is measured at
//! the largest size reached by doubling from 1/128 of the full size within a time budget; such
//! cells are marked and the throughput seen at each size is listed under the table, which
//! shows how it falls as the input grows.

use std::time::{Duration, Instant};

use bytes::Bytes;
use everruns_bench::{
    large_event, small_events, Outcome, Parser, CHUNK_SIZES, LARGE_EVENT_BYTES, SMALL_EVENTS,
};

/// Probing starts at 1/2^PROBE_STEPS of the full size and doubles up to the full size...
const PROBE_STEPS: u32 = 7;
/// ...unless the next run is predicted to take longer than this.
const PROBE_BUDGET: Duration = Duration::from_secs(3);
/// Runs taken for the median, by how long one run takes.
fn repetitions(one_run: Duration) -> usize {
    if one_run < Duration::from_millis(200) {
        7
    } else if one_run < Duration::from_secs(1) {
        3
    } else {
        1
    }
}

#[derive(Clone, Copy)]
enum Workload {
    Small,
    Large,
}

impl Workload {
    fn full(self) -> usize {
        match self {
            Workload::Small => SMALL_EVENTS,
            Workload::Large => LARGE_EVENT_BYTES,
        }
    }

    fn input(self, size: usize) -> Bytes {
        match self {
            Workload::Small => small_events(size),
            Workload::Large => large_event(size),
        }
    }

    fn describe(self, size: usize) -> String {
        match self {
            Workload::Small => format!("{}k small events", size / 1000),
            Workload::Large => format!("{} KiB event", size / 1024),
        }
    }
}

struct Measurement {
    size: usize,
    mb_per_s: f64,
    events_per_s: f64,
    /// (size, MB/s) of every probe run, for parsers that were not run at the full size.
    probes: Vec<(usize, f64)>,
}

fn time_once(parser: Parser, input: &Bytes, chunk: usize) -> (Duration, Outcome) {
    let start = Instant::now();
    let outcome = parser.run(input, chunk);
    (start.elapsed(), outcome)
}

fn measure(parser: Parser, workload: Workload, chunk: usize) -> Measurement {
    let full = workload.full();
    let mut shift = PROBE_STEPS;
    let mut probes = Vec::new();
    let mut previous: Option<Duration> = None;
    let (size, input, one_run, mut outcome) = loop {
        let size = full >> shift;
        let input = workload.input(size);
        let (elapsed, outcome) = time_once(parser, &input, chunk);
        probes.push((size, input.len() as f64 / 1e6 / elapsed.as_secs_f64()));
        // Predict the next (doubled) run from how the last doubling scaled: about 2x for a
        // linear parser, 4x for a quadratic one. Assume at least linear growth.
        let growth = previous
            .map(|p| (elapsed.as_secs_f64() / p.as_secs_f64().max(1e-9)).max(2.0))
            .unwrap_or(2.0);
        if shift == 0 || elapsed.as_secs_f64() * growth > PROBE_BUDGET.as_secs_f64() {
            break (size, input, elapsed, outcome);
        }
        previous = Some(elapsed);
        shift -= 1;
    };
    let mut times = vec![one_run];
    for _ in 1..repetitions(one_run) {
        let (elapsed, o) = time_once(parser, &input, chunk);
        times.push(elapsed);
        outcome = o;
    }
    assert_eq!(outcome.events, expected_events(workload, size));
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    Measurement {
        size,
        mb_per_s: input.len() as f64 / 1e6 / median,
        events_per_s: outcome.events as f64 / median,
        probes: if size < full { probes } else { Vec::new() },
    }
}

fn expected_events(workload: Workload, size: usize) -> usize {
    match workload {
        Workload::Small => size,
        Workload::Large => 1,
    }
}

/// All parsers must agree on what a stream contains, for every chunking.
fn check_agreement() {
    for workload in [Workload::Small, Workload::Large] {
        let input = workload.input(workload.full() / 128);
        for chunk in CHUNK_SIZES {
            let ours = Parser::Ours.run(&input, chunk);
            for parser in [Parser::EventsourceStream, Parser::Sseer] {
                assert_eq!(parser.run(&input, chunk), ours, "{}", parser.name());
            }
        }
    }
}

fn fmt_rate(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.1} k", value / 1e3)
    } else {
        format!("{value:.2}")
    }
}

fn main() {
    check_agreement();

    let mut header = String::from("| case |");
    let mut rule = String::from("|---|");
    for parser in Parser::ALL {
        header.push_str(&format!(
            " {} MB/s | {} events/s |",
            parser.name(),
            parser.name()
        ));
        rule.push_str("---:|---:|");
        if parser != Parser::Ours {
            header.push_str(&format!(" {} vs ours |", parser.name()));
            rule.push_str("---:|");
        }
    }
    println!("{header}");
    println!("{rule}");

    let mut notes = Vec::new();
    for workload in [Workload::Small, Workload::Large] {
        for chunk in CHUNK_SIZES {
            let case = format!("{}, {chunk} B chunks", workload.describe(workload.full()));
            let mut row = format!("| {case} |");
            let mut ours_mb = 0.0;
            for parser in Parser::ALL {
                let m = measure(parser, workload, chunk);
                let mark = if m.size < workload.full() {
                    let note_no = notes.len() + 1;
                    let probes: Vec<String> = m
                        .probes
                        .iter()
                        .map(|(size, mb)| format!("{}: {mb:.2}", workload.describe(*size)))
                        .collect();
                    notes.push(format!(
                        "[{note_no}] {} / {case}: measured on {} only (full size too slow); MB/s by input size: {}",
                        parser.name(),
                        workload.describe(m.size),
                        probes.join(", ")
                    ));
                    format!(" [{note_no}]")
                } else {
                    String::new()
                };
                row.push_str(&format!(
                    " {:.1}{mark} | {} |",
                    m.mb_per_s,
                    fmt_rate(m.events_per_s)
                ));
                if parser == Parser::Ours {
                    ours_mb = m.mb_per_s;
                } else {
                    row.push_str(&format!(" {:.3}x |", m.mb_per_s / ours_mb));
                }
            }
            println!("{row}");
        }
    }
    println!();
    println!("\"vs ours\" = that parser's throughput divided by ours (below 1 = slower).");
    for note in notes {
        println!("{note}");
    }
}
