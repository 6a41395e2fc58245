//! `kefu import customers FILE` and `kefu export customers` against a real database: a file
//! with one bad row imports nothing; a good one is imported, audited and exported back.

use crate::crash::{free_port, fresh_db, kefu, login, serve};
use std::process::Command;

fn kefu_with_token(args: &[&str], db: &crate::crash::Db, token: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .args(&db.flags)
        .env("KEFU_TOKEN", token)
        .output()
        .unwrap()
}

async fn import_and_export(postgres: bool) {
    let db = fresh_db(postgres).await;
    let out = kefu(
        &[
            "admin",
            "bootstrap",
            "--workspace",
            "acme",
            "--email",
            "admin@acme.test",
            "--password",
            "password-123",
        ],
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = {
        let port = free_port();
        let _server = serve(&db, port).await;
        login(port).await
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "name,phones,emails\n赵一,+86 138-0013-8001,Zhao@x.cn\n钱二,12345,\n",
    )
    .unwrap();
    let out = kefu_with_token(&["import", "customers", bad.to_str().unwrap()], &db, &token);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"][0]["row"], 2, "{report}");
    assert_eq!(report["errors"][0]["field"], "phones");
    let out = kefu_with_token(&["export", "customers", "--format", "jsonl"], &db, &token);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        0,
        "nothing imported"
    );

    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, "{\"name\": \"赵一\", \"phones\": [\"13800138001\"], \"emails\": [\"Zhao@x.cn\"]}\n{\"name\": \"钱二\"}\n").unwrap();
    let out = kefu_with_token(
        &["import", "customers", good.to_str().unwrap()],
        &db,
        &token,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["created"], 2);
    let out = kefu_with_token(&["export", "customers"], &db, &token);
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("赵一,+8613800138001,zhao@x.cn"), "{csv}");
    let out = kefu_with_token(&["export", "customers"], &db, "not-a-token");
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_cli_sqlite() {
    import_and_export(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn crm_cli_postgres() {
    import_and_export(true).await;
}
