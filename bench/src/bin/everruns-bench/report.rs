//! The markdown report: one table, every figure read from [`Results`].

use std::fmt::Write;

use crate::run::{Cell, Results, Who};

/// Formats a number for a table cell: thousands separators above 1,000, three significant
/// digits below.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    if a >= 999.5 {
        let i = x.round() as i64;
        let s = i.abs().to_string();
        let mut out = String::new();
        for (n, c) in s.chars().enumerate() {
            if n > 0 && (s.len() - n).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if i < 0 {
            out.insert(0, '-');
        }
        out
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// An integer count with thousands separators.
pub fn count(x: f64) -> String {
    if x.abs() >= 999.5 {
        num(x)
    } else {
        format!("{}", x.round() as i64)
    }
}

fn cell_text(c: &Cell) -> String {
    let s = c.summary;
    let mut t = if s.n > 1 {
        format!(
            "**{}** ({}–{}, n={})",
            num(s.median),
            num(s.min),
            num(s.max),
            s.n
        )
    } else {
        format!("**{}** (n=1)", num(s.median))
    };
    if let Some(n) = &c.note {
        let _ = write!(t, " {n}");
    }
    t
}

fn get<'a>(r: &'a Results, metric: &str, who: Who) -> Option<&'a Cell> {
    r.cells.get(metric).and_then(|m| m.get(who.key()))
}

fn median(r: &Results, metric: &str, who: Who) -> Option<f64> {
    get(r, metric, who).map(|c| c.summary.median)
}

/// How many times better `a` is than `b` (higher-is-better or lower-is-better metric).
fn times(r: &Results, metric: &str, a: Who, b: Who, higher_better: bool) -> Option<f64> {
    let (x, y) = (median(r, metric, a)?, median(r, metric, b)?);
    if x <= 0.0 || y <= 0.0 {
        return None;
    }
    Some(if higher_better { x / y } else { y / x })
}

fn ratios(r: &Results, metric: &str, higher_better: bool) -> String {
    let mut parts = Vec::new();
    for (a, b, what) in [
        (Who::PyOurs, Who::PyUpstream, "Python vs upstream Python"),
        (Who::RustOurs, Who::RustUpstream, "Rust vs upstream Rust"),
        (Who::NodeOurs, Who::PyUpstream, "Node vs upstream Python"),
    ] {
        if let Some(x) = times(r, metric, a, b, higher_better) {
            parts.push(format!("{what} **{x:.1}×**"));
        }
    }
    if metric == "throughput" || metric.starts_with("client_") {
        let floor = if metric == "throughput" {
            "curl"
        } else {
            "the raw socket"
        };
        for (a, what) in [
            (Who::RustOurs, "Rust"),
            (Who::PyOurs, "Python"),
            (Who::NodeOurs, "Node"),
        ] {
            if let (Some(x), Some(f)) = (median(r, metric, a), median(r, metric, Who::Floor)) {
                parts.push(format!("{what} at **{:.0}%** of {floor}", 100.0 * x / f));
            }
        }
    }
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join("; ")
    }
}

