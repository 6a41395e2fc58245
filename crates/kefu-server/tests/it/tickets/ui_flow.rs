//! The seed workflow (000 售后服务流程) walked in Chromium with the pages that used to be
//! API-only: intake (受理) with its description → the handler chooser showing skills and
//! load → tier 1 responds → escalation to tier 2 moves the ticket to the tier-2 group and
//! tells its supervisor (inbox badge) → tier 2 resolves and notifies the customer → the
//! customer raises a further need (reopened) → the supervisor sees it in the overview. On
//! the way: category, watcher, link, split (pick a message) and merge, list filters and bulk
//! actions, and the macro admin with a refused definition. (The complaint with compensation
//! approval and 回访 before close is walked in `tickets_ui.rs`.)

use crate::both;
use crate::common::{Backend, TestApp};
use crate::ui::{browser, fill, login, select, shows, submit as click, text, transition};
use fantoccini::{Client, Locator};
use reqwest::Method;
use serde_json::{Value, json};

both!(seed_workflow_with_tier2_tools_and_bulk);

async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn user(app: &TestApp, admin: &str, email: &str, name: &str, role: &str) -> String {
    app.ok(
        admin,
        Method::POST,
        "/api/v1/users",
        Some(json!({"email": email, "name": name, "role": role, "password": "password-123"})),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn seed_workflow_with_tier2_tools_and_bulk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let a = user(&app, &admin, "wang@acme.test", "王一线", "agent").await;
    let s1 = user(&app, &admin, "zhou@acme.test", "周主管", "supervisor").await;
    let b = user(&app, &admin, "li@acme.test", "李二线", "specialist").await;
    let s2 = user(&app, &admin, "zhao@acme.test", "赵主管", "supervisor").await;
    let g1 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "一线", "member_ids": [a, s1]})),
        )
        .await);
    let g2 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "二线技术", "member_ids": [b, s2]})),
        )
        .await);
    app.ok(
        &admin,
        Method::PATCH,
        "/api/v1/ticket-settings",
        Some(json!({"tier2_group_id": g2})),
    )
    .await;
    app.ok(
        &admin,
        Method::PUT,
        &format!("/api/v1/users/{b}/skills"),
        Some(json!({"skills": [{"skill": "热水器", "level": 5}]})),
    )
    .await;
    let cat = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/ticket-categories",
            Some(json!({"name": "热水器"})),
        )
        .await);
    // b already carries one open ticket: the chooser shows the load.
    app.ok(
        &admin,
        Method::POST,
        "/api/v1/tickets",
        Some(json!({"type": "tech_support", "subject": "旧单", "assignee_id": b})),
    )
    .await;
    let other = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"type": "inquiry", "subject": "同一户的另一个问题", "priority": "low"})),
        )
        .await);
    let cust = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "韩梅梅"})),
        )
        .await);
    // 受理 with 问题描述.
    let t = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/tickets",
            Some(
                json!({"type": "after_sales", "subject": "热水器不出热水", "priority": "high",
            "customer_id": cust, "group_id": g1, "description": "开机后一直是冷水"}),
            ),
        )
        .await);

    let c = browser().await;
    let base = app.base.clone();
    login(&c, &base, "wang@acme.test").await;
    // The list: filter by type, sort by priority.
    c.goto(&format!("{base}/tickets?type=after_sales&sort=priority"))
        .await
        .unwrap();
    let list = text(&c, "#tickets").await;
    assert!(
        list.contains("热水器不出热水") && !list.contains("旧单"),
        "{list}"
    );
    c.goto(&format!("{base}/tickets/{t}")).await.unwrap();
    assert_eq!(text(&c, "#description").await, "开机后一直是冷水");
    transition(&c, "open", "受理").await;
    shows(&c, "#history", "受理").await;

    // Category, then the chooser ranks b first (热水器 5) and shows the load.
    select(&c, "category", &cat).await;
    click(&c, "category-submit").await;
    shows(&c, "#candidates", "热水器 5").await;
    let first = text(&c, "#candidates tbody tr:first-child").await;
    assert!(first.contains("李二线") && first.ends_with('1'), "{first}");
    let chooser = text(&c, "#assignee").await;
    assert!(chooser.contains("★ 热水器 5"), "{chooser}");
    // Tier 1 keeps it for now and answers; the supervisor watches; a link to the other.
    select(&c, "assignee", &a).await;
    select(&c, "group", &g1).await;
    click(&c, "assign-submit").await;
    fill(&c, "message-body", "您好，请先检查燃气阀门").await;
    click(&c, "message-submit").await;
    shows(&c, "#messages", "请先检查燃气阀门").await;
    fill(&c, "message-body", "另外，浴霸也不亮").await;
    select(&c, "message-author", "customer").await;
    click(&c, "message-submit").await;
    shows(&c, "#messages", "浴霸也不亮").await;
    select(&c, "watcher", &s1).await;
    click(&c, "watch-submit").await;
    shows(&c, "#watchers", "周主管").await;
    select(&c, "link-kind", "related").await;
    fill(&c, "link-other", &other).await;
    click(&c, "link-submit").await;
    shows(&c, "#links", &other).await;

    // Split the customer's second problem off (pick the message): a new linked ticket.
    let msgs = app
        .ok(
            &admin,
            Method::GET,
            &format!("/api/v1/tickets/{t}/messages"),
            None,
        )
        .await;
    let second = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "另外，浴霸也不亮")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    select(&c, "split-message", &second).await;
    fill(&c, "split-subject", "浴霸不亮").await;
    click(&c, "split-submit").await;
    shows(&c, "#subject", "浴霸不亮").await;
    let split_url = c.current_url().await.unwrap().to_string();
    let split_id = split_url.rsplit('/').next().unwrap().to_owned();
    assert_ne!(split_id, t);
    // It duplicates the other ticket after all: merge it there.
    fill(&c, "merge-into", &other).await;
    click(&c, "merge-submit").await;
    shows(&c, "#subject", "同一户的另一个问题").await;
    shows(&c, "#messages", "浴霸也不亮").await;

    // 提送二线: the ticket moves to the tier-2 group, its tier-1 assignee lets go.
    c.goto(&format!("{base}/tickets/{t}")).await.unwrap();
    transition(&c, "escalated", "需要二线").await;
    shows(&c, "#state", "Escalated").await;
    assert_eq!(value(&c, "group").await, g2);
    assert_eq!(value(&c, "assignee").await, "");

    // The tier-2 supervisor is told (header badge, inbox) and sees it in the overview.
    login(&c, &base, "zhao@acme.test").await;
    shows(&c, "#unread-count", "1").await;
    click(&c, "nav-notifications").await;
    shows(&c, "#inbox", "Escalated to tier 2").await;
    c.goto(&format!("{base}/tickets/overview")).await.unwrap();
    let teams = text(&c, "#overview-teams").await;
    assert!(
        teams.contains("二线技术") && !teams.contains("一线"),
        "{teams}"
    );
    shows(&c, "#overview-attention", "热水器不出热水").await;

    // Tier 2 takes it, resolves and notifies the customer (a public reply).
    login(&c, &base, "li@acme.test").await;
    c.goto(&format!("{base}/tickets/{t}")).await.unwrap();
    select(&c, "assignee", &b).await;
    click(&c, "assign-submit").await;
    fill(&c, "message-body", "已更换温控器，请您试用").await;
    click(&c, "message-submit").await;
    shows(&c, "#messages", "已更换温控器").await;
    transition(&c, "resolved", "已修复并通知顾客").await;
    shows(&c, "#state", "Resolved").await;

    // The customer raises a further need: reopened.
    fill(&c, "message-body", "水温还是不稳定").await;
    select(&c, "message-author", "customer").await;
    click(&c, "message-submit").await;
    transition(&c, "reopened", "顾客追加需求").await;
    shows(&c, "#state", "Reopened").await;

    // The supervisor oversees it (reopened, in the tier-2 group).
    login(&c, &base, "zhao@acme.test").await;
    c.goto(&format!("{base}/tickets/overview")).await.unwrap();
    let att = shows(&c, "#overview-attention", "热水器不出热水").await;
    assert!(att.contains("Reopened"), "{att}");

    // Bulk from the list: the checked tickets go to tier 1.
    c.goto(&format!("{base}/tickets?sort=created"))
        .await
        .unwrap();
    for row in c
        .find_all(Locator::Css("#tickets input.pick"))
        .await
        .unwrap()
    {
        let v = row.attr("value").await.unwrap().unwrap_or_default();
        if v == other || v == t {
            row.click().await.unwrap();
        }
    }
    select(&c, "bulk-group", &g1).await;
    click(&c, "bulk-submit").await;
    shows(&c, "#bulk-result", "2/2").await;
    for x in [&t, &other] {
        let v = app
            .ok(&admin, Method::GET, &format!("/api/v1/tickets/{x}"), None)
            .await;
        assert_eq!(v["group_id"], g1.as_str(), "{v}");
    }
    // The list's filters: by group (both are tier 1 now, none tier 2), by category (only
    // the water-heater ticket has one), carried over to the next page's link.
    select(&c, "group-filter", &g1).await;
    click(&c, "filter-submit").await;
    let list = text(&c, "#tickets").await;
    assert!(
        list.contains("热水器不出热水")
            && list.contains("同一户的另一个问题")
            && !list.contains("旧单"),
        "{list}"
    );
    select(&c, "group-filter", &g2).await;
    click(&c, "filter-submit").await;
    shows(&c, "#empty", "").await;
    select(&c, "group-filter", "").await;
    select(&c, "category-filter", &cat).await;
    click(&c, "filter-submit").await;
    let list = text(&c, "#tickets").await;
    assert!(
        list.contains("热水器不出热水") && !list.contains("同一户的另一个问题"),
        "{list}"
    );

    // Skills page: a supervisor edits a person's skills; a malformed list is refused.
    c.goto(&format!("{base}/tickets/skills")).await.unwrap();
    let set_skills = |text: &'static str| {
        let c = c.clone();
        let a = a.clone();
        async move {
            let input = c
                .find(Locator::Css(&format!("#skills-{a} .skills-input")))
                .await
                .unwrap();
            input.clear().await.unwrap();
            input.send_keys(text).await.unwrap();
            c.execute("window.__old_page = true;", vec![])
                .await
                .unwrap();
            c.find(Locator::Css(&format!("#skills-{a} .skills-submit")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    set_skills("热水器:3, english").await;
    shows(&c, "#skills-error", "invalid_field").await;
    set_skills("热水器:3, english:4").await;
    let want = json!([{"skill": "english", "level": 4}, {"skill": "热水器", "level": 3}]);
    let mut skills = Value::Null;
    for _ in 0..100 {
        skills = app
            .ok(
                &admin,
                Method::GET,
                &format!("/api/v1/users/{a}/skills"),
                None,
            )
            .await;
        if skills["skills"] == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(skills["skills"], want);

    // Macro admin: a wrong definition is refused with its reason; a right one is listed.
    c.goto(&format!("{base}/tickets/automations"))
        .await
        .unwrap();
    fill(
        &c,
        "automation-json",
        r#"{"name": "问候", "actions": [{"action": "explode"}]}"#,
    )
    .await;
    click(&c, "automation-submit").await;
    let err = text(&c, "#automation-error").await;
    assert!(err.contains("explode"), "{err}");
    fill(
        &c,
        "automation-json",
        r#"{"name": "问候", "actions": [{"action": "reply", "body": "您好，关于「{{subject}}」"}]}"#,
    )
    .await;
    click(&c, "automation-submit").await;
    shows(&c, "#automations", "问候").await;
    c.close().await.unwrap();

    let trs = app
        .ok(
            &admin,
            Method::GET,
            &format!("/api/v1/tickets/{t}/transitions"),
            None,
        )
        .await;
    let path: Vec<&str> = trs
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["to"].as_str().unwrap())
        .collect();
    assert_eq!(path, vec!["open", "escalated", "resolved", "reopened"]);
    let _ = s2;
    app.stop().await;
}
