//! Process roles and database URLs: clear errors for what cannot work.

mod common;

use std::process::Command;

use common::bin;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .args(args)
        .env("EVERRUNS_LOG", "error")
        .output()
        .expect("run everruns-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn worker_refuses_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    let (ok, err) = run(&["worker", "--dev", "--database-url", &url]);
    assert!(!ok, "a worker on SQLite must not start");
    assert!(
        err.contains("`everruns-server worker` needs PostgreSQL"),
        "{err}"
    );
}

#[test]
fn unknown_database_url_is_a_clear_error() {
    for args in [
        &["keys", "list", "--database-url", "mysql://localhost/db"][..],
        &["worker", "--database-url", "mysql://localhost/db"][..],
    ] {
        let (ok, err) = run(args);
        assert!(!ok);
        assert!(
            err.contains("unsupported database URL \"mysql://localhost/db\"")
                && err.contains("postgres://"),
            "{err}"
        );
    }
}

#[test]
fn unreachable_postgres_fails_at_once_with_the_cause() {
    // Port 1 on loopback: nothing listens, the connection is refused at once. The message is
    // the probe's (the driver's cause), not the pool's "timed out" a minute later.
    let (ok, err) = run(&[
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        "postgres://everruns:s3cret@127.0.0.1:1/everruns",
    ]);
    assert!(!ok, "a server without its database must not start");
    assert!(
        err.contains(
            "cannot connect to PostgreSQL at postgres://everruns:****@127.0.0.1:1/everruns"
        ),
        "{err}"
    );
    assert!(
        !err.contains("s3cret"),
        "the password is never printed: {err}"
    );
    assert!(!err.contains("timed out"), "{err}");
}
