//! The store's behaviour, the same tests on both backends: `sqlite` runs everywhere; the
//! `postgres` variants need `EVERRUNS_TEST_PG_URL` (a superuser URL from
//! `scripts/pg-cluster.sh`) and are run by `make test-store-pg`. Two `Store` handles on one
//! database stand in for two processes (separate pools, separate connections).

use std::collections::HashSet;
use std::process::Command;

use everruns_core::ids::{new_id, IdKind};
use everruns_core::{EventContext, Message};
use everruns_runtime::{
    FileEntry, FileEntryBackend, LlmSimStore, SessionBuilder, SessionStorage, StorageNamespace,
};
use everruns_server::store::{
    now, seeded, Backend, EventQuery, NewEvent, Store, PREDEFINED_MODELS,
};
use serde_json::json;

fn sqlite_url() -> String {
    let dir = tempfile::Builder::new()
        .prefix("everruns-store-")
        .tempdir()
        .expect("tempdir")
        .keep();
    format!("sqlite://{}/everruns.db", dir.display())
}

/// A fresh PostgreSQL database on the test cluster.
fn pg_url() -> String {
    let admin = std::env::var("EVERRUNS_TEST_PG_URL").expect(
        "EVERRUNS_TEST_PG_URL is not set: run through scripts/pg-cluster.sh (make test-store-pg)",
    );
    let name = format!("store_{}", uuid::Uuid::now_v7().simple());
    let st = Command::new("psql")
        .arg(&admin)
        .arg("-qc")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("psql");
    assert!(st.success(), "CREATE DATABASE {name}");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(super::sqlite_url()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs PostgreSQL: make test-store-pg"]
            async fn postgres() {
                super::$name(super::pg_url()).await
            }
        }
    )*};
}

both_backends!(
    seeds_catalog_idempotently,
    sessions_and_event_queries,
    concurrent_appends_from_two_handles_are_gapless,
    preset_event_ids_are_stored_once,
    turn_queue_enqueue_claim_finish,
    api_keys_work_across_handles,
    llmsim_positions_are_shared,
    files_and_storage,
    delete_session_removes_everything,
    agent_versions_and_pins,
);

async fn open(url: &str) -> Store {
    let s = Store::open(url).await.expect("open store");
    s.seed().await.expect("seed");
    s
}

async fn new_session(store: &Store) -> String {
    let session = SessionBuilder::new(seeded::GENERIC_HARNESS_ID).build();
    store
        .create_session(&session)
        .await
        .expect("create session");
    session.id
}

fn user_message(text: &str) -> Message {
    serde_json::from_value(json!({
        "id": new_id(IdKind::Message),
        "role": "user",
        "content": [{"type": "text", "text": text}],
        "created_at": now(),
    }))
    .expect("message")
}

fn ev(t: &str, n: i64) -> NewEvent {
    NewEvent::new(t, json!({ "n": n }), EventContext::default())
}

