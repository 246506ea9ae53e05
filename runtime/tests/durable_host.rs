//! A durable host on the phase functions: each phase of a turn is its own queued task
//! (`input`, `reason`, `act`, `finish`), `plan_next_host_turn` (through the activity results)
//! decides the next task, and the host's queue is memory only — when the host is dropped mid-turn
//! and rebuilt, it finds the next step of every unfinished turn from the persisted event log
//! (the file-per-session backend of `common/file_backend.rs`).

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::file_backend::{temp_root, FileBackend};
use common::*;
use everruns_core::{InputMessage, LlmProviderType, SessionStatus};
use everruns_runtime::llmsim_driver::{LlmSimConfig, LlmSimDriver};
use everruns_runtime::*;
use serde_json::json;

#[derive(Debug, Clone)]
struct Task {
    session_id: String,
    turn_id: String,
    input_message_id: String,
    activity: RuntimeActivity,
}

/// The host: an adapter over the file backend plus an in-memory task queue.
struct DurableHost {
    engine: TurnEngine,
    backends: RuntimeBackends,
    fb: Arc<FileBackend>,
    queue: Mutex<VecDeque<Task>>,
    log: Mutex<Vec<String>>,
}

impl RuntimeHostAdapter for DurableHost {
    fn engine(&self) -> &TurnEngine {
        &self.engine
    }
    fn backends(&self) -> &RuntimeBackends {
        &self.backends
    }
    fn harness_store(&self) -> Arc<dyn RuntimeHarnessStore> {
        self.fb.clone()
    }
    fn agent_store(&self) -> Arc<dyn RuntimeAgentStore> {
        self.fb.clone()
    }
    fn session_store(&self) -> Arc<dyn RuntimeSessionStore> {
        self.fb.clone()
    }
}

impl DurableHost {
    /// A host process over the persisted stores at `root` (a fresh backend instance each time,
    /// nothing carried over in memory).
    async fn start(root: &std::path::Path) -> Arc<Self> {
        let fb = FileBackend::new(root);
        let mut platform = PlatformDefinition::builtin();
        platform.drivers.register(
            LlmProviderType::LlmSim,
            LlmSimDriver::new(LlmSimConfig::fixed("unused")),
        );
        fb.set_default_model(llmsim_model()).await.unwrap();
        let backends = RuntimeBackends {
            events: fb.clone(),
            files: fb.files(),
            storage: Arc::new(InMemorySessionStorageStore::new()),
            llmsim: fb.clone(),
            models: fb.clone(),
        };
        Arc::new(Self {
            engine: TurnEngine::new(platform, RuntimeConfig::default()),
            backends,
            fb,
            queue: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
        })
    }

    /// `POST …/messages`: store the input, queue the turn's first task.
    async fn submit(&self, sid: &str, text: &str) -> String {
        let (m, turn_id) = RuntimeSessionLifecycle::new(self)
            .accept_input(sid, InputMessage::user(text), None)
            .await
            .unwrap();
        self.push(Task {
            session_id: sid.into(),
            turn_id: turn_id.clone(),
            input_message_id: m.id,
            activity: RuntimeActivity::Input,
        });
        turn_id
    }

    fn push(&self, t: Task) {
        self.queue.lock().unwrap().push_back(t);
    }

    fn pop(&self) -> Option<Task> {
        self.queue.lock().unwrap().pop_front()
    }

    /// Runs one task: loads the turn context in one call, runs the task's activity, and queues
    /// the next task when the activity ran.
    async fn run_task(&self, t: Task) -> RuntimeActivityResult {
        let ctx = self.load_turn_context(&t.session_id).await.unwrap();
        let req = ctx.request(&t.turn_id, &t.input_message_id);
        let r = match t.activity {
            RuntimeActivity::Input => execute_input_activity(self, &req).await,
            RuntimeActivity::Reason => execute_reason_activity(self, &req).await,
            RuntimeActivity::Act => execute_act_activity(self, &req).await,
            RuntimeActivity::Finish => RuntimeSessionLifecycle::new(self).finish_turn(&req).await,
        }
        .unwrap();
        self.log.lock().unwrap().push(format!(
            "{}{}",
            t.activity.as_str(),
            if r.executed.is_some() { "" } else { "(no-op)" }
        ));
        if r.executed.is_some() {
            if let Some(next) = r.next.activity() {
                self.push(Task {
                    activity: next,
                    ..t
                });
            }
        }
        r
    }

    async fn drain(&self) {
        let mut n = 0;
        while let Some(t) = self.pop() {
            self.run_task(t).await;
            n += 1;
            assert!(n < 50, "runaway: {:?}", self.log.lock().unwrap());
        }
    }

    /// After a start: queue the next task of every unfinished turn, found from the log.
    async fn recover(&self) -> Vec<Task> {
        let mut found = Vec::new();
        for sid in self.fb.list_session_ids().await.unwrap() {
            let ctx = self.load_turn_context(&sid).await.unwrap();
            for (turn_id, input_id) in self
                .engine
                .unfinished_turns(&sid, &self.backends)
                .await
                .unwrap()
            {
                let req = ctx.request(&turn_id, &input_id);
                let (plan, _) = self.engine.plan_turn(&req, &self.backends).await.unwrap();
                if let Some(activity) = plan.activity() {
                    let t = Task {
                        session_id: sid.clone(),
                        turn_id,
                        input_message_id: input_id,
                        activity,
                    };
                    found.push(t.clone());
                    self.push(t);
                }
            }
        }
        found
    }

