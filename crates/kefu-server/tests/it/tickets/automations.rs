//! Macros (several actions and a reply template in one click) and triggers (order, each seeing
//! the changes of the ones before it, and no loops).

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    macros_and_triggers,
    macros_are_atomic_and_triggers_follow_every_path
);

async fn call(
    app: &TestApp,
    m: Method,
    tok: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.call(m, path, Some(tok), body).await
}

async fn macros_and_triggers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (_, team) = call(
        &app,
        Method::POST,
        &admin,
        "/api/v1/teams",
        Some(json!({"name": "投诉组"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();

    let esc = json!({"name": "转二线", "actions": [
        {"action": "set_priority", "priority": "urgent"},
        {"action": "add_tags", "tags": ["二线"]},
        {"action": "transition", "to": "escalated", "reason": "macro"},
        {"action": "reply", "body": "您好，「{{subject}}」已转二线处理"}
    ]});
    let (s, _) = call(
        &app,
        Method::POST,
        &agent,
        "/api/v1/macros",
        Some(esc.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for bad in [
        json!({"name": "x", "actions": []}),
        json!({"name": "x", "actions": [{"action": "explode"}]}),
        json!({"name": "x", "actions": [{"action": "assign", "assignee_id": "nope"}]}),
        json!({"name": "", "actions": [{"action": "add_tags", "tags": ["a"]}]}),
    ] {
        let (s, p) = call(
            &app,
            Method::POST,
            &admin,
            "/api/v1/macros",
            Some(bad.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {p}");
    }
    let (s, mac) = call(&app, Method::POST, &admin, "/api/v1/macros", Some(esc)).await;
    assert_eq!(s, StatusCode::CREATED, "{mac}");
    let mac = mac["id"].as_str().unwrap().to_owned();
    let (_, t) = call(
        &app,
        Method::POST,
        &agent,
        "/api/v1/tickets",
        Some(json!({"type": "inquiry", "subject": "洗衣机不转"})),
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["priority"], "normal");
    for round in 1..=2 {
        let (s, r) = call(
            &app,
            Method::POST,
            &agent,
            &format!("/api/v1/tickets/{id}/macros/{mac}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(
            (r["state"].as_str(), r["priority"].as_str()),
            (Some("escalated"), Some("urgent"))
        );
        let (_, msgs) = call(
            &app,
            Method::GET,
            &agent,
            &format!("/api/v1/tickets/{id}/messages"),
            None,
        )
        .await;
        assert_eq!(msgs.as_array().unwrap().len(), round);
        assert_eq!(msgs[0]["body"], "您好，「洗衣机不转」已转二线处理");
    }
    let (_, trs) = call(
        &app,
        Method::GET,
        &agent,
        &format!("/api/v1/tickets/{id}/transitions"),
        None,
    )
    .await;
    assert_eq!(
        trs.as_array().unwrap().len(),
        1,
        "the second run does not transition again"
    );
    let (_, tags) = call(
        &app,
        Method::GET,
        &agent,
        &format!("/api/v1/tickets/{id}/tags"),
        None,
    )
    .await;
    assert_eq!(tags["tags"], json!(["二线"]));

    // Triggers, in position order; the second sees the first one's tag.
    let triggers = [
        json!({"name": "tag complaints", "position": 1, "on": ["create"],
               "conditions": {"types": ["complaint"]},
               "actions": [{"action": "set_priority", "priority": "high"}, {"action": "add_tags", "tags": ["投诉"]}]}),
        json!({"name": "route complaints", "position": 2, "on": ["create", "update"],
               "conditions": {"tags": ["投诉"]},
               "actions": [{"action": "set_group", "group_id": team}]}),
        // Two triggers that undo each other: each fires at most once per event.
        json!({"name": "down", "position": 4, "on": ["update"], "conditions": {"priorities": ["high"]},
               "actions": [{"action": "set_priority", "priority": "low"}]}),
        json!({"name": "up", "position": 5, "on": ["update"], "conditions": {"priorities": ["low"]},
               "actions": [{"action": "set_priority", "priority": "high"}]}),
        json!({"name": "inactive", "position": 0, "active": false, "on": ["create"],
               "actions": [{"action": "add_tags", "tags": ["never"]}]}),
    ];
    for tr in triggers {
        let (s, r) = call(&app, Method::POST, &admin, "/api/v1/triggers", Some(tr)).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (s, p) = call(
        &app,
        Method::POST,
        &admin,
        "/api/v1/triggers",
        Some(json!({"name": "x", "on": [], "actions": [{"action": "add_tags", "tags": ["a"]}]})),
    )
    .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("on"))
    );
    let (_, list) = call(&app, Method::GET, &agent, "/api/v1/triggers", None).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "inactive",
            "tag complaints",
            "route complaints",
            "down",
            "up"
        ]
    );

    let (s, c) = call(
        &app,
        Method::POST,
        &agent,
        "/api/v1/tickets",
        Some(json!({"type": "complaint", "subject": "服务态度差"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        (c["priority"].as_str(), c["group_id"].as_str()),
        (Some("high"), Some(team.as_str())),
        "{c}"
    );
    let cid = c["id"].as_str().unwrap().to_owned();
    let (_, tags) = call(
        &app,
        Method::GET,
        &agent,
        &format!("/api/v1/tickets/{cid}/tags"),
        None,
    )
    .await;
    assert_eq!(tags["tags"], json!(["投诉"]));
    // An update: "down" then "up" fire once each, in order; the request ends.
    let (s, u) = call(
        &app,
        Method::PATCH,
        &agent,
        &format!("/api/v1/tickets/{cid}"),
        Some(json!({"subject": "服务态度差（二次）"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["priority"], "high");
    let (_, audit) = call(
        &app,
        Method::GET,
        &admin,
        &format!("/api/v1/audit?entity_type=ticket&entity_id={cid}&limit=100"),
        None,
    )
    .await;
    let priorities: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .filter(|a| a["action"] == "updated")
        .map(|a| a["after"]["priority"].as_str().unwrap())
        .collect();
    // create: high (trigger 1); route: high; patch: high; down: low; up: high; route: high.
    assert_eq!(
        priorities.iter().filter(|p| **p == "low").count(),
        1,
        "{priorities:?}"
    );
    assert_eq!(*priorities.last().unwrap(), "high");
    // An inquiry matches nothing.
    let (_, q) = call(
        &app,
        Method::POST,
        &agent,
        "/api/v1/tickets",
        Some(json!({"type": "inquiry", "subject": "q"})),
    )
    .await;
    assert_eq!(
        (q["priority"].as_str(), q["group_id"].is_null()),
        (Some("normal"), true)
    );
    // A macro id is not a trigger id; other workspaces see neither.
    let (s, _) = call(
        &app,
        Method::GET,
        &admin,
        &format!("/api/v1/triggers/{mac}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let other = app.workspace("rival").await;
    let (s, _) = call(
        &app,
        Method::GET,
        &other,
        &format!("/api/v1/macros/{mac}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &app,
        Method::DELETE,
        &admin,
        &format!("/api/v1/macros/{mac}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.stop().await;
}

async fn tags_of(app: &TestApp, tk: &str, id: &str) -> Value {
    let (_, t) = call(
        app,
        Method::GET,
        tk,
        &format!("/api/v1/tickets/{id}/tags"),
        None,
    )
    .await;
    t["tags"].clone()
}

async fn audit_len(app: &TestApp, tk: &str, id: &str) -> usize {
    let (_, a) = call(
        app,
        Method::GET,
        tk,
        &format!("/api/v1/audit?entity_type=ticket&entity_id={id}&limit=500"),
        None,
    )
    .await;
    a["items"].as_array().unwrap().len()
}

async fn macros_are_atomic_and_triggers_follow_every_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let rival = app.workspace("rival").await;
    let (stranger, _) = app.user(&rival, "rival", "agent").await;
    let new_ticket = |subject: &'static str| {
        let app = &app;
        let agent = agent.clone();
        async move {
            let (s, t) = call(
                app,
                Method::POST,
                &agent,
                "/api/v1/tickets",
                Some(json!({"type": "inquiry", "subject": subject})),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{t}");
            t["id"].as_str().unwrap().to_owned()
        }
    };
    let make = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (s, m) = call(app, Method::POST, &admin, "/api/v1/macros", Some(body)).await;
            assert_eq!(s, StatusCode::CREATED, "{m}");
            m["id"].as_str().unwrap().to_owned()
        }
    };
    // The last action fails (new → closed is no transition): the priority, the tag and the
    // reply before it are not kept, and nothing is audited.
    let bad_transition = make(json!({"name": "bad", "actions": [
        {"action": "set_priority", "priority": "urgent"},
        {"action": "add_tags", "tags": ["x"]},
        {"action": "reply", "body": "处理中"},
        {"action": "transition", "to": "closed"}
    ]}))
    .await;
    // An assignee of another workspace: 422, nothing kept either.
    let bad_ref = make(json!({"name": "bad ref", "actions": [
        {"action": "add_tags", "tags": ["y"]},
        {"action": "reply", "body": "转交"},
        {"action": "assign", "assignee_id": stranger}
    ]}))
    .await;
    let t = new_ticket("原子").await;
    let audited = audit_len(&app, &admin, &t).await;
    for (mac, status, code) in [
        (&bad_transition, StatusCode::CONFLICT, "invalid_transition"),
        (
            &bad_ref,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_reference",
        ),
    ] {
        let (s, p) = call(
            &app,
            Method::POST,
            &agent,
            &format!("/api/v1/tickets/{t}/macros/{mac}"),
            None,
        )
        .await;
        assert_eq!((s, p["code"].as_str()), (status, Some(code)), "{p}");
        let (_, now) = call(
            &app,
            Method::GET,
            &agent,
            &format!("/api/v1/tickets/{t}"),
            None,
        )
        .await;
        assert_eq!(
            (now["priority"].as_str(), now["state"].as_str()),
            (Some("normal"), Some("new"))
        );
        assert_eq!(tags_of(&app, &agent, &t).await, json!([]));
        let (_, msgs) = call(
            &app,
            Method::GET,
            &agent,
            &format!("/api/v1/tickets/{t}/messages"),
            None,
        )
        .await;
        assert_eq!(msgs, json!([]));
        assert_eq!(audit_len(&app, &admin, &t).await, audited);
    }

    // A trigger on `update` runs after every change path a person uses.
    let (s, r) = call(
        &app,
        Method::POST,
        &admin,
        "/api/v1/triggers",
        Some(
            json!({"name": "mark", "on": ["update"], "conditions": {"subject_contains": "路径"},
            "actions": [{"action": "add_tags", "tags": ["touched"]}]}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A trigger whose actions fail as a whole: its tag is not kept, the request succeeds.
    let (s, r) = call(
        &app,
        Method::POST,
        &admin,
        "/api/v1/triggers",
        Some(json!({"name": "half", "position": 9, "on": ["update"],
            "conditions": {"subject_contains": "路径"},
            "actions": [{"action": "add_tags", "tags": ["half"]},
                        {"action": "transition", "to": "closed"}]})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let good =
        make(json!({"name": "high", "actions": [{"action": "set_priority", "priority": "high"}]}))
            .await;
    let m = new_ticket("路径 message").await;
    let (s, _) = call(
        &app,
        Method::POST,
        &agent,
        &format!("/api/v1/tickets/{m}/messages"),
        Some(json!({"body": "您好"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let g = new_ticket("路径 tags").await;
    let (s, tg) = call(
        &app,
        Method::PUT,
        &agent,
        &format!("/api/v1/tickets/{g}/tags"),
        Some(json!({"tags": ["a"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        tg["tags"],
        json!(["a", "touched"]),
        "the answer shows the trigger's tag"
    );
    let b = new_ticket("路径 bulk").await;
    let (s, r) = call(
        &app,
        Method::POST,
        &agent,
        "/api/v1/tickets/bulk",
        Some(json!({"ids": [b], "to": "open"})),
    )
    .await;
    assert_eq!(
        (s, r[0]["ok"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r}"
    );
    let k = new_ticket("路径 macro").await;
    let (s, r) = call(
        &app,
        Method::POST,
        &agent,
        &format!("/api/v1/tickets/{k}/macros/{good}"),
        None,
    )
    .await;
    assert_eq!(
        (s, r["priority"].as_str()),
        (StatusCode::OK, Some("high")),
        "{r}"
    );
    for id in [&m, &g, &b, &k] {
        let tags = tags_of(&app, &agent, id).await;
        assert!(
            tags.as_array().unwrap().contains(&json!("touched")),
            "{id}: {tags}"
        );
        assert!(
            !tags.as_array().unwrap().contains(&json!("half")),
            "{id}: {tags}"
        );
    }
    // A ticket the trigger's condition does not match is left alone.
    let n = new_ticket("别的").await;
    call(
        &app,
        Method::POST,
        &agent,
        &format!("/api/v1/tickets/{n}/messages"),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(tags_of(&app, &agent, &n).await, json!([]));
    app.stop().await;
}
