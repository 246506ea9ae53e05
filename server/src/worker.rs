//! The turn worker: runs queued turns with the runtime, one at a time per session, several
//! sessions at once.
//!
//! Turns live in the store's `turns` table (queued with their `input.message` in one
//! transaction). A turn claimed by a process that died stays `running`; the next start picks it
//! up again and `TurnEngine::run_turn` resumes it from its events, so it ends with exactly one
//! terminal event. Store failures put the turn back with a backoff; after
//! [`MAX_ATTEMPTS`] the worker ends it with `turn.failed` (`error_code: internal_error`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use everruns_core::Session;
use everruns_runtime::{CancellationToken, RuntimeBackends, TurnEngine, TurnOutcome, TurnRequest};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

use crate::store::{now, parse_ts, seeded, Store, StoreResult, TurnRow};

/// Claims of one turn before the worker gives up on it.
pub const MAX_ATTEMPTS: i64 = 5;

struct Running {
    turn_id: String,
    cancel: CancellationToken,
    done: watch::Receiver<bool>,
}

/// The turn worker.
pub struct Worker {
    store: Store,
    engine: TurnEngine,
    backends: RuntimeBackends,
    permits: Arc<Semaphore>,
    running: Mutex<HashMap<String, Running>>,
    wake: Notify,
    tasks: tokio::sync::Mutex<JoinSet<()>>,
    main: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// What a cancel request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// A turn was cancelled.
    Cancelled(String),
    /// Nothing was running or queued.
    NotActive,
}

