//! CRM pages in headless Chromium: list with filters, merge review, the customer page with
//! lifecycle change, adoption and timeline, and an import that shows its validation report.

use crate::both;
use crate::common::{Backend, TestApp};
use crate::ui::{browser, fill, shows, text};
use fantoccini::{Client, Locator};
use reqwest::Method;
use serde_json::json;

both!(crm_pages_merge_review_lifecycle_and_import_report);

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn crm_pages_merge_review_lifecycle_and_import_report(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.workspace("acme").await;
    let t = Some(token.as_str());
    let mut ids = vec![];
    for (name, phone, subject) in [
        ("张三", "+86 138-0013-8000", "冰箱不制冷"),
        ("张三（微信）", "13800138000", "洗衣机漏水"),
    ] {
        let (_, c) = app
            .call(
                Method::POST,
                "/api/v1/customers",
                t,
                Some(json!({"name": name, "phones": [phone], "value_tier": "vip",
                    "profile": {"consent": {"do_not_call": true}}})),
            )
            .await;
        let id = c["id"].as_str().unwrap().to_owned();
        app.call(
            Method::POST,
            "/api/v1/tickets",
            t,
            Some(json!({"type": "after_sales", "subject": subject, "customer_id": id})),
        )
        .await;
        ids.push(id);
    }

    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "#login-submit").await;
    text(&c, "#tickets").await;

    // The list, filtered by lifecycle stage and by a phone in another spelling.
    c.goto(&format!("{base}/customers?lifecycle=prospect&tier=vip"))
        .await
        .unwrap();
    let list = text(&c, "#customers").await;
    assert!(
        list.contains("张三") && list.contains("张三（微信）") && list.contains("Prospect"),
        "{list}"
    );
    c.goto(&format!("{base}/customers?lifecycle=lost"))
        .await
        .unwrap();
    text(&c, "#empty").await;
    c.goto(&format!("{base}/customers?q=138%200013%208000"))
        .await
        .unwrap();
    let list = text(&c, "#customers").await;
    assert!(list.contains("张三（微信）"), "{list}");

    // Merge review: both records share the phone; merging keeps both tickets.
    c.goto(&format!("{base}/customers/duplicates"))
        .await
        .unwrap();
    let d = text(&c, "#duplicates").await;
    assert!(
        d.contains("+8613800138000") && d.contains("张三（微信）"),
        "{d}"
    );
    click(&c, ".merge-submit").await;
    let tickets = shows(&c, "#customer-tickets", "洗衣机漏水").await;
    assert!(tickets.contains("冰箱不制冷"), "{tickets}");
    shows(&c, "#timeline", "Merged").await;
    assert!(text(&c, "#consent").await.contains("Do not call"));
    let survivor = c
        .current_url()
        .await
        .unwrap()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(survivor, ids[0]);
    // The merged record's page leads to the survivor.
    c.goto(&format!("{base}/customers/{}", ids[1]))
        .await
        .unwrap();
    shows(&c, "#name", "张三").await;
    assert!(c.current_url().await.unwrap().path().ends_with(&ids[0]));

    // Lifecycle change with a reason, then adoption: both on the timeline.
    c.find(Locator::Id("stage"))
        .await
        .unwrap()
        .select_by_value("at_risk")
        .await
        .unwrap();
    fill(&c, "lifecycle-reason", "投诉未解决").await;
    click(&c, "#lifecycle-submit").await;
    shows(&c, "#lifecycle", "At risk").await;
    let tl = shows(&c, "#timeline", "投诉未解决").await;
    assert!(tl.contains("Prospect → At risk"), "{tl}");
    click(&c, "#adopt-submit").await;
    shows(&c, "#timeline", "Owner").await;
    assert_ne!(text(&c, "#owner").await, "—");
    c.goto(&format!("{base}/customers?mine=1")).await.unwrap();
    assert!(text(&c, "#customers").await.contains("张三"));

    // Import with one bad row: the report names it and nothing is imported.
    c.goto(&format!("{base}/customers/import")).await.unwrap();
    fill(
        &c,
        "import-data",
        "name,phones\n李四,13900139000\n王五,12345\n",
    )
    .await;
    click(&c, "#import-submit").await;
    let errors = text(&c, "#import-errors").await;
    assert!(
        errors.contains("phones") && errors.contains("invalid_format"),
        "{errors}"
    );
    assert!(
        text(&c, "#import-failed")
            .await
            .contains("nothing was imported")
    );
    let (_, page) = app
        .call(Method::GET, "/api/v1/customers?q=13900139000", t, None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    c.find(Locator::Id("import-data"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    fill(&c, "import-data", "name,phones\n李四,13900139000\n").await;
    click(&c, "#import-submit").await;
    let r = text(&c, "#import-result").await;
    assert!(r.contains("created 1"), "{r}");
    let (_, page) = app
        .call(Method::GET, "/api/v1/customers?q=13900139000", t, None)
        .await;
    assert_eq!(page["items"][0]["name"], "李四");
    c.close().await.unwrap();
    app.stop().await;
}
