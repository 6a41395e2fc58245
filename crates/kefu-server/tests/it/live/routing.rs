//! A contact's way through the live center over the REST contract: configured queue and
//! agents, the longest-idle skilled agent offered, a second agent refused, accept, end,
//! wrap-up with a disposition; the interaction's timestamps and durations, the agent-state
//! history and the queue's figures agree with what happened.

use super::{app, at, contact, go, ts};
use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    a_contact_goes_to_the_longest_idle_skilled_agent_and_is_wrapped_up,
    queues_and_agents_are_checked_and_audited,
    vip_customers_go_first_and_owners_are_preferred,
    skills_set_anywhere_route_at_once,
    one_workspace_never_reaches_another_live_center
);

async fn agent(app: &TestApp, admin: &str, skills: Value) -> (String, String) {
    let (id, token) = app.user(admin, "acme", "agent").await;
    app.ok(
        admin,
        Method::PUT,
        &format!("/api/v1/agents/{id}"),
        Some(json!({"skills": skills})),
    )
    .await;
    (id, token)
}

async fn a_contact_goes_to_the_longest_idle_skilled_agent_and_is_wrapped_up(backend: Backend) {
    let (app, clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let q = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({
                "name": "Billing", "required_skills": {"billing": 2}, "wrap_up_s": 30,
                "dispositions": ["resolved", "escalated"],
            })),
        )
        .await;
    let queue = q["id"].as_str().unwrap();
    assert_eq!(q["offer_timeout_s"], 15);
    assert_eq!(
        q["service_level"],
        json!({"target": 0.8, "threshold_s": 20})
    );
    let (unskilled, t_unskilled) = agent(&app, &admin, json!({"billing": 1})).await;
    let (a1, t1) = agent(&app, &admin, json!({"billing": 3})).await;
    let (a2, t2) = agent(&app, &admin, json!({"billing": 2})).await;
    let customer = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "王芳", "phones": ["13800138000"]})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Ready in this order: the unskilled agent idles longest but cannot take billing.
    go(&app, &t_unskilled, "ready").await;
    at(&clock, 5);
    let d = go(&app, &t1, "ready").await;
    assert_eq!(d["state"], "available");
    at(&clock, 10);
    go(&app, &t2, "ready").await;

    at(&clock, 20);
    let id = contact(&app, &admin, queue, Some(&customer)).await;
    let d1 = app.get_ok(&t1, "/api/v1/live/agents/me").await;
    assert_eq!(d1["state"], "reserved");
    assert_eq!(
        d1["offers"],
        json!([{"interaction_id": id, "queue": queue, "channel": "voice",
                "customer_id": customer, "expires_at": ts(35)}])
    );
    for t in [&t2, &t_unskilled] {
        let d = app.get_ok(t, "/api/v1/live/agents/me").await;
        assert_eq!(
            (d["state"].as_str(), d["offers"].clone()),
            (Some("available"), json!([]))
        );
    }
    let status = app
        .get_ok(&admin, &format!("/api/v1/live/contacts/{id}"))
        .await;
    assert_eq!(status["state"], "offered");

    at(&clock, 23);
    // Another agent (or a second tab) cannot take it.
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/live/offers/{id}/accept"),
            Some(&t2),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_offered"))
    );
    let d = app
        .ok(
            &t1,
            Method::POST,
            &format!("/api/v1/live/offers/{id}/accept"),
            None,
        )
        .await;
    assert_eq!(d["state"], "busy");
    assert_eq!(d["active"][0]["interaction_id"], id.as_str());
    assert_eq!(d["active"][0]["state"], "busy");
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/live/offers/{id}/accept"),
            Some(&t1),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "accepting twice");

    at(&clock, 83);
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/live/interactions/{id}/end"),
            Some(&t2),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_your_contact"))
    );
    let d = app
        .ok(
            &t1,
            Method::POST,
            &format!("/api/v1/live/interactions/{id}/end"),
            None,
        )
        .await;
    assert_eq!(d["state"], "wrap_up");
    assert_eq!(d["active"][0]["state"], "wrap_up");

    at(&clock, 90);
    let path = format!("/api/v1/live/interactions/{id}/wrap-up");
    let (s, p) = app
        .call(
            Method::POST,
            &path,
            Some(&t1),
            Some(json!({"disposition": "lost"})),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("disposition"))
    );
    let d = app
        .ok(
            &t1,
            Method::POST,
            &path,
            Some(json!({"disposition": "resolved", "note": "退款已处理"})),
        )
        .await;
    assert_eq!(
        (d["state"].as_str(), d["active"].clone()),
        (Some("available"), json!([]))
    );
    let (s, p) = app
        .call(
            Method::POST,
            &path,
            Some(&t1),
            Some(json!({"disposition": "resolved"})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_wrapped_up"))
    );

    let i = app
        .get_ok(&admin, &format!("/api/v1/interactions/{id}"))
        .await;
    let want = json!({
        "channel": "voice", "direction": "inbound", "customer_id": customer, "queue": queue,
        "agent_id": a1, "offered_at": ts(20), "queued_at": ts(20), "ringing_at": ts(20),
        "answered_at": ts(23), "ended_at": ts(83), "wrap_up_ended_at": ts(90),
        "ring_s": 3, "talk_s": 60, "acw_s": 30 - 23, "outcome": "handled",
        "disposition": "resolved",
    });
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&i[k], v, "interaction field {k}: {i}");
    }

    // The agent-state history of the agent who took it.
    let states: Vec<(String, i64)> = app
        .store
        .agent_states(&scope(&app, "acme").await, Some(&a1), super::t0())
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.state, (s.at - super::t0()).num_seconds()))
        .collect();
    let want: Vec<(String, i64)> = [
        ("available", 5),
        ("reserved", 20),
        ("busy", 23),
        ("wrap_up", 83),
        ("available", 90),
    ]
    .into_iter()
    .map(|(s, t)| (s.to_owned(), t))
    .collect();
    assert_eq!(states, want);

    let figures = app.get_ok(&admin, "/api/v1/live/queues").await;
    let f = &figures[0];
    assert_eq!(
        (
            &f["id"],
            &f["offered"],
            &f["answered"],
            &f["abandoned"],
            &f["waiting"]
        ),
        (&json!(queue), &json!(1), &json!(1), &json!(0), &json!(0))
    );
    assert_eq!(
        (&f["asa_s"], &f["service_level"]),
        (&json!(3.0), &json!(1.0))
    );
    assert_eq!(f["agents"]["available"], 2, "{f}");
    let _ = a2;
    let _ = unskilled;
}

