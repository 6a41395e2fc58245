//! `kefu admin bootstrap`: creates a workspace and its admin; idempotent for the same
//! values; a clear error otherwise.

use crate::crash::{fresh_db, kefu};

async fn bootstrap_is_idempotent(postgres: bool) {
    let db = fresh_db(postgres).await;
    let args = [
        "admin",
        "bootstrap",
        "--workspace",
        "acme",
        "--email",
        "boss@acme.cn",
        "--password",
        "password-1",
    ];
    let first = kefu(&args, &db);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("created workspace `acme`"));
    let again = kefu(&args, &db);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already exists; nothing to do"));
    let other = kefu(
        &[
            "admin",
            "bootstrap",
            "--workspace",
            "acme",
            "--email",
            "boss@acme.cn",
            "--password",
            "password-2",
        ],
        &db,
    );
    assert!(!other.status.success());
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(
        err.contains("already exists with a different admin or password"),
        "{err}"
    );
    let bad = kefu(
        &[
            "admin",
            "bootstrap",
            "--workspace",
            "Not A Slug",
            "--email",
            "x@y.cn",
            "--password",
            "password-1",
        ],
        &db,
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid workspace"));
    let second = kefu(
        &[
            "admin",
            "bootstrap",
            "--workspace",
            "globex",
            "--email",
            "boss@acme.cn",
            "--password",
            "password-9",
        ],
        &db,
    );
    assert!(
        second.status.success(),
        "a second workspace in the same installation"
    );
}

#[tokio::test]
async fn bootstrap_sqlite() {
    bootstrap_is_idempotent(false).await;
}

#[tokio::test]
async fn bootstrap_postgres() {
    bootstrap_is_idempotent(true).await;
}
