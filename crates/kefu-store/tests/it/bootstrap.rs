//! Bootstrap is one transaction: the workspace and its first admin exist together or not at
//! all; repeating it with the same values changes nothing, with other values is a conflict.

use crate::both;
use crate::common::{Backend, Db, actions, audit_log, outbox, t0, topics};
use kefu_model::ModelError;
use kefu_model::error::FieldProblem;
use kefu_store::identity::workspaces::{Bootstrap, UserFilter};
use kefu_store::{PageRequest, StoreError};
use serde_json::json;

both!(bootstrap_creates_workspace_and_admin_together_once);

async fn bootstrap_creates_workspace_and_admin_together_once(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let is = |want: &'static str| move |h: &str| h == want;

    // Half done is undone: the admin's bad e-mail fails after the workspace row was written.
    let r = s
        .bootstrap("acme", "not-an-email", "hash-1".into(), is("hash-1"))
        .await;
    let bad_email = ModelError::InvalidField {
        field: "email".into(),
        reason: FieldProblem::Format,
    };
    assert!(
        matches!(&r, Err(StoreError::Model(e)) if *e == bad_email),
        "{r:?}"
    );
    assert_eq!(s.workspace_count().await.unwrap(), 0);
    assert_eq!(outbox(s).await, []);
    let empty = db.dump().await;

    let (done, scope) = s
        .bootstrap("acme", "admin@acme.test", "hash-1".into(), is("hash-1"))
        .await
        .unwrap();
    assert_eq!(done, Bootstrap::Created);
    assert_ne!(db.dump().await, empty);
    let ws = s.workspace(&scope).await.unwrap();
    assert_eq!(
        (ws.id.as_str(), ws.slug.as_str(), ws.created_at),
        (scope.id(), "acme", t0())
    );
    let users = s
        .list_users(&scope, &UserFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(users.len(), 1);
    let admin = &users[0];
    assert_eq!(
        (
            admin.email.as_str(),
            admin.role.as_str(),
            admin.password_hash.as_deref(),
            admin.active
        ),
        ("admin@acme.test", "admin", Some("hash-1"), true)
    );
    let (_, found) = s
        .login_candidate("acme", "admin@acme.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&found, admin);
    let rows = audit_log(s, &scope).await;
    assert_eq!(
        actions(&rows),
        [("user", admin.id.as_str(), "created")],
        "the admin's creation is the bootstrap's record"
    );
    assert!(rows.iter().all(|r| r.actor_id.is_none() && r.at == t0()));
    assert_eq!(
        rows[0].after.as_ref().unwrap()["email"],
        json!("admin@acme.test")
    );
    assert_eq!(ws.created_at, t0());
    let events = outbox(s).await;
    assert_eq!(topics(&events), ["user.created"]);

    // Again with the same values: the same workspace, nothing written.
    let after = db.dump().await;
    let (again, same) = s
        .bootstrap("acme", "admin@acme.test", "hash-1".into(), is("hash-1"))
        .await
        .unwrap();
    assert_eq!((again, same), (Bootstrap::AlreadyDone, scope.clone()));
    assert_eq!(db.dump().await, after);

    // Other values: 409 `workspace_exists`, nothing written.
    for (email, hash) in [("admin@acme.test", "hash-2"), ("other@acme.test", "hash-1")] {
        let r = s.bootstrap("acme", email, hash.into(), is(hash)).await;
        assert!(
            matches!(
                r,
                Err(StoreError::Conflict {
                    code: "workspace_exists",
                    ..
                })
            ),
            "{email} {hash}: {r:?}"
        );
        assert_eq!(db.dump().await, after, "{email} {hash}");
    }
    assert_eq!(s.workspace_count().await.unwrap(), 1);
}
