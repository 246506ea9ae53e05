//! Rust SDK for [Everruns](https://everruns.com), the durable agent harness.
//!
//! Agents are configuration (a system prompt, a model, capabilities); sessions are running
//! conversations with a workspace of files; every step of a turn is an event in an append-only
//! log that you follow live over Server-Sent Events.
//!
//! This crate re-exports [`everruns_core`], the client core shared with the Python and Node
//! packages, so the three SDKs behave identically: one pooled HTTP client, retries with
//! jittered backoff and `Retry-After`, typed errors carrying the server's request id, and an
//! event stream that resumes from its cursor after every disconnect.
//!
//! # Quick start
//!
//! ```no_run
//! use everruns_sdk::{Everruns, StreamOptions};
//! use futures::StreamExt;
//!
//! #[tokio::main]
//! async fn main() -> everruns_sdk::Result<()> {
//!     // EVERRUNS_API_KEY, EVERRUNS_API_URL (default http://localhost:9300/api),
//!     // EVERRUNS_ORG_ID, EVERRUNS_DEBUG.
//!     let client = Everruns::from_env()?;
//!
//!     // Human names are fine: the SDK sends the slug and keeps your text as display name.
//!     let agent = client
//!         .agents()
//!         .create("Research Assistant", "You are a helpful research assistant.")
//!         .await?;
//!     let session = client.sessions().create_for_agent(&agent.id).await?;
//!
//!     // Returns at once; the turn runs on the server.
//!     client.messages().create(&session.id, "What is durable execution?").await?;
//!
//!     // Streams this turn's events (never an older turn's), reconnecting as needed.
//!     let mut events = client
//!         .events()
//!         .stream(&session.id, StreamOptions::new().exclude_deltas());
//!     while let Some(event) = events.next().await {
//!         let event = event?;
//!         match event.event_type.as_str() {
//!             "output.message.completed" => {
//!                 if let Some(text) = event.data["message"]["content"][0]["text"].as_str() {
//!                     println!("Agent: {text}");
//!                 }
//!             }
//!             "turn.completed" | "turn.failed" => break,
//!             _ => {}
//!         }
//!     }
//!
//!     let listing = client.filesystem().list(&session.id, "/workspace").await?;
//!     for entry in listing.entries {
//!         println!("{} {}", if entry.is_directory { "dir " } else { "file" }, entry.name);
//!     }
//!
//!     client.sessions().delete(&session.id).await?;
//!     client.agents().delete(&agent.id).await?;
//!     Ok(())
//! }
//! ```
//!
//! # Where things are
//!
//! * [`Everruns`] / [`EverrunsBuilder`] — configuration, [`RequestOptions`] per call.
//! * Sub-clients: [`Everruns::agents`], [`Everruns::sessions`], [`Everruns::messages`],
//!   [`Everruns::events`], [`Everruns::filesystem`], [`Everruns::capabilities`],
//!   [`Everruns::harnesses`], [`Everruns::models`].
//! * [`EventStream`] — a `futures::Stream` of [`Event`]s with [`EventStream::next_batch`],
//!   [`StopHandle`], cursor and retry counters.
//! * [`Error`] — one error enum with `status()`, `code()`, `request_id()`, `is_retryable()`.
//! * [`types`] — every request, response and event payload type.
#![warn(missing_docs)]

pub use everruns_core::*;
