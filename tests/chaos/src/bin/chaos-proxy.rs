//! `chaos-proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:9300 [--seed N] [--reset P]
//! [--stall P] [--delay P] [--split P] [--stall-hold-ms N] [--fault-gap-ms N] [--all-traffic]`
//!
//! Prints `listening on <addr>` once ready, then every `--stats-every-ms` (default 1000) and
//! at Ctrl-C: one JSON line per new log entry (`{"at_ms":…,"conn":…,"kind":"reset"|"stall"|
//! "sse_request"|"upstream_down"}`) and a JSON line of statistics.

use std::net::SocketAddr;
use std::time::Duration;

use everruns_chaos::{ChaosConfig, ChaosProxy};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut upstream: Option<SocketAddr> = None;
    let mut config = ChaosConfig::default();
    let mut stats_every = Duration::from_millis(1000);
    let mut i = 0;
    let value = |i: usize| -> &str {
        args.get(i + 1).map(String::as_str).unwrap_or_else(|| {
            eprintln!("{} needs a value", args[i]);
            std::process::exit(2)
        })
    };
    let num = |s: &str| -> f64 {
        s.parse().unwrap_or_else(|_| {
            eprintln!("not a number: {s}");
            std::process::exit(2)
        })
    };
    while i < args.len() {
        match args[i].as_str() {
            "--listen" => listen = value(i).parse().expect("--listen host:port"),
            "--upstream" => upstream = Some(value(i).parse().expect("--upstream host:port")),
            "--seed" => config.seed = num(value(i)) as u64,
            "--reset" => config.reset = num(value(i)),
            "--stall" => config.stall = num(value(i)),
            "--delay" => config.delay = num(value(i)),
            "--split" => config.split = num(value(i)),
            "--stall-hold-ms" => config.stall_hold = Duration::from_millis(num(value(i)) as u64),
            "--fault-gap-ms" => config.fault_gap = Duration::from_millis(num(value(i)) as u64),
            "--stats-every-ms" => stats_every = Duration::from_millis(num(value(i)) as u64),
            "--all-traffic" => {
                config.all_traffic = true;
                i += 1;
                continue;
            }
            other => {
                eprintln!("unknown argument {other}; see the file header for usage");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    let Some(upstream) = upstream else {
        eprintln!("--upstream host:port is required");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async move {
        let proxy = ChaosProxy::start(listen, upstream, config)
            .await
            .expect("bind");
        println!("listening on {}", proxy.addr());
        let mut tick = tokio::time::interval(stats_every);
        let mut printed = 0;
        loop {
            let last = tokio::select! {
                _ = tick.tick() => false,
                _ = tokio::signal::ctrl_c() => true,
            };
            let log = proxy.log();
            for entry in &log[printed..] {
                println!("{}", serde_json::to_string(entry).unwrap());
            }
            printed = log.len();
            println!(
                "{}",
                serde_json::to_string(&proxy.stats().snapshot()).unwrap()
            );
            if last {
                return;
            }
        }
    });
}
