//! CRM search: names by characters, words, pinyin and pinyin initials (kept in step with
//! renames, merges and imports), broad prefixes paged newest first, the segment filter of
//! the customer list, and the export of what a filter selects (API and the list page in
//! Chromium).

use crate::both;
use crate::common::{Backend, TestApp};
use kefu_store::PageRequest;
use kefu_store::crm::customers::CustomerFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::fmt::Write;

both!(
    crm_search_finds_names_by_pinyin_and_initials,
    crm_search_pages_a_broad_prefix_newest_first,
    crm_list_filters_by_segment,
    crm_list_page_selects_a_segment_and_exports_what_it_shows
);

async fn names(app: &TestApp, t: &str, query: &str) -> Vec<String> {
    let (s, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers?limit=500&{query}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {page}");
    let mut out: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn create(app: &TestApp, t: &str, body: Value) -> String {
    let (s, c) = app
        .call(Method::POST, "/api/v1/customers", Some(t), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

async fn crm_search_finds_names_by_pinyin_and_initials(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let wang = create(&app, &t, json!({"name": "王小明"})).await;
    create(&app, &t, json!({"name": "王大明"})).await;
    create(
        &app,
        &t,
        json!({"name": "李小红", "phones": ["13800138000"]}),
    )
    .await;
    create(&app, &t, json!({"name": "John Smith"})).await;
    let other = app.workspace("other").await;
    create(&app, &other, json!({"name": "王小明"})).await;

    for (q, expect) in [
        ("wangxiaoming", vec!["王小明"]),
        ("wang%20xiao%20ming", vec!["王小明"]),
        ("Wang%20Xiaoming", vec!["王小明"]),
        ("wxm", vec!["王小明"]),
        ("wang", vec!["王大明", "王小明"]),
        ("%E5%B0%8F%E6%98%8E", vec!["王小明"]),  // 小明
        ("%E7%8E%8B", vec!["王大明", "王小明"]), // 王
        ("xiaohong", vec!["李小红"]),
        ("lxh", vec!["李小红"]),
        ("smi", vec!["John Smith"]),
        ("john%20s", vec!["John Smith"]),
        ("wxn", vec![]),
        ("ohn", vec![]),
        ("13800138000", vec!["李小红"]),
    ] {
        assert_eq!(names(&app, &t, &format!("q={q}")).await, expect, "{q}");
    }

    // A rename re-keys the name; a merged record is no longer found by its name.
    let (s, c) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/customers/{wang}"),
            Some(&t),
            Some(json!({"name": "张小明"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(names(&app, &t, "q=wxm").await, Vec::<String>::new());
    assert_eq!(names(&app, &t, "q=zxm").await, vec!["张小明"]);
    assert_eq!(names(&app, &t, "q=zhangxiao").await, vec!["张小明"]);
    let dup = create(&app, &t, json!({"name": "张小明二号"})).await;
    let (s, m) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{wang}/merge"),
            Some(&t),
            Some(json!({"from": [dup]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(names(&app, &t, "q=zhangxiao").await, vec!["张小明"]);

    // Imported customers are found the same way.
    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "text/csv",
            "name\n欧阳娜娜\n",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(names(&app, &t, "q=ouyang").await, vec!["欧阳娜娜"]);
    assert_eq!(names(&app, &t, "q=oynn").await, vec!["欧阳娜娜"]);
    app.stop().await;
}

async fn crm_search_pages_a_broad_prefix_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    // More matches than the search resolves to ids, so the list walks customers instead.
    let n = 1_005;
    let mut csv = String::from("name\n");
    for i in 0..n {
        let _ = writeln!(csv, "测试{i}");
    }
    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "text/csv",
            &csv,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    create(&app, &t, json!({"name": "别人"})).await;

    let mut seen: Vec<String> = vec![];
    let mut cursor = String::new();
    loop {
        let (s, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers?q=ceshi&limit=400{cursor}"),
                Some(&t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for c in page["items"].as_array().unwrap() {
            assert!(c["name"].as_str().unwrap().starts_with("测试"), "{c}");
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), n);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");

    // Past its candidate limit a search walks the list and checks each customer's keys: the
    // same customers in the same order, with or without other filters.
    let scope = app
        .store
        .authenticate(&kefu_server::auth::token_hash(&t), app.store.now())
        .await
        .unwrap()
        .unwrap()
        .scope;
    for cap in [Some(100), None] {
        let filter = CustomerFilter {
            q: Some("ceshi".into()),
            max_candidates: cap,
            ..Default::default()
        };
        let mut walked: Vec<String> = vec![];
        let mut cursor = None;
        loop {
            let page = app
                .store
                .list_customers(
                    &scope,
                    &filter,
                    &PageRequest {
                        limit: Some(300),
                        cursor,
                    },
                )
                .await
                .unwrap();
            walked.extend(page.items.into_iter().map(|c| c.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(walked, seen, "{cap:?}");
        let filter = CustomerFilter {
            q: Some("ceshi100".into()),
            max_candidates: cap.map(|_| 2),
            ..Default::default()
        };
        let page = app
            .store
            .list_customers(&scope, &filter, &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 6, "{cap:?}");
    }
    // A narrow prefix resolves through the key index.
    assert_eq!(
        names(&app, &t, "q=ceshi100").await,
        vec![
            "测试100",
            "测试1000",
            "测试1001",
            "测试1002",
            "测试1003",
            "测试1004"
        ]
    );
    assert_eq!(
        names(&app, &t, "q=cs100").await,
        vec![
            "测试100",
            "测试1000",
            "测试1001",
            "测试1002",
            "测试1003",
            "测试1004"
        ]
    );
    assert_eq!(names(&app, &t, "q=cs1004").await, vec!["测试1004"]);
    app.stop().await;
}

async fn crm_list_filters_by_segment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let mut ids = vec![];
    for (name, tier) in [
        ("王一", "vip"),
        ("王二", "vip"),
        ("李三", "vip"),
        ("李四", "low"),
    ] {
        ids.push(create(&app, &t, json!({"name": name, "value_tier": tier})).await);
    }
    let (s, seg) = app
        .call(
            Method::POST,
            "/api/v1/segments",
            Some(&t),
            Some(json!({"name": "vip", "rules": [{"field": "value_tier", "op": "eq", "value": "vip"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{seg}");
    let sid = seg["id"].as_str().unwrap();
    assert_eq!(
        names(&app, &t, &format!("segment={sid}")).await,
        vec!["李三", "王一", "王二"]
    );
    assert_eq!(
        names(&app, &t, &format!("segment={sid}&q=wang")).await,
        vec!["王一", "王二"]
    );
    // Keyset paged like the rest of the list.
    let (_, p1) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers?segment={sid}&limit=2"),
            Some(&t),
            None,
        )
        .await;
    let first: Vec<&str> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(first, vec![ids[2].as_str(), ids[1].as_str()]);
    let c = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers?segment={sid}&limit=2&cursor={c}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_eq!(p2["items"][0]["id"], ids[0].as_str());
    assert_eq!(p2["next_cursor"], Value::Null);

    // The export takes the same filters.
    let (s, ct, csv) = app
        .raw(
            Method::GET,
            &format!("/api/v1/customers/export?format=csv&segment={sid}&q=wang"),
            &t,
            "text/plain",
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let csv = csv.as_str().unwrap().to_owned();
    let rows: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(rows, vec!["王二", "王一"], "{csv}");
    let (s, _, lines) = app
        .raw(
            Method::GET,
            "/api/v1/customers/export?format=jsonl&value_tier=low",
            &t,
            "text/plain",
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let lines = match lines {
        Value::String(s) => s,
        one => one.to_string(),
    };
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains("李四"), "{lines}");

    // Another workspace's segment, an unknown one and a malformed id are problems.
    let other = app.workspace("other").await;
    for (tok, seg, code) in [
        (&other, sid.to_owned(), "unknown_reference"),
        (&t, uuid::Uuid::now_v7().to_string(), "unknown_reference"),
        (&t, "nope".to_owned(), "invalid_field"),
    ] {
        let (s, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers?segment={seg}"),
                Some(tok),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["code"], code, "{p}");
    }
    app.stop().await;
}

async fn crm_list_page_selects_a_segment_and_exports_what_it_shows(backend: Backend) {
    use crate::ui::{browser, click, fill, shows, text};
    use fantoccini::Locator;
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    for (name, tier) in [("王一", "vip"), ("王二", "low"), ("李三", "vip")] {
        create(&app, &t, json!({"name": name, "value_tier": tier})).await;
    }
    let (_, seg) = app
        .call(
            Method::POST,
            "/api/v1/segments",
            Some(&t),
            Some(json!({"name": "VIP 客户", "rules": [{"field": "value_tier", "op": "eq", "value": "vip"}]})),
        )
        .await;
    let sid = seg["id"].as_str().unwrap().to_owned();

    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "login-submit").await;
    text(&c, "#views").await;

    // Pick the segment in the selector and search by pinyin initials within it.
    c.goto(&format!("{base}/customers")).await.unwrap();
    c.find(Locator::Css(&format!("#segment option[value='{sid}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "q", "wy").await;
    click(&c, "search").await;
    let list = shows(&c, "#customers", "王一").await;
    assert!(!list.contains("李三") && !list.contains("王二"), "{list}");
    assert!(text(&c, "#segment-count").await.ends_with('2'));

    // The export links carry the filter; the XLSX is a workbook, the CSV has the one row.
    let href = c
        .find(Locator::Id("export-xlsx"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        href.contains(&format!("segment={sid}")) && href.contains("q=wy"),
        "{href}"
    );
    let path = href.trim_start_matches(base.as_str()).to_owned();
    let resp = app
        .client
        .get(format!("{base}{path}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let csv = app
        .client
        .get(format!(
            "{base}{}",
            path.replace("format=xlsx", "format=csv")
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("王一"), "{csv}");
    c.close().await.unwrap();
    app.stop().await;
}
