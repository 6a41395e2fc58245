//! The web UI in headless Chromium through WebDriver (`KEFU_TEST_WEBDRIVER`, started by
//! `cargo xtask test`): sign in, browse tickets and customers, move a ticket through the
//! workflow, and switch between English and Chinese.

use crate::both;
use crate::common::{Backend, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;
use serde_json::json;

both!(sign_in_browse_and_escalate_in_both_languages);

pub(crate) async fn browser() -> Client {
    let url = std::env::var("KEFU_TEST_WEBDRIVER").expect(
        "KEFU_TEST_WEBDRIVER is not set: run the tests with `cargo xtask test`, which starts chromedriver",
    );
    let mut chrome = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--lang=en-US", "--window-size=1280,900"],
        "prefs": {"intl.accept_languages": "en-US,en"}
    });
    if let Ok(bin) = std::env::var("KEFU_TEST_CHROMIUM")
        && !bin.is_empty()
    {
        chrome["binary"] = json!(bin);
    }
    // Two TLS back-ends are linked in; WebDriver is plain HTTP on loopback, any will do.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("a WebDriver session")
}

/// Replaces the value of the input with id `id` by `text`.
pub async fn fill(c: &Client, id: &str, text: &str) {
    let e = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Chooses the option `value` of the select with id `id`.
pub async fn select(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("#{id} = {value}: {e}"));
}

/// Clicks `#id` (a submit button) and waits until the next page has loaded.
pub async fn submit(c: &Client, id: &str) {
    c.execute("window.__old_page = true;", vec![])
        .await
        .unwrap();
    click(c, id).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let old = c
            .execute(
                "return window.__old_page === true || document.readyState !== 'complete';",
                vec![],
            )
            .await
            .map(|v| v.as_bool().unwrap_or(true))
            .unwrap_or(true);
        if !old {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "#{id}: no new page");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Signs out whoever is signed in, then signs `email` of workspace `acme` in (password
/// `password-123`, what `TestApp::user` gives) and waits for the ticket list.
pub async fn login(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/logout")).await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "workspace", "acme").await;
    fill(c, "email", email).await;
    fill(c, "password", "password-123").await;
    click(c, "login-submit").await;
    text(c, "#views").await;
}

/// Moves the open ticket page's ticket to `to` with `reason`.
pub async fn transition(c: &Client, to: &str, reason: &str) {
    select(c, "to", to).await;
    fill(c, "reason", reason).await;
    submit(c, "transition-submit").await;
}

/// Clicks the element with id `id`.
pub async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) until the element `css` shows `want`: pages load after a click.
pub(crate) async fn shows(c: &Client, css: &str, want: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
            && t.contains(want)
        {
            return t;
        }
        if std::time::Instant::now() > deadline {
            let page = c.source().await.unwrap_or_default();
            panic!("{css} never showed {want:?}; page:\n{page}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The text of the element `css`, waiting (up to 10 s) for a page that has it.
pub(crate) async fn text(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn sign_in_browse_and_escalate_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.workspace("acme").await;
    let t = Some(token.as_str());
    let (_, cust) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            t,
            Some(json!({"name": "李雷", "phones": ["13800138000"], "tags": ["vip"]})),
        )
        .await;
    let (_, ticket) = app
        .call(Method::POST, "/api/v1/tickets", t, Some(json!({
            "type": "complaint", "subject": "Washer will not spin", "priority": "high", "customer_id": cust["id"]
        })))
        .await;
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();

    let c = browser().await;
    let base = &app.base;
    // Pages need a session: the browser lands on the login form.
    c.goto(&format!("{base}/tickets")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "wrong-password").await;
    click(&c, "login-submit").await;
    assert!(text(&c, "#login-error").await.contains("Login failed"));
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "login-submit").await;

    // The ticket list.
    let list = text(&c, "#tickets").await;
    assert!(list.contains("Washer will not spin"), "{list}");
    assert!(
        list.contains("Complaint") && list.contains("High") && list.contains("New"),
        "{list}"
    );

    // The ticket page: accept it, then escalate it with a reason.
    c.find(Locator::LinkText("Washer will not spin"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&c, "#state").await, "New");
    assert_eq!(text(&c, "#customer-link").await, "李雷");
    for (to, reason) in [("open", "accepted"), ("escalated", "needs a technician")] {
        c.find(Locator::Id("to"))
            .await
            .unwrap()
            .select_by_value(to)
            .await
            .unwrap();
        fill(&c, "reason", reason).await;
        click(&c, "transition-submit").await;
        shows(&c, "#history", reason).await;
    }
    assert_eq!(text(&c, "#state").await, "Escalated");
    let history = text(&c, "#history").await;
    assert!(
        history.contains("Open → Escalated") && history.contains("needs a technician"),
        "{history}"
    );
    let (_, api) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{ticket_id}"),
            t,
            None,
        )
        .await;
    assert_eq!(
        api["state"], "escalated",
        "the page wrote through the same store"
    );

    // Switch to Chinese: navigation, labels and states follow.
    click(&c, "lang-switch").await;
    shows(&c, "#state", "已提送二线").await;
    assert_eq!(text(&c, "#nav-tickets").await, "工单");
    let history = text(&c, "#history").await;
    assert!(history.contains("处理中 → 已提送二线"), "{history}");

    // Customers: list, search, profile with the customer's tickets.
    click(&c, "nav-customers").await;
    let customers = text(&c, "#customers").await;
    assert!(
        customers.contains("李雷")
            && customers.contains("13800138000")
            && customers.contains("vip"),
        "{customers}"
    );
    fill(&c, "q", "王").await;
    click(&c, "search").await;
    assert_eq!(text(&c, "#empty").await, "还没有客户。");
    c.goto(&format!(
        "{base}/customers/{}",
        cust["id"].as_str().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(text(&c, "#name").await, "李雷");
    let tickets = text(&c, "#customer-tickets").await;
    assert!(
        tickets.contains("Washer will not spin") && tickets.contains("已提送二线"),
        "{tickets}"
    );

    // Back to English, then sign out.
    click(&c, "lang-switch").await;
    shows(&c, "#nav-tickets", "Tickets").await;
    click(&c, "logout").await;
    c.goto(&format!("{base}/tickets")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    c.close().await.unwrap();
    app.stop().await;
}
