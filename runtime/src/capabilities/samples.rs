//! `sample_data`: read-only sample files mounted under `/samples`.

use std::sync::Arc;

use super::{Capability, MountPoint, Tool};

/// The `sample_data` capability (no tools; depends on `session_file_system`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SampleDataCapability;

const USERS_JSON: &str = r#"[
  {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "role": "admin", "active": true},
  {"id": 2, "name": "Alan Turing", "email": "alan@example.com", "role": "editor", "active": true},
  {"id": 3, "name": "Grace Hopper", "email": "grace@example.com", "role": "viewer", "active": false}
]
"#;

const CONFIG_YAML: &str = "app:\n  name: sample-app\n  version: 1.4.2\n  environment: staging\nserver:\n  host: 0.0.0.0\n  port: 8080\n  workers: 4\ndatabase:\n  engine: sqlite\n  path: /var/lib/sample/app.db\n  pool_size: 8\nfeatures:\n  signup: true\n  beta_dashboard: false\n";

const README_MD: &str = "# Sample data\n\nRead-only files for trying out the file tools:\n\n- `users.json`: three users (id, name, email, role, active)\n- `config.yaml`: an application configuration\n- `README.md`: this file\n\nCopy a file elsewhere in the workspace before changing it.\n";

impl Capability for SampleDataCapability {
    fn id(&self) -> &str {
        "sample_data"
    }
    fn name(&self) -> &str {
        "Sample Data"
    }
    fn description(&self) -> &str {
        "Read-only sample files (users.json, config.yaml, README.md) mounted at /workspace/samples."
    }
    fn category(&self) -> Option<&str> {
        Some("testing")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "Sample files are available read-only under /workspace/samples: users.json, \
             config.yaml and README.md. Read them with read_file."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        Vec::new()
    }
    fn dependencies(&self) -> Vec<String> {
        vec!["session_file_system".into()]
    }
    fn mounts(&self) -> Vec<MountPoint> {
        vec![MountPoint::readonly(
            "/samples",
            vec![
                ("users.json".into(), USERS_JSON.into()),
                ("config.yaml".into(), CONFIG_YAML.into()),
                ("README.md".into(), README_MD.into()),
            ],
        )]
    }
}
