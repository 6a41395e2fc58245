//! Escalations and reminders that reach people: the notification inbox (`/api/v1/notifications`)
//! fed by SLA warnings (assignee), breaches (tier 2: the ticket moves to the tier-2 group;
//! supervisor: the group's supervisors are told), pending-customer reminders, trigger
//! `notify` actions, @mentions and new messages on watched tickets.

use crate::both;
use crate::common::{Backend, TestApp};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    notifications_from_sla_triggers_and_messages,
    inbox_page_and_header_badge
);

const POLICIES: &str = r#"
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  - name: after_sales
    calendar: always
    match: {types: [after_sales]}
    targets: {first_response: 60}
    warning_percent: 75
    escalate_to: tier2
  - name: complaints
    calendar: always
    match: {types: [complaint]}
    targets: {first_response: 30}
    escalate_to: supervisor
"#;

/// The kinds and tickets of a user's notifications, oldest first.
async fn inbox(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let v = app
        .ok(token, Method::GET, "/api/v1/notifications?limit=500", None)
        .await;
    let mut out: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["ticket_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.reverse();
    out
}

async fn unread(app: &TestApp, token: &str) -> u64 {
    app.ok(token, Method::GET, "/api/v1/notifications/count", None)
        .await["unread"]
        .as_u64()
        .unwrap()
}

/// One timer sweep from this second store. On SQLite a second process's transaction can
/// meet "database is locked" when the server wrote between its read and its write (the
/// server itself uses one connection and never does); a sweep is idempotent, so retry.
async fn sweep_at(store: &kefu_store::Store, now: DateTime<Utc>) {
    for attempt in 0.. {
        match kefu_server::tickets::sla_timer::sweep(store, now).await {
            Ok(_) => return,
            Err(e) if attempt < 20 => {
                eprintln!("sweep retried: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn notifications_from_sla_triggers_and_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (a_id, a) = app.user(&admin, "acme", "agent").await; // tier 1
    let (b_id, b) = app.user(&admin, "acme", "agent").await; // tier 2
    let (s1_id, s1) = app.user(&admin, "acme", "supervisor").await; // tier-1 supervisor
    let (s2_id, s2) = app.user(&admin, "acme", "supervisor").await; // tier-2 supervisor
    let (w_id, w) = app.user(&admin, "acme", "agent").await; // a watcher
    let lily = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"email": "lily@acme.test", "name": "Lily Chen", "role": "specialist",
            "password": "password-123"}),
            ),
        )
        .await;
    let lily_id = id(&lily);
    let lily_tk = app.login("acme", "lily@acme.test", "password-123").await;
    let g1 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "一线", "member_ids": [a_id, s1_id]})),
        )
        .await);
    let g2 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "二线", "member_ids": [b_id, s2_id]})),
        )
        .await);
    let (s, _, p) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &admin,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // The tier-2 group must exist in the workspace.
    let (s, p) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"tier2_group_id": "0190a0a0-0000-7000-8000-000000000000"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "unknown_reference");
    let set = app
        .ok(
            &admin,
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(json!({"tier2_group_id": g2, "pending_remind_minutes": 60})),
        )
        .await;
    assert_eq!(set["tier2_group_id"], g2.as_str());

    let new_ticket = |ty: &'static str, subject: &'static str| {
        let app = &app;
        let a = a.clone();
        let (a_id, g1) = (a_id.clone(), g1.clone());
        async move {
            app.ok(
                &a,
                Method::POST,
                "/api/v1/tickets",
                Some(json!({"type": ty, "subject": subject, "assignee_id": a_id,
                    "group_id": g1})),
            )
            .await
        }
    };
    let t = new_ticket("after_sales", "漏水").await;
    let tid = id(&t);
    let created: DateTime<Utc> = t["created_at"].as_str().unwrap().parse().unwrap();
    let c = id(&new_ticket("complaint", "投诉").await);
    let store = kefu_store::Store::connect(&app.database_url).await.unwrap();
    let sweep = |m: i64| {
        let store = store.clone();
        async move { sweep_at(&store, created + chrono::Duration::minutes(m)).await }
    };

    // Minute 25: the complaint (30, warns at 24) warns its assignee.
    sweep(25).await;
    assert_eq!(
        inbox(&app, &a).await,
        vec![("sla_warning".into(), c.clone())]
    );
    // Minute 46: the after-sales ticket (60, warns at 45) warns too; the complaint breaches
    // and its group's supervisor (tier 1) is told; not the tier-2 supervisor.
    sweep(46).await;
    assert_eq!(
        inbox(&app, &a).await,
        vec![
            ("sla_warning".into(), c.clone()),
            ("sla_warning".into(), tid.clone()),
            ("sla_breached".into(), c.clone()),
        ]
    );
    assert_eq!(
        inbox(&app, &s1).await,
        vec![("sla_escalated".into(), c.clone())]
    );
    assert!(inbox(&app, &s2).await.is_empty());
    // Minute 61: the after-sales ticket breaches: escalated to tier 2 — it moves to the
    // tier-2 group, its tier-1 assignee lets go, and the tier-2 supervisor is told.
    sweep(61).await;
    let moved = app
        .ok(&b, Method::GET, &format!("/api/v1/tickets/{tid}"), None)
        .await;
    assert_eq!(moved["state"], "escalated");
    assert_eq!(moved["group_id"], g2.as_str());
    assert!(moved["assignee_id"].is_null(), "{moved}");
    assert_eq!(
        inbox(&app, &a).await.last().unwrap(),
        &("sla_breached".to_owned(), tid.clone())
    );
    assert_eq!(
        inbox(&app, &s2).await,
        vec![("escalated".into(), tid.clone())]
    );
    // Nothing twice.
    sweep(62).await;
    assert_eq!(inbox(&app, &a).await.len(), 4);

    // Escalating by hand moves the ticket the same way.
    let h = id(&new_ticket("inquiry", "换货").await);
    app.ok(
        &a,
        Method::POST,
        &format!("/api/v1/tickets/{h}/transitions"),
        Some(json!({"to": "escalated", "reason": "需要二线"})),
    )
    .await;
    let hv = app
        .ok(&a, Method::GET, &format!("/api/v1/tickets/{h}"), None)
        .await;
    assert_eq!(
        (hv["group_id"].as_str(), hv["assignee_id"].is_null()),
        (Some(g2.as_str()), true)
    );
    assert_eq!(
        inbox(&app, &s2).await.last().unwrap(),
        &("escalated".into(), h.clone())
    );

    // Waiting for the customer past the reminder delay: the assignee is reminded.
    let r = id(&new_ticket("inquiry", "等回复").await);
    app.ok(
        &a,
        Method::POST,
        &format!("/api/v1/tickets/{r}/transitions"),
        Some(json!({"to": "pending_customer"})),
    )
    .await;
    sweep_at(&store, store.now() + chrono::Duration::minutes(61)).await;
    assert_eq!(
        inbox(&app, &a).await.last().unwrap(),
        &("pending_reminder".into(), r.clone())
    );

    // A trigger's notify action: listed users, the assignee, the group's supervisors.
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/triggers",
        Some(json!({"name": "建议通知", "on": ["create"],
            "conditions": {"types": ["suggestion"]},
            "actions": [{"action": "notify", "user_ids": [w_id], "assignee": true,
                "supervisors": true, "text": "新建议 {{subject}}"}]})),
    )
    .await;
    let sug = id(&new_ticket("suggestion", "多开门店").await);
    for tk in [&w, &a, &s1] {
        assert_eq!(
            inbox(&app, tk).await.last().unwrap(),
            &("trigger".into(), sug.clone())
        );
    }
    let v = app
        .ok(&w, Method::GET, "/api/v1/notifications?limit=1", None)
        .await;
    assert_eq!(v["items"][0]["text"], "新建议 多开门店");
    assert!(inbox(&app, &s2).await.iter().all(|n| n.1 != sug));

    // Messages: the watcher and the assignee hear of a new message (not its writer); an
    // @mention reaches the mentioned user once.
    app.ok(
        &a,
        Method::PUT,
        &format!("/api/v1/tickets/{r}/watchers/{w_id}"),
        None,
    )
    .await;
    let before_a = inbox(&app, &a).await.len();
    app.ok(
        &w,
        Method::POST,
        &format!("/api/v1/tickets/{r}/messages"),
        Some(json!({"body": "请 @lily 看一下，@Lily.", "public": false})),
    )
    .await;
    assert_eq!(
        inbox(&app, &lily_tk).await,
        vec![("mentioned".into(), r.clone())]
    );
    assert_eq!(inbox(&app, &a).await.len(), before_a + 1);
    assert_eq!(
        inbox(&app, &a).await.last().unwrap(),
        &("ticket_message".into(), r.clone())
    );
    assert!(
        inbox(&app, &w).await.iter().all(|n| n.1 != r),
        "the writer is not told"
    );
    let _ = lily_id;

    // Counting, paging, marking read (only one's own).
    let n = unread(&app, &a).await;
    assert_eq!(n as usize, inbox(&app, &a).await.len());
    let p1 = app
        .ok(&a, Method::GET, "/api/v1/notifications?limit=2", None)
        .await;
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app
        .ok(
            &a,
            Method::GET,
            &format!("/api/v1/notifications?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert!(p2["items"][0]["id"].as_i64() < p1["items"][1]["id"].as_i64());
    let first = p1["items"][0]["id"].as_i64().unwrap();
    // Another user cannot mark a's entries.
    let r0 = app
        .ok(
            &w,
            Method::POST,
            "/api/v1/notifications/read",
            Some(json!({"ids": [first]})),
        )
        .await;
    assert_eq!(r0["marked"], 0);
    let r1 = app
        .ok(
            &a,
            Method::POST,
            "/api/v1/notifications/read",
            Some(json!({"ids": [first]})),
        )
        .await;
    assert_eq!(
        (r1["marked"].as_u64(), r1["unread"].as_u64()),
        (Some(1), Some(n - 1))
    );
    let un = app
        .ok(
            &a,
            Method::GET,
            "/api/v1/notifications?unread=true&limit=500",
            None,
        )
        .await;
    assert_eq!(un["items"].as_array().unwrap().len() as u64, n - 1);
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/notifications/read",
            Some(&a),
            Some(json!({"ids": ["x"]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(unread(&app, &a).await, n - 1, "a bad body changes nothing");
    let r2 = app
        .ok(
            &a,
            Method::POST,
            "/api/v1/notifications/read",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (r2["marked"].as_u64(), r2["unread"].as_u64()),
        (Some(n - 1), Some(0))
    );
    // Another workspace sees none of it.
    let other = app.workspace("rival").await;
    assert_eq!(unread(&app, &other).await, 0);
    let _ = (b_id, s2_id);
    store.close().await.unwrap();
    app.stop().await;
}

/// The inbox in Chromium: the header badge counts unread entries on every page; the inbox
/// lists them with their kind and ticket; "mark all read" empties the badge.
async fn inbox_page_and_header_badge(backend: Backend) {
    use crate::ui::{browser, click, fill, shows};
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (a_id, a) = app.user(&admin, "acme", "agent").await;
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/users",
        Some(
            json!({"email": "lily@acme.test", "name": "Lily", "role": "agent",
            "password": "password-123"}),
        ),
    )
    .await;
    let t = id(&app
        .ok(
            &a,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"type": "inquiry", "subject": "发票", "assignee_id": a_id})),
        )
        .await);
    for body in ["@lily 帮忙开票", "@lily 再看一下"] {
        app.ok(
            &a,
            Method::POST,
            &format!("/api/v1/tickets/{t}/messages"),
            Some(json!({"body": body, "public": false})),
        )
        .await;
    }
    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "lily@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "login-submit").await;
    shows(&c, "#unread-count", "2").await;
    click(&c, "nav-notifications").await;
    let list = shows(&c, "#inbox", "You were mentioned").await;
    assert!(list.contains("发票 — @lily 帮忙开票"), "{list}");
    shows(&c, "#inbox-unread", "2").await;
    click(&c, "inbox-read-all").await;
    shows(&c, "#inbox-unread", "0").await;
    shows(&c, "#unread-count", "0").await;
    c.close().await.unwrap();
    app.stop().await;
}
