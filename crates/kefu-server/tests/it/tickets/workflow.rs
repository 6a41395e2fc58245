//! The after-sales workflow of tickets: messages and internal notes, tags, watchers, links,
//! merge, split, the reopen window with its follow-up ticket, and SLA status in the server.

use crate::both;
use crate::common::{Backend, TestApp};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    messages_tags_watchers_links,
    merge_split_and_reopen_window,
    sla_policies_and_ticket_clocks,
    sla_timer_warns_and_escalates_once,
    pending_customer_is_reminded_then_resolved
);

async fn ticket(app: &TestApp, token: &str, subject: &str) -> String {
    let (s, t) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(token),
            Some(json!({"type": "after_sales", "subject": subject, "priority": "high"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t["id"].as_str().unwrap().to_owned()
}

async fn say(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let (s, m) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/messages"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

async fn go(app: &TestApp, token: &str, id: &str, to: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/tickets/{id}/transitions"),
        Some(token),
        Some(json!({"to": to, "reason": format!("to {to}")})),
    )
    .await
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

async fn messages_tags_watchers_links(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let other = app.workspace("rival").await;
    let (agent_id, agent) = app.user(&admin, "acme", "agent").await;
    let (rival_user, _) = app.user(&other, "rival", "agent").await;
    let t1 = ticket(&app, &agent, "洗衣机漏水").await;
    let t2 = ticket(&app, &agent, "second").await;

    let reply = say(
        &app,
        &agent,
        &t1,
        json!({"body": "我们已安排师傅上门", "channel": "email",
               "attachments": [{"name": "invoice.pdf", "content_type": "application/pdf", "size": 1024}]}),
    )
    .await;
    assert_eq!(reply["public"], true);
    assert_eq!(reply["author"], "agent");
    assert_eq!(reply["author_id"], agent_id.as_str());
    assert_eq!(reply["channel"], "email");
    assert_eq!(reply["attachments"][0]["name"], "invoice.pdf");
    assert_eq!(reply["attachments"][0]["size"], 1024);
    let note = say(
        &app,
        &agent,
        &t1,
        json!({"body": "客户第二次来电", "public": false}),
    )
    .await;
    assert_eq!(note["public"], false);
    assert_eq!(note["channel"], "web_form");
    let cust = say(
        &app,
        &agent,
        &t1,
        json!({"body": "still leaking", "author": "customer", "channel": "voice"}),
    )
    .await;
    assert_eq!(cust["author"], "customer");
    assert_eq!(cust["author_id"], Value::Null); // the ticket has no customer

    // Bad input writes nothing.
    for bad in [
        json!({"body": "  "}),
        json!({"body": "x", "author": "customer", "public": false}),
        json!({"body": "x", "channel": "pigeon"}),
        json!({"body": "x", "attachments": [{"name": "", "content_type": "a/b", "size": 1}]}),
        json!({"body": "x", "extra": 1}),
    ] {
        let (s, p) = app
            .call(
                Method::POST,
                &format!("/api/v1/tickets/{t1}/messages"),
                Some(&agent),
                Some(bad.clone()),
            )
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {p}"
        );
        assert!(p["code"].is_string());
    }
    let msgs = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t1}/messages"))
        .await;
    assert_eq!(
        ids(&msgs, "id"),
        vec![
            reply["id"].as_str().unwrap(),
            note["id"].as_str().unwrap(),
            cust["id"].as_str().unwrap()
        ]
    );
    // Another workspace sees none of it.
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{t1}/messages"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Tags: trimmed, deduplicated, sorted, filterable.
    let (s, tags) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{t1}/tags"),
            Some(&agent),
            Some(json!({"tags": ["vip", " vip ", "漏水"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(tags["tags"], json!(["vip", "漏水"]));
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{t2}/tags"),
            Some(&agent),
            Some(json!({"tags": ["normal"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let vip = app.get_ok(&agent, "/api/v1/tickets?tag=vip").await;
    assert_eq!(ids(&vip["items"], "id"), vec![t1.clone()]);
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{t1}/tags"),
            Some(&agent),
            Some(json!({"tags": [""]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t1}/tags"))
            .await["tags"],
        json!(["vip", "漏水"])
    );

    // Watchers: idempotent; another workspace's user is an unknown reference.
    for _ in 0..2 {
        let (s, w) = app
            .call(
                Method::PUT,
                &format!("/api/v1/tickets/{t1}/watchers/{agent_id}"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(w["watchers"], json!([agent_id]));
    }
    let (s, p) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{t1}/watchers/{rival_user}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["code"], "unknown_reference");
    let (s, w) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tickets/{t1}/watchers/{agent_id}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(w["watchers"], json!([]));

    // Links: seen from both sides; no self links; related is one link whichever way.
    let (s, links) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/links"),
            Some(&agent),
            Some(json!({"other_id": t2, "kind": "related"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{links}");
    assert_eq!(links[0]["other_id"], t2.as_str());
    assert_eq!(links[0]["outgoing"], true);
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t2}/links"),
            Some(&agent),
            Some(json!({"other_id": t1, "kind": "related"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let back = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t2}/links"))
        .await;
    assert_eq!(back.as_array().unwrap().len(), 1, "{back}");
    assert_eq!(back[0]["other_id"], t1.as_str());
    assert_eq!(back[0]["outgoing"], false);
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/links"),
            Some(&agent),
            Some(json!({"other_id": t1, "kind": "duplicate"})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("self_link"))
    );
    let rival_ticket = ticket(&app, &other, "theirs").await;
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/links"),
            Some(&agent),
            Some(json!({"other_id": rival_ticket, "kind": "related"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["code"], "unknown_reference");

    // Every change is in the ticket's audit trail.
    let audit = app
        .get_ok(
            &admin,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={t1}&limit=100"),
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for a in [
        "replied",
        "noted",
        "tagged",
        "watched",
        "unwatched",
        "linked",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "tagged").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "watched").count(), 1);
    app.stop().await;
}

async fn merge_split_and_reopen_window(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (agent_id, agent) = app.user(&admin, "acme", "agent").await;
    let t1 = ticket(&app, &agent, "first").await;
    let t2 = ticket(&app, &agent, "second").await;
    let t3 = ticket(&app, &agent, "third").await;
    let m1 = say(&app, &agent, &t1, json!({"body": "one"})).await;
    say(&app, &agent, &t1, json!({"body": "two", "public": false})).await;
    say(&app, &agent, &t2, json!({"body": "three"})).await;
    for (t, tag) in [(&t1, "a"), (&t2, "b")] {
        app.call(
            Method::PUT,
            &format!("/api/v1/tickets/{t}/tags"),
            Some(&agent),
            Some(json!({"tags": [tag]})),
        )
        .await;
    }
    app.call(
        Method::PUT,
        &format!("/api/v1/tickets/{t1}/watchers/{agent_id}"),
        Some(&agent),
        None,
    )
    .await;
    app.call(
        Method::POST,
        &format!("/api/v1/tickets/{t1}/links"),
        Some(&agent),
        Some(json!({"other_id": t3, "kind": "follow_up"})),
    )
    .await;

    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/merge"),
            Some(&agent),
            Some(json!({"into": t1})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("merge_into_self"))
    );
    let (s, merged) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/merge"),
            Some(&agent),
            Some(json!({"into": t2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{merged}");
    assert_eq!(merged["id"], t2.as_str());
    let bodies: Vec<String> = ids(
        &app.get_ok(&agent, &format!("/api/v1/tickets/{t2}/messages"))
            .await,
        "body",
    );
    assert_eq!(bodies, vec!["one", "two", "three"]);
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t1}/messages"))
            .await,
        json!([])
    );
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t2}/tags"))
            .await["tags"],
        json!(["a", "b"])
    );
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t2}/watchers"))
            .await["watchers"],
        json!([agent_id])
    );
    let src = app.get_ok(&agent, &format!("/api/v1/tickets/{t1}")).await;
    assert_eq!(src["state"], "closed");
    let trs = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t1}/transitions"))
        .await;
    assert_eq!(ids(&trs, "to"), vec!["resolved", "closed"]);
    assert_eq!(trs[1]["reason"], format!("merged into {t2}"));
    let l1 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t1}/links"))
        .await;
    assert_eq!(l1.as_array().unwrap().len(), 1, "{l1}");
    assert_eq!(
        (&l1[0]["other_id"], &l1[0]["kind"], &l1[0]["outgoing"]),
        (&json!(t2), &json!("duplicate"), &json!(true))
    );
    let l2 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t2}/links"))
        .await;
    let mut kinds: Vec<(String, String, bool)> = l2
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["other_id"].as_str().unwrap().to_owned(),
                l["kind"].as_str().unwrap().to_owned(),
                l["outgoing"].as_bool().unwrap(),
            )
        })
        .collect();
    kinds.sort();
    let mut want = vec![
        (t1.clone(), "duplicate".to_owned(), false),
        (t3.clone(), "follow_up".to_owned(), true),
    ];
    want.sort();
    assert_eq!(kinds, want);
    // A closed ticket cannot be merged again.
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/merge"),
            Some(&agent),
            Some(json!({"into": t3})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("ticket_closed"))
    );

    // Split: the message becomes a new linked ticket.
    let (s, new) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t2}/split"),
            Some(&agent),
            Some(json!({"message_id": m1["id"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{new}");
    let t4 = new["id"].as_str().unwrap().to_owned();
    assert_eq!(new["description"], "one");
    assert_eq!(new["subject"], "second (split)");
    assert_eq!(new["priority"], "high");
    assert_eq!(new["state"], "new");
    assert_eq!(
        ids(
            &app.get_ok(&agent, &format!("/api/v1/tickets/{t4}/messages"))
                .await,
            "body"
        ),
        vec!["one"]
    );
    assert_eq!(
        ids(
            &app.get_ok(&agent, &format!("/api/v1/tickets/{t2}/messages"))
                .await,
            "body"
        ),
        vec!["two", "three"]
    );
    // The message is no longer on t2: splitting it off again is an unknown reference.
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t2}/split"),
            Some(&agent),
            Some(json!({"message_id": m1["id"]})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );

    // Reopen inside the window reopens the ticket itself.
    let t5 = ticket(&app, &agent, "washer").await;
    for to in ["resolved", "closed"] {
        assert_eq!(go(&app, &agent, &t5, to).await.0, StatusCode::OK);
    }
    let (s, r) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t5}/reopen"),
            Some(&agent),
            Some(json!({"reason": "still broken"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["follow_up"].as_bool(), r["ticket"]["state"].as_str()),
        (Some(false), Some("reopened"))
    );
    assert_eq!(r["ticket"]["id"], t5.as_str());
    for to in ["resolved", "closed"] {
        assert_eq!(go(&app, &agent, &t5, to).await.0, StatusCode::OK);
    }
    // Only supervisors and admins change the window; then it has passed.
    let (s, _) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&agent),
            Some(json!({"reopen_window_minutes": 0})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"reopen_window_minutes": -5})),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reopen_window_minutes")
        )
    );
    let (s, st) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"reopen_window_minutes": 0})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(st["reopen_window_minutes"], 0);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (s, p) = go(&app, &agent, &t5, "reopened").await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("reopen_window_passed"))
    );
    let (s, r) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t5}/reopen"),
            Some(&agent),
            Some(json!({"reason": "漏水又开始了"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["follow_up"], true);
    let f = &r["ticket"];
    assert_ne!(f["id"], t5.as_str());
    assert_eq!(
        (f["state"].as_str(), f["description"].as_str()),
        (Some("new"), Some("漏水又开始了"))
    );
    assert_eq!(f["subject"], "washer (follow-up)");
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t5}")).await["state"],
        "closed"
    );
    let l5 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t5}/links"))
        .await;
    assert_eq!(
        (&l5[0]["other_id"], &l5[0]["kind"], &l5[0]["outgoing"]),
        (&f["id"], &json!("follow_up"), &json!(true))
    );
    // Reopening a ticket that is neither resolved nor closed is an invalid transition.
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t3}/reopen"),
            Some(&agent),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    app.stop().await;
}

