//! The turn worker: a durable host on the runtime's host seam. Each phase of a turn is a
//! leased task: the worker claims the turn ([`Store::claim_next_turn`], `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL), runs one activity — [`execute_input_activity`],
//! [`execute_reason_activity`], [`execute_act_activity`] or
//! [`RuntimeSessionLifecycle::finish_turn`] — chosen by the turn's plan (the runtime's
//! `plan_next_host_turn` over the event log), renews the lease by heartbeat while it runs,
//! and releases the turn with the next activity's name ([`Store::complete_phase`]). Any
//! worker (this one or another process) then claims the next phase.
//!
//! A worker that dies stops renewing; when its lease expires (`--turn-lease-secs`) another
//! worker takes the turn over and resumes it from the event log: every activity reads the
//! turn's progress from the log, so it ends with exactly one terminal event and a completed
//! tool call is not run again. A cancel request is a flag on the turn row, seen by the
//! heartbeat of the worker holding the turn (at most one heartbeat period later) or by the
//! next claimer. Store failures put the turn back with a backoff; after [`MAX_ATTEMPTS`] the
//! worker ends it with `turn.failed` (`error_code: internal_error`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use everruns_runtime::{
    execute_act_activity, execute_input_activity, execute_reason_activity, CancellationToken,
    RuntimeActivity, RuntimeActivityResult, RuntimeAgentStore, RuntimeBackends, RuntimeError,
    RuntimeHarnessStore, RuntimeHostAdapter, RuntimeSessionLifecycle, RuntimeSessionStore,
    RuntimeTurnPlan, TurnEngine, TurnOutcome, TurnRequest,
};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::store::{now, Backend, Store, StoreError, StoreResult, TurnRow};

/// Failed attempts of one turn before the worker gives up on it.
pub const MAX_ATTEMPTS: i64 = 5;

/// How often an idle worker looks for work without a wake-up (the safety net; new turns of
/// this process and `LISTEN/NOTIFY` wake it at once).
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The server's [`RuntimeHostAdapter`]: the engine, the runtime's view of the store, and the
/// store as harness, agent and session store.
pub struct StoreHost {
    engine: TurnEngine,
    backends: RuntimeBackends,
    store: Arc<Store>,
}

#[async_trait]
impl RuntimeHostAdapter for StoreHost {
    fn engine(&self) -> &TurnEngine {
        &self.engine
    }
    fn backends(&self) -> &RuntimeBackends {
        &self.backends
    }
    fn harness_store(&self) -> Arc<dyn RuntimeHarnessStore> {
        self.store.clone()
    }
    fn agent_store(&self) -> Arc<dyn RuntimeAgentStore> {
        self.store.clone()
    }
    fn session_store(&self) -> Arc<dyn RuntimeSessionStore> {
        self.store.clone()
    }
}

struct Running {
    turn_id: String,
    cancel: CancellationToken,
}

/// The turn worker.
pub struct Worker {
    store: Store,
    host: Arc<StoreHost>,
    owner: String,
    lease: Duration,
    permits: Arc<Semaphore>,
    running: Mutex<HashMap<String, Running>>,
    wake: Notify,
    tasks: tokio::sync::Mutex<JoinSet<()>>,
    main: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl crate::hub::TurnSignals for Worker {
    fn turns_changed(&self) {
        self.wake();
    }

    fn cancel_requested(&self, turn_id: &str) {
        for r in self.running.lock().expect("worker lock").values() {
            if r.turn_id == turn_id {
                r.cancel.cancel();
            }
        }
    }
}

/// What a cancel request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// A turn was cancelled.
    Cancelled(String),
    /// Nothing was running or queued.
    NotActive,
}

fn status_of(outcome: TurnOutcome) -> &'static str {
    match outcome {
        TurnOutcome::Completed => "completed",
        TurnOutcome::Failed => "failed",
        TurnOutcome::Cancelled => "cancelled",
        TurnOutcome::Sealed => "sealed",
        _ => "completed",
    }
}

fn rt(e: RuntimeError) -> StoreError {
    StoreError::Other(e.to_string())
}

impl Worker {
    /// A worker holding leases of `lease`; call [`Worker::start`] to run it (a process that
    /// only serves the API keeps an unstarted worker for cancel requests).
    pub fn new(
        store: Store,
        engine: TurnEngine,
        backends: RuntimeBackends,
        concurrency: usize,
        lease: Duration,
    ) -> Arc<Self> {
        let host = Arc::new(StoreHost {
            engine,
            backends,
            store: Arc::new(store.clone()),
        });
        Arc::new(Self {
            store,
            host,
            owner: format!("worker_{}", uuid::Uuid::now_v7().simple()),
            lease: lease.max(Duration::from_secs(1)),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            tasks: tokio::sync::Mutex::new(JoinSet::new()),
            main: Mutex::new(None),
        })
    }

