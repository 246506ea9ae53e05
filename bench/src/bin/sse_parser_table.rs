//! Prints markdown tables comparing the SSE parsers (run in release:
//! `cargo run --release -p everruns-bench --bin sse_parser_table`).
//!
//! Each case is run several times and timed with `std::time::Instant` (wall clock) and with the
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`); each cell is the median over the runs. Two
//! tables are printed from the same runs: wall clock, and CPU time, which is the one to trust on
//! a machine shared with other work (a descheduled thread does not accrue CPU time).
//!
//! A parser whose run would take too long at the full size (a quadratic one) is measured at the
//! largest size reached by doubling from 1/128 of the full size within a CPU-time budget; such
//! cells are marked and the throughput seen at each size is listed under the tables, which shows
//! how it falls as the input grows.

use std::time::{Duration, Instant};

use bytes::Bytes;
use everruns_bench::{
    large_event, small_events, Outcome, Parser, CHUNK_SIZES, LARGE_EVENT_BYTES, SMALL_EVENTS,
};

/// Probing starts at 1/2^PROBE_STEPS of the full size and doubles up to the full size...
const PROBE_STEPS: u32 = 7;
/// ...unless the next run is predicted to take more CPU time than this.
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

    fn expected_events(self, size: usize) -> usize {
        match self {
            Workload::Small => size,
            Workload::Large => 1,
        }
    }

    fn describe(self, size: usize) -> String {
        match self {
            Workload::Small if size >= 1000 => format!("{}k small events", size / 1000),
            Workload::Small => format!("{size} small events"),
            Workload::Large => format!("{} KiB event", size / 1024),
        }
    }
}

/// CPU time consumed by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant supported by Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

fn time_once(parser: Parser, input: &Bytes, chunk: usize) -> (Timing, Outcome) {
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    let outcome = parser.run(input, chunk);
    let wall = start.elapsed();
    let cpu = thread_cpu_time().saturating_sub(cpu_start);
    (Timing { wall, cpu }, outcome)
}

struct Measurement {
    size: usize,
    input_bytes: usize,
    events: usize,
    wall: Duration,
    cpu: Duration,
    runs: usize,
    /// (size, MB/s by CPU time) of every probe run, kept for parsers not run at full size.
    probes: Vec<(usize, f64)>,
}

impl Measurement {
    fn mb_per_s(&self, cpu: bool) -> f64 {
        self.input_bytes as f64 / 1e6 / self.secs(cpu)
    }

    fn events_per_s(&self, cpu: bool) -> f64 {
        self.events as f64 / self.secs(cpu)
    }

    fn secs(&self, cpu: bool) -> f64 {
        if cpu { self.cpu } else { self.wall }
            .as_secs_f64()
            .max(1e-9)
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// A parser's input for one case, chosen by probing; the probe runs double as warm-up.
struct Planned {
    size: usize,
    input: Bytes,
    first: Timing,
    probes: Vec<(usize, f64)>,
}

fn plan(parser: Parser, workload: Workload, chunk: usize) -> Planned {
    let full = workload.full();
    let mut shift = PROBE_STEPS;
    let mut probes = Vec::new();
    let mut previous: Option<Duration> = None;
    loop {
        let size = full >> shift;
        let input = workload.input(size);
        let (timing, outcome) = time_once(parser, &input, chunk);
        assert_eq!(outcome.events, workload.expected_events(size));
        let cpu = timing.cpu.as_secs_f64().max(1e-9);
        probes.push((size, input.len() as f64 / 1e6 / cpu));
        // Predict the next (doubled) run from how the last doubling scaled: about 2x for a
        // linear parser, 4x for a quadratic one. Assume at least linear growth.
        let growth = previous
            .map(|p| (cpu / p.as_secs_f64().max(1e-9)).max(2.0))
            .unwrap_or(2.0);
        if shift == 0 || cpu * growth > PROBE_BUDGET.as_secs_f64() {
            return Planned {
                size,
                input,
                first: timing,
                probes,
            };
        }
        previous = Some(timing.cpu);
        shift -= 1;
    }
}

/// Measures all parsers on one case. Timed runs are interleaved (ours, theirs, theirs, ours,
/// ...) so that a burst of load from elsewhere does not land on one parser only.
fn measure_case(workload: Workload, chunk: usize) -> Vec<Measurement> {
    let plans: Vec<Planned> = Parser::ALL
        .iter()
        .map(|&parser| plan(parser, workload, chunk))
        .collect();
    let wanted: Vec<usize> = plans.iter().map(|p| repetitions(p.first.cpu)).collect();
    let mut timings: Vec<Vec<Timing>> = plans
        .iter()
        .zip(&wanted)
        // A single run is all a slow case gets: reuse the probe's timing.
        .map(|(p, &n)| if n == 1 { vec![p.first] } else { Vec::new() })
        .collect();
    for round in 0..wanted.iter().copied().max().unwrap_or(1) {
        for (i, parser) in Parser::ALL.iter().enumerate() {
            if wanted[i] > 1 && round < wanted[i] {
                let (timing, outcome) = time_once(*parser, &plans[i].input, chunk);
                assert_eq!(outcome.events, workload.expected_events(plans[i].size));
                timings[i].push(timing);
            }
        }
    }
    plans
        .into_iter()
        .zip(timings)
        .map(|(plan, timings)| Measurement {
            size: plan.size,
            input_bytes: plan.input.len(),
            events: workload.expected_events(plan.size),
            wall: median(timings.iter().map(|t| t.wall).collect()),
            cpu: median(timings.iter().map(|t| t.cpu).collect()),
            runs: timings.len(),
            probes: if plan.size < workload.full() {
                plan.probes
            } else {
                Vec::new()
            },
        })
        .collect()
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

fn fmt_mb(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

struct Row {
    case: String,
    cells: Vec<(Measurement, Option<usize>)>,
}

fn print_table(rows: &[Row], cpu: bool) {
    let mut header = String::from("| case |");
    let mut rule = String::from("|---|");
    for parser in Parser::ALL {
        header.push_str(&format!(" {0} MB/s | {0} events/s |", parser.name()));
        rule.push_str("---:|---:|");
        if parser != Parser::Ours {
            header.push_str(&format!(" {} vs ours |", parser.name()));
            rule.push_str("---:|");
        }
    }
    println!("{header}");
    println!("{rule}");
    for row in rows {
        let mut line = format!("| {} |", row.case);
        let ours = row.cells[0].0.mb_per_s(cpu);
        for (parser, (m, note)) in Parser::ALL.iter().zip(&row.cells) {
            let mark = note.map(|n| format!(" [{n}]")).unwrap_or_default();
            line.push_str(&format!(
                " {}{mark} | {} |",
                fmt_mb(m.mb_per_s(cpu)),
                fmt_rate(m.events_per_s(cpu))
            ));
            if *parser != Parser::Ours {
                let ratio = m.mb_per_s(cpu) / ours;
                line.push_str(&format!(
                    " {} |",
                    if ratio >= 0.01 {
                        format!("{ratio:.2}x")
                    } else {
                        format!("{ratio:.1e}x")
                    }
                ));
            }
        }
        println!("{line}");
    }
}

fn main() {
    check_agreement();

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for workload in [Workload::Small, Workload::Large] {
        for chunk in CHUNK_SIZES {
            let case = format!("{}, {chunk} B chunks", workload.describe(workload.full()));
            let mut cells = Vec::new();
            for (parser, m) in Parser::ALL.into_iter().zip(measure_case(workload, chunk)) {
                eprintln!(
                    "{case} / {}: {} runs on {}, median wall {:?}, cpu {:?}",
                    parser.name(),
                    m.runs,
                    workload.describe(m.size),
                    m.wall,
                    m.cpu
                );
                let note = (m.size < workload.full()).then(|| {
                    let probes: Vec<String> = m
                        .probes
                        .iter()
                        .map(|(size, mb)| format!("{} {}", workload.describe(*size), fmt_mb(*mb)))
                        .collect();
                    notes.push(format!(
                        "[{}] {} / {case}: measured on {} only (the full size would take too \
                         long); CPU-time MB/s by input size: {}",
                        notes.len() + 1,
                        parser.name(),
                        workload.describe(m.size),
                        probes.join(", ")
                    ));
                    notes.len()
                });
                cells.push((m, note));
            }
            rows.push(Row { case, cells });
        }
    }

    println!("Throughput by thread CPU time (median of runs):\n");
    print_table(&rows, true);
    println!("\nThroughput by wall clock, `std::time::Instant` (median of the same runs):\n");
    print_table(&rows, false);
    println!();
    println!(
        "MB/s = input bytes (10^6) per second. \"vs ours\" = that parser's throughput divided \
         by ours (below 1 = slower)."
    );
    for note in notes {
        println!("{note}");
    }
}