/// The workspace scope of `slug`, for reading the store directly.
async fn scope(app: &TestApp, slug: &str) -> kefu_server::kefu_store::WorkspaceScope {
    let (scope, _) = app
        .store
        .login_candidate(slug, &format!("admin@{slug}.test"))
        .await
        .expect("store")
        .expect("admin");
    scope
}

async fn queues_and_agents_are_checked_and_audited(backend: Backend) {
    let (app, _clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent_token) = app.user(&admin, "acme", "agent").await;
    let post = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.call(Method::POST, "/api/v1/queues", Some(&token), Some(body))
                .await
        }
    };
    let (s, _) = post(&agent_token, json!({"name": "X"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, field) in [
        (json!({"name": " "}), "name"),
        (
            json!({"name": "X", "service_level": {"target": 1.5, "threshold_s": 20}}),
            "service_level.target",
        ),
        (
            json!({"name": "X", "required_skills": {"billing": 9}}),
            "required_skills",
        ),
        (
            json!({"name": "X", "offer_timeout_s": 0}),
            "offer_timeout_s",
        ),
    ] {
        let (s, p) = post(&admin, body.clone()).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}"
        );
    }
    let (s, _) = post(&admin, json!({"name": "X", "colour": "red"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown settings are refused"
    );
    let (s, p) = post(
        &admin,
        json!({"name": "X", "overflow": {"after_s": 60, "queue": "0190b0b0-0000-7000-8000-000000000000"}}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );

    let general = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "General"})),
        )
        .await;
    let g = general["id"].as_str().unwrap();
    let (s, p) = post(&admin, json!({"name": "General"})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue_name_taken"))
    );
    let vip = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "VIP", "overflow": {"after_s": 30, "queue": g}})),
        )
        .await;
    // A queue another overflows into, or one holding contacts, cannot be deleted.
    let (s, p) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/queues/{g}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue_in_use"))
    );
    let v = vip["id"].as_str().unwrap();
    let id = contact(&app, &admin, v, None).await;
    let (s, p) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/queues/{v}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue_in_use"))
    );
    let st = app
        .get_ok(&admin, &format!("/api/v1/live/contacts/{id}"))
        .await;
    assert_eq!(
        (st["state"].as_str(), st["position"].as_u64()),
        (Some("waiting"), Some(1))
    );
    assert_eq!(st["ewt_s"], Value::Null, "nobody staffs the queue");

    // Renaming keeps the waiting contact; a change of settings is audited with before/after.
    let renamed = app
        .ok(
            &admin,
            Method::PUT,
            &format!("/api/v1/queues/{v}"),
            Some(
                json!({"name": "VIP 贵宾", "priority": 5, "overflow": {"after_s": 30, "queue": g}}),
            ),
        )
        .await;
    assert_eq!(
        (renamed["name"].as_str(), renamed["priority"].as_i64()),
        (Some("VIP 贵宾"), Some(5))
    );
    let st = app
        .get_ok(&admin, &format!("/api/v1/live/contacts/{id}"))
        .await;
    assert_eq!(st["state"], "waiting");
    let audit = app
        .get_ok(&admin, &format!("/api/v1/audit?entity_id={v}"))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"created") && actions.contains(&"updated"),
        "{actions:?}"
    );

    let (s, _) = app
        .call(
            Method::PUT,
            "/api/v1/agents/not-an-id",
            Some(&admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, p) = app
        .call(
            Method::PUT,
            "/api/v1/live/agents/me/state",
            Some(&agent_token),
            Some(json!({"state": "asleep"})),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("state"))
    );
}