impl Worker {
    /// A worker; call [`Worker::start`] to run it.
    pub fn new(
        store: Store,
        engine: TurnEngine,
        backends: RuntimeBackends,
        concurrency: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            engine,
            backends,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            tasks: tokio::sync::Mutex::new(JoinSet::new()),
            main: Mutex::new(None),
        })
    }

    /// Starts the dispatch loop (also resumes turns left by a previous process).
    pub fn start(self: &Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let me = self.clone();
        let handle = tokio::spawn(async move {
            loop {
                if *shutdown.borrow() {
                    break;
                }
                if let Err(e) = me.dispatch().await {
                    tracing::warn!(error = %e, "turn dispatch failed");
                }
                tokio::select! {
                    _ = me.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = shutdown.changed() => {}
                }
            }
        });
        *self.main.lock().expect("worker lock") = Some(handle);
    }

    /// Asks the loop to look for work now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops dispatching and aborts running turns (they resume on the next start).
    pub async fn stop(&self) {
        if let Some(h) = self.main.lock().expect("worker lock").take() {
            h.abort();
        }
        let mut tasks = self.tasks.lock().await;
        let grace = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(grace);
        loop {
            tokio::select! {
                r = tasks.join_next() => if r.is_none() { break },
                _ = &mut grace => { tasks.abort_all(); break }
            }
        }
    }

    /// The turn running for a session, if any.
    pub fn running_turn(&self, session_id: &str) -> Option<String> {
        self.running
            .lock()
            .expect("worker lock")
            .get(session_id)
            .map(|r| r.turn_id.clone())
    }

    async fn dispatch(self: &Arc<Self>) -> StoreResult<()> {
        let pending = self.store.pending_turns().await?;
        let mut seen = std::collections::HashSet::new();
        let t = now();
        let mut tasks = self.tasks.lock().await;
        while tasks.try_join_next().is_some() {}
        for turn in pending {
            if !seen.insert(turn.session_id.clone()) {
                continue; // only the oldest unfinished turn of a session
            }
            if turn.retry_at.as_deref().is_some_and(|r| parse_ts(r) > t) {
                continue;
            }
            let (done_tx, done_rx) = watch::channel(false);
            let cancel = CancellationToken::new();
            {
                let mut running = self.running.lock().expect("worker lock");
                if running.contains_key(&turn.session_id) {
                    continue;
                }
                running.insert(
                    turn.session_id.clone(),
                    Running {
                        turn_id: turn.id.clone(),
                        cancel: cancel.clone(),
                        done: done_rx,
                    },
                );
            }
            let me = self.clone();
            tasks.spawn(async move {
                let session_id = turn.session_id.clone();
                if let Err(e) = me.run_one(&turn, cancel).await {
                    tracing::warn!(turn_id = %turn.id, error = %e, "turn step failed");
                }
                me.running.lock().expect("worker lock").remove(&session_id);
                let _ = done_tx.send(true);
                me.wake();
            });
        }
        Ok(())
    }

    async fn request_for(
        &self,
        turn: &TurnRow,
        session: Session,
        cancel: CancellationToken,
    ) -> StoreResult<TurnRequest> {
        let harness = match self.store.get_harness(&session.harness_id).await? {
            Some(h) => h,
            None => self
                .store
                .get_harness(seeded::GENERIC_HARNESS_ID)
                .await?
                .ok_or_else(|| crate::store::StoreError::NotFound("generic harness".into()))?,
        };
        let agent = match &session.agent_id {
            Some(a) => self.store.get_agent(a).await?,
            None => None,
        };
        let mut req =
            TurnRequest::new(session, harness, &turn.id, &turn.input_message_id).with_agent(agent);
        req.cancel = cancel;
        Ok(req)
    }

    async fn run_one(&self, turn: &TurnRow, cancel: CancellationToken) -> StoreResult<()> {
        let _permit = self.permits.clone().acquire_owned().await.ok();
        if !self.store.claim_turn(&turn.id).await? {
            return Ok(());
        }
        let Some(session) = self.store.get_session(&turn.session_id).await? else {
            self.store.finish_turn(&turn.id, "cancelled").await?;
            return Ok(());
        };
        if turn.status == "queued" {
            // Steering: a message the running turn took in has no turn of its own.
            let events = self.store.all_events(&turn.session_id).await?;
            if let Some(by) = everruns_runtime::steered_into(&events, &turn.input_message_id) {
                tracing::debug!(turn_id = %turn.id, steered_into = %by, "message was steered into a running turn");
                self.store.finish_turn(&turn.id, "steered").await?;
                return Ok(());
            }
        }
        let req = self.request_for(turn, session, cancel).await?;
        match self.engine.run_turn(&req, &self.backends).await {
            Ok(result) if result.outcome == TurnOutcome::Waiting => {
                // Waits for its caller: parked until the wait limit; an answer wakes it.
                let until = result.wait_expires_at.unwrap_or_else(now);
                self.store.park_turn(&turn.id, until).await?;
                let events = self.store.all_events(&turn.session_id).await?;
                if everruns_runtime::waiting_turn(&events).is_none() {
                    // answered while parking: run it now
                    self.store.wake_turn(&turn.id).await?;
                }
            }
            Ok(result) => {
                let status = match result.outcome {
                    TurnOutcome::Completed => "completed",
                    TurnOutcome::Failed => "failed",
                    TurnOutcome::Cancelled => "cancelled",
                    TurnOutcome::Sealed => "sealed",
                    _ => "completed",
                };
                self.store.finish_turn(&turn.id, status).await?;
            }
            Err(e) => {
                let attempts = turn.attempts + 1;
                tracing::warn!(turn_id = %turn.id, attempts, error = %e, "turn failed to run");
                if attempts >= MAX_ATTEMPTS {
                    self.give_up(turn, &e.to_string()).await?;
                } else {
                    let backoff = Duration::from_millis(500 * (1 << attempts.min(6)) as u64);
                    let at = now() + chrono::Duration::from_std(backoff).unwrap_or_default();
                    self.store
                        .retry_turn_later(&turn.id, at, &e.to_string())
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Ends a turn that cannot run: the runtime stores `turn.failed`
    /// (`error_code: internal_error`) and `session.idled`, unless the turn already has its
    /// terminal event.
    async fn give_up(&self, turn: &TurnRow, error: &str) -> StoreResult<()> {
        tracing::error!(turn_id = %turn.id, %error, "giving up on turn");
        if let Some(session) = self.store.get_session(&turn.session_id).await? {
            let req = self
                .request_for(turn, session, CancellationToken::new())
                .await?;
            self.engine
                .fail_turn(
                    &req,
                    &self.backends,
                    "An error occurred while processing your request.",
                    "internal_error",
                )
                .await
                .map_err(|e| crate::store::StoreError::Other(e.to_string()))?;
        }
        self.store.finish_turn(&turn.id, "failed").await
    }

    /// Cancels the session's running turn (waits until its cancel sequence is stored), or
    /// its oldest queued turn.
    pub async fn cancel(&self, session_id: &str) -> StoreResult<CancelOutcome> {
        let running = {
            let g = self.running.lock().expect("worker lock");
            g.get(session_id)
                .map(|r| (r.turn_id.clone(), r.cancel.clone(), r.done.clone()))
        };
        if let Some((turn_id, token, mut done)) = running {
            token.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(30), done.wait_for(|d| *d)).await;
            return Ok(CancelOutcome::Cancelled(turn_id));
        }
        let pending = self.store.pending_turns().await?;
        let Some(turn) = pending.into_iter().find(|t| t.session_id == session_id) else {
            return Ok(CancelOutcome::NotActive);
        };
        let waiting = turn.status == "running"
            && everruns_runtime::waiting_turn(&self.store.all_events(session_id).await?)
                .is_some_and(|w| w.turn_id == turn.id);
        if waiting {
            // Parked while it waits for its caller: no process runs it, cancel it here.
            let Some(session) = self.store.get_session(session_id).await? else {
                return Ok(CancelOutcome::NotActive);
            };
            let req = self
                .request_for(&turn, session, CancellationToken::new())
                .await?;
            self.engine
                .cancel_turn(&req, &self.backends, Some("cancelled by user".into()))
                .await
                .map_err(|e| crate::store::StoreError::Other(e.to_string()))?;
            self.store.finish_turn(&turn.id, "cancelled").await?;
            return Ok(CancelOutcome::Cancelled(turn.id));
        }
        if turn.status == "queued" && self.store.cancel_queued_turn(&turn.id).await? {
            let Some(session) = self.store.get_session(session_id).await? else {
                return Ok(CancelOutcome::NotActive);
            };
            let req = self
                .request_for(&turn, session, CancellationToken::new())
                .await?;
            self.engine
                .cancel_turn(&req, &self.backends, Some("cancelled by user".into()))
                .await
                .map_err(|e| crate::store::StoreError::Other(e.to_string()))?;
            return Ok(CancelOutcome::Cancelled(turn.id));
        }
        // Claimed meanwhile: it is running now; cancel that.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let running = {
            let g = self.running.lock().expect("worker lock");
            g.get(session_id)
                .map(|r| (r.turn_id.clone(), r.cancel.clone(), r.done.clone()))
        };
        match running {
            Some((turn_id, token, mut done)) => {
                token.cancel();
                let _ = tokio::time::timeout(Duration::from_secs(30), done.wait_for(|d| *d)).await;
                Ok(CancelOutcome::Cancelled(turn_id))
            }
            None => Ok(CancelOutcome::NotActive),
        }
    }
}
