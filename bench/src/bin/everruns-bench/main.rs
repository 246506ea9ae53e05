//! `everruns-bench`: the harness behind `make bench`.
//!
//! * `everruns-bench run [--quick]` — every measurement (see `run.rs`), one markdown table on
//!   stdout, plus `bench.md`, `bench.json` and `bench.png` under `--out` (default
//!   `bench/results`). Paths of the server binary and the other languages' clients are flags
//!   with defaults relative to the repository root.
//! * `everruns-bench host --database-url …` — the reference server's code plus an appender
//!   route (used by `run` for latency and reconnect measurements).
//! * `everruns-bench seed --url … --database-url …` — seeds a replay session on a running
//!   server and prints its id (for profiling one client by hand).
//! * `everruns-bench client …` — the Rust SDK workloads (see `client.rs`).
//! * `everruns-bench frames --events N` — a trivial server of pre-built SSE frames (the
//!   client-only row; see `frames.rs`).

mod chart;
mod client;
mod frames;
mod host;
mod procs;
mod report;
mod run;
mod stats;
mod storebench;
mod sys;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "everruns-bench", about = "Everruns SDK and server benchmarks")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run every measurement and print the table.
    Run(run::RunArgs),
    /// Serve the reference server's router with the bench appender.
    Host(host::HostArgs),
    /// Seed a replay session on a running server (as `run` does) and print its id.
    Seed(run::SeedArgs),
    /// Serve pre-built Everruns SSE frames (no database): the client-only row.
    Frames(frames::FramesArgs),
    /// A Rust SDK client workload.
    Client {
        #[command(subcommand)]
        cmd: client::ClientCmd,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result: Result<(), String> = rt.block_on(async move {
        match cli.cmd {
            Cmd::Run(args) => {
                let md = run::run(args).await.map_err(|e| e.to_string())?;
                print!("{md}");
                Ok(())
            }
            Cmd::Seed(args) => {
                let id = run::seed_only(args).await.map_err(|e| e.to_string())?;
                println!("{id}");
                Ok(())
            }
            Cmd::Host(args) => host::run(args).await.map_err(|e| e.to_string()),
            Cmd::Frames(args) => frames::run(args).await.map_err(|e| e.to_string()),
            Cmd::Client { cmd } => client::run(cmd).await.map_err(|e| e.to_string()),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
