//! A custom backend for the store traits: one directory per session under a root, plain JSON
//! files, nothing kept in memory between calls (so a second instance over the same root sees
//! everything, as a restarted host would).
//!
//! ```text
//! root/harnesses/<id>.json  root/agents/<id>.json  root/providers.json
//! root/sessions/<sid>/session.json  events.jsonl  llmsim.json
//! root/files/<sid>/…  (the session workspace: RealDiskFileStore::per_session)
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{Agent, Event, Harness, LlmSimScript, Session};
use everruns_runtime::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The file-per-session store.
pub struct FileBackend {
    root: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::new(e.to_string())
}

fn read_json<T: DeserializeOwned>(p: &Path) -> Result<Option<T>, StoreError> {
    match std::fs::read(p) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b).map_err(err)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(e)),
    }
}

/// Writes through a temp file and a rename, so a crash never leaves half a file.
fn write_json<T: Serialize>(p: &Path, v: &T) -> Result<(), StoreError> {
    std::fs::create_dir_all(p.parent().unwrap()).map_err(err)?;
    let tmp = p.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(v).map_err(err)?).map_err(err)?;
    std::fs::rename(&tmp, p).map_err(err)
}

#[derive(Serialize, Deserialize, Default)]
struct Providers {
    default: Option<ModelWithProvider>,
    models: HashMap<String, ModelWithProvider>,
}

#[derive(Serialize, Deserialize, Default)]
struct SimState {
    script: Option<LlmSimScript>,
    next: u64,
    claimed: HashMap<String, u64>,
}

