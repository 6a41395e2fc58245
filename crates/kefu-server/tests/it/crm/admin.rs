//! Editing and deleting custom field definitions and segments: a type change only when all
//! stored values still validate, a delete only while unused, both audited; segments renamed,
//! re-ruled and deleted; the same on the settings page in Chromium.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

both!(
    crm_fields_and_segments_are_edited_and_deleted,
    crm_settings_page_edits_fields_and_segments
);

async fn crm_fields_and_segments_are_edited_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    let mut ids = vec![];
    for (key, ty, choices) in [
        ("product", "choice", json!(["fridge", "washer"])),
        ("budget", "number", json!([])),
        ("memo", "text", json!([])),
    ] {
        let (s, f) = app
            .call(
                Method::POST,
                "/api/v1/crm/fields",
                tk,
                Some(json!({"key": key, "label": key, "field_type": ty, "choices": choices})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        ids.push(f["id"].as_str().unwrap().to_owned());
    }
    let (product, budget, memo) = (&ids[0], &ids[1], &ids[2]);
    let (s, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "王小明", "custom": {"product": "washer", "budget": 3000}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");

    // Label and compatible choices: fine. Dropping a used choice or a type change that the
    // stored values fail: refused, nothing changed.
    let (s, f) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/crm/fields/{product}"),
            tk,
            Some(json!({"label": "产品", "choices": ["fridge", "washer", "tv"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["choices"], json!(["fridge", "washer", "tv"]));
    for (id, body) in [
        (product, json!({"choices": ["fridge", "tv"]})),
        (budget, json!({"field_type": "text"})),
    ] {
        let (s, p) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/crm/fields/{id}"),
                tk,
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["code"], "custom_field_values_invalid");
    }
    let (_, fields) = app.call(Method::GET, "/api/v1/crm/fields", tk, None).await;
    let b = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "budget")
        .unwrap()
        .clone();
    assert_eq!(b["field_type"], "number");
    // An unused field changes type freely; a bad type is a 422.
    let (s, f) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/crm/fields/{memo}"),
            tk,
            Some(json!({"field_type": "boolean"})),
        )
        .await;
    assert_eq!(
        (s, f["field_type"].as_str()),
        (StatusCode::OK, Some("boolean")),
        "{f}"
    );
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/crm/fields/{memo}"),
            tk,
            Some(json!({"field_type": "json"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Deleting: refused while a customer holds a value or a segment filters on it.
    let (s, seg) = app
        .call(
            Method::POST,
            "/api/v1/segments",
            tk,
            Some(json!({"name": "memo", "rules": [{"field": "custom.memo", "op": "exists"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{seg}");
    let sid = seg["id"].as_str().unwrap().to_owned();
    for id in [budget, memo] {
        let (s, p) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/crm/fields/{id}"),
                tk,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["code"], "custom_field_in_use");
    }

    // Segments: rename and new rules (checked), then delete.
    let (s, p) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/segments/{sid}"),
            tk,
            Some(json!({"rules": [{"field": "nope", "op": "eq", "value": 1}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, seg) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/segments/{sid}"),
            tk,
            Some(json!({"name": "洗衣机客户",
                "rules": [{"field": "custom.product", "op": "eq", "value": "washer"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{seg}");
    assert_eq!(seg["name"], "洗衣机客户");
    let (_, n) = app
        .call(
            Method::GET,
            &format!("/api/v1/segments/{sid}/count"),
            tk,
            None,
        )
        .await;
    assert_eq!(n["count"], 1);
    // The segment no longer names memo: memo can go.
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/crm/fields/{memo}"),
            tk,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(Method::DELETE, &format!("/api/v1/segments/{sid}"), tk, None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(Method::GET, &format!("/api/v1/segments/{sid}"), tk, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Another workspace sees neither; an agent may not change them.
    let other = app.workspace("other").await;
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/crm/fields/{product}"),
            Some(&other),
            Some(json!({"label": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, agent) = app.user(&t, "acme", "agent").await;
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/crm/fields/{budget}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (_, audit) = app
        .call(
            Method::GET,
            "/api/v1/audit?entity_type=custom_field_def",
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
            "deleted", "updated", "updated", "created", "created", "created"
        ]
    );
    let (_, audit) = app
        .call(Method::GET, "/api/v1/audit?entity_type=segment", tk, None)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["deleted", "updated", "created"]);
    app.stop().await;
}

async fn crm_settings_page_edits_fields_and_segments(backend: Backend) {
    use crate::ui::{browser, click, fill, shows, text};
    use fantoccini::Locator;
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let c = browser().await;
    let base = &app.base;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "workspace", "acme").await;
    fill(&c, "email", "admin@acme.test").await;
    fill(&c, "password", "password-123").await;
    click(&c, "login-submit").await;
    text(&c, "#views").await;

    // Add a choice field from the page, use it, then try to drop its used choice.
    c.goto(&format!("{base}/customers")).await.unwrap();
    click(&c, "crm-settings-link").await;
    fill(&c, "new-field-key", "product").await;
    fill(&c, "new-field-label", "产品").await;
    c.find(Locator::Css("#new-field-type option[value='choice']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "new-field-choices", "fridge, washer").await;
    click(&c, "new-field-submit").await;
    shows(&c, "#fields", "product").await;
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&t),
            Some(json!({"name": "王小明", "custom": {"product": "washer"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    c.goto(&format!("{base}/customers/settings")).await.unwrap();
    let choices = c
        .find(Locator::Css("#field-product input[name='choices']"))
        .await
        .unwrap();
    choices.clear().await.unwrap();
    choices.send_keys("fridge").await.unwrap();
    c.find(Locator::Css("#field-product .field-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shows(&c, "#crm-error", "custom_field_values_invalid").await;
    c.find(Locator::Css("#field-product .field-delete"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shows(&c, "#crm-error", "custom_field_in_use").await;

    // A segment on the field: add, rename, follow to its customers, delete.
    fill(&c, "new-segment-name", "洗衣机").await;
    let rules = c.find(Locator::Id("new-segment-rules")).await.unwrap();
    rules.clear().await.unwrap();
    rules
        .send_keys(r#"[{"field": "custom.product", "op": "eq", "value": "washer"}]"#)
        .await
        .unwrap();
    click(&c, "new-segment-submit").await;
    let segs = shows(&c, "#segments", "custom.product").await;
    assert!(segs.contains("washer"), "{segs}");
    let name = c
        .find(Locator::Css("#segments input[name='name']"))
        .await
        .unwrap();
    name.clear().await.unwrap();
    name.send_keys("洗衣机客户").await.unwrap();
    c.find(Locator::Css("#segments .segment-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The form posts and the page reloads; the API shows the new name once it has.
    let mut renamed = false;
    for _ in 0..50 {
        let (_, list) = app
            .call(Method::GET, "/api/v1/segments", Some(&t), None)
            .await;
        if list["items"][0]["name"] == "洗衣机客户" {
            renamed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(renamed);
    shows(&c, "#segments", "custom.product").await;
    c.find(Locator::LinkText("Show customers"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shows(&c, "#customers", "王小明").await;
    c.goto(&format!("{base}/customers/settings")).await.unwrap();
    c.find(Locator::Css("#segments .segment-delete"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut gone = false;
    for _ in 0..50 {
        let (_, list) = app
            .call(Method::GET, "/api/v1/segments", Some(&t), None)
            .await;
        if list["items"] == json!([]) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone);
    c.close().await.unwrap();
    app.stop().await;
}
