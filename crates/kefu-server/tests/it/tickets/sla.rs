//! SLA policy matching in the server: the customer's value tier, type/priority changes as
//! attribute changes (targets change from that moment, business time already used kept),
//! policies assigned by hand, and the regressions of Zammad #5177/#3140 (a clock right after
//! unrelated updates) and Chatwoot #3446 (a reopen does not reset first response).
//! Ticket histories are moved into the past by rewriting their timestamps, so the expected
//! due times are hand numbers.

use crate::both;
use crate::common::{Backend, TestApp};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use kefu_store::entity::{ticket, ticket_sla_event};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

both!(sla_tiers_attribute_changes_and_hand_policies);

/// A 24/7 calendar, so business minutes are real minutes.
const POLICIES: &str = r#"
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  - name: vip
    calendar: always
    match: {tiers: [vip]}
    targets: {first_response: 15, resolution: 120}
  - name: urgent
    calendar: always
    match: {priorities: [urgent]}
    targets: {first_response: 30, resolution: 240}
  - name: base
    calendar: always
    targets: {first_response: 60, resolution: 480}
  - name: manual
    calendar: always
    match: {types: [suggestion]}
    targets: {first_response: 600}
"#;

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}

/// Moves ticket `id` and its recorded creation attributes `minutes` into the past.
async fn backdate(app: &TestApp, id: &str, minutes: i64) -> DateTime<Utc> {
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let t = ticket::Entity::find_by_id(id.to_owned())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    // Whole seconds: business time counts whole seconds.
    let created = (t.created_at - Duration::minutes(minutes)).trunc_subsecs(0);
    let shift = t.created_at - created;
    let mut a = t.into_active_model();
    a.created_at = Set(created);
    a.update(&db).await.unwrap();
    for e in ticket_sla_event::Entity::find()
        .filter(ticket_sla_event::Column::TicketId.eq(id))
        .all(&db)
        .await
        .unwrap()
    {
        let at = e.at - shift;
        let mut a = e.into_active_model();
        a.at = Set(at);
        a.update(&db).await.unwrap();
    }
    db.close().await.unwrap();
    created
}

fn secs(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (a - b).num_seconds()
}

