//! CRM at scale on SQLite (ignored by default; run with `--ignored`): a CSV import of
//! `KEFU_BENCH_ROWS` customers (default 1,000,000) through the API, then segment counts and
//! lookups (phone, e-mail, name, pinyin, initials), which must stay under a second; and the
//! timeline of one customer with `KEFU_BENCH_TIMELINE` entries (default 3,000), whose first
//! and last pages take about as long.
//!
//! `KEFU_BENCH_ROWS=1000000 cargo test -p kefu-server --test it -- --ignored crm_bench --nocapture`

use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::fmt::Write;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn crm_bench_import_and_segment_counts_at_scale() {
    let rows: usize = std::env::var("KEFU_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.workspace("bench").await;
    let tiers = ["vip", "high", "normal", "low"];
    let stages = [
        "prospect",
        "first_contact",
        "opportunity",
        "customer",
        "repeat_customer",
        "at_risk",
        "lost",
    ];
    let provinces = ["山东", "广东", "北京", "上海", "浙江"];
    let mut csv = String::with_capacity(rows * 120);
    csv.push_str(
        "name,phones,emails,tags,value_tier,lifecycle,address.province,custom.lifetime_value\n",
    );
    for i in 0..rows {
        let _ = writeln!(
            csv,
            "客户{i},139{:08},c{i}@example.cn,{},{},{},{},{}",
            i,
            if i % 3 == 0 { "wechat" } else { "web" },
            tiers[i % 4],
            stages[i % 7],
            provinces[i % 5],
            i % 50_000
        );
    }
    let (s, f) = app
        .call(
            Method::POST,
            "/api/v1/crm/fields",
            Some(&t),
            Some(json!({"key": "lifetime_value", "label": "LTV", "field_type": "number"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let started = Instant::now();
    let resp = app
        .client
        .post(format!("{}/api/v1/customers/import", app.base))
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body(csv)
        .timeout(std::time::Duration::from_secs(3600))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], rows);
    let import_s = started.elapsed().as_secs_f64();
    println!(
        "import: {rows} rows in {import_s:.1}s ({:.0} rows/s)",
        rows as f64 / import_s
    );

    // RFM: monetary from the imported lifetime value; scores by thresholds.
    let (s, r) = app
        .call(
            Method::PUT,
            "/api/v1/crm/rfm",
            Some(&t),
            Some(
                json!({"window_days": 365, "monetary_field": "lifetime_value",
                "mode": "thresholds", "recency_days": [30, 90, 180, 365],
                "frequency": [1, 2, 4, 8], "monetary": [100, 1000, 10000, 40000]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let started = Instant::now();
    let (s, r) = app
        .call(Method::POST, "/api/v1/crm/rfm/refresh", Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    println!("rfm refresh: {} ms", started.elapsed().as_millis());
    for (name, rules, expect) in [
        (
            "rfm m >= 4",
            json!([{"field": "rfm.m", "op": "gte", "value": 4}]),
            (0..rows).filter(|i| i % 50_000 >= 10_000).count(),
        ),
        (
            "rfm m <= 2",
            json!([{"field": "rfm.m", "op": "lte", "value": 2}]),
            (0..rows).filter(|i| i % 50_000 < 1_000).count(),
        ),
        (
            "rfm r = 1 (never contacted)",
            json!([{"field": "rfm.r", "op": "eq", "value": 1}]),
            rows,
        ),
        (
            "at-risk or lost vip",
            json!([{"field": "lifecycle", "op": "in", "value": ["at_risk", "lost"]},
                   {"field": "value_tier", "op": "eq", "value": "vip"}]),
            (0..rows)
                .filter(|i| i % 4 == 0 && (i % 7 == 5 || i % 7 == 6))
                .count(),
        ),
        (
            "lost",
            json!([{"field": "lifecycle", "op": "eq", "value": "lost"}]),
            (0..rows).filter(|i| i % 7 == 6).count(),
        ),
        (
            "vip tier",
            json!([{"field": "value_tier", "op": "eq", "value": "vip"}]),
            (0..rows).filter(|i| i % 4 == 0).count(),
        ),
    ] {
        let (s, seg) = app
            .call(
                Method::POST,
                "/api/v1/segments",
                Some(&t),
                Some(json!({"name": name, "rules": rules})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{seg}");
        let sid = seg["id"].as_str().unwrap();
        let started = Instant::now();
        let (s, n) = app
            .call(
                Method::GET,
                &format!("/api/v1/segments/{sid}/count"),
                Some(&t),
                None,
            )
            .await;
        let took = started.elapsed();
        assert_eq!(s, StatusCode::OK);
        assert_eq!(n["count"], expect, "{name}");
        println!(
            "segment count `{name}`: {expect} of {rows} in {} ms",
            took.as_millis()
        );
        if rows >= 1_000_000 {
            assert!(took.as_secs_f64() < 1.0, "{name}: {took:?}");
        }
    }
    // Lookups: exact identities are seeks on `customer_identities`; names are prefix ranges
    // on `customer_name_keys` (characters, pinyin, initials).
    for (what, q, first, n) in [
        ("phone", "13900000042", "客户42", 1),
        ("phone, E.164", "%2B8613900000042", "客户42", 1),
        ("e-mail", "C42%40example.cn", "客户42", 1),
        ("name", "%E5%AE%A2%E6%88%B7999999", "客户999999", 1),
        ("pinyin", "kehu42", "", 50),
        ("pinyin initials", "kh999998", "客户999998", 1),
        ("broad pinyin prefix", "kehu", "", 50),
    ] {
        let started = Instant::now();
        let (s, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers?q={q}"),
                Some(&t),
                None,
            )
            .await;
        let took = started.elapsed();
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        println!("lookup by {what} (`{q}`): {} ms", took.as_millis());
        if rows >= 1_000_000 {
            assert_eq!(items.len(), n, "{what}");
            if !first.is_empty() {
                assert_eq!(items[0]["name"], first, "{what}");
            }
            assert!(took.as_secs_f64() < 1.0, "{what}: {took:?}");
        }
    }

    // A customer with a long history: the first and a deep timeline page cost the same.
    let events: usize = std::env::var("KEFU_BENCH_TIMELINE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let (_, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&t),
            Some(json!({"name": "老客户"})),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    for i in 0..events {
        let (s, r) = if i % 2 == 0 {
            app.call(
                Method::POST,
                "/api/v1/interactions",
                Some(&t),
                Some(json!({"channel": "voice", "direction": "inbound", "customer_id": cid})),
            )
            .await
        } else {
            app.call(
                Method::POST,
                &format!("/api/v1/customers/{cid}/notes"),
                Some(&t),
                Some(json!({"body": format!("回访 {i}")})),
            )
            .await
        };
        assert!(s.is_success(), "{r}");
    }
    let mut cursor = String::new();
    let mut pages = 0;
    let mut first_ms = 0;
    let mut last_ms;
    let mut seen = 0;
    loop {
        let started = Instant::now();
        let (s, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{cid}/timeline?limit=50{cursor}"),
                Some(&t),
                None,
            )
            .await;
        let ms = started.elapsed().as_millis();
        assert_eq!(s, StatusCode::OK, "{page}");
        seen += page["items"].as_array().unwrap().len();
        if pages == 0 {
            first_ms = ms;
        }
        last_ms = ms;
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, events);
    println!(
        "timeline of {events} entries: {pages} pages of 50, first {first_ms} ms, last {last_ms} ms"
    );
    app.stop().await;
}

/// RFM at scale on SQLite (ignored; `KEFU_BENCH_ROWS` customers, default 1,000,000, and 1.5
/// interactions each on average, seeded in SQL from one customer and one interaction made
/// through the API): the chunked refresh, then counts of segments with one and with two RFM
/// ranges, which must stay under a second, and their query plan (one covering index).
///
/// `KEFU_BENCH_ROWS=1000000 cargo test -p kefu-server --test it -- --ignored crm_bench_rfm --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn crm_bench_rfm_refresh_and_box_counts() {
    use sea_orm::{ConnectionTrait, Statement};
    let rows: i64 = std::env::var("KEFU_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.workspace("bench").await;
    let tk = Some(t.as_str());
    app.call(
        Method::POST,
        "/api/v1/crm/fields",
        tk,
        Some(json!({"key": "lifetime_value", "label": "LTV", "field_type": "number"})),
    )
    .await;
    let (s, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "template", "custom": {"lifetime_value": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, i) = app
        .call(
            Method::POST,
            "/api/v1/interactions",
            tk,
            Some(json!({"channel": "voice", "direction": "inbound",
                "customer_id": c["id"], "offered_at": "2026-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let columns = |table: &'static str| {
        let db = &db;
        async move {
            db.query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT name FROM pragma_table_info('{table}')"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "name").unwrap())
            .collect::<Vec<_>>()
        }
    };
    let clone = |table: &str, cols: Vec<String>, n: i64, vary: &[(&str, &str)]| {
        let select: Vec<String> = cols
            .iter()
            .map(|c| {
                vary.iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_else(|| format!("t.\"{c}\""))
            })
            .collect();
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO {table} ({}) SELECT {} FROM n, (SELECT * FROM {table} LIMIT 1) AS t",
            cols.iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", "),
            select.join(", ")
        )
    };
    let started = Instant::now();
    // Customer i: lifetime value i % 50,000; interaction j: customer (j·7919) % N, offered
    // (j % 400) days ago.
    let id = "printf('00000000-0000-7000-8000-%012d', i)";
    let sql = clone(
        "customers",
        columns("customers").await,
        rows,
        &[
            ("id", id),
            ("name", "'客户' || i"),
            ("custom", "json_object('lifetime_value', i % 50000)"),
        ],
    );
    db.execute_unprepared(&sql).await.unwrap();
    let sql = clone(
        "interactions",
        columns("interactions").await,
        rows * 3 / 2,
        &[
            ("id", "printf('00000000-0000-7000-9000-%012d', i)"),
            (
                "customer_id",
                "printf('00000000-0000-7000-8000-%012d', 1 + (i * 7919) % {rows})",
            ),
            (
                "offered_at",
                "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (i % 400) || ' days') || ' +00:00'",
            ),
            (
                "created_at",
                "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (i % 400) || ' days') || ' +00:00'",
            ),
        ],
    );
    db.execute_unprepared(&sql.replace("{rows}", &rows.to_string()))
        .await
        .unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
    println!(
        "seeded {rows} customers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let (s, r) = app
        .call(
            Method::PUT,
            "/api/v1/crm/rfm",
            tk,
            Some(
                json!({"window_days": 365, "monetary_field": "lifetime_value",
                "mode": "thresholds", "recency_days": [30, 90, 180, 365],
                "frequency": [1, 2, 4, 8], "monetary": [100, 1000, 10000, 40000]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let started = Instant::now();
    let resp = app
        .client
        .post(format!("{}/api/v1/crm/rfm/refresh", app.base))
        .bearer_auth(&t)
        .timeout(std::time::Duration::from_secs(3600))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let r: serde_json::Value = resp.json().await.unwrap();
    println!(
        "rfm refresh: {} ms ({} customers with inputs)",
        started.elapsed().as_millis(),
        r["customers"]
    );
    let count_where = |cond: &str| {
        let db = &db;
        let sql =
            format!("SELECT COUNT(*) AS n FROM customers WHERE merged_into IS NULL AND {cond}");
        async move {
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    for (name, rules, cond) in [
        (
            "rfm r >= 4 and f >= 3",
            json!([{"field": "rfm.r", "op": "gte", "value": 4},
                   {"field": "rfm.f", "op": "gte", "value": 3}]),
            "rfm_cell / 100 >= 4 AND rfm_cell / 10 % 10 >= 3",
        ),
        (
            "rfm r >= 4 and m >= 4",
            json!([{"field": "rfm.r", "op": "gte", "value": 4},
                   {"field": "rfm.m", "op": "gte", "value": 4}]),
            "rfm_cell / 100 >= 4 AND rfm_cell % 10 >= 4",
        ),
        (
            "rfm r <= 2",
            json!([{"field": "rfm.r", "op": "lte", "value": 2}]),
            "rfm_cell / 100 <= 2",
        ),
        (
            "rfm r = 5, f >= 2, m <= 3",
            json!([{"field": "rfm.r", "op": "eq", "value": 5},
                   {"field": "rfm.f", "op": "gte", "value": 2},
                   {"field": "rfm.m", "op": "lte", "value": 3}]),
            "rfm_cell / 100 = 5 AND rfm_cell / 10 % 10 >= 2 AND rfm_cell % 10 <= 3",
        ),
    ] {
        let (s, seg) = app
            .call(
                Method::POST,
                "/api/v1/segments",
                tk,
                Some(json!({"name": name, "rules": rules})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{seg}");
        let path = format!("/api/v1/segments/{}/count", seg["id"].as_str().unwrap());
        app.call(Method::GET, &path, tk, None).await;
        let started = Instant::now();
        let (s, n) = app.call(Method::GET, &path, tk, None).await;
        let ms = started.elapsed().as_millis();
        assert_eq!(s, StatusCode::OK, "{n}");
        let expect = count_where(cond).await;
        println!("count {name}: {} in {ms} ms", n["count"]);
        assert_eq!(n["count"], expect, "{name}");
        assert!(expect > 0, "{name}: the data gives an empty box");
        assert!(ms < 1000, "{name}: {ms} ms");
    }
    let plan = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM customers WHERE workspace_id = 'x' \
             AND merged_into IS NULL AND rfm_cell IN (411, 412, 511)"
                .to_owned(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .collect::<Vec<_>>();
    println!("plan: {plan:?}");
    assert!(
        plan.iter()
            .any(|d| d.contains("COVERING INDEX ix_customers_rfm_cell")),
        "{plan:?}"
    );
    db.close().await.ok();
    app.stop().await;
}