    /// This worker's lease-owner id (`worker_…`).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Heartbeat period: a third of the lease, at most a second (also the delay of a cancel
    /// requested in another process).
    fn heartbeat(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(1))
    }

    /// Starts the dispatch loop. On SQLite (one process per database file) it first frees the
    /// leases a previous process left, so its turns resume at once; on PostgreSQL they resume
    /// when their leases expire.
    pub fn start(self: &Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let me = self.clone();
        let handle = tokio::spawn(async move {
            if me.store.backend() == Backend::Sqlite {
                if let Err(e) = me.store.release_leases(None).await {
                    tracing::warn!(error = %e, "cannot release old leases");
                }
            }
            loop {
                if *shutdown.borrow() {
                    break;
                }
                if let Err(e) = me.dispatch().await {
                    tracing::warn!(error = %e, "turn dispatch failed");
                }
                tokio::select! {
                    _ = me.wake.notified() => {}
                    _ = tokio::time::sleep(POLL_INTERVAL) => {}
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

    /// Stops dispatching, aborts running activities and releases this worker's leases (their
    /// turns resume on another worker, or on the next start).
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
        if let Err(e) = self.store.release_leases(Some(&self.owner)).await {
            tracing::warn!(error = %e, "cannot release leases");
        }
    }

    /// The turn running in this process for a session, if any.
    pub fn running_turn(&self, session_id: &str) -> Option<String> {
        self.running
            .lock()
            .expect("worker lock")
            .get(session_id)
            .map(|r| r.turn_id.clone())
    }

    async fn dispatch(self: &Arc<Self>) -> StoreResult<()> {
        let mut tasks = self.tasks.lock().await;
        while tasks.try_join_next().is_some() {}
        loop {
            let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                return Ok(());
            };
            let Some(turn) = self.store.claim_next_turn(&self.owner, self.lease).await? else {
                return Ok(());
            };
            let me = self.clone();
            tasks.spawn(async move { me.run_task(turn, permit).await });
        }
    }

    /// Runs one leased task: one activity of `turn`.
    async fn run_task(self: Arc<Self>, turn: TurnRow, _permit: OwnedSemaphorePermit) {
        if turn.phase.is_none() {
            match self.steered(&turn).await {
                Ok(false) => {}
                Ok(true) => return self.wake(),
                Err(e) => tracing::warn!(turn_id = %turn.id, error = %e, "steering check failed"),
            }
        }
        let cancel = CancellationToken::new();
        if turn.cancel_requested {
            cancel.cancel();
        }
        self.running.lock().expect("worker lock").insert(
            turn.session_id.clone(),
            Running {
                turn_id: turn.id.clone(),
                cancel: cancel.clone(),
            },
        );
        let lost = CancellationToken::new();
        let beat = tokio::spawn(Self::heartbeat_loop(
            self.clone(),
            turn.id.clone(),
            cancel.clone(),
            lost.clone(),
        ));
        let result = tokio::select! {
            r = self.run_activity(&turn, cancel) => Some(r),
            _ = lost.cancelled() => None,
        };
        beat.abort();
        self.running
            .lock()
            .expect("worker lock")
            .remove(&turn.session_id);
        let outcome = match result {
            None => {
                tracing::warn!(turn_id = %turn.id, "lease lost; the activity was abandoned");
                Ok(())
            }
            Some(Ok(next)) => self.complete(&turn, next).await,
            Some(Err(e)) => self.failed(&turn, &e.to_string()).await,
        };
        if let Err(e) = outcome {
            tracing::warn!(turn_id = %turn.id, error = %e, "turn bookkeeping failed");
        }
        self.wake();
    }

    /// Renews the lease; cancels the activity's token when a cancel is requested, and
    /// `lost` when the lease is gone.
    async fn heartbeat_loop(
        me: Arc<Self>,
        turn_id: String,
        cancel: CancellationToken,
        lost: CancellationToken,
    ) {
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(me.heartbeat()).await;
            match me.store.renew_lease(&turn_id, &me.owner, me.lease).await {
                Ok(Some(cancel_requested)) => {
                    failures = 0;
                    if cancel_requested {
                        cancel.cancel();
                    }
                }
                Ok(None) => {
                    lost.cancel();
                    return;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(%turn_id, error = %e, "lease renewal failed");
                    if me.heartbeat() * (failures + 1) >= me.lease {
                        lost.cancel();
                        return;
                    }
                }
            }
        }
    }

    async fn request_for(&self, turn: &TurnRow) -> Result<Option<TurnRequest>, RuntimeError> {
        match self.host.load_turn_context(&turn.session_id).await {
            Ok(ctx) => Ok(Some(ctx.request(&turn.id, &turn.input_message_id))),
            Err(RuntimeError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs the activity the turn's log says is next; returns the plan after it.
    async fn run_activity(
        &self,
        turn: &TurnRow,
        cancel: CancellationToken,
    ) -> Result<RuntimeTurnPlan, RuntimeError> {
        let Some(mut req) = self.request_for(turn).await? else {
            // The session is gone.
            return Ok(RuntimeTurnPlan::Done(TurnOutcome::Cancelled));
        };
        req.cancel = cancel;
        let host = self.host.as_ref();
        let (plan, _) = host.engine.plan_turn(&req, &host.backends).await?;
        let r: RuntimeActivityResult = match plan.activity() {
            None => return Ok(plan),
            Some(RuntimeActivity::Input) => execute_input_activity(host, &req).await?,
            Some(RuntimeActivity::Reason) => execute_reason_activity(host, &req).await?,
            Some(RuntimeActivity::Act) => execute_act_activity(host, &req).await?,
            Some(RuntimeActivity::Finish) => {
                RuntimeSessionLifecycle::new(host).finish_turn(&req).await?
            }
        };
        Ok(r.next)
    }

    /// Steering: a turn whose message the session's running turn already took in
    /// (`turn.steered`) has nothing to run; it ends as `steered` at its first claim.
    async fn steered(&self, turn: &TurnRow) -> StoreResult<bool> {
        let events = self.store.all_events(&turn.session_id).await?;
        let Some(by) = everruns_runtime::steered_into(&events, &turn.input_message_id) else {
            return Ok(false);
        };
        tracing::debug!(turn_id = %turn.id, steered_into = %by, "message was steered into a running turn");
        self.store
            .complete_phase(&turn.id, &self.owner, None, Some("steered"))
            .await?;
        Ok(true)
    }

    async fn complete(&self, turn: &TurnRow, next: RuntimeTurnPlan) -> StoreResult<()> {
        if let RuntimeTurnPlan::WaitForInput { expires_at, .. } = &next {
            // The turn waits for its caller (tool results, approvals, answers): parked until
            // its wait limit, while this worker still holds the lease; an answer wakes it.
            let until = expires_at.unwrap_or_else(|| now() + chrono::Duration::days(36_500));
            self.store.park_turn(&turn.id, until).await?;
        }
        let (phase, status) = match &next {
            RuntimeTurnPlan::Done(o) => (None, Some(status_of(*o))),
            p => (p.activity().map(|a| a.as_str()), None),
        };
        if !self
            .store
            .complete_phase(&turn.id, &self.owner, phase, status)
            .await?
        {
            tracing::warn!(turn_id = %turn.id, "lease lost before the phase was recorded");
        }
        if matches!(next, RuntimeTurnPlan::WaitForInput { .. }) {
            let events = self.store.all_events(&turn.session_id).await?;
            if everruns_runtime::waiting_turn(&events).is_none() {
                // answered while it was being parked: runnable now
                self.store.wake_turn(&turn.id).await?;
            }
        }
        Ok(())
    }

    async fn failed(&self, turn: &TurnRow, error: &str) -> StoreResult<()> {
        let attempts = turn.attempts + 1;
        tracing::warn!(turn_id = %turn.id, attempts, %error, "turn activity failed");
        if attempts >= MAX_ATTEMPTS {
            return self.give_up(turn, error).await;
        }
        let backoff = Duration::from_millis(500 * (1 << attempts.min(6)) as u64);
        let at = now() + chrono::Duration::from_std(backoff).unwrap_or_default();
        self.store.retry_turn_later(&turn.id, at, error).await
    }

    /// Ends a turn that cannot run: `turn.failed` (`error_code: internal_error`) and
    /// `session.idled`, unless the turn already has its terminal event.
    async fn give_up(&self, turn: &TurnRow, error: &str) -> StoreResult<()> {
        tracing::error!(turn_id = %turn.id, %error, "giving up on turn");
        if let Some(req) = self.request_for(turn).await.map_err(rt)? {
            RuntimeSessionLifecycle::new(self.host.as_ref())
                .fail_turn(
                    &req,
                    "An error occurred while processing your request.",
                    "internal_error",
                )
                .await
                .map_err(rt)?;
        }
        self.store.finish_turn(&turn.id, "failed").await
    }

    /// Cancels the session's current turn, wherever it runs, and waits (up to 30 s) until
    /// the turn has ended: a queued turn that never started gets the cancel sequence here; a
    /// claimed one is flagged, and the worker holding it (in this or another process) stops
    /// it and stores the sequence.
    pub async fn cancel(&self, session_id: &str) -> StoreResult<CancelOutcome> {
        let Some(turn) = self.store.current_turn(session_id).await? else {
            return Ok(CancelOutcome::NotActive);
        };
        if turn.status == "queued" && self.store.cancel_queued_turn(&turn.id).await? {
            if let Some(req) = self.request_for(&turn).await.map_err(rt)? {
                self.host
                    .engine
                    .cancel_turn(&req, &self.host.backends, Some("cancelled by user".into()))
                    .await
                    .map_err(rt)?;
            }
            return Ok(CancelOutcome::Cancelled(turn.id));
        }
        self.store.request_cancel(&turn.id).await?;
        // A turn parked while it waits for its caller is claimed now, to be cancelled.
        self.store.wake_turn(&turn.id).await?;
        if let Some(r) = self.running.lock().expect("worker lock").get(session_id) {
            if r.turn_id == turn.id {
                r.cancel.cancel();
            }
        }
        self.wake();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::time::Instant::now() < deadline {
            match self.store.get_turn(&turn.id).await? {
                Some(t) if t.status == "queued" || t.status == "running" => {}
                _ => break,
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(CancelOutcome::Cancelled(turn.id))
    }
}
