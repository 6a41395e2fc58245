//! Ticket KPIs and cost per contact in the report API, against hand-computed numbers on both
//! backends: FCR (one contact, not reopened nor re-contacted within 7 days), first response
//! and resolution time (median, p90) in business hours of the SLA calendar, SLA compliance
//! overall and per policy, complaint and service-attitude complaint rates, cost per contact
//! from the configured costs; zero denominators are null, and a reopened ticket keeps its
//! first response.
//!
//! Tickets are made through the API and then moved back in time (their creation, messages
//! and transitions) so that business hours can be counted by hand.

use crate::both;
use crate::common::{Backend, TestApp};
use crate::reports::kpi::settle;
use chrono::{DateTime, Utc};
use kefu_server::kefu_store::entity::{ticket, ticket_message, ticket_transition};
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

both!(ticket_kpis_by_hand, report_costs_by_hand);

/// Mon–Fri 09:00–17:00 UTC; `vip` for urgent tickets, `standard` for the rest.
pub const POLICIES: &str = r#"
calendars:
  office:
    time_zone: UTC
    weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
policies:
  - name: vip
    calendar: office
    match: {priorities: [urgent]}
    targets: {first_response: 60, resolution: 240}
  - name: standard
    calendar: office
    targets: {first_response: 120, resolution: 960}
"#;

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Creates a ticket and returns its id.
pub async fn ticket(app: &TestApp, tok: &str, kind: &str, priority: &str, agent: &str) -> String {
    let v = app
        .ok(
            tok,
            Method::POST,
            "/api/v1/tickets",
            Some(
                json!({"type": kind, "subject": format!("{kind} {priority}"), "priority": priority,
                    "assignee_id": (!agent.is_empty()).then_some(agent)}),
            ),
        )
        .await;
    v["id"].as_str().unwrap().to_owned()
}

pub async fn reply(app: &TestApp, tok: &str, id: &str) {
    app.ok(
        tok,
        Method::POST,
        &format!("/api/v1/tickets/{id}/messages"),
        Some(json!({"body": "we are on it"})),
    )
    .await;
}

pub async fn go(app: &TestApp, tok: &str, id: &str, to: &str) {
    app.ok(
        tok,
        Method::POST,
        &format!("/api/v1/tickets/{id}/transitions"),
        Some(json!({"to": to, "reason": to})),
    )
    .await;
}

