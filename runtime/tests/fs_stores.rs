//! File-store contract (in-memory and real disk), escapes, decorators.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use everruns_core::{FileEncoding, InitialFile, InputMessage};
use everruns_runtime::*;
use serde_json::json;

const S: &str = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "everruns-rt-{tag}-{}",
        everruns_core::ids::new_id(everruns_core::ids::IdKind::File)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The behaviour every store shares.
async fn contract(fs: Arc<dyn SessionFileSystem>) {
    // paths: alias, relative, doubled slashes; `..` refused
    let out = fs
        .write(S, "/workspace/a//b/c.txt", FileWrite::upsert("hi\n"))
        .await
        .unwrap();
    assert!(out.created);
    assert_eq!(out.file.path, "/a/b/c.txt");
    assert_eq!(
        fs.read(S, "a/b/c.txt").await.unwrap().content.as_deref(),
        Some("hi\n")
    );
    assert!(
        fs.stat(S, "/a/b").await.unwrap().is_directory,
        "parents auto-created"
    );
    for bad in ["/a/../../etc/passwd", "..", "/a/./b", "a\\..\\b", "/a\0b"] {
        let e = fs.read(S, bad).await.unwrap_err();
        assert_eq!(e.code(), "invalid_path", "{bad}: {e}");
        let e = fs.write(S, bad, FileWrite::upsert("x")).await.unwrap_err();
        assert_eq!(e.code(), "invalid_path", "{bad}: {e}");
    }
    // overwrite
    let out = fs
        .write(S, "/a/b/c.txt", FileWrite::upsert("v2"))
        .await
        .unwrap();
    assert!(!out.created);
    // a file in the way of a directory
    let e = fs
        .write(S, "/a/b/c.txt/d", FileWrite::upsert("x"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_a_directory", "{e}");
    // encodings: NUL → base64, text stays text
    fs.write(S, "/bin.dat", FileWrite::upsert(vec![0u8, 159, 146, 150]))
        .await
        .unwrap();
    let f = fs.read(S, "/bin.dat").await.unwrap();
    assert_eq!(f.encoding, Some(FileEncoding::Base64));
    assert_eq!(
        fs::decode_content(f.content.as_deref().unwrap(), f.encoding.as_ref()).unwrap(),
        vec![0u8, 159, 146, 150]
    );
    assert_eq!(f.size_bytes, 4);
    assert_eq!(
        fs.read(S, "/a/b/c.txt").await.unwrap().encoding,
        Some(FileEncoding::Text)
    );
    // create modes and compare-and-set
    assert_eq!(
        fs.write(
            S,
            "/a/b/c.txt",
            FileWrite::upsert("x").with_mode(WriteMode::CreateNew)
        )
        .await
        .unwrap_err()
        .code(),
        "already_exists"
    );
    assert_eq!(
        fs.write(
            S,
            "/nope.txt",
            FileWrite::upsert("x").with_mode(WriteMode::UpdateExisting)
        )
        .await
        .unwrap_err()
        .code(),
        "not_found"
    );
    let h = fs::content_hash(b"v2");
    fs.write(
        S,
        "/a/b/c.txt",
        FileWrite::upsert("v3").with_mode(WriteMode::IfHash(h.clone())),
    )
    .await
    .unwrap();
    let e = fs
        .write(
            S,
            "/a/b/c.txt",
            FileWrite::upsert("v4").with_mode(WriteMode::IfHash(h)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert_eq!(
        fs.read(S, "/a/b/c.txt").await.unwrap().content.as_deref(),
        Some("v3"),
        "nothing lost"
    );
    // listing
    let root: Vec<String> = fs
        .list(S, "/workspace", false)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.path)
        .collect();
    assert_eq!(root, vec!["/a", "/bin.dat"]);
    let all: Vec<String> = fs
        .list(S, "/", true)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.path)
        .collect();
    assert_eq!(all, vec!["/a", "/a/b", "/a/b/c.txt", "/bin.dat"]);
    assert_eq!(
        fs.list(S, "/missing", false).await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        fs.list(S, "/bin.dat", false).await.unwrap_err().code(),
        "not_a_directory"
    );
    assert!(fs.stat(S, "/").await.unwrap().is_directory);
    assert_eq!(fs.stat(S, "/zzz").await.unwrap_err().code(), "not_found");
    // grep
    fs.write(
        S,
        "/notes.md",
        FileWrite::upsert("alpha\nbeta gamma\nGamma\n"),
    )
    .await
    .unwrap();
    let g = fs.grep(S, "(?i)gamma", Some("*.md")).await.unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(
        g[0].matches
            .iter()
            .map(|m| m.line_number)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(
        fs.grep(S, "(", None).await.unwrap_err().code(),
        "invalid_pattern"
    );
    // read-only files: write and delete refused, seeding overwrites
    fs.seed_initial_file(
        S,
        &InitialFile {
            path: "/workspace/ro.txt".into(),
            content: "locked".into(),
            encoding: None,
            is_readonly: Some(true),
        },
    )
    .await
    .unwrap();
    assert!(fs.stat(S, "/ro.txt").await.unwrap().is_readonly);
    assert_eq!(
        fs.write(S, "/ro.txt", FileWrite::upsert("x"))
            .await
            .unwrap_err()
            .code(),
        "readonly"
    );
    assert_eq!(
        fs.delete(S, "/ro.txt", false).await.unwrap_err().code(),
        "readonly"
    );
    assert_eq!(
        fs.read(S, "/ro.txt").await.unwrap().content.as_deref(),
        Some("locked")
    );
    fs.seed_initial_file(
        S,
        &InitialFile {
            path: "/ro.txt".into(),
            content: "reseeded".into(),
            encoding: None,
            is_readonly: Some(true),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        fs.read(S, "/ro.txt").await.unwrap().content.as_deref(),
        Some("reseeded")
    );
    // move / copy
    fs.copy_file(S, "/notes.md", "/copy/notes.md")
        .await
        .unwrap();
    assert_eq!(
        fs.copy_file(S, "/notes.md", "/copy/notes.md")
            .await
            .unwrap_err()
            .code(),
        "already_exists"
    );
    assert_eq!(
        fs.copy_file(S, "/a", "/a2").await.unwrap_err().code(),
        "is_a_directory"
    );
    fs.move_path(S, "/a", "/moved/a").await.unwrap();
    assert_eq!(
        fs.read(S, "/moved/a/b/c.txt")
            .await
            .unwrap()
            .content
            .as_deref(),
        Some("v3")
    );
    assert_eq!(fs.stat(S, "/a").await.unwrap_err().code(), "not_found");
    assert_eq!(
        fs.move_path(S, "/moved", "/moved/inner")
            .await
            .unwrap_err()
            .code(),
        "invalid_path"
    );
    // delete
    assert_eq!(
        fs.delete(S, "/moved", false).await.unwrap_err().code(),
        "directory_not_empty"
    );
    fs.delete(S, "/moved", true).await.unwrap();
    assert_eq!(
        fs.stat(S, "/moved/a/b/c.txt").await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        fs.delete(S, "/", true).await.unwrap_err().code(),
        "invalid_path"
    );
    assert_eq!(
        fs.delete(S, "/ghost", false).await.unwrap_err().code(),
        "not_found"
    );
    // directories
    fs.create_directory(S, "/d1/d2").await.unwrap();
    assert_eq!(
        fs.create_directory(S, "/d1/d2").await.unwrap_err().code(),
        "already_exists"
    );
    // bad base64 in a seed is a clear error
    let e = fs
        .seed_initial_file(
            S,
            &InitialFile {
                path: "/x.bin".into(),
                content: "!!!".into(),
                encoding: Some(FileEncoding::Base64),
                is_readonly: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_content");
    // sessions are isolated (except the shared disk mode, tested separately)
}

#[tokio::test]
async fn in_memory_store_contract_and_isolation() {
    let fs: Arc<dyn SessionFileSystem> = Arc::new(EntryFileSystem::in_memory());
    contract(fs.clone()).await;
    assert!(fs
        .list("session_other", "/", true)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn real_disk_store_contract_and_isolation() {
    let root = tmpdir("disk");
    let fs: Arc<dyn SessionFileSystem> = Arc::new(RealDiskFileStore::per_session(&root).unwrap());
    contract(fs.clone()).await;
    assert!(fs
        .list("session_other", "/", true)
        .await
        .unwrap()
        .is_empty());
    assert!(root.join(S).join("notes.md").is_file(), "really on disk");
    assert_eq!(
        fs.read("../escape", "/x").await.unwrap_err().code(),
        "invalid_path"
    );
    std::fs::remove_dir_all(&root).ok();
}

#[tokio::test]
async fn quotas_refuse_without_losing_data() {
    let limits = FsLimits {
        max_file_bytes: 10,
        max_session_bytes: 25,
    };
    let root = tmpdir("quota");
    let stores: Vec<Arc<dyn SessionFileSystem>> = vec![
        Arc::new(EntryFileSystem::in_memory().with_limits(limits)),
        Arc::new(RealDiskFileStore::new(&root).unwrap().with_limits(limits)),
    ];
    for fs in stores {
        fs.write(S, "/a", FileWrite::upsert("0123456789"))
            .await
            .unwrap();
        let e = fs
            .write(S, "/big", FileWrite::upsert("01234567890"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "quota_exceeded", "{e}");
        fs.write(S, "/b", FileWrite::upsert("0123456789"))
            .await
            .unwrap();
        let e = fs
            .write(S, "/c", FileWrite::upsert("0123456789"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "quota_exceeded", "{e}");
        assert!(e.to_string().contains("limit"), "{e}");
        // replacing a file counts its old size out
        fs.write(S, "/a", FileWrite::upsert("abcdefghij"))
            .await
            .unwrap();
        assert_eq!(
            fs.read(S, "/a").await.unwrap().content.as_deref(),
            Some("abcdefghij")
        );
        assert_eq!(fs.stat(S, "/c").await.unwrap_err().code(), "not_found");
    }
    std::fs::remove_dir_all(&root).ok();
}

#[cfg(unix)]
#[tokio::test]
async fn real_disk_refuses_symlink_escapes() {
    let root = tmpdir("sym");
    let outside = tmpdir("outside");
    std::fs::write(outside.join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("file-link")).unwrap();
    std::fs::create_dir(root.join("inside")).unwrap();
    std::fs::write(root.join("inside/ok.txt"), "fine").unwrap();
    std::os::unix::fs::symlink(root.join("inside"), root.join("inner-link")).unwrap();
    let fs = RealDiskFileStore::new(&root).unwrap();
    for p in [
        "/link/secret.txt",
        "/file-link",
        "/workspace/link/secret.txt",
    ] {
        let e = fs.read(S, p).await.unwrap_err();
        assert_eq!(e.code(), "invalid_path", "{p}: {e}");
        assert!(e.to_string().contains("outside"), "{e}");
        let e = fs
            .write(S, p, FileWrite::upsert("pwned"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_path", "{p}: {e}");
    }
    assert_eq!(
        fs.write(S, "/link/new.txt", FileWrite::upsert("x"))
            .await
            .unwrap_err()
            .code(),
        "invalid_path"
    );
    assert_eq!(
        fs.delete(S, "/link", true).await.unwrap_err().code(),
        "invalid_path"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "top secret"
    );
    assert!(!outside.join("new.txt").exists());
    // links that stay inside the root work
    assert_eq!(
        fs.read(S, "/inner-link/ok.txt")
            .await
            .unwrap()
            .content
            .as_deref(),
        Some("fine")
    );
    // an absolute host path is a path inside the workspace, never the host's
    fs.write(S, "/etc/passwd", FileWrite::upsert("inside"))
        .await
        .unwrap();
    assert!(root.join("etc/passwd").is_file());
    // listings and grep do not follow links out
    let all: Vec<String> = fs
        .list(S, "/", true)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.path)
        .collect();
    assert!(!all.iter().any(|p| p.contains("secret")), "{all:?}");
    assert!(fs.grep(S, "secret", None).await.unwrap().is_empty());
    std::fs::remove_dir_all(&root).ok();
    std::fs::remove_dir_all(&outside).ok();
}

#[tokio::test]
async fn write_blocklist() {
    let inner: Arc<dyn SessionFileSystem> = Arc::new(EntryFileSystem::in_memory());
    inner
        .write(S, "/.git/HEAD", FileWrite::upsert("ref"))
        .await
        .unwrap();
    let fs = WriteBlocklistFileStore::new(inner.clone());
    for p in [
        "/.git/config",
        "/src/node_modules/x.js",
        "/workspace/a/target/debug/bin",
        ".venv/lib",
    ] {
        let e = fs.write(S, p, FileWrite::upsert("x")).await.unwrap_err();
        assert_eq!(e.code(), "denied", "{p}");
        assert!(e.to_string().contains("blocklist"), "{e}");
    }
    assert_eq!(
        fs.delete(S, "/.git/HEAD", false).await.unwrap_err().code(),
        "denied"
    );
    assert_eq!(
        fs.create_directory(S, "/dist").await.unwrap_err().code(),
        "denied"
    );
    fs.write(S, "/src/main.rs", FileWrite::upsert("fn main(){}"))
        .await
        .unwrap();
    assert_eq!(
        fs.move_path(S, "/src/main.rs", "/build/main.rs")
            .await
            .unwrap_err()
            .code(),
        "denied"
    );
    assert_eq!(
        fs.read(S, "/.git/HEAD").await.unwrap().content.as_deref(),
        Some("ref"),
        "reads pass"
    );
    // names that merely contain a blocked word are fine
    fs.write(S, "/targets.md", FileWrite::upsert("ok"))
        .await
        .unwrap();
    let custom = WriteBlocklistFileStore::new(inner).with_blocklist(["secret"]);
    assert_eq!(
        custom
            .write(S, "/secret/a", FileWrite::upsert("x"))
            .await
            .unwrap_err()
            .code(),
        "denied"
    );
    custom
        .write(S, "/.git/ok", FileWrite::upsert("x"))
        .await
        .unwrap();
}

struct NoSecretsGate;

#[async_trait]
impl FileApprovalGate for NoSecretsGate {
    async fn approve_write(
        &self,
        _session_id: &str,
        path: &str,
        before: Option<&[u8]>,
        after: Option<&[u8]>,
    ) -> Result<(), String> {
        if after.is_some_and(|a| String::from_utf8_lossy(a).contains("password")) {
            return Err(format!("{path} would contain a password"));
        }
        if before.is_some_and(|b| b == b"frozen") {
            return Err("file is frozen".into());
        }
        Ok(())
    }
    async fn approve_delete(&self, _session_id: &str, path: &str) -> Result<(), String> {
        if path.starts_with("/keep") {
            Err("kept".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn approval_gate_in_a_turn() {
    let inner: Arc<dyn SessionFileSystem> = Arc::new(EntryFileSystem::in_memory());
    let gated: Arc<dyn SessionFileSystem> = Arc::new(ApprovalGatingFileStore::new(
        inner.clone(),
        Arc::new(NoSecretsGate),
    ));
    gated
        .write(S, "/keep/x", FileWrite::upsert("frozen"))
        .await
        .unwrap();
    assert_eq!(
        gated
            .write(S, "/keep/x", FileWrite::upsert("new"))
            .await
            .unwrap_err()
            .code(),
        "denied"
    );
    assert_eq!(
        gated.delete(S, "/keep/x", false).await.unwrap_err().code(),
        "denied"
    );
    gated
        .write(S, "/tmp.txt", FileWrite::upsert("fine"))
        .await
        .unwrap();
    gated.delete(S, "/tmp.txt", false).await.unwrap();

    // a denial reaches the model as a tool error
    let rt = InProcessRuntimeBuilder::new()
        .file_system(gated)
        .single_session(|s| s.harness("h", "p").with_capability("file_system"))
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.default_session_id().unwrap();
    rt.set_llmsim_script(
        &sid,
        script(vec![
            calls(&[
                (
                    "w1",
                    "write_file",
                    json!({"path": "creds.txt", "content": "password=hunter2"}),
                ),
                (
                    "w2",
                    "write_file",
                    json!({"path": "ok.txt", "content": "hello"}),
                ),
            ]),
            text("done"),
        ]),
    )
    .await
    .unwrap();
    let r = rt.run_turn(&sid, InputMessage::user("go")).await.unwrap();
    assert!(r.success);
    let done = tool_completions(&rt.events().await.unwrap());
    let w1 = done.iter().find(|d| d.tool_call_id == "w1").unwrap();
    assert!(!w1.success);
    assert!(
        w1.error.as_deref().unwrap().contains("not approved"),
        "{w1:?}"
    );
    assert!(
        done.iter()
            .find(|d| d.tool_call_id == "w2")
            .unwrap()
            .success
    );
    assert!(inner.read(&sid, "/creds.txt").await.is_err());
    assert!(inner.read(&sid, "/ok.txt").await.is_ok());
}

#[tokio::test]
async fn initial_files_merge_and_mounts_are_seeded() {
    let h = HarnessBuilder::new("h", "p")
        .capability("sample_data")
        .initial_file("/workspace/README.md", "harness readme")
        .initial_file("/base.txt", "from harness")
        .build();
    let a = AgentBuilder::new("a", "p")
        .initial_file("README.md", "agent readme")
        .build();
    let s = SessionBuilder::new(&h.id)
        .initial_file(InitialFile {
            path: "/workspace/README.md".into(),
            content: "c2Vzc2lvbiByZWFkbWU=".into(),
            encoding: Some(FileEncoding::Base64),
            is_readonly: Some(true),
        })
        .build();
    let rt = InProcessRuntimeBuilder::new()
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let sid = rt.create_session(h, Some(a), s).await.unwrap();
    let fs = &rt.backends().files;
    let readme = fs.read(&sid, "/README.md").await.unwrap();
    assert_eq!(
        readme.content.as_deref(),
        Some("session readme"),
        "later layer wins"
    );
    assert!(readme.is_readonly);
    assert_eq!(
        fs.read(&sid, "/base.txt").await.unwrap().content.as_deref(),
        Some("from harness")
    );
    let samples: Vec<String> = fs
        .list(&sid, "/samples", false)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(samples, vec!["README.md", "config.yaml", "users.json"]);
    assert!(
        fs.stat(&sid, "/samples/users.json")
            .await
            .unwrap()
            .is_readonly
    );
}