/// The report: a heading line, the table, then notes (load, missing clients, errors).
pub fn markdown(r: &Results) -> String {
    let p = &r.params;
    let label = |w: Who| {
        r.clients
            .iter()
            .find(|c| c.who == w)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| w.key().into())
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# everruns bench{}\n",
        if r.quick {
            " (quick smoke run: small sizes, figures not meaningful)"
        } else {
            ""
        }
    );
    let m = &r.machine;
    let _ = writeln!(
        md,
        "Median over rounds (min–max, n = rounds or samples). {} × {}; load average {:.1}/{:.1}/{:.1} at start, {:.1}/{:.1}/{:.1} at end; CPU busy {:.0}% over the run ({:.0}% this bench, {:.0}% other work on the machine); {:.0} s wall.\n",
        m.cpus, m.cpu, m.load_start[0], m.load_start[1], m.load_start[2],
        m.load_end[0], m.load_end[1], m.load_end[2], m.busy * 100.0, m.ours * 100.0,
        m.others * 100.0, m.wall_secs
    );
    let _ = writeln!(
        md,
        "| Measurement | {} | {} | {} | {} | {} | floor (curl / raw socket) / server | Ours vs peers (× better) | How it was measured |",
        label(Who::RustOurs),
        label(Who::PyOurs),
        label(Who::NodeOurs),
        label(Who::PyUpstream),
        label(Who::RustUpstream)
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    let row = |md: &mut String, title: &str, metric: &str, higher: bool, how: String| {
        if r.client_row_only && !metric.starts_with("client_") {
            return;
        }
        let mut cols = Vec::new();
        for w in Who::SDKS.iter().copied().chain([Who::Floor]) {
            cols.push(get(r, metric, w).map(cell_text).unwrap_or_else(|| {
                match r.clients.iter().find(|c| c.who == w) {
                    Some(c) if c.missing.is_some() => "not built".into(),
                    _ => "–".into(),
                }
            }));
        }
        let ratio = if metric.starts_with("turns")
            || metric.starts_with("subscriber")
            || metric.starts_with("appends")
            || metric.starts_with("server_")
        {
            "–".to_string()
        } else {
            ratios(r, metric, higher)
        };
        let _ = writeln!(md, "| {title} | {} | {ratio} | {how} |", cols.join(" | "));
    };
    let template: Vec<String> = p.template.iter().map(|(k, v)| format!("{v} {k}")).collect();
    row(
        &mut md,
        "Stream throughput into user code, events/s ↑",
        "throughput",
        true,
        format!(
            "One session holding {} stored events ({:.1} MB as served) replayed from the start; timer from stream creation to the {}-th event in user code (each event's type read). Events are copies of a real llmsim turn ({}; mean {:.0} B), written with the server's own `Store::append_events`. curl: `curl -sN` of the same URL, bytes counted, no parsing (process start included). Rounds interleaved; a client slower than 10 s/run gets ≤3 rounds.",
            count(p.replay_events as f64),
            p.replay_bytes as f64 / 1e6,
            count(p.replay_events as f64),
            template.join(", "),
            p.template_mean_bytes
        ),
    );
    for (metric, what) in [
        ("client_type", "reading each event's `type`"),
        (
            "client_delta",
            "reading `type`, and `data[\"delta\"]` of every `output.message.delta`",
        ),
    ] {
        row(
            &mut md,
            &format!("Client-only decode, events/s, {what} ↑"),
            metric,
            true,
            format!(
                "`everruns-bench frames` (no database, no server code) writes the same {} pre-built Everruns SSE frames ({:.1} MB, mean envelope {:.0} B, {} deltas; serialised with the core's `Event` type) to every stream in one write; timer from stream creation to the {}-th event in user code. Floor: a raw TCP socket reading the same bytes without parsing. Rounds interleaved; median of {} rounds.",
                count(p.client_events as f64),
                p.client_bytes as f64 / 1e6,
                p.client_mean_bytes,
                count(p.client_deltas as f64),
                count(p.client_events as f64),
                p.client_rounds
            ),
        );
    }
    for (i, n) in p.latency_streams.iter().enumerate() {
        let rounds = p.latency_rounds.get(i).copied().unwrap_or(1);
        let events = p.latency_events.get(i).copied().unwrap_or(0);
        let interval_us = p.latency_interval_us.get(i).copied().unwrap_or(0);
        for (pct, metric) in [
            ("p50", format!("lat_p50_ms_{n}")),
            ("p99", format!("lat_p99_ms_{n}")),
        ] {
            row(
                &mut md,
                &format!("Live latency {pct}, ms, {n} concurrent stream{} ↓", if *n == 1 { "" } else { "s" }),
                &metric,
                false,
                format!(
                    "`everruns-bench host` (the server's router + store in one process) appends {} `output.message.delta` events {} ms apart, one per transaction, stamping CLOCK_REALTIME just before `append_events`; {n} stream{} in one client process (same session) note receipt time in user code. {pct} over all {} samples of a run; median of {rounds} run{}.",
                    events,
                    interval_us / 1000,
                    if *n == 1 { "" } else { "s" },
                    count((events as usize * n) as f64),
                    if rounds == 1 { "" } else { "s" }
                ),
            );
        }
    }
    row(
        &mut md,
        "Call overhead, µs per `agents.get` ↓",
        "calls_us",
        false,
        format!(
            "{} sequential `agents.get` on one client after {} untimed; median per-call time of a run (monotonic clock around the awaited call); median of {} runs. Same server binary for all.",
            count(p.calls as f64),
            p.calls_warmup,
            p.calls_rounds
        ),
    );
    row(
        &mut md,
        "Cost of a server-initiated reconnect, ms ↓",
        "reconnect_ms",
        false,
        format!(
            "Host with SSE_REALTIME_CYCLE_SECS={}: the server sends `disconnecting` (retry_ms 100) and closes every {} s. One stream; {} events appended {} ms apart; each run of events delayed > median + 50 ms is one cycle, its largest delay = time from the close to the next event in user code (includes the 100 ms the server asks clients to wait). n = cycles seen.",
            p.cycle_secs,
            p.cycle_secs,
            count(p.reconnect_events as f64),
            p.reconnect_interval_us as f64 / 1000.0
        ),
    );
    row(
        &mut md,
        "Server: SSE subscribers held",
        "subscribers_held",
        true,
        format!(
            "Raw TCP clients each open `GET …/sse` on the `everruns-server` binary (spread over {} sessions) and wait for `connected`; all held at once.",
            p.subscriber_sessions
        ),
    );
    row(
        &mut md,
        "Server: memory per SSE subscriber, KiB ↓",
        "subscriber_kib",
        false,
        format!(
            "Server VmRSS increase ÷ subscribers, read at {}, {}, {} and {} subscribers (n = those 4 readings).",
            count((p.subscribers / 4) as f64),
            count((p.subscribers / 2) as f64),
            count((p.subscribers * 3 / 4) as f64),
            count(p.subscribers as f64)
        ),
    );
    row(
        &mut md,
        "Server: llmsim turns per second ↑",
        "turns_per_sec",
        true,
        format!(
            "{} sessions each get one message at once (llmsim replies \"Done.\"); timer until every session's `turn.completed` reached its stream (our Rust SDK); default worker concurrency 16; median of {} rounds.",
            p.turn_sessions, p.turn_rounds
        ),
    );
    row(
        &mut md,
        "Server: events appended per second ↑",
        "appends_per_sec",
        true,
        format!(
            "Inside the server process (host), {} `Store::append_events` calls of one delta each (one SQLite WAL transaction per event, as the runtime appends while streaming), no subscribers; median of {} runs.",
            count(p.append_events as f64),
            p.append_rounds
        ),
    );
    for (title, metric, higher, how) in crate::storebench::report_rows(p) {
        if r.cells.contains_key(&metric) {
            row(&mut md, &title, &metric, higher, how);
        }
    }
    let busy: Vec<String> = m
        .phase_busy
        .iter()
        .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
        .collect();
    let _ = writeln!(
        md,
        "| Machine CPU busy during each phase (all processes) | | | | | | | | {} |",
        busy.join(", ")
    );
    let missing: Vec<String> = r
        .clients
        .iter()
        .filter_map(|c| {
            c.missing
                .as_ref()
                .map(|m| format!("- {} not measured: {m}", c.label))
        })
        .collect();
    if !missing.is_empty() || !r.errors.is_empty() {
        let _ = writeln!(md);
        for l in missing {
            let _ = writeln!(md, "{l}");
        }
        for e in &r.errors {
            let _ = writeln!(md, "- error: {e}");
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::{count, num};

    #[test]
    fn numbers() {
        assert_eq!(num(1234567.4), "1,234,567");
        assert_eq!(num(999.6), "1,000");
        assert_eq!(num(123.4), "123");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1.234), "1.23");
        assert_eq!(num(f64::NAN), "–");
        assert_eq!(count(10.0), "10");
        assert_eq!(count(2500.0), "2,500");
    }
}