async fn seeds_catalog_idempotently(url: String) {
    let store = open(&url).await;
    store.seed().await.expect("second seed");
    let expected = if url.starts_with("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(store.backend(), expected);
    let harnesses = store.list_harnesses(false).await.unwrap();
    assert_eq!(harnesses.len(), 1);
    let generic = &harnesses[0];
    assert_eq!(generic.name, "generic");
    let caps: Vec<String> = generic
        .capabilities
        .iter()
        .map(|c| c.r#ref.clone())
        .collect();
    let want: Vec<String> = everruns_runtime::GENERIC_HARNESS_CAPABILITIES
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(caps, want);
    assert!(
        caps.contains(&"agent_instructions".to_string()) && caps.contains(&"skills".to_string())
    );
    assert_eq!(
        store.list_models().await.unwrap().len(),
        PREDEFINED_MODELS.len()
    );
    store
        .set_default_model(Some(seeded::LLMSIM_MODEL_ID))
        .await
        .unwrap();
    let d = store.default_model().await.unwrap().expect("default model");
    assert_eq!(d.id, seeded::LLMSIM_MODEL_ID);
    assert!(d.is_default && d.enabled);
    // A second handle (another process) sees the same organization.
    let other = Store::open(&url).await.unwrap();
    assert_eq!(other.org_id(), store.org_id());
}

async fn sessions_and_event_queries(url: String) {
    let store = open(&url).await;
    let sid = new_session(&store).await;
    let got = store.get_session(&sid).await.unwrap().expect("session");
    assert_eq!(got.id, sid);
    store
        .append_events(
            &sid,
            vec![
                ev("output.message.delta", 1),
                ev("output.message.delta", 2),
                ev("tool.started", 3),
                ev("turn.completed", 4),
            ],
        )
        .await
        .unwrap();
    let all = store.all_events(&sid).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.sequence.unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert_eq!(all[0].event_type, "session.started");
    let deltas = store
        .query_events(
            &sid,
            &EventQuery {
                types: vec!["output.message.delta".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(deltas.len(), 2);
    let non = store
        .query_events(
            &sid,
            &EventQuery {
                exclude: vec!["output.message.delta".into()],
                after_sequence: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        non.iter().map(|e| e.sequence.unwrap()).collect::<Vec<_>>(),
        vec![4, 5]
    );
    let last = store
        .query_events(
            &sid,
            &EventQuery {
                last: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        last.iter().map(|e| e.sequence.unwrap()).collect::<Vec<_>>(),
        vec![4, 5]
    );
    let first = store
        .query_events(
            &sid,
            &EventQuery {
                first: Some(2),
                before_sequence: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        first
            .iter()
            .map(|e| e.sequence.unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(store.count_non_delta_events(&sid).await.unwrap(), 3);
    // `turn.completed` moved the session to idle.
    let s = store.get_session(&sid).await.unwrap().unwrap();
    assert_eq!(s.status.as_str(), "idle");
    let (page, total) = store.list_sessions(None, None, 0, 10).await.unwrap();
    assert_eq!((page.len(), total), (1, 1));
    let err = store
        .append_events("session_missing", vec![ev("x", 0)])
        .await;
    assert!(err.is_err(), "appending to a missing session fails");
}

async fn concurrent_appends_from_two_handles_are_gapless(url: String) {
    let a = open(&url).await;
    let b = Store::open(&url).await.unwrap();
    let sid = new_session(&a).await;
    let mut tasks = Vec::new();
    for w in 0..8i64 {
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        let sid = sid.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20i64 {
                store
                    .append_events(
                        &sid,
                        vec![ev("test.tick", w * 100 + i), ev("test.tock", w * 100 + i)],
                    )
                    .await
                    .expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = b.all_events(&sid).await.unwrap();
    assert_eq!(all.len(), 1 + 8 * 20 * 2);
    let seqs: Vec<i64> = all.iter().map(|e| e.sequence.unwrap()).collect();
    assert_eq!(seqs, (1..=(1 + 8 * 20 * 2) as i64).collect::<Vec<_>>());
    // Each batch got consecutive sequences (tick then its tock).
    for pair in all[1..].chunks(2) {
        assert_eq!(pair[0].event_type, "test.tick");
        assert_eq!(pair[1].event_type, "test.tock");
        assert_eq!(pair[0].data["n"], pair[1].data["n"]);
    }
}

async fn preset_event_ids_are_stored_once(url: String) {
    let a = open(&url).await;
    let b = Store::open(&url).await.unwrap();
    let sid = new_session(&a).await;
    let id = new_id(IdKind::Event);
    let mut tasks = Vec::new();
    for k in 0..6 {
        let store = if k % 2 == 0 { a.clone() } else { b.clone() };
        let (sid, id) = (sid.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let mut e = ev("test.once", k);
            e.id = Some(id);
            store.append_events(&sid, vec![e]).await.expect("append")
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap().len();
    }
    assert_eq!(stored, 1);
    let all = a.all_events(&sid).await.unwrap();
    assert_eq!(all.iter().filter(|e| e.id == id).count(), 1);
    assert_eq!(all.len(), 2);
}

async fn turn_queue_enqueue_claim_finish(url: String) {
    let store = open(&url).await;
    let sid = new_session(&store).await;
    let (m, turn_id) = store
        .enqueue_message(&sid, user_message("hello"), vec![])
        .await
        .unwrap();
    assert_eq!(m.sequence, Some(2));
    let pending = store.pending_turns().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, turn_id);
    assert_eq!(pending[0].status, "queued");
    assert!(store.claim_turn(&turn_id).await.unwrap());
    assert!(
        !store.cancel_queued_turn(&turn_id).await.unwrap(),
        "a claimed turn is not queued"
    );
    store.finish_turn(&turn_id, "completed").await.unwrap();
    assert!(store.pending_turns().await.unwrap().is_empty());
    assert_eq!(
        store.get_turn(&turn_id).await.unwrap().unwrap().status,
        "completed"
    );
    let (_, second) = store
        .enqueue_message(&sid, user_message("again"), vec![])
        .await
        .unwrap();
    assert!(store.cancel_queued_turn(&second).await.unwrap());
    assert!(
        !store.claim_turn(&second).await.unwrap(),
        "a cancelled turn cannot be claimed"
    );
}

async fn api_keys_work_across_handles(url: String) {
    let a = open(&url).await;
    let b = Store::open(&url).await.unwrap();
    let (id, key) = everruns_server::auth::create_key(&a, "ci").await.unwrap();
    let hash = everruns_server::auth::hash_key(&key);
    assert!(b.api_key_valid(&hash).await.unwrap());
    b.touch_api_key(&hash).await.unwrap();
    assert!(a.api_key_last_used(&id).await.unwrap().is_some());
    assert!(b.revoke_api_key(&id).await.unwrap());
    assert!(!b.revoke_api_key(&id).await.unwrap(), "revoking twice");
    assert!(!a.api_key_valid(&hash).await.unwrap());
    let keys = a.list_api_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].4.is_some());
}

async fn llmsim_positions_are_shared(url: String) {
    let a = open(&url).await;
    let b = Store::open(&url).await.unwrap();
    let sid = new_session(&a).await;
    // The same call key claimed concurrently from both handles gets one position.
    let mut tasks = Vec::new();
    for k in 0..6 {
        let store = if k % 2 == 0 { a.clone() } else { b.clone() };
        let sid = sid.clone();
        tasks.push(tokio::spawn(async move {
            store.claim_step(&sid, "turn_x:1").await.expect("claim")
        }));
    }
    let mut positions = HashSet::new();
    for t in tasks {
        positions.insert(t.await.unwrap());
    }
    assert_eq!(positions, HashSet::from([0u64]));
    // Distinct keys get distinct positions, whichever handle claims.
    let mut tasks = Vec::new();
    for k in 0..10 {
        let store = if k % 2 == 0 { a.clone() } else { b.clone() };
        let sid = sid.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_step(&sid, &format!("turn_y:{k}"))
                .await
                .expect("claim")
        }));
    }
    let mut positions = HashSet::new();
    for t in tasks {
        positions.insert(t.await.unwrap());
    }
    assert_eq!(positions, (1..=10u64).collect::<HashSet<_>>());
    assert_eq!(a.position(&sid).await.unwrap(), 11);
    b.set_script(&sid, None).await.unwrap();
    assert_eq!(a.position(&sid).await.unwrap(), 0);
}

async fn files_and_storage(url: String) {
    let store = open(&url).await;
    let sid = new_session(&store).await;
    let t = now();
    let entry = |path: &str, content: &str, dir: bool| FileEntry {
        path: path.into(),
        is_directory: dir,
        is_readonly: false,
        content: content.as_bytes().to_vec(),
        created_at: t,
        updated_at: t,
    };
    FileEntryBackend::put(&store, &sid, entry("/docs", "", true))
        .await
        .unwrap();
    FileEntryBackend::put(&store, &sid, entry("/docs/é.md", "héllo", false))
        .await
        .unwrap();
    FileEntryBackend::put(&store, &sid, entry("/docs/100%_x", "x", false))
        .await
        .unwrap();
    FileEntryBackend::put(&store, &sid, entry("/docsy", "y", false))
        .await
        .unwrap();
    let got = FileEntryBackend::get(&store, &sid, "/docs/é.md")
        .await
        .unwrap()
        .expect("file");
    assert_eq!(got.content, "héllo".as_bytes());
    let mut under: Vec<String> = store
        .list_under(&sid, "/docs")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.path)
        .collect();
    under.sort();
    assert_eq!(under, vec!["/docs/100%_x", "/docs/é.md"]);
    // Bytes: contents (6 + 1 + 1) + paths in UTF-8 (5 + 11 + 12 + 6) + 4 entries × overhead.
    let want = 8 + (5 + 11 + 12 + 6) + 4 * everruns_server::store::ENTRY_OVERHEAD_BYTES;
    assert_eq!(store.total_bytes(&sid).await.unwrap(), want);
    store.remove(&sid, &["/docsy".into()]).await.unwrap();
    assert!(FileEntryBackend::get(&store, &sid, "/docsy")
        .await
        .unwrap()
        .is_none());

    SessionStorage::set(&store, &sid, StorageNamespace::Kv, "b", "2".into())
        .await
        .unwrap();
    SessionStorage::set(&store, &sid, StorageNamespace::Kv, "a", "1".into())
        .await
        .unwrap();
    SessionStorage::set(&store, &sid, StorageNamespace::Kv, "a", "3".into())
        .await
        .unwrap();
    SessionStorage::set(&store, &sid, StorageNamespace::Secret, "s", "x".into())
        .await
        .unwrap();
    assert_eq!(
        SessionStorage::get(&store, &sid, StorageNamespace::Kv, "a")
            .await
            .unwrap()
            .as_deref(),
        Some("3")
    );
    assert_eq!(
        SessionStorage::list(&store, &sid, StorageNamespace::Kv)
            .await
            .unwrap(),
        vec!["a", "b"]
    );
    assert!(
        SessionStorage::delete(&store, &sid, StorageNamespace::Kv, "a")
            .await
            .unwrap()
    );
    assert!(
        !SessionStorage::delete(&store, &sid, StorageNamespace::Kv, "a")
            .await
            .unwrap()
    );
    assert_eq!(
        SessionStorage::list(&store, &sid, StorageNamespace::Secret)
            .await
            .unwrap(),
        vec!["s"]
    );
}

async fn delete_session_removes_everything(url: String) {
    let store = open(&url).await;
    let sid = new_session(&store).await;
    store
        .enqueue_message(&sid, user_message("x"), vec![])
        .await
        .unwrap();
    SessionStorage::set(&store, &sid, StorageNamespace::Kv, "k", "v".into())
        .await
        .unwrap();
    store.claim_step(&sid, "t:1").await.unwrap();
    assert!(store.delete_session(&sid).await.unwrap());
    assert!(!store.delete_session(&sid).await.unwrap());
    assert!(store.get_session(&sid).await.unwrap().is_none());
    assert!(store.all_events(&sid).await.unwrap().is_empty());
    assert!(store.pending_turns().await.unwrap().is_empty());
    assert!(SessionStorage::list(&store, &sid, StorageNamespace::Kv)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.position(&sid).await.unwrap(), 0);
}

/// Agent versions are read back as stored, newest first, visible to a second handle; pins
/// show on get and list and go with the session.
async fn agent_versions_and_pins(url: String) {
    let a = open(&url).await;
    let b = Store::open(&url).await.expect("second handle");
    let agent_id = new_id(IdKind::Agent);
    let mut ids = Vec::new();
    for n in 1..=3u64 {
        let v = everruns_core::AgentVersion {
            id: new_id(IdKind::AgentVersion),
            agent_id: agent_id.clone(),
            version_number: n,
            version: format!("1.0.{}", n - 1),
            semver_major: 1,
            semver_minor: 0,
            semver_patch: n - 1,
            change_kind: everruns_core::AgentVersionChangeKind::Auto,
            config_hash: format!("{n:064}"),
            authored_config: json!({"system_prompt": format!("v{n}")}),
            resolved_config: json!({"system_prompt": format!("v{n}"), "harness_chain": []}),
            parent_version_id: ids.last().cloned(),
            source_version_id: None,
            summary: Some("s".into()),
            change_reason: (n == 2).then(|| "why ✓".to_string()),
            is_published: None,
            created_at: now(),
        };
        a.insert_agent_version(&v).await.expect("insert version");
        ids.push(v.id);
    }
    let list = b.list_agent_versions(&agent_id).await.unwrap();
    assert_eq!(
        list.iter().map(|v| v.version_number).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert_eq!(list[1].change_reason.as_deref(), Some("why ✓"));
    assert_eq!(list[0].parent_version_id.as_ref(), Some(&ids[1]));
    assert_eq!(list[2].authored_config["system_prompt"], "v1");
    let latest = b.latest_agent_version(&agent_id).await.unwrap().unwrap();
    assert_eq!(latest.id, ids[2]);
    assert_eq!(
        b.get_agent_version(&ids[0]).await.unwrap().unwrap().version,
        "1.0.0"
    );
    assert!(b
        .latest_agent_version("agent_none")
        .await
        .unwrap()
        .is_none());

    let sid = new_session(&a).await;
    let other = new_session(&a).await;
    assert!(a.set_session_pinned(&sid, true).await.unwrap());
    assert!(
        !a.set_session_pinned(&sid, true).await.unwrap(),
        "already pinned"
    );
    assert!(b.get_session(&sid).await.unwrap().unwrap().is_pinned);
    assert!(!b.get_session(&other).await.unwrap().unwrap().is_pinned);
    let (page, _) = b.list_sessions(None, None, 0, 100).await.unwrap();
    for s in page.iter().filter(|s| s.id == sid || s.id == other) {
        assert_eq!(s.is_pinned, s.id == sid);
    }
    assert!(b.session_pinned(&sid).await.unwrap());
    a.delete_session(&sid).await.unwrap();
    assert!(!b.session_pinned(&sid).await.unwrap());
}
