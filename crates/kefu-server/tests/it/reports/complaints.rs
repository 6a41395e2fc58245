//! Complaint analytics: complaint counts and rates by category, product and agent with the
//! hotspot cut, and the crisis alert — a fixture where it must fire (a surge on one topic)
//! and one where it must not (a steady topic, even with as many complaints in the window as
//! the minimum); on both backends, and the page in Chromium.

use crate::both;
use crate::common::{Backend, TestApp};
use crate::reports::kpi::settle;
use crate::reports::tickets::{backdate, call_of, ticket};
use crate::ui::{browser, shows, text};
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    crisis_fires_on_a_surge,
    crisis_stays_calm_on_a_steady_topic,
    complaint_analytics_rejects_bad_requests,
    complaint_page_in_chromium
);

const Q: &str = "from=2026-11-08T06:00:00Z&to=2026-11-10T12:00:00Z&now=2026-11-10T12:00:00Z&baseline_hours=48&hotspot_share=0.5";

/// Billing: 4 complaints in the 48 h baseline, 3 in the 6 h window (λ = 4.5 / 48 × 6 =
/// 0.5625, P(K ≥ 3) = 0.0196: not significant). With `surge`, logistics: 1 in the baseline,
/// 5 in the window (λ = 0.1875, P(K ≥ 5) ≈ 1.9e-6 < 0.001 / 2). Billing complaints are
/// agent b's on product X, logistics agent a's on product Y; a has 4 handled calls, b 10.
async fn seed(app: &TestApp, slug: &str, surge: bool) -> (String, [String; 2]) {
    let admin = app.workspace(slug).await;
    let (a, _) = app.user(&admin, slug, "agent").await;
    let (b, _) = app.user(&admin, slug, "agent").await;
    let (_, sup) = app.user(&admin, slug, "supervisor").await;
    let mut cats = vec![];
    for name in ["账单", "物流延误"] {
        let (s, c) = app
            .call(
                Method::POST,
                "/api/v1/ticket-categories",
                Some(&admin),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        cats.push(c["id"].as_str().unwrap().to_owned());
    }
    let complaint = |agent: String, cat: String, product: &'static str, at: &'static str| {
        let (app, admin) = (app, admin.clone());
        async move {
            let id = ticket(app, &admin, "complaint", "normal", &agent).await;
            app.ok(
                &admin,
                Method::PUT,
                &format!("/api/v1/tickets/{id}/category"),
                Some(json!({"category_id": cat})),
            )
            .await;
            app.ok(
                &admin,
                Method::PUT,
                &format!("/api/v1/tickets/{id}/tags"),
                Some(json!({"tags": [format!("product:{product}")]})),
            )
            .await;
            backdate(app, &id, at, &[], &[]).await;
        }
    };
    for at in [
        "2026-11-08T12:00:00Z",
        "2026-11-09T00:00:00Z",
        "2026-11-09T12:00:00Z",
        "2026-11-10T00:00:00Z",
        "2026-11-10T06:30:00Z",
        "2026-11-10T08:30:00Z",
        "2026-11-10T10:30:00Z",
    ] {
        complaint(b.clone(), cats[0].clone(), "X", at).await;
    }
    if surge {
        for at in [
            "2026-11-09T00:00:00Z",
            "2026-11-10T07:00:00Z",
            "2026-11-10T08:00:00Z",
            "2026-11-10T09:00:00Z",
            "2026-11-10T10:00:00Z",
            "2026-11-10T11:00:00Z",
        ] {
            complaint(a.clone(), cats[1].clone(), "Y", at).await;
        }
    }
    // Not a complaint: never counted.
    let inquiry = ticket(app, &admin, "inquiry", "normal", &a).await;
    backdate(app, &inquiry, "2026-11-10T09:30:00Z", &[], &[]).await;
    for (agent, n) in [(&a, 4), (&b, 10)] {
        for _ in 0..n {
            call_of(app, &admin, agent, "2026-11-09T10:00:00Z", None).await;
        }
    }
    settle(&app.store).await;
    (sup, [a, b])
}

async fn analytics(app: &TestApp, tok: &str, q: &str) -> Value {
    app.ok(
        tok,
        Method::GET,
        &format!("/api/v1/reports/complaints?{q}"),
        None,
    )
    .await
}

fn close(v: &Value, want: f64, what: &str) {
    let x = v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
    assert!((x - want).abs() < 1e-9, "{what}: {x} != {want}");
}

async fn crisis_fires_on_a_surge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (sup, [a, b]) = seed(&app, "acme", true).await;
    let r = analytics(&app, &sup, Q).await;
    assert_eq!(r["complaints"], 13, "{r}");
    assert_eq!(r["handled"], 14);
    close(&r["complaint_rate"], 13.0 / 14.0, "complaint rate");
    // Billing 7 of 13 (53.8 %) is the hotspot at a 50 % cut; logistics 6 is not.
    let cat = &r["by_category"];
    assert_eq!(
        (cat[0]["key"].as_str(), cat[0]["complaints"].as_u64()),
        (Some("账单"), Some(7))
    );
    assert_eq!(cat[0]["hotspot"], true);
    close(&cat[0]["complaint_rate"], 0.5, "billing rate");
    assert_eq!(
        (cat[1]["key"].as_str(), cat[1]["hotspot"].as_bool()),
        (Some("物流延误"), Some(false))
    );
    close(&cat[1]["cumulative_share"], 1.0, "cumulative");
    let prod = &r["by_product"];
    assert_eq!(
        (prod[0]["key"].as_str(), prod[1]["key"].as_str()),
        (Some("X"), Some("Y"))
    );
    // Per agent, divided by the agent's own handled calls: b 7 / 10, a 6 / 4.
    let agent = &r["by_agent"];
    assert_eq!(agent[0]["key"].as_str(), Some(b.as_str()));
    close(&agent[0]["complaint_rate"], 0.7, "rate of b");
    assert_eq!(agent[1]["key"].as_str(), Some(a.as_str()));
    close(&agent[1]["complaint_rate"], 1.5, "rate of a");

    let c = &r["crisis"];
    assert_eq!(c["alert"], true, "{c}");
    assert!(c["test"].as_str().unwrap().contains("Poisson"), "{c}");
    assert_eq!(
        (c["window_hours"].as_u64(), c["baseline_hours"].as_u64()),
        (Some(6), Some(48))
    );
    let topics = c["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 2);
    let log = &topics[0];
    assert_eq!(
        (
            log["topic"].as_str(),
            log["observed"].as_u64(),
            log["baseline"].as_u64()
        ),
        (Some("物流延误"), Some(5), Some(1))
    );
    close(&log["expected"], 0.1875, "expected logistics");
    assert_eq!(log["alert"], true);
    assert!(log["p_value"].as_f64().unwrap() < 0.0005);
    let bill = &topics[1];
    assert_eq!(
        (
            bill["topic"].as_str(),
            bill["observed"].as_u64(),
            bill["alert"].as_bool()
        ),
        (Some("账单"), Some(3), Some(false))
    );
    let p = bill["p_value"].as_f64().unwrap();
    let l: f64 = 0.5625;
    close(
        &json!(p),
        1.0 - (-l).exp() * (1.0 + l + l * l / 2.0),
        "billing p",
    );
    // Another workspace sees none of it.
    let other = app.workspace("globex").await;
    let r = analytics(&app, &other, Q).await;
    assert_eq!(
        (r["complaints"].as_u64(), r["crisis"]["alert"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(r["complaint_rate"].is_null());
    app.stop().await;
}

async fn crisis_stays_calm_on_a_steady_topic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (sup, _) = seed(&app, "acme", false).await;
    let r = analytics(&app, &sup, Q).await;
    assert_eq!(r["complaints"], 7);
    let c = &r["crisis"];
    assert_eq!(c["alert"], false, "{c}");
    assert_eq!(
        c["topics"][0]["observed"], 3,
        "at the minimum count, yet not significant"
    );
    // Without Bonferroni and with α = 0.05 the same window is significant: the test, not
    // the count, decides.
    let r = analytics(&app, &sup, &format!("{Q}&alpha=0.05&bonferroni=false")).await;
    assert_eq!(r["crisis"]["alert"], true, "{}", r["crisis"]);
    app.stop().await;
}

async fn complaint_analytics_rejects_bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    for bad in [
        "from=yesterday",
        "from=2026-11-10&to=2026-11-01",
        "hotspot_share=2",
        "alpha=0",
        "window_hours=0",
        "now=noon",
        "colour=red",
    ] {
        let (s, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/reports/complaints?{bad}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {p}");
        assert!(p["code"].is_string(), "{p}");
    }
    let (s, _) = app
        .call(
            Method::GET,
            "/api/v1/reports/complaints",
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn complaint_page_in_chromium(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed(&app, "acme", true).await;
    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    for (id, v) in [
        ("workspace", "acme"),
        ("email", "admin@acme.test"),
        ("password", "password-123"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(v)
            .await
            .unwrap();
    }
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text(&c, "#nav-reports").await;
    c.goto(&format!("{base}/reports/complaints?{Q}"))
        .await
        .unwrap();
    shows(&c, "#crisis-status", "Crisis alert").await;
    assert_eq!(text(&c, "#crisis-topics").await, "物流延误");
    assert!(text(&c, "#crisis-test").await.contains("Poisson"));
    let fires = text(&c, "#crisis-table tr.fires").await;
    assert!(fires.contains("物流延误") && fires.contains('5'), "{fires}");
    let hot = text(&c, "#by-category tr.hotspot").await;
    assert!(hot.contains("账单") && hot.contains("50.0%"), "{hot}");
    assert_eq!(text(&c, "#total-complaints").await, "13");
    c.close().await.unwrap();
    app.stop().await;
}
