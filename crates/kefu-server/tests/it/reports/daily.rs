//! The daily report (日报): values and trend arrows against the same weekday last week per
//! queue and team, the hourly SVG chart, CSV / XLSX exports and the e-mail summary; the page
//! in Chromium.

use crate::both;
use crate::common::{Backend, TestApp};
use crate::reports::kpi::settle;
use crate::ui::{browser, shows, text};
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::json;

both!(
    daily_report_values_exports_and_email,
    daily_report_page_in_chromium
);

/// 2026-11-20 (Friday, Asia/Shanghai): sales 3 offered (2 answered, 1 abandoned) in the
/// 10:00 hour; 2026-11-13: sales 1 answered, support 1 answered, both at 10:xx.
async fn seed(app: &TestApp, token: &str) {
    let agent = app.user(token, "acme", "agent").await.0;
    let (s, team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(token),
            Some(json!({"name": "Front", "member_ids": [agent]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let answered = |queue: &str, at: &str, ans: &str| {
        json!({"channel": "voice", "direction": "inbound", "queue": queue, "agent_id": agent,
               "offered_at": at, "answered_at": ans, "ended_at": ans, "talk_s": 120})
    };
    for body in [
        answered("sales", "2026-11-20T02:00:00Z", "2026-11-20T02:00:10Z"),
        answered("sales", "2026-11-20T02:10:00Z", "2026-11-20T02:10:05Z"),
        json!({"channel": "voice", "direction": "inbound", "queue": "sales",
               "offered_at": "2026-11-20T02:20:00Z", "abandoned_at": "2026-11-20T02:20:30Z"}),
        answered("sales", "2026-11-13T02:00:00Z", "2026-11-13T02:00:08Z"),
        answered("support", "2026-11-13T02:30:00Z", "2026-11-13T02:30:08Z"),
    ] {
        let (s, b) = app
            .call(
                Method::POST,
                "/api/v1/interactions",
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    settle(&app.store).await;
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("kefu_session={token}"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

async fn daily_report_values_exports_and_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.workspace("acme").await;
    seed(&app, &token).await;

    let (s, ct, body) = get(&app, &token, "/reports/daily.csv?date=2026-11-20").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/csv"));
    let csv = String::from_utf8(body).unwrap();
    let has = |line: &str| assert!(csv.lines().any(|l| l == line), "missing {line:?} in\n{csv}");
    has("dimension,group,kpi,value,previous,change,trend,better");
    has("queue,sales,offered,3,1,2,up,");
    has("queue,support,offered,0,1,-1,down,");
    has("queue,total,offered,3,2,1,up,");
    // Answer rate 2/3 against 1/1: down, and worse.
    assert!(
        csv.lines()
            .any(|l| l.starts_with("queue,sales,answer_rate,0.666")
                && l.ends_with(",1,-0.33333333333333337,down,false")),
        "{csv}"
    );
    // The abandoned contact has no agent, hence no team: it is the "none" team row.
    has("team,,offered,1,0,1,up,");

    let (s, ct, body) = get(&app, &token, "/reports/daily.xlsx?date=2026-11-20").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.contains("spreadsheetml"));
    assert_eq!(&body[..2], b"PK");

    let (s, _, body) = get(&app, &token, "/reports/daily/email?date=2026-11-20").await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(!html.contains("<script"), "an e-mail has no scripts");
    assert!(!html.contains("<link"), "an e-mail has no stylesheets");
    assert!(html.contains("2026-11-13"));
    assert!(html.contains(r#"data-hour="10" data-value="3""#), "{html}");
    assert!(html.contains(r#"class="prev" data-hour="10" data-value="2""#));

    // The plain-text summary says the same.
    let (s, ct, body) = get(&app, &token, "/reports/daily/email.txt?date=2026-11-20").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let txt = String::from_utf8(body).unwrap();
    assert!(txt.starts_with("Daily report 2026-11-20\n"), "{txt}");
    assert!(
        txt.lines()
            .any(|l| l.starts_with("- sales: Offered 3 ↑ (1)")),
        "{txt}"
    );

    // A complaint created that day (11:00 in Shanghai) makes the day's complaint rate
    // 1 / 2 handled, against 0 a week earlier.
    let id = crate::reports::tickets::ticket(&app, &token, "complaint", "normal", "").await;
    crate::reports::tickets::backdate(&app, &id, "2026-11-20T03:00:00Z", &[], &[]).await;
    let (_, _, body) = get(&app, &token, "/reports/daily.csv?date=2026-11-20").await;
    let csv = String::from_utf8(body).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("queue,total,complaint_rate,0.5,0,0.5,up,false")),
        "{csv}"
    );

    let (s, _, _) = get(&app, &token, "/reports/daily?date=20-11-2026").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, agent) = app.user(&token, "acme", "agent").await;
    let (s, _, _) = get(&app, &agent, "/reports/daily?date=2026-11-20").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn daily_report_page_in_chromium(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.workspace("acme").await;
    seed(&app, &token).await;
    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("workspace"))
        .await
        .unwrap()
        .send_keys("acme")
        .await
        .unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@acme.test")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("password-123")
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text(&c, "#nav-reports").await;
    c.goto(&format!("{base}/reports/daily?date=2026-11-20"))
        .await
        .unwrap();
    shows(&c, "#daily-date", "2026-11-20").await;
    assert_eq!(text(&c, "#previous-date").await, "2026-11-13");
    let sales = shows(&c, "#by-queue tbody tr:nth-child(1)", "sales").await;
    assert!(sales.contains("3 ↑"), "{sales}");
    assert!(sales.contains("66.7% ↓"), "{sales}");
    let worse = c
        .find(Locator::Css("#by-queue tbody tr:nth-child(1) td.worse"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(worse.contains("66.7%"), "{worse}");
    let total = text(&c, "#by-queue tr.total").await;
    assert!(total.contains("Total") && total.contains("3 ↑"), "{total}");
    let bars = c
        .find_all(Locator::Css("#hourly-chart rect.bar"))
        .await
        .unwrap();
    assert_eq!(bars.len(), 24);
    let ten = c
        .find(Locator::Css(r#"#hourly-chart rect.bar[data-hour="10"]"#))
        .await
        .unwrap();
    assert_eq!(ten.attr("data-value").await.unwrap().as_deref(), Some("3"));
    // Chinese labels after switching the language.
    c.find(Locator::Id("lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shows(&c, "#daily-title", "日报").await;
    c.close().await.unwrap();
    app.stop().await;
}
