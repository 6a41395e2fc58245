//! The seed after-sales workflow (000 售后服务流程) walked end to end in Chromium: an agent
//! accepts a complaint, replies and notes, chooses a handler by load, analyses the complaint
//! and proposes a compensation; it is escalated to tier 2 and resolved; closing is refused
//! until the follow-up call; a supervisor approves the compensation; the complaint closes.
//! SLA timers show their colours.

use crate::both;
use crate::common::{Backend, TestApp};
use crate::ui::{browser, click, fill, login, select, shows, text, transition};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

both!(seed_workflow_end_to_end, sla_admin_page);

const POLICIES: &str = r#"
calendars:
  always:
    time_zone: Asia/Shanghai
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  - name: 投诉
    calendar: always
    match: {types: [complaint]}
    targets: {first_response: 60, resolution: 480}
  - name: 咨询
    calendar: always
    match: {types: [inquiry]}
    targets: {first_response: 1}
    warning_percent: 1
"#;

async fn seed_workflow_end_to_end(backend: Backend) {
    // Time stands still until the test moves it (the SLA colours below depend on it).
    let clock =
        kefu_server::kefu_model::ManualClock::new("2026-11-20T02:00:00Z".parse().expect("instant"));
    let app = TestApp::spawn_with_clock(backend, std::sync::Arc::new(clock.clone())).await;
    let admin = app.workspace("acme").await;
    let (agent_id, _) = app.user(&admin, "acme", "agent").await;
    let (spec_id, _) = app.user(&admin, "acme", "specialist").await;
    let (sup_id, _) = app.user(&admin, "acme", "supervisor").await;
    let email = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (_, u) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/users/{id}"),
                    Some(&admin),
                    None,
                )
                .await;
            u["email"].as_str().unwrap().to_owned()
        }
    };
    let agent_email = email(agent_id.clone()).await;
    let sup_email = email(sup_id.clone()).await;
    for (name, member) in [("一线", &agent_id), ("二线技术", &spec_id)] {
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/teams",
                Some(&admin),
                Some(json!({"name": name, "member_ids": [member]})),
            )
            .await;
        assert!(s.is_success());
    }
    let (s, _, _) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &admin,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert!(s.is_success());
    // The specialist already carries one open ticket: the chooser shows the load.
    app.call(
        Method::POST,
        "/api/v1/tickets",
        Some(&admin),
        Some(json!({"type": "tech_support", "subject": "older", "assignee_id": spec_id})),
    )
    .await;
    let (_, cust) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&admin),
            Some(json!({"name": "韩梅梅"})),
        )
        .await;
    // 受理: intake of a complaint with its description.
    let (_, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&admin),
            Some(json!({
                "type": "complaint", "subject": "安装师傅迟到三小时", "priority": "high",
                "customer_id": cust["id"], "description": "约好上午九点，十二点才到"
            })),
        )
        .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let (_, quick) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&admin),
            Some(json!({"type": "inquiry", "subject": "quick question"})),
        )
        .await;

    let c = browser().await;
    let base = app.base.clone();
    login(&c, &base, &agent_email).await;
    c.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    assert_eq!(text(&c, "#description").await, "约好上午九点，十二点才到");
    assert_eq!(text(&c, "#sla-policy").await, "投诉");
    let fr = c.find(Locator::Id("sla-first_response")).await.unwrap();
    assert_eq!(
        fr.attr("data-state").await.unwrap().as_deref(),
        Some("sla-ok")
    );

    // Tier 1 accepts, replies to the customer and leaves an internal note.
    transition(&c, "open", "受理").await;
    shows(&c, "#history", "受理").await;
    fill(&c, "message-body", "您好，我们已联系安装部").await;
    click(&c, "message-submit").await;
    shows(&c, "#messages", "您好，我们已联系安装部").await;
    let fr = c.find(Locator::Id("sla-first_response")).await.unwrap();
    assert_eq!(
        fr.attr("data-state").await.unwrap().as_deref(),
        Some("sla-met")
    );
    fill(&c, "message-body", "师傅排班冲突").await;
    select(&c, "message-kind", "internal").await;
    click(&c, "message-submit").await;
    let msgs = shows(&c, "#messages", "师傅排班冲突").await;
    assert!(msgs.contains("Internal note"), "{msgs}");

    // 挑选处理人: the chooser lists people with departments and load.
    let chooser = text(&c, "#assignee").await;
    assert!(chooser.contains("二线技术 · 1 open"), "{chooser}");
    assert!(chooser.contains("一线 · 0 open"), "{chooser}");
    select(&c, "assignee", &spec_id).await;
    fill(&c, "tags-input", "安装, 迟到").await;
    click(&c, "assign-submit").await;
    shows(&c, "#tags", "安装, 迟到").await;

    // Complaint analysis and a proposed compensation; agents cannot approve.
    select(&c, "classification", "concentrated").await;
    fill(&c, "root-cause", "排班冲突").await;
    click(&c, "analyse-submit").await;
    shows(&c, "#complaint", "Concentrated").await;
    fill(&c, "compensation-input", "赠送延保一年").await;
    click(&c, "propose-submit").await;
    shows(&c, "#compensation-status", "Awaiting approval").await;
    assert!(c.find(Locator::Id("approve-submit")).await.is_err());

    // 提送二线, resolution, and closing before the follow-up call is refused.
    transition(&c, "escalated", "需要二线").await;
    shows(&c, "#state", "Escalated").await;
    transition(&c, "resolved", "已重新安装").await;
    shows(&c, "#state", "Resolved").await;
    transition(&c, "closed", "").await;
    shows(&c, "#ticket-error", "follow-up call").await;
    assert_eq!(text(&c, "#state").await, "Resolved");
    fill(&c, "follow-up-input", "顾客满意").await;
    click(&c, "follow-up-submit").await;
    shows(&c, "#follow-up", "顾客满意").await;

    // A ticket whose first response is nearly due shows the warning colour: 30 s into its
    // 1-minute target, past the 1 % warning mark and before the breach.
    clock.advance(chrono::Duration::seconds(30));
    c.goto(&format!("{base}/tickets/{}", quick["id"].as_str().unwrap()))
        .await
        .unwrap();
    let w = c.find(Locator::Id("sla-first_response")).await.unwrap();
    assert_eq!(
        w.attr("data-state").await.unwrap().as_deref(),
        Some("sla-warning")
    );

    // 部门主管: the supervisor approves the compensation; the customer accepts: closed.
    click(&c, "logout").await;
    login(&c, &base, &sup_email).await;
    c.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    fill(&c, "decision-reason", "同意").await;
    click(&c, "approve-submit").await;
    shows(&c, "#compensation-status", "Approved").await;
    transition(&c, "closed", "顾客确认").await;
    shows(&c, "#state", "Closed").await;

    let (_, api) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (api["state"].as_str(), api["assignee_id"].as_str()),
        (Some("closed"), Some(spec_id.as_str()))
    );
    let (_, comp) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/complaint"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(comp["compensation_decided_by"], sup_id.as_str());
    assert_eq!(comp["classification"], "concentrated");
    let (_, trs) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/transitions"),
            Some(&admin),
            None,
        )
        .await;
    let path: Vec<&str> = trs
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(path, vec!["open", "escalated", "resolved", "closed"]);
    c.close().await.unwrap();
    app.stop().await;
}

