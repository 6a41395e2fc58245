//! The live center's admin pages in a real browser: a queue created, changed and refused
//! with a translated message; an agent's skills and capacity set — and the API sees the same;
//! the live pages in Chinese.

use super::app;
use crate::both;
use crate::common::Backend;
use crate::ui::{browser, click, fill, shows};
use fantoccini::{Client, Locator};
use reqwest::Method;
use serde_json::json;

both!(queues_and_agents_are_configured_in_pages);

async fn set(c: &Client, css: &str, text: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn press(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

async fn queues_and_agents_are_configured_in_pages(backend: Backend) {
    let (app, _clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let agent = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "li@acme.test", "name": "李娜", "role": "agent", "password": "password-123"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = browser().await;
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "login-submit").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    c.goto(&format!("{}/live/queues", app.base)).await.unwrap();
    set(&c, "#new-queue input[name=name]", "售后热线").await;
    set(&c, "#new-queue input[name=skills]", "after_sales:2, 粤语").await;
    set(
        &c,
        "#new-queue input[name=dispositions]",
        "resolved，callback",
    )
    .await;
    set(&c, "#new-queue input[name=wrap_up_s]", "30").await;
    press(&c, "#new-queue-submit").await;
    shows(&c, "#queues", "").await;
    let qs = app.get_ok(&admin, "/api/v1/queues").await;
    let q = &qs[0];
    assert_eq!(q["name"], "售后热线");
    assert_eq!(q["required_skills"], json!({"after_sales": 2, "粤语": 1}));
    assert_eq!(q["dispositions"], json!(["resolved", "callback"]));
    assert_eq!(
        (q["wrap_up_s"].as_u64(), q["offer_timeout_s"].as_u64()),
        (Some(30), Some(15))
    );
    assert_eq!(
        q["service_level"],
        json!({"target": 0.8, "threshold_s": 20})
    );
    let id = q["id"].as_str().unwrap().to_owned();

    // A bad value comes back as a translated message and changes nothing.
    set(&c, &format!("#queue-{id} input[name=sl_percent]"), "150").await;
    press(&c, &format!("#queue-{id} button[type=submit]")).await;
    shows(&c, "#form-error", "service_level.target").await;
    assert_eq!(
        app.get_ok(&admin, &format!("/api/v1/queues/{id}")).await["service_level"]["target"],
        0.8
    );
    c.goto(&format!("{}/live/queues", app.base)).await.unwrap();
    set(&c, &format!("#queue-{id} input[name=sl_percent]"), "90").await;
    set(&c, &format!("#queue-{id} input[name=sl_threshold_s]"), "15").await;
    press(&c, &format!("#queue-{id} button[type=submit]")).await;
    let q = app.get_ok(&admin, &format!("/api/v1/queues/{id}")).await;
    assert_eq!(
        q["service_level"],
        json!({"target": 0.9, "threshold_s": 15})
    );

    c.goto(&format!("{}/live/agents", app.base)).await.unwrap();
    shows(&c, &format!("#agent-{agent}"), "李娜").await;
    set(
        &c,
        &format!("#agent-{agent} input[name=skills]"),
        "after_sales:3",
    )
    .await;
    set(&c, &format!("#agent-{agent} input[name=chat]"), "2").await;
    press(&c, &format!("#agent-{agent} button[type=submit]")).await;
    let agents = app.get_ok(&admin, "/api/v1/agents").await;
    assert_eq!(
        agents,
        json!([{"user_id": agent, "skills": {"after_sales": 3},
                "capacity": {"voice": 1, "chat": 2, "email": 5, "task": 1}, "mixed_channels": false}])
    );
    // The same pages in Chinese.
    c.goto(&format!("{}/lang/zh-CN", app.base)).await.unwrap();
    c.goto(&format!("{}/live/queues", app.base)).await.unwrap();
    shows(&c, "h1", "队列").await;
    shows(&c, &format!("#queue-{id}"), "最长空闲优先").await;
    c.goto(&format!("{}/live/agents", app.base)).await.unwrap();
    shows(&c, "h1", "坐席").await;
    c.goto(&format!("{}/desk", app.base)).await.unwrap();
    shows(&c, "#state", "已签出").await;
    c.goto(&format!("{}/wallboard", app.base)).await.unwrap();
    shows(&c, "#queues tbody", "售后热线").await;
    c.close().await.ok();
}
