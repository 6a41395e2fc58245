//! RFM scores in segments: recency and frequency from interactions, monetary from a number
//! custom field, scored by configured thresholds or by quintiles after a refresh.

use crate::both;
use crate::common::{Backend, TestApp};
use chrono::{Duration, SecondsFormat};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    crm_rfm_scores_select_segments,
    crm_large_import_is_spooled_and_rfm_refreshes_every_chunk
);

async fn members(app: &TestApp, t: &str, rules: Value) -> Vec<String> {
    let (s, seg) = app
        .call(
            Method::POST,
            "/api/v1/segments",
            Some(t),
            Some(json!({"name": rules.to_string(), "rules": rules})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{seg}");
    let id = seg["id"].as_str().unwrap();
    let (_, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/segments/{id}/customers?limit=100"),
            Some(t),
            None,
        )
        .await;
    let (_, n) = app
        .call(
            Method::GET,
            &format!("/api/v1/segments/{id}/count"),
            Some(t),
            None,
        )
        .await;
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(n["count"], names.len(), "{rules}");
    names.sort();
    names
}

async fn crm_rfm_scores_select_segments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    for (key, ty) in [("lifetime_value", "number"), ("note", "text")] {
        app.call(
            Method::POST,
            "/api/v1/crm/fields",
            tk,
            Some(json!({"key": key, "label": key, "field_type": ty})),
        )
        .await;
    }
    // name, lifetime value, days ago of each interaction
    let people: [(&str, Option<f64>, Vec<i64>); 4] = [
        ("A", Some(30_000.0), (0..10).collect()),
        ("B", Some(500.0), vec![200]),
        ("C", None, vec![]),
        ("D", Some(2_000.0), vec![1, 5, 10, 400]),
    ];
    let mut ids = vec![];
    for (name, value, days) in &people {
        let mut body = json!({"name": name});
        if let Some(v) = value {
            body["custom"] = json!({"lifetime_value": v});
        }
        let (s, c) = app
            .call(Method::POST, "/api/v1/customers", tk, Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().unwrap().to_owned();
        for d in days {
            let at = (app.store.now() - Duration::days(*d) - Duration::hours(1))
                .to_rfc3339_opts(SecondsFormat::Secs, true);
            let (s, r) = app
                .call(
                    Method::POST,
                    "/api/v1/interactions",
                    tk,
                    Some(json!({"channel": "voice", "direction": "inbound",
                        "customer_id": id, "offered_at": at})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
        }
        ids.push(id);
    }

    // The monetary field must be a number field.
    let (s, p) = app
        .call(
            Method::PUT,
            "/api/v1/crm/rfm",
            tk,
            Some(
                json!({"window_days": 365, "monetary_field": "note", "mode": "thresholds",
                "recency_days": [30, 90, 180, 365], "frequency": [1, 2, 4, 8],
                "monetary": [100, 1000, 5000, 20000]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, st) = app
        .call(
            Method::PUT,
            "/api/v1/crm/rfm",
            tk,
            Some(
                json!({"window_days": 365, "monetary_field": "lifetime_value",
                "mode": "thresholds", "recency_days": [30, 90, 180, 365],
                "frequency": [1, 2, 4, 8], "monetary": [100, 1000, 5000, 20000]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    let (s, r) = app
        .call(Method::POST, "/api/v1/crm/rfm/refresh", tk, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["customers"], 3, "A, B and D have inputs");

    let (_, a) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{}/rfm", ids[0]),
            tk,
            None,
        )
        .await;
    assert_eq!(
        (a["r"].as_u64(), a["f"].as_u64(), a["m"].as_u64()),
        (Some(5), Some(5), Some(5)),
        "{a}"
    );
    assert_eq!(a["frequency"], 10);
    let (_, d) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{}/rfm", ids[3]),
            tk,
            None,
        )
        .await;
    // 3 contacts in the window (the 400-day-old one is outside), last a day ago, 2,000.
    assert_eq!(
        (d["r"].as_u64(), d["f"].as_u64(), d["m"].as_u64()),
        (Some(5), Some(3), Some(3)),
        "{d}"
    );

    for (rules, expect) in [
        (
            json!([{"field": "rfm.r", "op": "gte", "value": 4}]),
            vec!["A", "D"],
        ),
        (
            json!([{"field": "rfm.r", "op": "eq", "value": 2}]),
            vec!["B"],
        ),
        (
            json!([{"field": "rfm.r", "op": "lte", "value": 1}]),
            vec!["C"],
        ),
        (
            json!([{"field": "rfm.f", "op": "gte", "value": 4}]),
            vec!["A"],
        ),
        (
            json!([{"field": "rfm.f", "op": "eq", "value": 3}]),
            vec!["D"],
        ),
        (
            json!([{"field": "rfm.m", "op": "lte", "value": 2}]),
            vec!["B", "C"],
        ),
        (
            json!([{"field": "rfm.m", "op": "gte", "value": 1}]),
            vec!["A", "B", "C", "D"],
        ),
        (
            json!([{"field": "rfm.r", "op": "gte", "value": 5}, {"field": "rfm.m", "op": "lte", "value": 4}]),
            vec!["D"],
        ),
        (
            json!([{"field": "rfm.r", "op": "gte", "value": 4}, {"field": "rfm.f", "op": "gte", "value": 3}]),
            vec!["A", "D"],
        ),
        (
            json!([{"field": "rfm.r", "op": "gte", "value": 4}, {"field": "rfm.f", "op": "lte", "value": 3},
                   {"field": "rfm.m", "op": "gte", "value": 3}]),
            vec!["D"],
        ),
        (
            json!([{"field": "rfm.f", "op": "gte", "value": 4}, {"field": "rfm.f", "op": "lte", "value": 3}]),
            vec![],
        ),
        (
            json!([{"field": "last_contact_days", "op": "not_within", "value": 30}]),
            vec!["B", "C"],
        ),
    ] {
        assert_eq!(members(&app, &t, rules.clone()).await, expect, "{rules}");
    }
    for bad in [
        json!([{"field": "rfm.x", "op": "gte", "value": 4}]),
        json!([{"field": "rfm.r", "op": "in", "value": 4}]),
        json!([{"field": "rfm.r", "op": "gte", "value": 6}]),
        json!([{"field": "rfm.f", "op": "gte", "value": "high"}]),
    ] {
        let (s, p) = app
            .call(
                Method::POST,
                "/api/v1/segments",
                tk,
                Some(json!({"name": "bad", "rules": bad})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {p}");
    }

    // Quintiles: bounds from the data at refresh (four customers, C without inputs).
    let (s, _) = app
        .call(
            Method::PUT,
            "/api/v1/crm/rfm",
            tk,
            Some(
                json!({"window_days": 365, "monetary_field": "lifetime_value",
                "mode": "quintiles", "recency_days": [30, 90, 180, 365],
                "frequency": [1, 2, 4, 8], "monetary": [100, 1000, 5000, 20000]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, r) = app
        .call(Method::POST, "/api/v1/crm/rfm/refresh", tk, None)
        .await;
    assert_eq!(
        r["state"]["bounds"]["frequency"],
        json!([0.0, 1.0, 3.0, 10.0]),
        "{r}"
    );
    assert_eq!(
        members(
            &app,
            &t,
            json!([{"field": "rfm.f", "op": "eq", "value": 4}])
        )
        .await,
        vec!["D"]
    );
    assert_eq!(
        members(
            &app,
            &t,
            json!([{"field": "rfm.m", "op": "gte", "value": 5}])
        )
        .await,
        vec!["A"]
    );

    // Scores are stored at the refresh: a customer made since scores R 1, F 1, M 1 until the
    // next one, however recent its contacts.
    let (_, e) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "E"})),
        )
        .await;
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/interactions",
            tk,
            Some(json!({"channel": "voice", "direction": "inbound", "customer_id": e["id"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let r1 = json!([{"field": "rfm.r", "op": "eq", "value": 1}]);
    assert_eq!(members(&app, &t, r1.clone()).await, vec!["C", "E"]);
    app.call(Method::POST, "/api/v1/crm/rfm/refresh", tk, None)
        .await;
    assert_eq!(members(&app, &t, r1).await, vec!["C"]);
    let (_, audit) = app
        .call(
            Method::GET,
            "/api/v1/audit?entity_type=rfm_settings",
            tk,
            None,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "rfm_refreshed",
            "rfm_refreshed",
            "updated",
            "rfm_refreshed",
            "updated"
        ]
    );
    app.stop().await;
}

async fn count_of(app: &TestApp, t: &str, rules: Value) -> u64 {
    let (s, seg) = app
        .call(
            Method::POST,
            "/api/v1/segments",
            Some(t),
            Some(json!({"name": rules.to_string(), "rules": rules})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{seg}");
    let path = format!("/api/v1/segments/{}/count", seg["id"].as_str().unwrap());
    let (s, n) = app.call(Method::GET, &path, Some(t), None).await;
    assert_eq!(s, StatusCode::OK, "{n}");
    n["count"].as_u64().unwrap()
}

/// A 50,000-row CSV through `POST /customers/import` (spooled to a file, read twice): one
/// bad row imports nothing; the good file imports every row; the RFM refresh then scores all
/// of them over ten chunks of 5,000.
async fn crm_large_import_is_spooled_and_rfm_refreshes_every_chunk(backend: Backend) {
    use std::fmt::Write;
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    let (s, f) = app
        .call(
            Method::POST,
            "/api/v1/crm/fields",
            tk,
            Some(json!({"key": "lifetime_value", "label": "LTV", "field_type": "number"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let rows = 50_000;
    let csv = |bad: Option<usize>| {
        let mut csv = String::from("name,phones,emails,custom.lifetime_value\n");
        for i in 0..rows {
            let email = if bad == Some(i) {
                "not-an-email".to_owned()
            } else {
                format!("c{i}@example.cn")
            };
            let _ = writeln!(csv, "客户{i},139{i:08},{email},{}", i % 50_000);
        }
        csv
    };
    let all = json!([{"field": "rfm.m", "op": "gte", "value": 1}]);
    let (s, _, p) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "text/csv",
            &csv(Some(41_234)),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "import_invalid");
    let errs: Vec<(u64, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errs, vec![(41_235, "emails")], "{p}");
    assert_eq!(count_of(&app, &t, all.clone()).await, 0, "nothing imported");
    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "text/csv",
            &csv(None),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["created"], rows);
    assert_eq!(count_of(&app, &t, all).await, rows as u64);
    if matches!(backend, Backend::Sqlite) {
        // The spooled body is gone once the import answered.
        let path = app.database_url.trim_start_matches("sqlite://");
        let dir = std::path::Path::new(path.split('?').next().unwrap())
            .parent()
            .unwrap();
        let left: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".kefu-import-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
    let (s, st) = app
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
    assert_eq!(s, StatusCode::OK, "{st}");
    let (s, r) = app
        .call(Method::POST, "/api/v1/crm/rfm/refresh", tk, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["customers"], rows - 1, "all but the one worth 0");
    for (rules, expect) in [
        (json!([{"field": "rfm.m", "op": "gte", "value": 4}]), 40_000),
        (json!([{"field": "rfm.m", "op": "eq", "value": 1}]), 100),
        (json!([{"field": "rfm.m", "op": "eq", "value": 3}]), 9_000),
        (
            json!([{"field": "rfm.m", "op": "eq", "value": 5}, {"field": "rfm.r", "op": "eq", "value": 1}]),
            10_000,
        ),
        (
            json!([{"field": "rfm.m", "op": "eq", "value": 5}, {"field": "rfm.r", "op": "gte", "value": 2}]),
            0,
        ),
    ] {
        assert_eq!(count_of(&app, &t, rules.clone()).await, expect, "{rules}");
    }
    app.stop().await;
}