async fn vip_customers_go_first_and_owners_are_preferred(backend: Backend) {
    let (app, clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let queue = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "General", "prefer_owner_s": 30})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = |name: &str, tier: &str| {
        let body = json!({"name": name, "value_tier": tier});
        let (app, admin) = (&app, admin.clone());
        async move {
            app.ok(&admin, Method::POST, "/api/v1/customers", Some(body))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let plain = customer("普通客户", "normal").await;
    let vip = customer("贵宾客户", "vip").await;
    let owned = customer("认养客户", "normal").await;
    let (a1, t1) = app.user(&admin, "acme", "agent").await;
    let (_a2, t2) = app.user(&admin, "acme", "agent").await;
    app.ok(
        &admin,
        Method::POST,
        &format!("/api/v1/customers/{owned}/owner"),
        Some(json!({"owner_id": a1})),
    )
    .await;

    // Nobody ready: the plain contact waits first, the VIP one arrives 5 s later.
    let c_plain = contact(&app, &admin, &queue, Some(&plain)).await;
    at(&clock, 5);
    let c_vip = contact(&app, &admin, &queue, Some(&vip)).await;
    let st = app
        .get_ok(&admin, &format!("/api/v1/live/contacts/{c_vip}"))
        .await;
    assert_eq!(st["position"], 1, "the VIP contact is first in line: {st}");
    at(&clock, 10);
    let d2 = go(&app, &t2, "ready").await;
    assert_eq!(d2["offers"][0]["interaction_id"], c_vip.as_str());
    app.ok(
        &t2,
        Method::POST,
        &format!("/api/v1/live/offers/{c_vip}/accept"),
        None,
    )
    .await;
    at(&clock, 12);
    let d1 = go(&app, &t1, "ready").await;
    assert_eq!(d1["offers"][0]["interaction_id"], c_plain.as_str());
    app.ok(
        &t1,
        Method::POST,
        &format!("/api/v1/live/offers/{c_plain}/accept"),
        None,
    )
    .await;
    at(&clock, 20);
    app.ok(
        &t2,
        Method::POST,
        &format!("/api/v1/live/interactions/{c_vip}/end"),
        None,
    )
    .await;

    // The second agent is ready (idle longest) but the owned customer's contact waits for
    // its owner, who frees up within the queue's 30 s.
    at(&clock, 30);
    let c_owned = contact(&app, &admin, &queue, Some(&owned)).await;
    let d2 = app.get_ok(&t2, "/api/v1/live/agents/me").await;
    assert_eq!(
        d2["offers"],
        json!([]),
        "not offered to the non-owner: {d2}"
    );
    at(&clock, 40);
    app.ok(
        &t1,
        Method::POST,
        &format!("/api/v1/live/interactions/{c_plain}/end"),
        None,
    )
    .await;
    let d1 = app.get_ok(&t1, "/api/v1/live/agents/me").await;
    assert_eq!(d1["offers"][0]["interaction_id"], c_owned.as_str());
}

/// Skills given on the people's skills API (the tickets' page) change a live agent's routing
/// at once: a contact waiting for the skill is offered to them.
async fn skills_set_anywhere_route_at_once(backend: Backend) {
    let (app, _clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let queue = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "Billing", "required_skills": {"billing": 2}})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a, t) = agent(&app, &admin, json!({"english": 1})).await;
    go(&app, &t, "ready").await;
    let c = contact(&app, &admin, &queue, None).await;
    let d = app.get_ok(&t, "/api/v1/live/agents/me").await;
    assert_eq!(d["offers"], json!([]), "not skilled yet");
    let (s, p) = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{a}/skills"),
            Some(&admin),
            Some(json!({"skills": [{"skill": "billing", "level": 2}, {"skill": "Billing", "level": 3}]})),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("skills.skill"))
    );
    app.ok(
        &admin,
        Method::PUT,
        &format!("/api/v1/users/{a}/skills"),
        Some(json!({"skills": [{"skill": "billing", "level": 2}]})),
    )
    .await;
    let d = app.get_ok(&t, "/api/v1/live/agents/me").await;
    assert_eq!(d["offers"][0]["interaction_id"], c.as_str());
    let agents = app.get_ok(&admin, "/api/v1/agents").await;
    assert_eq!(agents[0]["skills"], json!({"billing": 2}));
}