impl FileBackend {
    /// A backend over `root` (created when missing).
    pub fn new(root: impl AsRef<Path>) -> Arc<Self> {
        std::fs::create_dir_all(root.as_ref()).unwrap();
        Arc::new(Self {
            root: root.as_ref().to_path_buf(),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The session workspace store (one directory per session under `root/files`).
    pub fn files(&self) -> Arc<dyn SessionFileSystem> {
        Arc::new(RealDiskFileStore::per_session(self.root.join("files")).unwrap())
    }

    /// `root/sessions/<sid>`.
    pub fn session_dir(&self, sid: &str) -> PathBuf {
        self.root.join("sessions").join(sid)
    }

    /// Lines of the session's `events.jsonl`.
    pub fn event_lines(&self, sid: &str) -> usize {
        std::fs::read_to_string(self.session_dir(sid).join("events.jsonl"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn events_of(&self, sid: &str) -> Result<Vec<Event>, StoreError> {
        let p = self.session_dir(sid).join("events.jsonl");
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(err(e)),
        };
        text.lines()
            .map(|l| serde_json::from_str(l).map_err(err))
            .collect()
    }
}

#[async_trait]
impl RuntimeHarnessStore for FileBackend {
    async fn get_harness(&self, id: &str) -> Result<Option<Harness>, StoreError> {
        read_json(&self.root.join("harnesses").join(format!("{id}.json")))
    }
    async fn put_harness(&self, h: Harness) -> Result<(), StoreError> {
        write_json(
            &self.root.join("harnesses").join(format!("{}.json", h.id)),
            &h,
        )
    }
}

#[async_trait]
impl RuntimeAgentStore for FileBackend {
    async fn get_agent(&self, id: &str) -> Result<Option<Agent>, StoreError> {
        read_json(&self.root.join("agents").join(format!("{id}.json")))
    }
    async fn put_agent(&self, a: Agent) -> Result<(), StoreError> {
        write_json(&self.root.join("agents").join(format!("{}.json", a.id)), &a)
    }
}

#[async_trait]
impl RuntimeSessionStore for FileBackend {
    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        read_json(&self.session_dir(id).join("session.json"))
    }
    async fn put_session(&self, s: Session) -> Result<(), StoreError> {
        write_json(&self.session_dir(&s.id).join("session.json"), &s)
    }
    async fn list_session_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut out: Vec<(chrono::DateTime<Utc>, String)> = Vec::new();
        let dir = match std::fs::read_dir(self.root.join("sessions")) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(err(e)),
        };
        for entry in dir {
            let name = entry
                .map_err(err)?
                .file_name()
                .to_string_lossy()
                .to_string();
            if let Some(s) = self.get_session(&name).await? {
                out.push((s.created_at, s.id));
            }
        }
        out.sort();
        Ok(out.into_iter().map(|(_, id)| id).collect())
    }
}

#[async_trait]
impl EventLog for FileBackend {
    async fn append(&self, sid: &str, draft: EventDraft) -> Result<Event, StoreError> {
        let _g = self.lock.lock().await;
        let sequence = self.events_of(sid)?.len() as i64 + 1;
        let e = draft.into_event(
            sid,
            new_id(IdKind::Event),
            sequence,
            Utc::now().trunc_subsecs(3),
        );
        let dir = self.session_dir(sid);
        std::fs::create_dir_all(&dir).map_err(err)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("events.jsonl"))
            .map_err(err)?;
        let mut line = serde_json::to_vec(&e).map_err(err)?;
        line.push(b'\n');
        f.write_all(&line).map_err(err)?;
        f.sync_data().map_err(err)?;
        Ok(e)
    }
    async fn list(&self, sid: &str) -> Result<Vec<Event>, StoreError> {
        self.events_of(sid)
    }
}

/// Messages come from the log; `get_message` is answered without building every message.
#[async_trait]
impl RuntimeMessageStore for FileBackend {
    async fn get_message(
        &self,
        sid: &str,
        message_id: &str,
    ) -> Result<Option<everruns_core::Message>, StoreError> {
        Ok(self
            .load_messages(sid)
            .await?
            .into_iter()
            .find(|m| m.id == message_id))
    }
}

#[async_trait]
impl ModelCatalog for FileBackend {
    async fn resolve(&self, model_id: &str) -> Result<Option<ResolvedModel>, StoreError> {
        let p: Providers = read_json(&self.root.join("providers.json"))?.unwrap_or_default();
        Ok(p.models.get(model_id).map(|m| ResolvedModel {
            model_id: Some(model_id.to_string()),
            provider_id: None,
            model: m.clone(),
        }))
    }
    async fn default_model(&self) -> Result<Option<ResolvedModel>, StoreError> {
        let p: Providers = read_json(&self.root.join("providers.json"))?.unwrap_or_default();
        Ok(p.default.map(|m| ResolvedModel {
            model_id: None,
            provider_id: None,
            model: m,
        }))
    }
}

#[async_trait]
impl RuntimeProviderStore for FileBackend {
    async fn set_default_model(&self, model: ModelWithProvider) -> Result<(), StoreError> {
        let _g = self.lock.lock().await;
        let path = self.root.join("providers.json");
        let mut p: Providers = read_json(&path)?.unwrap_or_default();
        p.default = Some(model);
        write_json(&path, &p)
    }
}

#[async_trait]
impl LlmSimStore for FileBackend {
    async fn script(&self, sid: &str) -> Result<Option<LlmSimScript>, StoreError> {
        let s: Option<SimState> = read_json(&self.session_dir(sid).join("llmsim.json"))?;
        Ok(s.and_then(|s| s.script))
    }
    async fn set_script(&self, sid: &str, script: Option<LlmSimScript>) -> Result<(), StoreError> {
        let _g = self.lock.lock().await;
        write_json(
            &self.session_dir(sid).join("llmsim.json"),
            &SimState {
                script,
                ..Default::default()
            },
        )
    }
    async fn claim_step(&self, sid: &str, key: &str) -> Result<u64, StoreError> {
        let _g = self.lock.lock().await;
        let path = self.session_dir(sid).join("llmsim.json");
        let mut s: SimState = read_json(&path)?.unwrap_or_default();
        if let Some(i) = s.claimed.get(key) {
            return Ok(*i);
        }
        let i = s.next;
        s.next += 1;
        s.claimed.insert(key.to_string(), i);
        write_json(&path, &s)?;
        Ok(i)
    }
    async fn position(&self, sid: &str) -> Result<u64, StoreError> {
        let s: Option<SimState> = read_json(&self.session_dir(sid).join("llmsim.json"))?;
        Ok(s.map(|s| s.next).unwrap_or(0))
    }
}

/// A fresh temp directory.
pub fn temp_root(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("everruns-{tag}-{}", new_id(IdKind::Session)));
    std::fs::create_dir_all(&d).unwrap();
    d
}
