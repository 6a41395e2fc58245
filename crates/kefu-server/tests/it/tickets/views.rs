//! Ticket views with counts, the handler chooser with load, and bulk actions.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(views_candidates_and_bulk, category_tree);

fn count(views: &Value, name: &str) -> u64 {
    views
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["view"] == name)
        .unwrap()["count"]
        .as_u64()
        .unwrap()
}

async fn views_candidates_and_bulk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (a1, agent1) = app.user(&admin, "acme", "agent").await;
    let (a2, _) = app.user(&admin, "acme", "specialist").await;
    let (s, team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "二线技术", "member_ids": [a1]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team = team["id"].as_str().unwrap().to_owned();
    let mk = |body: Value| {
        let app = &app;
        let agent1 = agent1.clone();
        async move {
            let (s, t) = app
                .call(Method::POST, "/api/v1/tickets", Some(&agent1), Some(body))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{t}");
            t["id"].as_str().unwrap().to_owned()
        }
    };
    let mine1 = mk(json!({"type": "inquiry", "subject": "m1", "assignee_id": a1})).await;
    let mine2 =
        mk(json!({"type": "inquiry", "subject": "m2", "assignee_id": a1, "group_id": team})).await;
    let theirs = mk(json!({"type": "inquiry", "subject": "t", "assignee_id": a2})).await;
    let free1 = mk(json!({"type": "inquiry", "subject": "f1"})).await;
    let free2 = mk(json!({"type": "inquiry", "subject": "f2", "group_id": team})).await;

    let (s, views) = app
        .call(Method::GET, "/api/v1/ticket-views", Some(&agent1), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        [
            "mine",
            "unassigned",
            "my_groups",
            "escalated",
            "breaching_soon"
        ]
        .map(|v| count(&views, v)),
        [2, 2, 2, 0, 0],
        "{views}"
    );
    let list = |q: &'static str| {
        let app = &app;
        let agent1 = agent1.clone();
        async move {
            let (s, l) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/tickets?view={q}"),
                    Some(&agent1),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{l}");
            let mut ids: Vec<String> = l["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        list("mine").await,
        sorted(vec![mine1.clone(), mine2.clone()])
    );
    assert_eq!(
        list("unassigned").await,
        sorted(vec![free1.clone(), free2.clone()])
    );
    assert_eq!(
        list("my_groups").await,
        sorted(vec![mine2.clone(), free2.clone()])
    );
    let (s, p) = app
        .call(
            Method::GET,
            "/api/v1/tickets?view=everything",
            Some(&agent1),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );

    // The chooser: people least loaded first, with their departments; teams with load.
    let (s, c) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{free1}/candidates"),
            Some(&agent1),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let people = c["people"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{c}"); // the admin is not a handler
    assert_eq!(
        (
            people[0]["user_id"].as_str(),
            people[0]["open_tickets"].as_u64()
        ),
        (Some(a2.as_str()), Some(1))
    );
    assert_eq!(
        (
            people[1]["user_id"].as_str(),
            people[1]["open_tickets"].as_u64()
        ),
        (Some(a1.as_str()), Some(2))
    );
    assert_eq!(people[1]["teams"], json!(["二线技术"]));
    assert_eq!(
        (
            c["teams"][0]["open_tickets"].as_u64(),
            c["teams"][0]["members"].as_u64()
        ),
        (Some(2), Some(1))
    );

    // Bulk: assign two and escalate; each ticket on its own.
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/tickets/bulk",
            Some(&agent1),
            Some(json!({"ids": [free1, free2, "nope"], "assignee_id": a1, "to": "escalated", "reason": "二线"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r.as_array()
            .unwrap()
            .iter()
            .map(|x| x["ok"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        vec![true, true, false]
    );
    assert_eq!(r[2]["code"], "not_found");
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/tickets/bulk",
            Some(&agent1),
            Some(json!({"ids": [theirs, free1], "to": "escalated"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (r[0]["ok"].as_bool(), r[1]["code"].as_str()),
        (Some(true), Some("invalid_transition"))
    );
    let (_, views) = app
        .call(Method::GET, "/api/v1/ticket-views", Some(&agent1), None)
        .await;
    assert_eq!(
        ["mine", "unassigned", "my_groups", "escalated"].map(|v| count(&views, v)),
        [4, 0, 2, 3],
        "{views}"
    );
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/tickets/bulk",
            Some(&agent1),
            Some(json!({"ids": [], "assignee_id": "bad"})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field"))
    );
    app.stop().await;
}

async fn category_tree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let mk = |name: &'static str, parent: Option<String>| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (s, c) = app
                .call(
                    Method::POST,
                    "/api/v1/ticket-categories",
                    Some(&admin),
                    Some(json!({"name": name, "parent_id": parent})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{c}");
            c
        }
    };
    let root = mk("售后", None).await;
    let rid = root["id"].as_str().unwrap().to_owned();
    let child = mk("安装", Some(rid.clone())).await;
    assert_eq!(child["path"], json!(["售后", "安装"]));
    let cid = child["id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/ticket-categories",
            Some(&agent),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/ticket-categories",
            Some(&admin),
            Some(json!({"name": "x", "parent_id": uuid::Uuid::now_v7().to_string()})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );
    let (_, list) = app
        .call(Method::GET, "/api/v1/ticket-categories", Some(&agent), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, t) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&agent),
            Some(json!({"type": "after_sales", "subject": "s"})),
        )
        .await;
    let tid = t["id"].as_str().unwrap();
    let (s, r) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{tid}/category"),
            Some(&agent),
            Some(json!({"category_id": cid})),
        )
        .await;
    assert_eq!(
        (s, r["category_id"].as_str()),
        (StatusCode::OK, Some(cid.as_str()))
    );
    // In use: neither the parent nor the child can go.
    for id in [&rid, &cid] {
        let (s, p) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/ticket-categories/{id}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(
            (s, p["code"].as_str()),
            (StatusCode::CONFLICT, Some("category_in_use"))
        );
    }
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/tickets/{tid}/category"),
            Some(&agent),
            Some(json!({"category_id": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, r) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{tid}/category"),
            Some(&agent),
            None,
        )
        .await;
    assert!(r["category_id"].is_null());
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/ticket-categories/{cid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/ticket-categories/{rid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.stop().await;
}
