//! The agent desktop in two real browsers: a contact put in through the REST contract rings
//! on the longest-idle skilled agent's desktop with the customer's profile and open ticket
//! (screen pop), not on the other's; the agent accepts, ends and wraps up with a disposition;
//! the interaction's timestamps and the KPI report's offered / answered / ASA agree, and the
//! report's occupancy and utilization come from the agent-state history.

use super::{app, at, t0};
use crate::both;
use crate::common::Backend;
use crate::ui::{browser, click, fill, shows};
use fantoccini::{Client, Locator};
use reqwest::Method;
use serde_json::json;

both!(
    two_desktops_one_contact_screen_pop_and_wrap_up,
    an_unknown_caller_is_created_and_linked_from_the_desktop
);

async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "workspace", "acme").await;
    fill(c, "email", email).await;
    fill(c, "password", "password-123").await;
    click(c, "login-submit").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    c.goto(&format!("{base}/desk")).await.unwrap();
    shows(c, "#state", "Logged out").await;
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

async fn css_click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn two_desktops_one_contact_screen_pop_and_wrap_up(backend: Backend) {
    let (app, clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let queue = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(
                json!({"name": "售后", "required_skills": {"after_sales": 1},
                        "wrap_up_s": 120, "dispositions": ["resolved", "callback"]}),
            ),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut agents = vec![];
    for name in ["one", "two"] {
        let email = format!("{name}@acme.test");
        let u = app
            .ok(
                &admin,
                Method::POST,
                "/api/v1/users",
                Some(json!({"email": email, "name": name, "role": "agent", "password": "password-123"})),
            )
            .await;
        let id = u["id"].as_str().unwrap().to_owned();
        app.ok(
            &admin,
            Method::PUT,
            &format!("/api/v1/agents/{id}"),
            Some(json!({"skills": {"after_sales": 2}})),
        )
        .await;
        agents.push((id, email));
    }
    let customer = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "李雷", "phones": ["13900139000"]})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/tickets",
        Some(json!({"type": "after_sales", "subject": "发票未收到", "customer_id": customer})),
    )
    .await;

    let one = browser().await;
    let two = browser().await;
    sign_in(&one, &app.base, &agents[0].1).await;
    sign_in(&two, &app.base, &agents[1].1).await;
    click(&one, "go-ready").await;
    shows(&one, "#state", "Ready").await;
    at(&clock, 5);
    click(&two, "go-ready").await;
    shows(&two, "#state", "Ready").await;

    at(&clock, 10);
    // The caller's number finds the customer.
    let contact = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/live/contacts",
            Some(json!({"queue": queue, "from": "139 0013 9000"})),
        )
        .await;
    assert_eq!(contact["customer_id"], customer.as_str());
    let id = contact["id"].as_str().unwrap().to_owned();
    shows(&one, "#state", "Ringing").await;
    shows(&one, ".offer .pop-name", "李雷").await;
    shows(&one, ".offer .pop-tickets", "发票未收到").await;
    // The other desktop stays ready with nothing ringing.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    shows(&two, "#state", "Ready").await;
    assert!(
        two.find(Locator::Css(".offer")).await.is_err(),
        "no offer on the second desktop"
    );

    at(&clock, 14);
    css_click(&one, ".offer .accept").await;
    shows(&one, "#state", "In conversation").await;
    shows(&one, ".active .contact-state", "In conversation").await;
    shows(&one, ".active .pop-name", "李雷").await;

    at(&clock, 74);
    css_click(&one, ".active .end").await;
    shows(&one, ".active .contact-state", "Wrap-up").await;
    at(&clock, 80);
    one.find(Locator::Css(".active select.disposition"))
        .await
        .unwrap()
        .select_by_value("resolved")
        .await
        .unwrap();
    type_into(&one, ".active input.note", "补寄发票").await;
    css_click(&one, ".active .wrap-up").await;
    shows(&one, "#state", "Ready").await;
    assert!(one.find(Locator::Css(".active")).await.is_err());

    let i = app
        .get_ok(&admin, &format!("/api/v1/interactions/{id}"))
        .await;
    assert_eq!(i["agent_id"], agents[0].0.as_str());
    assert_eq!(
        (
            i["ring_s"].as_i64(),
            i["talk_s"].as_i64(),
            i["acw_s"].as_i64()
        ),
        (Some(4), Some(60), Some(6))
    );
    assert_eq!(
        (i["disposition"].as_str(), i["wrap_up_note"].as_str()),
        (Some("resolved"), Some("补寄发票"))
    );

    // The KPI report (fed from the same events through the outbox) agrees.
    let day = t0().format("%Y-%m-%d");
    let next = (t0() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let path = format!("/api/v1/reports/kpi?from={day}&to={next}&interval=day&tz=UTC");
    let mut totals = json!(null);
    for _ in 0..50 {
        totals = app.get_ok(&admin, &path).await["totals"].clone();
        if totals["answered"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (&totals["offered"], &totals["answered"]),
        (&json!(1), &json!(1)),
        "{totals}"
    );
    assert_eq!(totals["asa_s"], 4.0, "{totals}");
    // Occupancy from the agent-state history: the first agent was ready 0–10 s, rang 10–14,
    // talked 14–74 and wrapped up 74–80; the second was ready 5–80 (the clock stands at 80).
    assert_eq!(
        (
            &totals["state_handling_ms"],
            &totals["state_available_ms"],
            &totals["state_logged_in_ms"]
        ),
        (&json!(66_000), &json!(85_000), &json!(155_000)),
        "{totals}"
    );
    assert_eq!(totals["occupancy"], json!(66.0 / 151.0));
    assert_eq!(totals["utilization"], json!(66.0 / 155.0));
    // The supervisor's wallboard shows the same day: one offered, one answered, all within
    // the threshold; then forces the second agent out of ready.
    two.goto(&format!("{}/logout", app.base)).await.unwrap();
    sign_in(&two, &app.base, "admin@acme.test").await;
    two.goto(&format!("{}/wallboard", app.base)).await.unwrap();
    shows(
        &two,
        &format!("#queues tr[data-id='{queue}'] .answered"),
        "1",
    )
    .await;
    shows(
        &two,
        &format!("#queues tr[data-id='{queue}'] .offered"),
        "1",
    )
    .await;
    shows(
        &two,
        &format!("#queues tr[data-id='{queue}'] .sl"),
        "100.0%",
    )
    .await;
    shows(
        &two,
        &format!("#agents tr[data-id='{}'] .agent-state", agents[1].0),
        "Ready",
    )
    .await;
    css_click(
        &two,
        &format!("#agents tr[data-id='{}'] .force-aux", agents[1].0),
    )
    .await;
    shows(
        &two,
        &format!("#agents tr[data-id='{}'] .agent-state", agents[1].0),
        "Not ready",
    )
    .await;
    let audit = app
        .get_ok(&admin, &format!("/api/v1/audit?entity_id={}", agents[1].0))
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "aux" && a["actor_id"] != agents[1].0.as_str()),
        "the supervisor's move is audited as theirs: {audit}"
    );
    one.close().await.ok();
    two.close().await.ok();
}