/// Moves ticket `id` back in time: its creation, then its messages and its transitions (each
/// in the order they were made) to the given instants.
pub async fn backdate(
    app: &TestApp,
    id: &str,
    created: &str,
    messages: &[&str],
    transitions: &[&str],
) {
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    ticket::Entity::update_many()
        .col_expr(ticket::Column::CreatedAt, Expr::value(t(created)))
        .filter(ticket::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    let msgs = ticket_message::Entity::find()
        .filter(ticket_message::Column::TicketId.eq(id))
        .order_by_asc(ticket_message::Column::CreatedAt)
        .order_by_asc(ticket_message::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(msgs.len(), messages.len(), "messages of {id}");
    for (m, at) in msgs.iter().zip(messages) {
        ticket_message::Entity::update_many()
            .col_expr(ticket_message::Column::CreatedAt, Expr::value(t(at)))
            .filter(ticket_message::Column::Id.eq(m.id.clone()))
            .exec(&db)
            .await
            .unwrap();
    }
    let trs = ticket_transition::Entity::find()
        .filter(ticket_transition::Column::TicketId.eq(id))
        .order_by_asc(ticket_transition::Column::Seq)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(trs.len(), transitions.len(), "transitions of {id}");
    for (tr, at) in trs.iter().zip(transitions) {
        ticket_transition::Entity::update_many()
            .col_expr(ticket_transition::Column::At, Expr::value(t(at)))
            .filter(ticket_transition::Column::Seq.eq(tr.seq))
            .exec(&db)
            .await
            .unwrap();
    }
    db.close().await.unwrap();
}

/// An answered inbound call: 240 s talk, 60 s hold, 60 s after-call work.
pub async fn call_of(app: &TestApp, tok: &str, agent: &str, offered: &str, ticket: Option<&str>) {
    let at = t(offered);
    let ans = at + chrono::Duration::seconds(10);
    let end = ans + chrono::Duration::seconds(300);
    app.ok(
        tok,
        Method::POST,
        "/api/v1/interactions",
        Some(json!({
            "channel": "voice", "direction": "inbound", "queue": "support",
            "agent_id": agent, "ticket_id": ticket,
            "offered_at": at, "answered_at": ans, "ended_at": end,
            "talk_s": 240, "hold_s": 60, "acw_s": 60,
        })),
    )
    .await;
}

fn close(a: &Value, b: f64, what: &str) {
    let x = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {a} is not a number"));
    assert!((x - b).abs() < 1e-9, "{what}: {x} != {b}");
}

/// The week of Monday 2026-11-02 (UTC) with five tickets and eight handled calls.
pub struct Week {
    pub sup: String,
    pub agents: [String; 2],
}

pub async fn week(app: &TestApp) -> Week {
    let admin = app.workspace("acme").await;
    let (a, agent_a) = app.user(&admin, "acme", "agent").await;
    let (b, _) = app.user(&admin, "acme", "agent").await;
    let (_, sup) = app.user(&admin, "acme", "supervisor").await;
    let (s, _, v) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &sup,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let tok = agent_a.as_str();

    // T1: first response 60 + 45 = 105 min (met, 120), resolved after 60 + 90 = 150 min
    // (met, 960), one contact, never reopened: FCR.
    let t1 = ticket(app, tok, "inquiry", "normal", &a).await;
    reply(app, tok, &t1).await;
    go(app, tok, &t1, "resolved").await;
    backdate(
        app,
        &t1,
        "2026-11-02T16:00:00Z",
        &["2026-11-03T09:45:00Z"],
        &["2026-11-03T10:30:00Z"],
    )
    .await;

    // T2 (vip): first response 90 min (breached, 60); resolved after 120 min (met, 240);
    // reopened on Wednesday (not FCR), answered again and resolved again: its first
    // response stays 90 and its resolution time is that of the first resolution.
    let t2 = ticket(app, tok, "after_sales", "urgent", &a).await;
    reply(app, tok, &t2).await;
    go(app, tok, &t2, "resolved").await;
    go(app, tok, &t2, "reopened").await;
    reply(app, tok, &t2).await;
    go(app, tok, &t2, "resolved").await;
    backdate(
        app,
        &t2,
        "2026-11-02T10:00:00Z",
        &["2026-11-02T11:30:00Z", "2026-11-04T10:30:00Z"],
        &[
            "2026-11-02T12:00:00Z",
            "2026-11-04T10:00:00Z",
            "2026-11-04T11:00:00Z",
        ],
    )
    .await;

    // T3: a service-attitude complaint of agent b; first response 20 min; pending the
    // customer from Tue 10:00 to Wed 09:00 (not counted); resolved Wed 10:00 after
    // 60 + 60 = 120 min; two calls before that: not FCR.
    let t3 = ticket(app, tok, "complaint", "normal", &b).await;
    app.ok(
        tok,
        Method::PUT,
        &format!("/api/v1/tickets/{t3}/complaint"),
        Some(json!({"root_cause": " 服务态度 "})),
    )
    .await;
    reply(app, tok, &t3).await;
    go(app, tok, &t3, "pending_customer").await;
    go(app, tok, &t3, "open").await;
    go(app, tok, &t3, "resolved").await;
    backdate(
        app,
        &t3,
        "2026-11-03T09:00:00Z",
        &["2026-11-03T09:20:00Z"],
        &[
            "2026-11-03T10:00:00Z",
            "2026-11-04T09:00:00Z",
            "2026-11-04T10:00:00Z",
        ],
    )
    .await;
    call_of(app, tok, &b, "2026-11-03T08:50:00Z", Some(&t3)).await;
    call_of(app, tok, &b, "2026-11-03T09:50:00Z", Some(&t3)).await;

    // T4: a product complaint never answered: first response and resolution overdue.
    let t4 = ticket(app, tok, "complaint", "normal", &b).await;
    app.ok(
        tok,
        Method::PUT,
        &format!("/api/v1/tickets/{t4}/complaint"),
        Some(json!({"root_cause": "defective part"})),
    )
    .await;
    backdate(app, &t4, "2026-11-04T09:00:00Z", &[], &[]).await;

    // T5: first response 10, resolved after 40 min, called again the next day: not FCR.
    let t5 = ticket(app, tok, "inquiry", "normal", &a).await;
    reply(app, tok, &t5).await;
    go(app, tok, &t5, "resolved").await;
    backdate(
        app,
        &t5,
        "2026-11-05T09:00:00Z",
        &["2026-11-05T09:10:00Z"],
        &["2026-11-05T09:40:00Z"],
    )
    .await;
    call_of(app, tok, &a, "2026-11-06T09:00:00Z", Some(&t5)).await;

    // Five more calls: three on Tuesday, two on Thursday (eight handled in all, five on
    // Tuesday).
    for at in [
        "2026-11-03T14:00:00Z",
        "2026-11-03T14:10:00Z",
        "2026-11-03T14:20:00Z",
    ] {
        call_of(app, tok, &a, at, None).await;
    }
    for at in ["2026-11-05T14:00:00Z", "2026-11-05T14:10:00Z"] {
        call_of(app, tok, &a, at, None).await;
    }
    settle(&app.store).await;
    Week {
        sup,
        agents: [a, b],
    }
}

pub async fn report(app: &TestApp, tok: &str, q: &str) -> Value {
    app.ok(
        tok,
        Method::GET,
        &format!("/api/v1/reports/kpi?tz=UTC&{q}"),
        None,
    )
    .await
}

async fn ticket_kpis_by_hand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = week(&app).await;
    let r = report(&app, &w.sup, "from=2026-11-02&to=2026-11-09&interval=week").await;
    let tot = &r["totals"];
    assert_eq!(tot["handled"], 8, "{tot}");
    assert_eq!(tot["tickets_created"], 5);
    assert_eq!(
        tot["tickets_resolved"], 4,
        "first resolutions of T1, T2, T3, T5"
    );
    assert_eq!(tot["tickets_fcr"], 1);
    close(&tot["fcr"], 0.25, "fcr");
    // First responses 10, 20, 90, 105: T2 keeps 90 after its reopen.
    close(
        &tot["first_response_median_min"],
        55.0,
        "first response median",
    );
    close(&tot["first_response_p90_min"], 100.5, "first response p90");
    // Resolutions 40, 120, 120, 150 (T2 at its first resolution, T3 without the pending day).
    close(&tot["resolution_median_min"], 120.0, "resolution median");
    close(&tot["resolution_p90_min"], 141.0, "resolution p90");
    assert_eq!(
        (
            tot["first_response_due"].clone(),
            tot["first_response_met"].clone()
        ),
        (json!(5), json!(3))
    );
    close(&tot["first_response_sla"], 0.6, "first response sla");
    assert_eq!(
        (tot["resolution_due"].clone(), tot["resolution_met"].clone()),
        (json!(5), json!(4))
    );
    close(&tot["resolution_sla"], 0.8, "resolution sla");
    assert_eq!(
        (
            tot["complaints"].clone(),
            tot["attitude_complaints"].clone()
        ),
        (json!(2), json!(1))
    );
    close(&tot["complaint_rate"], 0.25, "complaint rate");
    close(
        &tot["attitude_complaint_rate"],
        0.125,
        "attitude complaint rate",
    );
    assert!(tot["cost_per_contact"].is_null(), "no costs configured");
    let policies = r["sla_policies"].as_array().unwrap();
    assert_eq!(
        policies,
        &vec![
            json!({"policy": "standard",
                   "first_response": {"met": 3, "breached": 1, "compliance": 0.75},
                   "resolution": {"met": 3, "breached": 1, "compliance": 0.75}}),
            json!({"policy": "vip",
                   "first_response": {"met": 0, "breached": 1, "compliance": 0.0},
                   "resolution": {"met": 1, "breached": 0, "compliance": 1.0}}),
        ]
    );
    let defs = &r["definitions"];
    for (k, needle) in [
        ("fcr", "7 days"),
        ("ticket_times", "business minutes"),
        ("sla_compliance", "per policy"),
        ("complaint_rate", "服务态度"),
    ] {
        assert!(
            defs[k].as_str().unwrap().contains(needle),
            "{k}: {}",
            defs[k]
        );
    }

    // By agent: a resolved three (FCR 1/3), b one that was not first-contact: 0, not null.
    let r = report(
        &app,
        &w.sup,
        "from=2026-11-02&to=2026-11-09&interval=week&by=agent",
    )
    .await;
    let row = |id: &str| {
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["agent"] == id)
            .unwrap_or_else(|| panic!("no row of {id}: {r}"))
            .clone()
    };
    let (ra, rb) = (row(&w.agents[0]), row(&w.agents[1]));
    close(&ra["fcr"], 1.0 / 3.0, "fcr of a");
    close(&rb["fcr"], 0.0, "fcr of b");
    // b handled the two calls of T3 and has both complaints.
    close(&rb["complaint_rate"], 1.0, "complaint rate of b");
    assert!(ra["complaint_rate"].as_f64() == Some(0.0), "{ra}");

    // The week after: nothing resolved, nothing handled: every ticket rate is null.
    let r = report(&app, &w.sup, "from=2026-11-09&to=2026-11-16&interval=week").await;
    let tot = &r["totals"];
    for k in [
        "fcr",
        "first_response_median_min",
        "resolution_p90_min",
        "first_response_sla",
        "resolution_sla",
        "complaint_rate",
        "attitude_complaint_rate",
        "cost_per_contact",
    ] {
        assert!(tot[k].is_null(), "{k} must be null: {tot}");
    }
    assert_eq!(r["sla_policies"], json!([]));

    // Another workspace sees none of it.
    let other = app.workspace("globex").await;
    let r = report(&app, &other, "from=2026-11-02&to=2026-11-09&interval=week").await;
    assert_eq!(r["totals"]["tickets_created"], 0);
    app.stop().await;
}