/// Every live endpoint, given the ids of another workspace: not found (or an unknown
/// reference), and the other workspace's center is untouched.
async fn one_workspace_never_reaches_another_live_center(backend: Backend) {
    let (app, _clock) = app(backend).await;
    let a_admin = app.workspace("acme").await;
    let b_admin = app.workspace("beta").await;
    let a_queue = app
        .ok(
            &a_admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "A"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a_agent, a_token) = app.user(&a_admin, "acme", "agent").await;
    go(&app, &a_token, "ready").await;
    let a_contact = contact(&app, &a_admin, &a_queue, None).await;
    let a_customer = app
        .ok(
            &a_admin,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "A 客户"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, b_token) = app.user(&b_admin, "beta", "agent").await;
    go(&app, &b_token, "ready").await;
    let b_customer = app
        .ok(
            &b_admin,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "B 客户"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = json!({"name": "X"});
    let tries: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            &b_admin,
            Method::GET,
            format!("/api/v1/queues/{a_queue}"),
            None,
        ),
        (
            &b_admin,
            Method::PUT,
            format!("/api/v1/queues/{a_queue}"),
            Some(q),
        ),
        (
            &b_admin,
            Method::DELETE,
            format!("/api/v1/queues/{a_queue}"),
            None,
        ),
        (
            &b_admin,
            Method::POST,
            "/api/v1/live/contacts".into(),
            Some(json!({"queue": a_queue})),
        ),
        (
            &b_admin,
            Method::GET,
            format!("/api/v1/live/contacts/{a_contact}"),
            None,
        ),
        (
            &b_token,
            Method::POST,
            format!("/api/v1/live/offers/{a_contact}/accept"),
            None,
        ),
        (
            &b_token,
            Method::POST,
            format!("/api/v1/live/offers/{a_contact}/reject"),
            None,
        ),
        (
            &b_token,
            Method::POST,
            format!("/api/v1/live/interactions/{a_contact}/end"),
            None,
        ),
        (
            &b_token,
            Method::POST,
            format!("/api/v1/live/interactions/{a_contact}/wrap-up"),
            Some(json!({"disposition": "x"})),
        ),
        (
            &b_token,
            Method::POST,
            format!("/api/v1/live/interactions/{a_contact}/customer"),
            Some(json!({"customer_id": b_customer})),
        ),
        (
            &b_admin,
            Method::PUT,
            format!("/api/v1/agents/{a_agent}"),
            Some(json!({})),
        ),
        (
            &b_admin,
            Method::PUT,
            format!("/api/v1/live/agents/{a_agent}/state"),
            Some(json!({"state": "logged_out"})),
        ),
    ];
    for (token, method, path, body) in tries {
        let (s, p) = app.call(method.clone(), &path, Some(token), body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {p}");
    }
    // An agent of B naming A's customer for B's own contact: an unknown reference.
    let b_queue = app
        .ok(
            &b_admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "B"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_contact = contact(&app, &b_admin, &b_queue, None).await;
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/live/interactions/{b_contact}/customer"),
            Some(&b_token),
            Some(json!({"customer_id": a_customer})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/live/contacts",
            Some(&b_admin),
            Some(json!({"queue": b_queue, "customer_id": a_customer})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    // Lists show each workspace its own; A's offer still rings for A's agent alone.
    let b_queues = app.get_ok(&b_admin, "/api/v1/live/queues").await;
    assert_eq!(b_queues.as_array().unwrap().len(), 1);
    assert_eq!(b_queues[0]["id"], b_queue.as_str());
    let board = app.get_ok(&b_admin, "/api/v1/live/agents").await;
    assert!(
        board
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["user_id"] != a_agent.as_str())
    );
    let d = app.get_ok(&a_token, "/api/v1/live/agents/me").await;
    assert_eq!(d["offers"][0]["interaction_id"], a_contact.as_str());
}