async fn an_unknown_caller_is_created_and_linked_from_the_desktop(backend: Backend) {
    let (app, _clock) = app(backend).await;
    let admin = app.workspace("acme").await;
    let queue = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/queues",
            Some(json!({"name": "General"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/users",
        Some(json!({"email": "one@acme.test", "name": "one", "role": "agent", "password": "password-123"})),
    )
    .await;
    let c = browser().await;
    sign_in(&c, &app.base, "one@acme.test").await;
    click(&c, "go-ready").await;
    shows(&c, "#state", "Ready").await;
    let contact = app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/live/contacts",
            Some(json!({"queue": queue, "from": "13700137000"})),
        )
        .await;
    assert_eq!(
        contact["customer_id"],
        json!(null),
        "nobody has that number"
    );
    let id = contact["id"].as_str().unwrap().to_owned();
    shows(&c, ".offer .unknown-customer", "Unknown caller").await;
    css_click(&c, ".offer .accept").await;
    shows(&c, ".active .unknown-customer", "Unknown caller").await;
    type_into(&c, ".active .new-customer-name", "韩梅梅").await;
    type_into(&c, ".active .new-customer-phone", "13700137000").await;
    css_click(&c, ".active .create-customer").await;
    shows(&c, ".active .pop-name", "韩梅梅").await;
    let i = app
        .get_ok(&admin, &format!("/api/v1/interactions/{id}"))
        .await;
    let customer = i["customer_id"].as_str().expect("linked").to_owned();
    assert_eq!(
        app.get_ok(&admin, &format!("/api/v1/customers/{customer}"))
            .await["name"],
        "韩梅梅"
    );
    let audit = app
        .get_ok(&admin, &format!("/api/v1/audit?entity_id={id}"))
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "identified")
    );
    // A reload keeps the customer: the engine knows them now.
    c.refresh().await.unwrap();
    shows(&c, ".active .pop-name", "韩梅梅").await;
    c.close().await.ok();
}