const POLICIES: &str = r#"
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
  cn:
    time_zone: Asia/Shanghai
    weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"]}
    holidays: ["2026-10-01..2026-10-07"]
    extra_workdays: {"2026-09-27": mon}
policies:
  - name: after_sales
    calendar: always
    match: {types: [after_sales]}
    targets: {first_response: 60, next_response: 120, resolution: 480}
    warning_percent: 75
    escalate_to: tier2
  - name: complaints
    calendar: always
    match: {types: [complaint]}
    targets: {first_response: 30}
    escalate_to: supervisor
  - name: standard
    calendar: cn
    targets: {first_response: 240, resolution: 2400}
"#;

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}

fn close_to(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_milliseconds().abs() <= 1500
}

async fn sla_policies_and_ticket_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (_, sup) = app.user(&admin, "acme", "supervisor").await;

    // Without policies tickets carry no SLA fields.
    let t0 = ticket(&app, &agent, "before").await;
    let plain = app.get_ok(&agent, &format!("/api/v1/tickets/{t0}")).await;
    assert!(plain.get("sla").is_none(), "{plain}");

    // Agents may not set policies; bad files are refused and change nothing.
    let (s, _, _) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &agent,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let bad_zone = POLICIES.replace("Asia/Shanghai", "Mars/Olympus");
    let bad_ref = POLICIES.replace("calendar: cn", "calendar: nowhere");
    for bad in [
        bad_zone.as_str(),
        bad_ref.as_str(),
        "calendars: [",
        "policies: []",
    ] {
        let (s, _, p) = app
            .raw(
                Method::PUT,
                "/api/v1/sla/policies",
                &sup,
                "application/yaml",
                bad,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {p}");
        assert_eq!(p["code"], "invalid_body");
    }
    let (s, _, p) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &sup,
            "text/plain",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{p}");
    assert_eq!(
        app.get_ok(&agent, "/api/v1/sla/policies").await,
        json!({"calendars": {}, "policies": []})
    );
    let (s, _, saved) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &sup,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["policies"][0]["name"], "after_sales");
    assert_eq!(
        saved["calendars"]["cn"]["extra_workdays"]["2026-09-27"],
        "mon"
    );
    // The same spec as JSON round-trips.
    let (s, again) = app
        .call(
            Method::PUT,
            "/api/v1/sla/policies",
            Some(&sup),
            Some(saved.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, saved);
    assert_eq!(app.get_ok(&agent, "/api/v1/sla/policies").await, saved);
    assert_eq!(
        app.get_ok(&agent, "/api/v1/ticket-settings").await["sla_configured"],
        true
    );

    // A new after-sales ticket: first response due 60 minutes after creation (24/7).
    let id = ticket(&app, &agent, "漏水").await;
    let t = app.get_ok(&agent, &format!("/api/v1/tickets/{id}")).await;
    let created = instant(&t["created_at"]);
    let sla = &t["sla"];
    assert_eq!(sla["policy"], "after_sales", "{t}");
    let fr = &sla["first_response"];
    assert!(
        close_to(instant(&fr["due"]), created + chrono::Duration::minutes(60)),
        "{fr}"
    );
    assert!(
        close_to(
            instant(&fr["warn_at"]),
            created + chrono::Duration::minutes(45)
        ),
        "{fr}"
    );
    assert_eq!(
        (fr["met_at"].is_null(), fr["breached"].as_bool()),
        (true, Some(false))
    );
    assert!(close_to(
        instant(&sla["resolution"]["due"]),
        created + chrono::Duration::minutes(480)
    ));
    // The list carries the same fields.
    let list = app.get_ok(&agent, "/api/v1/tickets").await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["sla"]["policy"], "after_sales");
    assert_eq!(listed["sla"]["first_response"]["due"], fr["due"]);

    // An internal note is no response; a public reply is.
    say(
        &app,
        &agent,
        &id,
        json!({"body": "内部备注", "public": false}),
    )
    .await;
    let s1 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{id}/sla"))
        .await;
    assert!(s1["first_response"]["met_at"].is_null(), "{s1}");
    let reply = say(&app, &agent, &id, json!({"body": "您好"})).await;
    let s2 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{id}/sla"))
        .await;
    let met = instant(&s2["first_response"]["met_at"]);
    assert!(close_to(met, instant(&reply["created_at"])), "{s2}");

    // Pending the customer pauses resolution; the customer's answer starts a next-response
    // cycle.
    assert_eq!(
        go(&app, &agent, &id, "pending_customer").await.0,
        StatusCode::OK
    );
    let s3 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{id}/sla"))
        .await;
    assert_eq!(s3["resolution"]["paused"], true, "{s3}");
    assert_eq!(go(&app, &agent, &id, "open").await.0, StatusCode::OK);
    say(
        &app,
        &agent,
        &id,
        json!({"body": "还是漏", "author": "customer"}),
    )
    .await;
    let s4 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{id}/sla"))
        .await;
    let cycles = s4["next_response"].as_array().unwrap();
    assert!(!cycles.is_empty(), "{s4}");
    let last = cycles.last().unwrap();
    assert!(last["met_at"].is_null(), "{s4}");
    assert_eq!(last["target_minutes"], 120);

    // Resolve and reopen: first response is not reset.
    assert_eq!(go(&app, &agent, &id, "resolved").await.0, StatusCode::OK);
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/reopen"),
            Some(&agent),
            Some(json!({"reason": "again"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let s5 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{id}/sla"))
        .await;
    assert_eq!(s5["state"], "reopened");
    assert_eq!(instant(&s5["first_response"]["met_at"]), met, "{s5}");
    assert_eq!(s5["resolution"]["paused"], false);

    // Another workspace cannot read the clock.
    let other = app.workspace("rival").await;
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/sla"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn audit_actions(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let audit = app
        .get_ok(
            token,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={id}&limit=100"),
        )
        .await;
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn sla_timer_warns_and_escalates_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (s, _, _) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &admin,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let a = ticket(&app, &agent, "after-sales").await;
    let (s, c) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&agent),
            Some(json!({"type": "complaint", "subject": "投诉", "priority": "normal"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let c = c["id"].as_str().unwrap().to_owned();
    // A ticket answered in time is left alone.
    let answered = ticket(&app, &agent, "answered").await;
    say(&app, &agent, &answered, json!({"body": "ok"})).await;
    let created = instant(&app.get_ok(&agent, &format!("/api/v1/tickets/{a}")).await["created_at"]);

    let store = kefu_store::Store::connect(&app.database_url).await.unwrap();
    let sweep = |m: i64| {
        let store = store.clone();
        async move {
            kefu_server::tickets::sla_timer::sweep(&store, created + chrono::Duration::minutes(m))
                .await
                .unwrap()
        }
    };
    // At 25 minutes the complaint (30, warning at 80 % = 24) warns; the after-sales ticket
    // (60, warning at 75 % = 45) does not yet.
    let s1 = sweep(25).await;
    assert_eq!((s1.warnings, s1.breaches), (1, 0), "{s1:?}");
    assert!(
        audit_actions(&app, &admin, &c)
            .await
            .contains(&"sla_warning".to_owned())
    );
    assert!(
        !audit_actions(&app, &admin, &a)
            .await
            .contains(&"sla_warning".to_owned())
    );
    // Again at the same time: nothing new.
    assert_eq!(sweep(25).await.warnings + sweep(25).await.breaches, 0);
    // At 61 minutes: the after-sales ticket breaches first response (escalated to tier 2; no
    // late warning once breached); the complaint breaches (escalated to the supervisors,
    // state unchanged).
    let s2 = sweep(61).await;
    assert_eq!((s2.warnings, s2.breaches), (0, 2), "{s2:?}");
    let ta = app.get_ok(&agent, &format!("/api/v1/tickets/{a}")).await;
    assert_eq!(ta["state"], "escalated");
    let trs = app
        .get_ok(&agent, &format!("/api/v1/tickets/{a}/transitions"))
        .await;
    assert_eq!(trs[0]["reason"], "SLA first_response breached");
    assert_eq!(trs[0]["actor_id"], "");
    let tc = app.get_ok(&agent, &format!("/api/v1/tickets/{c}")).await;
    assert_eq!(tc["state"], "new");
    let acts = audit_actions(&app, &admin, &c).await;
    assert!(
        acts.contains(&"sla_breached".to_owned()) && acts.contains(&"sla_escalated".to_owned()),
        "{acts:?}"
    );
    let acts = audit_actions(&app, &admin, &answered).await;
    assert!(!acts.iter().any(|x| x.starts_with("sla_")), "{acts:?}");
    // Moved back to open by an agent, the ticket is not escalated again for the same breach.
    assert_eq!(go(&app, &agent, &a, "open").await.0, StatusCode::OK);
    assert_eq!(sweep(62).await.breaches, 0);
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{a}")).await["state"],
        "open"
    );
    store.close().await.unwrap();
    app.stop().await;
}

async fn pending_customer_is_reminded_then_resolved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (s, st) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"pending_remind_minutes": 3 * 24 * 60, "pending_resolve_minutes": 5 * 24 * 60})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    let (s, _) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"pending_resolve_minutes": -1})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let waiting = ticket(&app, &agent, "waiting").await;
    let open = ticket(&app, &agent, "open").await;
    assert_eq!(
        go(&app, &agent, &waiting, "pending_customer").await.0,
        StatusCode::OK
    );
    assert_eq!(go(&app, &agent, &open, "open").await.0, StatusCode::OK);
    let since = instant(
        &app.get_ok(&agent, &format!("/api/v1/tickets/{waiting}/transitions"))
            .await[0]["at"],
    );
    let store = kefu_store::Store::connect(&app.database_url).await.unwrap();
    let sweep = |d: i64| {
        let store = store.clone();
        async move {
            kefu_server::tickets::sla_timer::sweep(&store, since + chrono::Duration::hours(d))
                .await
                .unwrap()
        }
    };
    let s1 = sweep(24).await;
    assert_eq!((s1.reminded, s1.auto_resolved), (0, 0));
    let s2 = sweep(73).await;
    assert_eq!((s2.reminded, s2.auto_resolved), (1, 0), "{s2:?}");
    assert_eq!(sweep(74).await.reminded, 0, "one reminder per wait");
    assert!(
        audit_actions(&app, &admin, &waiting)
            .await
            .contains(&"pending_reminder".to_owned())
    );
    let s3 = sweep(121).await;
    assert_eq!((s3.reminded, s3.auto_resolved), (0, 1), "{s3:?}");
    let t = app
        .get_ok(&agent, &format!("/api/v1/tickets/{waiting}"))
        .await;
    assert_eq!(t["state"], "resolved");
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{open}")).await["state"],
        "open"
    );
    store.close().await.unwrap();
    app.stop().await;
}
