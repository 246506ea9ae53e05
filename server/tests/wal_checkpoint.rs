//! The store checkpoints its WAL in the background (automatic checkpoints, which would run
//! inside a commit and delay that event's delivery, are off): while the server runs, what is
//! committed reaches the database file itself, and the WAL does not grow without bound.

mod common;

use std::time::{Duration, Instant};

use common::{Opts, Server};
use serde_json::json;

fn size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test]
async fn committed_pages_reach_the_database_file_while_the_server_runs() {
    let server = Server::start(Opts::dev());
    let db = server.dir.join("everruns.db");
    // Some writes beyond the migrations: 50 agents with 8 KiB system prompts.
    for i in 0..50 {
        let (status, body) = server
            .post(
                "/agents",
                json!({"name": format!("wal-{i}"), "system_prompt": "x".repeat(8192)}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // 50 × 8 KiB of prompts alone is 400 KiB; without a checkpoint all of it stays in the
    // WAL and the database file keeps its size from before the first commit.
    let deadline = Instant::now() + Duration::from_secs(30);
    while size(&db) < 400 * 1024 {
        assert!(
            Instant::now() < deadline,
            "database file is {} bytes 30 s after the writes (WAL {} bytes): no checkpoint ran",
            size(&db),
            size(&server.dir.join("everruns.db-wal"))
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And the data is all there.
    let (status, body) = server.get("/agents?limit=100").await;
    assert_eq!(status, 200);
    let n = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"].as_str().unwrap_or("").starts_with("wal-"))
        .count();
    assert_eq!(n, 50);
}
