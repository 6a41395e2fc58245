//! The handler chooser (挑选处理人): people's skills with levels, and the candidates for a
//! ticket ranked by the skills that fit its type and category (or a parent category), then
//! by their current open load.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(skills_rank_the_candidates);

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn skills_rank_the_candidates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (a1, a1_tk) = app.user(&admin, "acme", "agent").await;
    let (a2, _) = app.user(&admin, "acme", "agent").await;
    let (sp, _) = app.user(&admin, "acme", "specialist").await;
    let (sup, sup_tk) = app.user(&admin, "acme", "supervisor").await;
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/teams",
        Some(json!({"name": "售后", "member_ids": [a1, sp]})),
    )
    .await;
    let appliances = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/ticket-categories",
            Some(json!({"name": "家电"})),
        )
        .await);
    let heater = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/ticket-categories",
            Some(json!({"name": "热水器", "parent_id": appliances})),
        )
        .await);
    // Skills: by supervisors only, levels 1–5, names unique; audited.
    let put = |user: String, body: Value| {
        let app = &app;
        let tk = sup_tk.clone();
        async move {
            app.call(
                Method::PUT,
                &format!("/api/v1/users/{user}/skills"),
                Some(&tk),
                Some(body),
            )
            .await
        }
    };
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{a1}/skills"),
            Some(&a1_tk),
            Some(json!({"skills": [{"skill": "热水器", "level": 5}]})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for bad in [
        json!({"skills": [{"skill": "热水器", "level": 6}]}),
        json!({"skills": [{"skill": "热水器", "level": 0}]}),
        json!({"skills": [{"skill": " ", "level": 2}]}),
        json!({"skills": [{"skill": "a", "level": 2}, {"skill": "A", "level": 3}]}),
        json!({"skills": [{"skill": "a"}]}),
    ] {
        let (s, p) = put(a1.clone(), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {p}");
    }
    let (s, v) = put(
        a1.clone(),
        json!({"skills": [{"skill": "热水器", "level": 2}, {"skill": "english", "level": 4}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["skills"],
        json!([{"skill": "english", "level": 4}, {"skill": "热水器", "level": 2}])
    );
    put(
        a2.clone(),
        json!({"skills": [{"skill": "家电", "level": 4}, {"skill": "complaint", "level": 5}]}),
    )
    .await;
    put(
        sp.clone(),
        json!({"skills": [{"skill": "热水器", "level": 5}]}),
    )
    .await;
    let got = app
        .ok(
            &a1_tk,
            Method::GET,
            &format!("/api/v1/users/{sp}/skills"),
            None,
        )
        .await;
    assert_eq!(got["skills"], json!([{"skill": "热水器", "level": 5}]));
    let audit = app
        .ok(
            &admin,
            Method::GET,
            &format!("/api/v1/audit?entity_type=user&entity_id={a1}"),
            None,
        )
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "skills_set"),
        "{audit}"
    );

    // Loads: a1 has one open ticket, sp two.
    let new = |ty: &str, assignee: Option<&String>| {
        let mut b = json!({"type": ty, "subject": "x"});
        if let Some(a) = assignee {
            b["assignee_id"] = json!(a);
        }
        b
    };
    for (ty, who) in [("inquiry", &a1), ("inquiry", &sp), ("inquiry", &sp)] {
        app.ok(
            &admin,
            Method::POST,
            "/api/v1/tickets",
            Some(new(ty, Some(who))),
        )
        .await;
    }
    let t = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/tickets",
            Some(new("after_sales", None)),
        )
        .await);
    app.ok(
        &admin,
        Method::PUT,
        &format!("/api/v1/tickets/{t}/category"),
        Some(json!({"category_id": heater})),
    )
    .await;
    let c = app
        .ok(
            &a1_tk,
            Method::GET,
            &format!("/api/v1/tickets/{t}/candidates"),
            None,
        )
        .await;
    let people = c["people"].as_array().unwrap();
    let order: Vec<&str> = people
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    // sp (热水器 5, load 2), a2 (家电 — the parent — 4, load 0), a1 (热水器 2, load 1), then
    // the supervisor without a fitting skill.
    assert_eq!(
        order,
        vec![sp.as_str(), a2.as_str(), a1.as_str(), sup.as_str()],
        "{c}"
    );
    let row = |u: &str| people.iter().find(|p| p["user_id"] == u).unwrap().clone();
    assert_eq!(row(&sp)["match_level"], 5);
    assert_eq!(row(&sp)["open_tickets"], 2);
    assert_eq!(row(&sp)["teams"], json!(["售后"]));
    assert_eq!(row(&a2)["matching"], json!([{"skill": "家电", "level": 4}]));
    assert_eq!(
        row(&a1)["matching"],
        json!([{"skill": "热水器", "level": 2}])
    );
    assert_eq!(row(&a1)["open_tickets"], 1);
    assert_eq!(row(&sup)["match_level"], 0);
    // A complaint fits a2's `complaint` skill (type) first.
    let k = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/tickets",
            Some(new("complaint", None)),
        )
        .await);
    let c = app
        .ok(
            &a1_tk,
            Method::GET,
            &format!("/api/v1/tickets/{k}/candidates"),
            None,
        )
        .await;
    assert_eq!(c["people"][0]["user_id"], a2.as_str());
    assert_eq!(c["people"][0]["match_level"], 5);
    // Another workspace's user is not found.
    let other = app.workspace("rival").await;
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{a1}/skills"),
            Some(&other),
            Some(json!({"skills": []})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