async fn report_costs_by_hand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = week(&app).await;
    let (s, v) = app
        .call(Method::GET, "/api/v1/reports/costs", Some(&w.sup), None)
        .await;
    assert_eq!((s, v), (StatusCode::OK, Value::Null));
    let costs = json!({"currency": "CNY", "agent_cost_per_hour": 60.0,
                       "telephony_cost_per_minute": 0.1, "fixed_cost_per_day": 100.0});
    // Bad settings are refused and change nothing; agents may not set costs.
    for bad in [
        json!({"currency": "yuan", "agent_cost_per_hour": 1.0}),
        json!({"currency": "CNY", "agent_cost_per_hour": -1.0}),
        json!({"currency": "CNY", "per_call": 1.0}),
    ] {
        let (s, p) = app
            .call(
                Method::PUT,
                "/api/v1/reports/costs",
                Some(&w.sup),
                Some(bad.clone()),
            )
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {p}"
        );
        assert!(p["code"].is_string(), "{p}");
    }
    let (s, v) = app
        .call(Method::GET, "/api/v1/reports/costs", Some(&w.sup), None)
        .await;
    assert_eq!((s, v), (StatusCode::OK, Value::Null));
    let (s, v) = app
        .call(
            Method::PUT,
            "/api/v1/reports/costs",
            Some(&w.sup),
            Some(costs.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .call(Method::GET, "/api/v1/reports/costs", Some(&w.sup), None)
        .await;
    assert_eq!(v, costs);
    // Audited.
    let audit = app
        .ok(
            &w.sup,
            Method::GET,
            "/api/v1/audit?entity_type=report_costs",
            None,
        )
        .await;
    assert_eq!(audit["items"][0]["after"], costs, "{audit}");

    // Each call: 0.1 h handling x 60 + 5 min x 0.1 = 6.5; eight calls: 52; a week of fixed
    // costs: 700. (52 + 700) / 8 = 94.
    let r = report(&app, &w.sup, "from=2026-11-02&to=2026-11-09&interval=day").await;
    close(&r["totals"]["cost_per_contact"], 94.0, "cost per contact");
    close(&r["costs"]["total_cost"], 752.0, "total cost");
    assert!(
        r["definitions"]["cost_per_contact"]
            .as_str()
            .unwrap()
            .contains("CNY")
    );
    // Tuesday: five calls and one day of fixed cost: (32.5 + 100) / 5 = 26.5.
    let tue = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["start"] == "2026-11-03T00:00:00Z")
        .unwrap_or_else(|| panic!("{r}"))
        .clone();
    assert_eq!(tue["handled"], 5);
    close(&tue["cost_per_contact"], 26.5, "Tuesday");
    // A day without handled contacts: null.
    let r = report(&app, &w.sup, "from=2026-11-07&to=2026-11-08&interval=day").await;
    assert!(r["totals"]["cost_per_contact"].is_null(), "{}", r["totals"]);
    app.stop().await;
}
