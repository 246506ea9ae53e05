//! `chaos-suite [--schedule short|long] [--langs rust,python,node] [--report FILE.json]`
//!
//! Runs the stream chaos suite (see `everruns_chaos::suite`): the reference server, one
//! fault-injecting proxy per SDK, a long scripted turn with two server restarts, and a check
//! of every SDK's deliveries against the stored event log. Prints the per-language table on
//! stdout; exits 1 when any check failed, 2 on bad arguments or a setup failure.
//!
//! Environment: `EVERRUNS_SERVER_BIN` (default: `everruns-server` of this target directory,
//! built if missing), `CHAOS_PYTHON` (default `.venv/bin/python`), `CHAOS_NODE` (default
//! `node`).

use everruns_chaos::suite::{self, Lang, Plan, Tools};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut plan = Plan::short();
    let mut langs = Lang::ALL.to_vec();
    let mut report_path: Option<String> = None;
    let mut i = 0;
    let value = |i: usize| -> String {
        args.get(i + 1).cloned().unwrap_or_else(|| {
            eprintln!("{} needs a value", args[i]);
            std::process::exit(2)
        })
    };
    while i < args.len() {
        match args[i].as_str() {
            "--schedule" => {
                plan = match value(i).as_str() {
                    "short" => Plan::short(),
                    "long" => Plan::long(),
                    other => {
                        eprintln!("unknown schedule {other:?} (short or long)");
                        std::process::exit(2);
                    }
                }
            }
            "--langs" => {
                langs = Lang::parse_list(&value(i)).unwrap_or_else(|e| {
                    eprintln!("--langs: {e}");
                    std::process::exit(2)
                })
            }
            "--report" => report_path = Some(value(i)),
            "-h" | "--help" => {
                println!("chaos-suite [--schedule short|long] [--langs rust,python,node] [--report FILE.json]");
                return;
            }
            other => {
                eprintln!("unknown argument {other}; see --help");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    let tools = Tools::locate().unwrap_or_else(|e| {
        eprintln!("chaos-suite: {e}");
        std::process::exit(2)
    });
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let report = match rt.block_on(suite::run(&plan, &langs, &tools)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chaos-suite: setup failed: {e}");
            // Dropping the runtime drops the client tasks, which kills the client processes.
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
            std::process::exit(2)
        }
    };
    print!("{}", report.table());
    if let Some(p) = report_path {
        let json = serde_json::to_string_pretty(&report).expect("report JSON");
        if let Err(e) = std::fs::write(&p, json) {
            eprintln!("chaos-suite: writing {p}: {e}");
        }
    }
    rt.shutdown_background();
    if !report.passed() {
        std::process::exit(1);
    }
}