async fn sla_admin_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, tier2) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "二线"})),
        )
        .await;
    let tier2 = tier2["id"].as_str().unwrap().to_owned();
    let c = browser().await;
    let base = app.base.clone();
    login(&c, &base, "admin@acme.test").await;
    c.goto(&format!("{base}/tickets/sla")).await.unwrap();
    select(&c, "tier2-group", &tier2).await;
    let yaml = "calendars:\n  cn:\n    time_zone: Asia/Shanghai\n    weekly: {mon: [\"09:00-12:00\", \"13:00-18:00\"]}\n    holidays: [\"2026-10-01..2026-10-07\"]\n    extra_workdays: {\"2026-09-27\": mon}\npolicies:\n  - name: 标准\n    calendar: cn\n    targets: {first_response: 240}\n";
    fill(&c, "sla-yaml", yaml).await;
    fill(&c, "reopen-window", "60").await;
    click(&c, "follow-up-required").await; // turn it off
    click(&c, "sla-submit").await;
    shows(&c, "#sla-saved", "Saved").await;
    let (_, p) = app
        .call(Method::GET, "/api/v1/sla/policies", Some(&admin), None)
        .await;
    assert_eq!(p["policies"][0]["name"], "标准");
    assert_eq!(p["calendars"]["cn"]["extra_workdays"]["2026-09-27"], "mon");
    let (_, st) = app
        .call(Method::GET, "/api/v1/ticket-settings", Some(&admin), None)
        .await;
    assert_eq!(
        (
            st["reopen_window_minutes"].as_i64(),
            st["complaint_follow_up_required"].as_bool()
        ),
        (Some(60), Some(false))
    );
    assert_eq!(st["tier2_group_id"], tier2.as_str());
    // The saved file is shown again; a wrong one is refused with the reason, nothing saved.
    let shown = c
        .find(Locator::Id("sla-yaml"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(shown.contains("Asia/Shanghai"), "{shown}");
    fill(
        &c,
        "sla-yaml",
        &yaml.replace("Asia/Shanghai", "Mars/Olympus"),
    )
    .await;
    click(&c, "sla-submit").await;
    let err = text(&c, "#sla-error").await;
    assert!(err.contains("Mars/Olympus"), "{err}");
    let (_, p2) = app
        .call(Method::GET, "/api/v1/sla/policies", Some(&admin), None)
        .await;
    assert_eq!(p2, p);
    c.close().await.unwrap();
    app.stop().await;
}
