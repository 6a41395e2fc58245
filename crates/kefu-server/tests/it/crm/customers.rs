//! CRM (SPEC C1): the full profile with E.164 phones and typed custom fields, lifecycle and
//! owners on the timeline and in the audit log, dedupe and merge with redirects, atomic
//! import with a validation report, export.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    crm_profile_is_normalized_and_custom_fields_are_typed,
    crm_lifecycle_and_owner_changes_are_on_the_timeline_and_audited,
    crm_duplicates_by_phone_merge_keeping_all_tickets,
    crm_import_is_atomic_and_export_round_trips,
    crm_segments_select_by_rules_and_count
);

async fn count(app: &TestApp, t: &str, query: &str) -> usize {
    let (s, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers?limit=200{query}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().len()
}

async fn crm_profile_is_normalized_and_custom_fields_are_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    for (key, ty, choices) in [
        ("budget", "number", json!([])),
        ("product", "choice", json!(["fridge", "washer"])),
        ("interests", "multi_choice", json!(["a", "b", "c"])),
        ("since", "date", json!([])),
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
    }
    let (s, c) = app
        .call(Method::POST, "/api/v1/customers", tk, Some(json!({
            "name": "王小明", "phones": ["+86 138-0013-8000", "010 6552 9988"],
            "emails": ["Wang@Example.CN"], "external_ids": {"wechat": "wx_wang"},
            "organization": "海尔", "tags": ["vip"], "value_tier": "vip",
            "profile": {"address": {"province": "山东", "city": "青岛"}, "birthday": "1990-05-01",
                "preferred_channel": "voice", "language": "zh-CN", "contact_hours": "09:00-18:00",
                "consent": {"do_not_sms": true}},
            "custom": {"budget": 3000, "product": "fridge", "interests": ["b", "a"], "since": "2020-01-02"}
        })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["phones"], json!(["+8613800138000", "+861065529988"]));
    assert_eq!(c["emails"], json!(["wang@example.cn"]));
    assert_eq!(c["profile"]["address"]["city"], "青岛");
    assert_eq!(c["profile"]["consent"]["do_not_sms"], true);
    assert_eq!(c["profile"]["consent"]["do_not_call"], false);
    assert_eq!(c["custom"]["interests"], json!(["a", "b"]));
    assert_eq!(c["lifecycle"], "prospect");
    let id = c["id"].as_str().unwrap().to_owned();

    // Found by any spelling of its phone, by e-mail in any case, by external id.
    for q in [
        "13800138000",
        "%2B86%20138%200013%208000",
        "WANG@example.cn",
        "wx_wang",
    ] {
        let (_, page) = app
            .call(Method::GET, &format!("/api/v1/customers?q={q}"), tk, None)
            .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{q}: {page}");
        assert_eq!(page["items"][0]["id"], id.as_str());
    }
    assert_eq!(count(&app, &t, "&q=13900000000").await, 0);

    // Every write is validated; a rejected one changes nothing.
    for (patch, field) in [
        (json!({"custom": {"budget": "lots"}}), "custom.budget"),
        (json!({"custom": {"product": "tv"}}), "custom.product"),
        (json!({"custom": {"interests": ["z"]}}), "custom.interests"),
        (json!({"custom": {"since": "2020-13-01"}}), "custom.since"),
        (json!({"custom": {"nope": 1}}), "custom.nope"),
        (json!({"value_tier": "platinum"}), "value_tier"),
        (json!({"phones": ["12345"]}), "phones"),
        (
            json!({"profile": {"contact_hours": "25:00-18:00"}}),
            "contact_hours",
        ),
        (
            json!({"profile": {"preferred_channel": "pigeon"}}),
            "preferred_channel",
        ),
        (json!({"emails": ["not-an-email"]}), "emails"),
    ] {
        let (s, p) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/customers/{id}"),
                tk,
                Some(patch),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["code"], "invalid_field");
        assert_eq!(p["field"], field);
    }
    let (_, after) = app
        .call(Method::GET, &format!("/api/v1/customers/{id}"), tk, None)
        .await;
    assert_eq!(after["custom"]["budget"], 3000);
    assert_eq!(after["value_tier"], "vip");

    // The default region is per workspace: a US workspace reads national numbers as US.
    let (s, _) = app
        .call(
            Method::PUT,
            "/api/v1/crm/settings",
            tk,
            Some(json!({
                "default_region": "US", "value_tiers": ["gold", "silver"]
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, us) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({
                "name": "Sam", "phones": ["(415) 555-2671"], "value_tier": "gold"
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{us}");
    assert_eq!(us["phones"], json!(["+14155552671"]));

    // Another workspace sees none of it.
    let other = app.workspace("other").await;
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{id}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, &other, "&q=13800138000").await, 0);
    app.stop().await;
}

async fn crm_lifecycle_and_owner_changes_are_on_the_timeline_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    let (agent_id, agent) = app.user(&t, "acme", "agent").await;
    let (_, c) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "李雷"})),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let (s, tkt) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            tk,
            Some(json!({
                "type": "after_sales", "subject": "冰箱不制冷", "customer_id": id
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tkt}");
    let tid = tkt["id"].as_str().unwrap();
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{tid}/transitions"),
            tk,
            Some(json!({"to": "escalated", "reason": "需要二线"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, c2) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{id}/lifecycle"),
            tk,
            Some(json!({"stage": "first_contact", "reason": "首次来电"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c2}");
    assert_eq!(c2["lifecycle"], "first_contact");
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{id}/notes"),
            tk,
            Some(json!({"body": "prefers evening calls"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, c3) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{id}/owner"),
            tk,
            Some(json!({"owner_id": agent_id, "reason": "认养"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c3}");
    assert_eq!(c3["owner_id"], agent_id.as_str());
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{id}/lifecycle"),
            tk,
            Some(json!({"stage": "vip_forever"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");

    let (s, tl) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{id}/timeline"),
            tk,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{tl}");
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["owner", "note", "lifecycle", "ticket_transition", "ticket"],
        "{tl}"
    );
    let lc = &tl["items"][2];
    assert_eq!(
        (lc["from"].as_str(), lc["to"].as_str()),
        (Some("prospect"), Some("first_contact"))
    );
    assert_eq!(lc["body"], "首次来电");
    assert!(lc["actor_id"].is_string());
    assert_eq!(tl["items"][3]["to"], "escalated");
    // Pages of two: the same entries in the same order.
    let mut paged = vec![];
    let mut cursor = String::new();
    loop {
        let (_, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{id}/timeline?limit=2{cursor}"),
                tk,
                None,
            )
            .await;
        for i in page["items"].as_array().unwrap() {
            paged.push(i["kind"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, kinds);

    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=customer&entity_id={id}"),
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
    assert!(actions.contains(&"lifecycle_changed"), "{actions:?}");
    assert!(actions.contains(&"owner_changed"), "{actions:?}");
    let lc_audit = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "lifecycle_changed")
        .unwrap();
    assert_eq!(lc_audit["before"]["lifecycle"], "prospect");
    assert_eq!(lc_audit["after"]["lifecycle"], "first_contact");
    assert_eq!(lc_audit["after"]["reason"], "首次来电");

    // "My customers" for the agent; bulk win-back assignment of at-risk and lost customers.
    assert_eq!(count(&app, &agent, "&owner=me").await, 1);
    let (sup_id, _) = app.user(&t, "acme", "supervisor").await;
    for (name, stage) in [
        ("a", "at_risk"),
        ("b", "lost"),
        ("c", "lost"),
        ("d", "customer"),
    ] {
        let (_, c) = app
            .call(
                Method::POST,
                "/api/v1/customers",
                tk,
                Some(json!({"name": name})),
            )
            .await;
        let cid = c["id"].as_str().unwrap();
        app.call(
            Method::POST,
            &format!("/api/v1/customers/{cid}/lifecycle"),
            tk,
            Some(json!({"stage": stage})),
        )
        .await;
    }
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/customers/assign",
            Some(&agent),
            Some(json!({"stages": ["at_risk", "lost"], "owners": [agent_id]})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    let (s, r) = app
        .call(
            Method::POST,
            "/api/v1/customers/assign",
            tk,
            Some(json!({"stages": ["at_risk", "lost"], "owners": [agent_id, sup_id]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["assigned"], 3);
    assert_eq!(count(&app, &agent, "&owner=me").await, 3);
    assert_eq!(count(&app, &t, &format!("&owner={sup_id}")).await, 1);
    assert_eq!(count(&app, &t, "&lifecycle=lost").await, 2);
    app.stop().await;
}

async fn crm_duplicates_by_phone_merge_keeping_all_tickets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    let mut ids = vec![];
    for (name, phone, email) in [
        ("张三", "+86 138-0013-8000", "zs@a.cn"),
        ("张三 (微信)", "13800138000", "ZhangSan@b.cn"),
        ("无关", "13900139000", "x@c.cn"),
    ] {
        let (s, c) = app
            .call(
                Method::POST,
                "/api/v1/customers",
                tk,
                Some(json!({"name": name, "phones": [phone], "emails": [email], "tags": [name]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let mut tickets = vec![];
    for (i, cid) in [&ids[0], &ids[1], &ids[1]].into_iter().enumerate() {
        let (s, tkt) = app
            .call(
                Method::POST,
                "/api/v1/tickets",
                tk,
                Some(json!({
                    "type": "inquiry", "subject": format!("问题{i}"), "customer_id": cid
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        tickets.push(tkt["id"].as_str().unwrap().to_owned());
    }
    let (s, i) = app
        .call(
            Method::POST,
            "/api/v1/interactions",
            tk,
            Some(json!({
                "channel": "voice", "direction": "inbound", "customer_id": ids[1]
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");

    let (s, d) = app
        .call(Method::GET, "/api/v1/customers/duplicates", tk, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let mut pair = vec![ids[0].clone(), ids[1].clone()];
    pair.sort();
    assert_eq!(
        d,
        json!([{"kind": "phone", "value": "+8613800138000", "customer_ids": pair}])
    );

    // Another workspace's id cannot be merged in.
    let other = app.workspace("other").await;
    let (_, foreign) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            Some(&other),
            Some(json!({"name": "x"})),
        )
        .await;
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{}/merge", ids[0]),
            tk,
            Some(json!({"from": [foreign["id"]]})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reference"))
    );

    let (s, m) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{}/merge", ids[0]),
            tk,
            Some(json!({"from": [ids[1]]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["phones"], json!(["+8613800138000"]));
    assert_eq!(m["emails"], json!(["zs@a.cn", "zhangsan@b.cn"]));
    assert_eq!(m["tags"], json!(["张三", "张三 (微信)"]));
    let (_, owned) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets?customer_id={}&limit=50", ids[0]),
            tk,
            None,
        )
        .await;
    let mut got: Vec<String> = owned["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = tickets.clone();
    want.sort();
    assert_eq!(got, want, "{owned}");
    let (_, inter) = app
        .call(
            Method::GET,
            &format!("/api/v1/interactions/{}", i["id"].as_str().unwrap()),
            tk,
            None,
        )
        .await;
    assert_eq!(inter["customer_id"], ids[0].as_str());
    // The old id redirects to the survivor; lists and dedupe no longer show it.
    let (s, old) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{}", ids[1]),
            tk,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(old["id"], ids[0].as_str());
    let (_, d) = app
        .call(Method::GET, "/api/v1/customers/duplicates", tk, None)
        .await;
    assert_eq!(d, json!([]));
    assert_eq!(count(&app, &t, "").await, 2);
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/customers/{}/merge", ids[2]),
            tk,
            Some(json!({"from": [ids[1]]})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("customer_merged"))
    );
    let (_, tl) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{}/timeline", ids[0]),
            tk,
            None,
        )
        .await;
    assert_eq!(tl["items"][0]["kind"], "merged");
    assert_eq!(
        tl["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "ticket")
            .count(),
        3
    );
    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=customer&entity_id={}", ids[1]),
            tk,
            None,
        )
        .await;
    assert_eq!(audit["items"][0]["action"], "merged_into");
    app.stop().await;
}

async fn crm_import_is_atomic_and_export_round_trips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    app.call(
        Method::POST,
        "/api/v1/crm/fields",
        tk,
        Some(json!({"key": "budget", "label": "Budget", "field_type": "number"})),
    )
    .await;
    let (_, existing) = app
        .call(
            Method::POST,
            "/api/v1/customers",
            tk,
            Some(json!({"name": "老客户", "phones": ["13700137000"]})),
        )
        .await;
    let good = "name,phones,emails,tags,organization,lifecycle,custom.budget,do_not_call\n\
        赵一,+86 138-0013-8001,Zhao@x.cn,vip;new,海尔,customer,100,true\n\
        钱二,13800138002,,normal,,,,\n\
        孙三,137 0013 7000,,,,,,\n";
    let bad = format!("{good}李四,12345,,,,,,\n周五,,,,,stage9,abc,maybe\n");
    let (s, _, p) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "text/csv",
            &bad,
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
    assert_eq!(errs[0], (4, "phones"), "{p}");
    assert!(errs.iter().all(|(r, _)| *r >= 4), "{p}");
    assert!(errs.iter().any(|(r, _)| *r == 5), "{p}");
    assert_eq!(count(&app, &t, "").await, 1, "nothing imported");

    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import?dry_run=true",
            &t,
            "text/csv",
            good,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["created"].as_u64(), r["dry_run"].as_bool()),
        (Some(3), Some(true))
    );
    assert_eq!(
        r["duplicates"],
        json!([{"row": 3, "customer_id": existing["id"]}])
    );
    assert_eq!(count(&app, &t, "").await, 1, "dry run writes nothing");

    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import?on_duplicate=merge",
            &t,
            "text/csv",
            good,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["created"].as_u64(), r["merged"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(count(&app, &t, "").await, 3);
    let (_, page) = app
        .call(Method::GET, "/api/v1/customers?q=13800138001", tk, None)
        .await;
    let zhao = &page["items"][0];
    assert_eq!(zhao["emails"], json!(["zhao@x.cn"]));
    assert_eq!(zhao["tags"], json!(["vip", "new"]));
    assert_eq!(zhao["lifecycle"], "customer");
    assert_eq!(zhao["custom"]["budget"], 100.0);
    assert_eq!(zhao["profile"]["consent"]["do_not_call"], true);
    let (_, old) = app
        .call(
            Method::GET,
            &format!("/api/v1/customers/{}", existing["id"].as_str().unwrap()),
            tk,
            None,
        )
        .await;
    assert_eq!(old["name"], "老客户");
    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_id={}", zhao["id"].as_str().unwrap()),
            tk,
            None,
        )
        .await;
    assert_eq!(audit["items"][0]["action"], "imported");

    let jsonl = "{\"name\": \"JL\", \"emails\": [\"jl@x.cn\"], \"custom\": {\"budget\": 5}}\n\
        {\"name\": \"JL2\", \"profile\": {\"language\": \"en\"}}\n";
    let (s, _, r) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "application/x-ndjson",
            jsonl,
        )
        .await;
    assert_eq!((s, r["created"].as_u64()), (StatusCode::OK, Some(2)), "{r}");
    let (s, _, p) = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            &t,
            "application/x-ndjson",
            "{\"name\": \"ok\"}\n{\"name\": \"x\", \"shoe_size\": 42}\n",
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["row"].as_u64()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some(2))
    );
    assert_eq!(count(&app, &t, "").await, 5);

    // Export: CSV with the import's headers, JSON Lines, XLSX.
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/customers/export?format=csv", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[0].starts_with("id,name,phones,emails,"), "{csv}");
    assert!(lines[0].ends_with(",custom.budget"), "{csv}");
    assert!(csv.contains("+8613800138001,zhao@x.cn"), "{csv}");
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/customers/export?format=jsonl", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 5);
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/customers/export?format=xlsx", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
    app.stop().await;
}

async fn crm_segments_select_by_rules_and_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.workspace("acme").await;
    let tk = Some(t.as_str());
    app.call(Method::POST, "/api/v1/crm/fields", tk,
        Some(json!({"key": "product", "label": "P", "field_type": "choice", "choices": ["fridge", "tv"]}))).await;
    let mut ids = vec![];
    for (name, tier, tags, province, product, stage) in [
        ("a", "vip", json!(["wechat"]), "山东", "fridge", "at_risk"),
        ("b", "vip", json!([]), "山东", "tv", "lost"),
        ("c", "normal", json!(["wechat"]), "广东", "fridge", "lost"),
        ("d", "vip", json!(["wechat"]), "山东", "fridge", "customer"),
    ] {
        let (s, c) = app
            .call(
                Method::POST,
                "/api/v1/customers",
                tk,
                Some(json!({
                    "name": name, "value_tier": tier, "tags": tags,
                    "profile": {"address": {"province": province}}, "custom": {"product": product}
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().unwrap().to_owned();
        app.call(
            Method::POST,
            &format!("/api/v1/customers/{id}/lifecycle"),
            tk,
            Some(json!({"stage": stage})),
        )
        .await;
        ids.push(id);
    }
    // a contact today for "d" only
    app.call(
        Method::POST,
        "/api/v1/interactions",
        tk,
        Some(json!({"channel": "voice", "direction": "inbound", "customer_id": ids[3]})),
    )
    .await;
    let cases = [
        (
            json!([{"field": "lifecycle", "op": "in", "value": ["at_risk", "lost"]},
                {"field": "value_tier", "op": "eq", "value": "vip"}]),
            vec![0, 1],
        ),
        (
            json!([{"field": "tag", "op": "has", "value": "wechat"},
                {"field": "province", "op": "eq", "value": "山东"}]),
            vec![0, 3],
        ),
        (
            json!([{"field": "custom.product", "op": "eq", "value": "fridge"},
                {"field": "last_contact_days", "op": "not_within", "value": 30}]),
            vec![0, 2],
        ),
        (
            json!([{"field": "last_contact_days", "op": "within", "value": 30}]),
            vec![3],
        ),
    ];
    for (rules, want) in cases {
        let (s, seg) = app
            .call(
                Method::POST,
                "/api/v1/segments",
                tk,
                Some(json!({"name": "s", "rules": rules})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{seg}");
        let sid = seg["id"].as_str().unwrap();
        let (_, n) = app
            .call(
                Method::GET,
                &format!("/api/v1/segments/{sid}/count"),
                tk,
                None,
            )
            .await;
        assert_eq!(n["count"], want.len(), "{rules}");
        let (_, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/segments/{sid}/customers"),
                tk,
                None,
            )
            .await;
        let mut got: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        let mut w: Vec<String> = want.iter().map(|i| ids[*i].clone()).collect();
        w.sort();
        assert_eq!(got, w, "{rules}");
    }
    for rules in [
        json!([{"field": "shoe_size", "op": "eq", "value": 1}]),
        json!([{"field": "lifecycle", "op": "eq", "value": "vip"}]),
        json!([{"field": "tag", "op": "within", "value": "x"}]),
    ] {
        let (s, p) = app
            .call(
                Method::POST,
                "/api/v1/segments",
                tk,
                Some(json!({"name": "bad", "rules": rules})),
            )
            .await;
        assert_eq!(
            (s, p["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")),
            "{p}"
        );
    }
    let other = app.workspace("other").await;
    let (_, segs) = app.call(Method::GET, "/api/v1/segments", tk, None).await;
    let sid = segs["items"][0]["id"].as_str().unwrap();
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/segments/{sid}/count"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
