//! CRUD, filters and keyset pagination of the core records; the ticket state machine; audit.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashSet;

both!(
    customers_crud_and_pagination,
    tickets_walk_the_workflow_with_audit,
    interactions_keep_every_field,
    teams_and_users
);

async fn customers_crud_and_pagination(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let t = Some(t.as_str());
    let mut created = vec![];
    for i in 0..7 {
        let tags = if i % 2 == 0 {
            json!(["vip"])
        } else {
            json!(["normal"])
        };
        let (s, c) = app
            .call(Method::POST, "/api/v1/customers", t, Some(json!({
                "name": format!("客户{i} Wang"), "phones": [format!("+86 138-0013-800{i}")],
                "emails": [format!("C{i}@Example.CN")], "external_ids": {"wechat": format!("wx{i}")},
                "organization": "海尔", "tags": tags
            })))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(c["emails"][0], format!("c{i}@example.cn"));
        assert_eq!(c["external_ids"]["wechat"], format!("wx{i}"));
        created.push(c["id"].as_str().unwrap().to_owned());
    }
    // Pages of 3: newest first, every record exactly once.
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=3&cursor={c}"),
            None => "/api/v1/customers?limit=3".into(),
        };
        let (s, page) = app.call(Method::GET, &path, t, None).await;
        assert_eq!(s, StatusCode::OK);
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let (_, vip) = app
        .call(Method::GET, "/api/v1/customers?tag=vip", t, None)
        .await;
    assert_eq!(vip["items"].as_array().unwrap().len(), 4);
    let (_, q) = app
        .call(
            Method::GET,
            "/api/v1/customers?q=%E5%AE%A2%E6%88%B73",
            t,
            None,
        )
        .await;
    assert_eq!(q["items"].as_array().unwrap().len(), 1, "{q}");
    assert_eq!(q["items"][0]["name"], "客户3 Wang");

    let id = &created[0];
    let (s, c) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            t,
            Some(json!({"organization": null, "tags": ["vip", "vip", "key"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["organization"], serde_json::Value::Null);
    assert_eq!(c["tags"], json!(["vip", "key"]));
    assert_eq!(c["name"], "客户0 Wang");

    let (s, _) = app
        .call(Method::DELETE, &format!("/api/v1/customers/{id}"), t, None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(Method::GET, &format!("/api/v1/customers/{id}"), t, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=customer&entity_id={id}"),
            t,
            None,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["deleted", "updated", "created"]);
    app.stop().await;
}

async fn tickets_walk_the_workflow_with_audit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (agent_id, agent) = app.user(&admin, "acme", "agent").await;
    let a = Some(agent.as_str());
    let (_, cust) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            a,
            Some(json!({"name": "李雷"})),
        )
        .await;
    let (s, team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "售后部", "member_ids": [agent_id]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let (s, tk) = app
        .call(Method::POST, "/api/v1/tickets", a, Some(json!({
            "type": "after_sales", "subject": "洗衣机不脱水", "description": "客户来电：洗衣机不脱水。",
            "priority": "high", "customer_id": cust["id"], "group_id": team["id"], "assignee_id": agent_id
        })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tk}");
    assert_eq!(tk["state"], "new");
    assert_eq!(tk["type"], "after_sales");
    let id = tk["id"].as_str().unwrap();
    let path = format!("/api/v1/tickets/{id}/transitions");

    for (to, reason) in [
        ("open", "受理"),
        ("escalated", "提送二线"),
        ("resolved", "已更换电机"),
        ("closed", "客户确认"),
    ] {
        let (s, t) = app
            .call(
                Method::POST,
                &path,
                a,
                Some(json!({"to": to, "reason": reason})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{to}: {t}");
        assert_eq!(t["state"], to);
    }
    let (s, ctype, p) = app
        .call_full(Method::POST, &path, a, Some(json!({"to": "open"})), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(p["code"], "invalid_transition");
    assert_eq!(p["from"], "closed");
    assert_eq!(p["to"], "open");
    let (_, t) = app
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), a, None)
        .await;
    assert_eq!(t["state"], "closed", "a refused transition changes nothing");

    let (_, hist) = app.call(Method::GET, &path, a, None).await;
    let hist = hist.as_array().unwrap();
    assert_eq!(hist.len(), 4);
    assert_eq!(hist[1]["from"], "open");
    assert_eq!(hist[1]["to"], "escalated");
    assert_eq!(hist[1]["reason"], "提送二线");
    assert_eq!(hist[1]["actor_id"], agent_id);

    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={id}"),
            a,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "agents do not read the audit log");
    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={id}"),
            Some(&admin),
            None,
        )
        .await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[4]["action"], "created");
    assert_eq!(items[4]["before"], serde_json::Value::Null);
    assert_eq!(items[4]["after"]["subject"], "洗衣机不脱水");
    assert_eq!(items[0]["action"], "transitioned");
    assert_eq!(items[0]["before"]["state"], "resolved");
    assert_eq!(items[0]["after"]["state"], "closed");
    assert_eq!(items[0]["actor_id"], agent_id);

    // Filters.
    let (_, open) = app
        .call(
            Method::GET,
            "/api/v1/tickets?state=closed&priority=high&type=after_sales",
            a,
            None,
        )
        .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let (_, none) = app
        .call(Method::GET, "/api/v1/tickets?state=open", a, None)
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (_, mine) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets?assignee_id={agent_id}"),
            a,
            None,
        )
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // Patch keeps the state; a customer in use cannot be deleted.
    let (s, t) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            a,
            Some(json!({"priority": "urgent", "assignee_id": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["assignee_id"], serde_json::Value::Null);
    assert_eq!(t["state"], "closed");
    let (s, p) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/customers/{}", cust["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(p["code"], "customer_in_use");
    app.stop().await;
}

async fn interactions_keep_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (agent_id, agent) = app.user(&admin, "acme", "agent").await;
    let a = Some(agent.as_str());
    let (_, cust) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            a,
            Some(json!({"name": "韩梅梅"})),
        )
        .await;
    let (_, tk) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            a,
            Some(json!({"type": "inquiry", "subject": "查询订单"})),
        )
        .await;
    let body = json!({
        "channel": "voice", "direction": "inbound", "customer_id": cust["id"], "queue": "售后",
        "agent_id": agent_id, "ticket_id": tk["id"],
        "offered_at": "2026-11-23T01:00:00Z", "queued_at": "2026-11-23T01:00:01Z",
        "ringing_at": "2026-11-23T01:00:15Z", "answered_at": "2026-11-23T01:00:21Z",
        "held_at": "2026-11-23T01:02:00Z", "ended_at": "2026-11-23T01:05:00Z",
        "wrap_up_ended_at": "2026-11-23T01:06:00Z", "ring_s": 6, "talk_s": 249, "hold_s": 30, "acw_s": 60,
        "outcome": "handled", "disposition": "order_status", "transcript": "您好，这里是客服中心……",
        "recording_ref": "rec/2026/11/23/abc.wav"
    });
    let (s, i) = app
        .call(Method::POST, "/api/v1/interactions", a, Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    for (k, v) in body.as_object().unwrap() {
        if k.ends_with("_at") {
            let got = chrono::DateTime::parse_from_rfc3339(i[k].as_str().unwrap()).unwrap();
            let want = chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
            assert_eq!(got, want, "{k}");
        } else {
            assert_eq!(&i[k], v, "{k}");
        }
    }
    let id = i["id"].as_str().unwrap();
    let (s, p) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/interactions/{id}"),
            a,
            Some(json!({"answered_at": "2026-11-23T00:59:00Z"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "answered before offered: {p}"
    );
    assert_eq!(p["field"], "answered_at");
    let (s, p) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/interactions/{id}"),
            a,
            Some(json!({"disposition": null, "acw_s": 75})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["disposition"], serde_json::Value::Null);
    assert_eq!(p["acw_s"], 75);
    assert_eq!(p["talk_s"], 249);
    let (_, l) = app
        .call(
            Method::GET,
            &format!("/api/v1/interactions?channel=voice&agent_id={agent_id}"),
            a,
            None,
        )
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let (_, l) = app
        .call(Method::GET, "/api/v1/interactions?channel=email", a, None)
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 0);
    app.stop().await;
}

async fn teams_and_users(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let t = Some(admin.as_str());
    let (u1, _) = app.user(&admin, "acme", "agent").await;
    let (u2, _) = app.user(&admin, "acme", "specialist").await;
    let (s, team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            t,
            Some(json!({"name": "投诉组", "member_ids": [u1]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let tid = team["id"].as_str().unwrap();
    let (_, team) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/teams/{tid}"),
            t,
            Some(json!({"member_ids": [u2, u1]})),
        )
        .await;
    let want: HashSet<&str> = [u1.as_str(), u2.as_str()].into();
    let got: HashSet<&str> = team["member_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(got, want);
    let (_, users) = app
        .call(Method::GET, "/api/v1/users?role=specialist", t, None)
        .await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    let (s, dup) = app
        .call(
            Method::POST,
            "/api/v1/users",
            t,
            Some(json!({"email": "ADMIN@acme.test", "name": "x", "role": "agent"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{dup}");
    assert_eq!(dup["code"], "email_taken");
    let (s, _) = app
        .call(Method::DELETE, &format!("/api/v1/users/{u1}"), t, None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, u) = app
        .call(Method::GET, &format!("/api/v1/users/{u1}"), t, None)
        .await;
    assert_eq!(u["active"], false);
    app.stop().await;
}
