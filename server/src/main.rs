//! `everruns-server`: the Everruns reference server binary.

use clap::Parser;
use everruns_server::config::{Cli, Command, KeysOp};
use everruns_server::store::Store;

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EVERRUNS_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = run(cli).await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        None => everruns_server::serve(&cli.database_url, cli.serve).await,
        Some(Command::Serve(args)) => everruns_server::serve(&cli.database_url, *args).await,
        Some(Command::Worker(args)) => everruns_server::work(&cli.database_url, *args).await,
        Some(Command::Openapi { out }) => {
            let spec = everruns_server::openapi::spec_json();
            if out.as_os_str() == "-" {
                print!("{spec}");
            } else {
                if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&out, spec)?;
                eprintln!("wrote {}", out.display());
            }
            Ok(())
        }
        Some(Command::Keys { op }) => {
            let store = Store::open(&cli.database_url).await?;
            match op {
                KeysOp::Create { name } => {
                    let (id, key) = everruns_server::auth::create_key(&store, &name).await?;
                    eprintln!("created key {id} ({name}); it is shown once:");
                    println!("{key}");
                }
                KeysOp::List => {
                    for (id, name, prefix, created, revoked) in store.list_api_keys().await? {
                        let state = if revoked.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        println!("{id}\t{name}\t{prefix}…\t{created}\t{state}");
                    }
                }
                KeysOp::Revoke { id } => {
                    if store.revoke_api_key(&id).await? {
                        println!("revoked {id}");
                    } else {
                        return Err(format!("no active key {id}").into());
                    }
                }
            }
            store.close().await;
            Ok(())
        }
    }
}