    fn ran(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

async fn new_session(host: &DurableHost, steps: everruns_core::LlmSimScript) -> String {
    let h = HarnessBuilder::new("calc", "You are a calculator.")
        .capability("test_math")
        .build();
    let s = SessionBuilder::new(&h.id).build();
    let sid = RuntimeSessionLifecycle::new(host)
        .create_session(h, None, s)
        .await
        .unwrap();
    host.fb.set_script(&sid, Some(steps)).await.unwrap();
    sid
}

#[tokio::test]
async fn a_durable_host_runs_each_phase_as_a_task_and_resumes_after_a_restart() {
    let root = temp_root("durable-host");
    let host = DurableHost::start(&root).await;
    let sid = new_session(
        &host,
        script(vec![
            calls(&[
                ("c1", "add", json!({"a": 1, "b": 2})),
                ("c2", "multiply", json!({"a": 3, "b": 4})),
            ]),
            calls(&[("c3", "subtract", json!({"a": 10, "b": 4}))]),
            text("3, 12 and 6."),
        ]),
    )
    .await;
    let turn_id = host.submit(&sid, "compute").await;

    // input, then reason; the act task is queued
    let t = host.pop().unwrap();
    assert_eq!(t.activity, RuntimeActivity::Input);
    host.run_task(t).await;
    assert_eq!(
        host.fb.get_session(&sid).await.unwrap().unwrap().status,
        SessionStatus::Active
    );
    let reason = host.pop().unwrap();
    assert_eq!(reason.activity, RuntimeActivity::Reason);
    host.run_task(reason.clone()).await;
    // a redelivered reason task (at-least-once queue) stores nothing and queues nothing
    let before = host.fb.event_lines(&sid);
    let again = host.run_task(reason).await;
    assert!(again.executed.is_none());
    assert_eq!(host.fb.event_lines(&sid), before);
    assert!(matches!(again.next, RuntimeTurnPlan::ScheduleAct(_)));
    assert_eq!(host.ran(), vec!["input", "reason", "reason(no-op)"]);
    assert_eq!(host.queue.lock().unwrap().len(), 1, "only the act task");

    // the host dies with the act task in its (memory-only) queue
    drop(host);

    let host2 = DurableHost::start(&root).await;
    let found = host2.recover().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].turn_id, turn_id);
    assert_eq!(found[0].activity, RuntimeActivity::Act);
    host2.drain().await;
    assert_eq!(
        host2.ran(),
        vec!["act", "reason", "act", "reason", "finish"]
    );
    assert!(host2.recover().await.is_empty(), "nothing left to do");

    let ev = last_turn(&host2.fb.list(&sid).await.unwrap(), &turn_id);
    let terminal = ev
        .iter()
        .filter(|e| {
            matches!(
                e.event_type.as_str(),
                "turn.completed" | "turn.failed" | "turn.cancelled"
            )
        })
        .count();
    assert_eq!(terminal, 1, "exactly one terminal event");
    assert_eq!(count(&ev, "turn.completed"), 1);
    assert_eq!(count(&ev, "turn.started"), 1);
    assert_eq!(count(&ev, "reason.started"), 3);
    assert_eq!(count(&ev, "session.idled"), 1);
    let done = tool_completions(&ev);
    let ids: Vec<&str> = done.iter().map(|d| d.tool_call_id.as_str()).collect();
    assert_eq!(ids, vec!["c1", "c2", "c3"], "each tool ran exactly once");
    assert_eq!(result_json(&done[1])["result"], json!(12.0));
    assert_eq!(ev.last().unwrap().event_type, "session.idled");
    assert_eq!(
        host2.fb.get_session(&sid).await.unwrap().unwrap().status,
        SessionStatus::Idle
    );
    let msgs = host2.fb.load_messages(&sid).await.unwrap();
    assert_eq!(msgs.last().unwrap().text(), "3, 12 and 6.");
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_host_dropped_in_the_middle_of_a_reason_task_restarts_that_step() {
    let root = temp_root("durable-host-mid");
    let host = DurableHost::start(&root).await;
    let answer = "one two three four five six seven eight nine ten eleven twelve";
    let mut steps = script(vec![text(answer)]);
    steps.chunk_delay_ms = Some(40);
    let sid = new_session(&host, steps).await;
    let turn_id = host.submit(&sid, "count").await;
    let input = host.pop().unwrap();
    host.run_task(input).await;
    let reason = host.pop().unwrap();

    // the reason task runs in the background; the process dies while it streams
    let h = host.clone();
    let running = tokio::spawn(async move { h.run_task(reason).await });
    let started = async {
        loop {
            let ev = host.fb.list(&sid).await.unwrap();
            if count(&ev, "output.message.delta") > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the reason step streams");
    running.abort();
    let _ = running.await;
    drop(host);
    let ev = host_events(&root, &sid).await;
    assert_eq!(count(&ev, "output.message.completed"), 0, "cut mid-stream");

    let host2 = DurableHost::start(&root).await;
    let found = host2.recover().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].activity, RuntimeActivity::Reason);
    host2.drain().await;
    assert_eq!(host2.ran(), vec!["reason", "finish"]);

    let ev = last_turn(&host2.fb.list(&sid).await.unwrap(), &turn_id);
    assert_eq!(count(&ev, "reason.recovered"), 1);
    assert_eq!(count(&ev, "reason.started"), 1);
    assert_eq!(count(&ev, "output.message.completed"), 1);
    assert_eq!(count(&ev, "turn.completed"), 1);
    assert_eq!(count(&ev, "turn.failed"), 0);
    let msgs = host2.fb.load_messages(&sid).await.unwrap();
    assert_eq!(msgs.last().unwrap().text(), answer, "the same reply, whole");
    std::fs::remove_dir_all(&root).unwrap();
}

async fn host_events(root: &std::path::Path, sid: &str) -> Vec<everruns_core::Event> {
    FileBackend::new(root).list(sid).await.unwrap()
}