async fn sla_tiers_attribute_changes_and_hand_policies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (_, sup) = app.user(&admin, "acme", "supervisor").await;
    let (s, _, p) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &sup,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let vip = app
        .ok(
            &agent,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "王总", "value_tier": "vip"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plain = app
        .ok(
            &agent,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "李四", "value_tier": "normal"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_ticket = |customer: String, priority: &'static str| {
        let app = &app;
        let agent = agent.clone();
        async move {
            app.ok(
                &agent,
                Method::POST,
                "/api/v1/tickets",
                Some(
                    json!({"type": "inquiry", "subject": "热水器", "priority": priority,
                    "customer_id": customer}),
                ),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    // The customer's tier picks the policy: vip first response 15 minutes.
    let tv = new_ticket(vip.clone(), "normal").await;
    let sv = app
        .get_ok(&agent, &format!("/api/v1/tickets/{tv}/sla"))
        .await;
    assert_eq!(sv["policy"], "vip", "{sv}");
    assert_eq!(sv["first_response"]["target_minutes"], 15);

    // A normal customer's ticket, 20 minutes old: base policy, due at created + 60.
    let t = new_ticket(plain.clone(), "normal").await;
    let created = backdate(&app, &t, 20).await;
    let s0 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
        .await;
    assert_eq!(s0["policy"], "base", "{s0}");
    assert_eq!(
        secs(instant(&s0["first_response"]["due"]), created),
        60 * 60
    );

    // Zammad #5177/#3140: unrelated updates (subject, description, tags, an internal note, a
    // watcher) leave every clock exactly where it was.
    app.ok(
        &agent,
        Method::PATCH,
        &format!("/api/v1/tickets/{t}"),
        Some(json!({"subject": "热水器不热", "description": "三楼"})),
    )
    .await;
    app.ok(
        &agent,
        Method::PUT,
        &format!("/api/v1/tickets/{t}/tags"),
        Some(json!({"tags": ["heater"]})),
    )
    .await;
    app.ok(
        &agent,
        Method::POST,
        &format!("/api/v1/tickets/{t}/messages"),
        Some(json!({"body": "内部：查一下型号", "public": false})),
    )
    .await;
    let s1 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
        .await;
    for metric in ["first_response", "resolution"] {
        assert_eq!(s1[metric]["due"], s0[metric]["due"], "{metric}: {s1}");
        assert_eq!(s1[metric]["policy"], "base");
    }
    // The same priority written again is no attribute change.
    app.ok(
        &agent,
        Method::PATCH,
        &format!("/api/v1/tickets/{t}"),
        Some(json!({"priority": "normal"})),
    )
    .await;
    assert_eq!(
        app.get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
            .await["first_response"]["due"],
        s0["first_response"]["due"]
    );

    // Priority → urgent at minute 20: the urgent targets apply from now on, and the 20
    // minutes already used count: first response due at created + 30 (not now + 30),
    // resolution at created + 240.
    app.ok(
        &agent,
        Method::PATCH,
        &format!("/api/v1/tickets/{t}"),
        Some(json!({"priority": "urgent"})),
    )
    .await;
    let s2 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
        .await;
    assert_eq!(s2["policy"], "urgent", "{s2}");
    assert_eq!(s2["first_response"]["target_minutes"], 30);
    assert_eq!(
        secs(instant(&s2["first_response"]["due"]), created),
        30 * 60
    );
    assert_eq!(secs(instant(&s2["resolution"]["due"]), created), 240 * 60);
    let used = s2["first_response"]["elapsed_seconds"].as_i64().unwrap();
    assert!((1200..1230).contains(&used), "{s2}");
    assert_eq!(s2["first_response"]["breached"], false);
    // The warning threshold (80 % of 30 = 24 minutes) is not reached yet.
    assert_eq!(s2["first_response"]["warning"], false);

    // A policy by hand: supervisors only, known names only; audited; it wins over matching.
    let path = format!("/api/v1/tickets/{t}/sla/policy");
    let (s, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&agent),
            Some(json!({"policy": "manual"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .call(
            Method::PUT,
            &path,
            Some(&sup),
            Some(json!({"policy": "nope"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "invalid_field");
    let s3 = app
        .ok(&sup, Method::PUT, &path, Some(json!({"policy": "manual"})))
        .await;
    assert_eq!(s3["policy"], "manual", "{s3}");
    assert_eq!(
        secs(instant(&s3["first_response"]["due"]), created),
        600 * 60
    );
    // `manual` has no resolution target: none is measured while it is in force.
    assert!(s3["resolution"].is_null(), "{s3}");
    let audit = app
        .get_ok(
            &admin,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={t}&limit=100"),
        )
        .await;
    let assigned: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "sla_policy_assigned")
        .collect();
    assert_eq!(assigned.len(), 1, "{audit}");
    assert_eq!(assigned[0]["after"]["sla"]["policy"], "manual");
    // Withdrawn: matching by attributes again (urgent).
    let s4 = app
        .ok(&sup, Method::PUT, &path, Some(json!({"policy": null})))
        .await;
    assert_eq!(s4["policy"], "urgent", "{s4}");
    assert_eq!(s4["first_response"]["due"], s2["first_response"]["due"]);

    // Chatwoot #3446: the first response, given now, is not reset by resolve + reopen.
    app.ok(
        &agent,
        Method::POST,
        &format!("/api/v1/tickets/{t}/messages"),
        Some(json!({"body": "您好，马上安排"})),
    )
    .await;
    let met = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
        .await["first_response"]["met_at"]
        .clone();
    assert!(met.is_string());
    for to in ["resolved", "reopened"] {
        app.ok(
            &agent,
            Method::POST,
            &format!("/api/v1/tickets/{t}/transitions"),
            Some(json!({"to": to, "reason": to})),
        )
        .await;
    }
    let s5 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{t}/sla"))
        .await;
    assert_eq!(s5["state"], "reopened");
    assert_eq!(s5["first_response"]["met_at"], met, "{s5}");
    assert_eq!(s5["first_response"]["breached"], false);

    // The customer's tier changes in the CRM: their open ticket takes the vip policy from
    // that moment (recorded by the outbox consumer), with its 20+ minutes already used:
    // the vip first response (15) is then breached.
    let t3 = new_ticket(plain.clone(), "normal").await;
    let c3 = backdate(&app, &t3, 20).await;
    app.ok(
        &agent,
        Method::PATCH,
        &format!("/api/v1/customers/{plain}"),
        Some(json!({"value_tier": "vip"})),
    )
    .await;
    let mut s6 = Value::Null;
    for _ in 0..100 {
        s6 = app
            .get_ok(&agent, &format!("/api/v1/tickets/{t3}/sla"))
            .await;
        if s6["policy"] == "vip" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(s6["policy"], "vip", "{s6}");
    assert_eq!(secs(instant(&s6["first_response"]["due"]), c3), 15 * 60);
    assert_eq!(s6["first_response"]["breached"], true);
    // The resolved-and-reopened ticket `t` is active too and follows; the vip ticket stays.
    let sv2 = app
        .get_ok(&agent, &format!("/api/v1/tickets/{tv}/sla"))
        .await;
    assert_eq!(sv2["first_response"]["due"], sv["first_response"]["due"]);

    // Another workspace can neither read nor assign.
    let other = app.workspace("rival").await;
    let (s, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&other),
            Some(json!({"policy": "base"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
