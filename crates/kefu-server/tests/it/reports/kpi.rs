//! Reports: the KPI accumulators kept from the outbox give exactly what `kefu-kpi` computes
//! directly from the same interactions — after creates, updates and deletes, on both
//! backends, in several zones, intervals and groupings.

use crate::both;
use crate::common::{Backend, TestApp};
use chrono::{DateTime, Utc};
use kefu_server::kefu_kpi::{
    self, Calendar, ComputeOptions, Direction, GroupBy, IngestOptions, Inputs, Interaction,
    Interval, OutboundOutcome, ReportSpec,
};
use kefu_server::kefu_store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(
    kpi_api_equals_direct_computation,
    kpi_api_rejects_bad_requests,
    kpi_consumer_replay_does_not_double_count
);

/// Waits until the KPI consumer has handled every outbox event.
pub async fn settle(store: &Store) {
    for _ in 0..200 {
        let pos = store
            .consumer_position(kefu_server::reports::CONSUMER)
            .await
            .unwrap();
        if store.outbox_after(pos, 1).await.unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the KPI consumer did not catch up");
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One interaction as the test posts it, and as `kefu-kpi` reads it.
#[derive(Clone)]
struct Spec {
    id: String,
    direction: &'static str,
    queue: &'static str,
    agent: Option<usize>,
    offered: &'static str,
    answered: Option<&'static str>,
    abandoned: Option<&'static str>,
    ended: Option<&'static str>,
    ring_s: i64,
    talk_s: i64,
    hold_s: i64,
    acw_s: i64,
    outcome: Option<&'static str>,
}

fn spec(
    direction: &'static str,
    queue: &'static str,
    agent: Option<usize>,
    offered: &'static str,
) -> Spec {
    Spec {
        id: String::new(),
        direction,
        queue,
        agent,
        offered,
        answered: None,
        abandoned: None,
        ended: None,
        ring_s: 0,
        talk_s: 0,
        hold_s: 0,
        acw_s: 0,
        outcome: None,
    }
}

impl Spec {
    fn body(&self, agents: &[String]) -> Value {
        json!({
            "channel": "voice",
            "direction": self.direction,
            "queue": self.queue,
            "agent_id": self.agent.map(|a| agents[a].clone()),
            "offered_at": self.offered,
            "answered_at": self.answered,
            "abandoned_at": self.abandoned,
            "ended_at": self.ended,
            "ring_s": self.ring_s, "talk_s": self.talk_s, "hold_s": self.hold_s, "acw_s": self.acw_s,
            "outcome": self.outcome,
        })
    }
    fn record(&self, agents: &[String], teams: &[Option<String>]) -> Interaction {
        Interaction {
            id: self.id.clone(),
            channel: "voice".into(),
            direction: if self.direction == "outbound" {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            queue: self.queue.into(),
            team: self.agent.and_then(|a| teams[a].clone()),
            agent: self.agent.map(|a| agents[a].clone()),
            customer: None,
            offered_at: t(self.offered),
            answered_at: self.answered.map(t),
            abandoned_at: self.abandoned.map(t),
            ended_at: self.ended.map(t),
            ring_s: self.ring_s as f64,
            talk_s: self.talk_s as f64,
            hold_s: self.hold_s as f64,
            acw_s: self.acw_s as f64,
            disposition: None,
            outcome: match self.outcome {
                Some("success") => Some(OutboundOutcome::Success),
                Some("connected") => Some(OutboundOutcome::Connected),
                Some("no_answer") => Some(OutboundOutcome::NoAnswer),
                Some("busy") => Some(OutboundOutcome::Busy),
                _ => None,
            },
        }
    }
}

fn fixtures() -> Vec<Spec> {
    let mut v = vec![];
    // Answered within 20 s, with talk, hold and wrap-up; 23:50 Shanghai on the 20th.
    let mut a = spec("inbound", "sales", Some(0), "2026-11-20T15:50:00Z");
    a.answered = Some("2026-11-20T15:50:12Z");
    a.ended = Some("2026-11-20T15:55:00Z");
    a.ring_s = 7;
    a.talk_s = 280;
    a.hold_s = 8;
    a.acw_s = 30;
    v.push(a);
    // Answered after 45 s, just after local midnight: the next day in Shanghai.
    let mut b = spec("inbound", "sales", Some(1), "2026-11-20T16:00:30Z");
    b.answered = Some("2026-11-20T16:01:15Z");
    b.ended = Some("2026-11-20T16:10:00Z");
    b.ring_s = 12;
    b.talk_s = 500;
    b.acw_s = 60;
    v.push(b);
    // Short abandon (3 s) and a real abandon (40 s).
    let mut c = spec("inbound", "support", None, "2026-11-20T16:14:59Z");
    c.abandoned = Some("2026-11-20T16:15:02Z");
    v.push(c);
    let mut d = spec("inbound", "support", None, "2026-11-20T02:00:00Z");
    d.abandoned = Some("2026-11-20T02:00:40Z");
    v.push(d);
    // Abandoned within T (not short).
    let mut e = spec("inbound", "support", Some(2), "2026-11-20T02:07:00Z");
    e.abandoned = Some("2026-11-20T02:07:15Z");
    v.push(e);
    // Answered in 5 s on support by the unteamed agent.
    let mut f = spec("inbound", "support", Some(2), "2026-11-20T02:14:00Z");
    f.answered = Some("2026-11-20T02:14:05Z");
    f.ended = Some("2026-11-20T02:20:00Z");
    f.talk_s = 355;
    v.push(f);
    // Outbound: a success and a no-answer.
    let mut g = spec("outbound", "sales", Some(0), "2026-11-21T03:00:00Z");
    g.answered = Some("2026-11-21T03:00:09Z");
    g.ended = Some("2026-11-21T03:04:00Z");
    g.talk_s = 231;
    g.outcome = Some("success");
    v.push(g);
    let mut h = spec("outbound", "sales", Some(0), "2026-11-21T03:10:00Z");
    h.outcome = Some("no_answer");
    v.push(h);
    // In progress: offered, not yet answered or abandoned.
    v.push(spec("inbound", "sales", None, "2026-11-21T03:20:00Z"));
    v
}

async fn kpi_api_equals_direct_computation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let tok = Some(admin.as_str());
    let mut agents = vec![];
    for _ in 0..3 {
        agents.push(app.user(&admin, "acme", "agent").await.0);
    }
    let (s, team) = app
        .call(
            Method::POST,
            "/api/v1/teams",
            tok,
            Some(json!({"name": "Team A", "member_ids": [agents[0], agents[1]]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().unwrap().to_owned();
    let teams = vec![Some(team_id.clone()), Some(team_id), None];

    let mut specs = fixtures();
    for sp in specs.iter_mut() {
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/interactions",
                tok,
                Some(sp.body(&agents)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        sp.id = body["id"].as_str().unwrap().to_owned();
    }
    settle(&app.store).await;

    let compare = |specs: Vec<Spec>, agents: Vec<String>, teams: Vec<Option<String>>| {
        let app = &app;
        async move {
            let records: Vec<Interaction> =
                specs.iter().map(|s| s.record(&agents, &teams)).collect();
            // Local-date ranges in the workspace's zone (Asia/Shanghai) are answered from the
            // day rows; hour-aligned ranges in whole-hour zones from the hour rows; the rest
            // (15-minute intervals, Asia/Kolkata's +05:30) from the 15-minute rows.
            for (interval, by, tz, local) in [
                ("day", "none", "Asia/Shanghai", false),
                ("day", "none", "Asia/Shanghai", true),
                ("60", "queue", "Asia/Shanghai", false),
                ("day", "agent", "America/New_York", false),
                ("week", "agent", "Asia/Shanghai", true),
                ("15", "team", "UTC", false),
                ("day", "queue", "Asia/Kolkata", false),
                ("month", "queue", "Asia/Shanghai", false),
                ("month", "team", "Asia/Shanghai", true),
            ] {
                let calendar = Calendar::new(tz.parse().unwrap());
                let (from, to) = if local {
                    ("2026-11-01", "2026-12-01")
                } else {
                    ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
                };
                let bound = |s: &str| {
                    if local {
                        calendar.start_of_date(s.parse().unwrap())
                    } else {
                        t(s)
                    }
                };
                let (s, got) = app
                    .call(
                        Method::GET,
                        &format!(
                            "/api/v1/reports/kpi?from={from}&to={to}&interval={interval}&by={by}&tz={tz}"
                        ),
                        tok,
                        None,
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{got}");
                let rs = ReportSpec {
                    interval: interval.parse::<Interval>().unwrap(),
                    by: by.parse::<GroupBy>().unwrap(),
                    calendar,
                    compute: ComputeOptions::default(),
                    range: Some((bound(from), bound(to))),
                };
                let inputs = Inputs {
                    interactions: &records,
                    ..Inputs::default()
                };
                let want = kefu_kpi::report(&inputs, IngestOptions::default(), &rs).unwrap();
                let want = serde_json::to_value(&want).unwrap();
                for part in ["rows", "totals"] {
                    assert_eq!(got[part], want[part], "{part}: {interval} by {by} in {tz}");
                }
                // The interaction definitions are kefu-kpi's; the server states its own
                // ticket definitions (tests/it/reports_tickets.rs).
                for k in [
                    "offered",
                    "service_level",
                    "asa",
                    "aht",
                    "time_zone",
                    "interval",
                ] {
                    assert_eq!(got["definitions"][k], want["definitions"][k], "{k}");
                }
                assert_eq!(got["sla_policies"], json!([]));
            }
        }
    };

    compare(specs.clone(), agents.clone(), teams.clone()).await;
    // Hand-checked totals, so that a consumer that counted nothing would not pass.
    let (_, day) = app
        .call(
            Method::GET,
            "/api/v1/reports/kpi?from=2026-11-20&to=2026-11-22&interval=day&tz=Asia/Shanghai",
            tok,
            None,
        )
        .await;
    let totals = &day["totals"];
    assert_eq!(totals["offered"], 6, "{day}");
    assert_eq!(totals["short_abandoned"], 1);
    assert_eq!(totals["answered"], 3);
    assert_eq!(totals["abandoned"], 2);
    assert_eq!(totals["outbound_dials"], 2);
    assert_eq!(totals["outbound_successes"], 1);
    assert_eq!(day["rows"].as_array().unwrap().len(), 2);

    // Update: move one contact to another day and answer the in-progress one; delete another.
    let moved = specs[3].id.clone();
    let (s, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/interactions/{moved}"),
            tok,
            Some(json!({"offered_at": "2026-11-25T01:00:00Z", "abandoned_at": "2026-11-25T01:02:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    specs[3].offered = "2026-11-25T01:00:00Z";
    specs[3].abandoned = Some("2026-11-25T01:02:00Z");
    let open = specs[8].id.clone();
    let (s, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/interactions/{open}"),
            tok,
            Some(
                json!({"answered_at": "2026-11-21T03:20:10Z", "agent_id": agents[2], "talk_s": 60}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    specs[8].answered = Some("2026-11-21T03:20:10Z");
    specs[8].agent = Some(2);
    specs[8].talk_s = 60;
    let gone = specs[0].id.clone();
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/interactions/{gone}"),
            tok,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    specs.remove(0);
    settle(&app.store).await;
    compare(specs.clone(), agents.clone(), teams.clone()).await;

    // Handling the same events again changes nothing (the consumer is idempotent).
    for sp in &specs {
        let ws = app
            .store
            .outbox_after(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.entity_id == sp.id)
            .unwrap()
            .workspace_id;
        let changed = app
            .store
            .kpi_apply_interaction(&ws, &sp.id, None)
            .await
            .unwrap();
        assert!(
            !changed,
            "handling {} again changed the accumulators",
            sp.id
        );
        let changed = app
            .store
            .kpi_apply_interaction(&ws, &gone, None)
            .await
            .unwrap();
        assert!(!changed);
    }
    compare(specs.clone(), agents.clone(), teams.clone()).await;

    // Another workspace sees none of it.
    let other = app.workspace("globex").await;
    let (s, body) = app
        .call(
            Method::GET,
            "/api/v1/reports/kpi?from=2026-11-01&to=2026-12-01&interval=month",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["rows"], json!([]));
    assert_eq!(body["totals"]["offered"], 0);
    assert_eq!(body["totals"]["answer_rate"], Value::Null);
    app.stop().await;
}

async fn kpi_api_rejects_bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (_, agent) = app.user(&admin, "acme", "agent").await;
    let (_, sup) = app.user(&admin, "acme", "supervisor").await;
    let ok = "/api/v1/reports/kpi?from=2026-11-01&to=2026-11-02";
    let (s, _) = app.call(Method::GET, ok, Some(&sup), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = app.call(Method::GET, ok, Some(&agent), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    let (s, _) = app.call(Method::GET, ok, None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for q in [
        "from=2026-11-01",
        "from=2026-11-02&to=2026-11-01",
        "from=yesterday&to=2026-11-01",
        "from=2026-11-01&to=2026-11-02&interval=7",
        "from=2026-11-01&to=2026-11-02&by=customer",
        "from=2026-11-01&to=2026-11-02&tz=Mars/Olympus",
        "from=2026-11-01&to=2026-11-02&sl_variant=best",
        "from=2026-11-01&to=2026-11-02&ring_cycle_s=0",
        "from=2026-11-01&to=2026-11-02&format=pdf",
        "from=2026-11-01&to=2026-11-02&colour=red",
        "from=2020-01-01&to=2026-11-02",
    ] {
        let (s, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/reports/kpi?{q}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["code"], "invalid_query", "{q}");
    }
    // CSV: the header, one row per interval and the total row.
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/reports/kpi?from=2026-11-01&to=2026-11-03&interval=day&format=csv",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("start,offered,short_abandoned,"),
        "{text}"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("total,0,0,"), "{text}");
    app.stop().await;
}

/// The report of `[2026-11-01, 2026-12-01)` in UTC by `by` per 15 minutes, as JSON.
async fn month(app: &TestApp, tok: &str, by: &str) -> Value {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/reports/kpi?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&interval=15&by={by}&tz=UTC"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Waits until the consumer has caught up after its position was moved back.
async fn replayed(store: &Store, last: i64) {
    for _ in 0..200 {
        if store
            .consumer_position(kefu_server::reports::CONSUMER)
            .await
            .unwrap()
            >= last
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the KPI consumer did not replay");
}

async fn kpi_consumer_replay_does_not_double_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let tok = Some(admin.as_str());
    let agents = vec![
        app.user(&admin, "acme", "agent").await.0,
        app.user(&admin, "acme", "agent").await.0,
        app.user(&admin, "acme", "agent").await.0,
    ];
    let mut ids = vec![];
    for sp in fixtures() {
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/interactions",
                tok,
                Some(sp.body(&agents)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // Change one twice and delete another, so replays see updates and deletes too.
    for (i, patch) in [
        (1, json!({"talk_s": 500})),
        (
            3,
            json!({"offered_at": "2026-11-26T01:00:00Z", "abandoned_at": "2026-11-26T01:00:30Z"}),
        ),
        (3, json!({"queue": "vip"})),
    ] {
        let (s, b) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/interactions/{}", ids[i]),
                tok,
                Some(patch),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/interactions/{}", ids[2]),
            tok,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    settle(&app.store).await;
    let events = app.store.outbox_after(0, 10_000).await.unwrap();
    let last = events.last().unwrap().seq;
    let before = (
        month(&app, &admin, "agent").await,
        month(&app, &admin, "queue").await,
    );
    // Every count equals the direct computation over the interactions as they are now.
    let scope_ws = events
        .iter()
        .find(|e| e.entity_type == "interaction")
        .unwrap()
        .workspace_id
        .clone();
    let offered: u64 = before.1["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["offered"].as_u64().unwrap() + r["short_abandoned"].as_u64().unwrap())
        .sum();
    assert_eq!(
        offered, 6,
        "seven inbound contacts, one deleted: {}",
        before.1
    );
    let vip: Vec<&Value> = before.1["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["queue"] == "vip")
        .collect();
    assert_eq!(
        vip.len(),
        1,
        "the moved contact is counted once, in its new queue and bucket"
    );
    assert_eq!(vip[0]["start"], "2026-11-26T01:00:00Z");

    // A crash after some deltas were committed but before the position was stored: the
    // consumer handles those events again; nothing is counted twice.
    let mid = events
        .iter()
        .filter(|e| e.entity_type == "interaction")
        .nth(4)
        .unwrap()
        .seq;
    for from in [mid, 0] {
        app.store
            .set_consumer_position(kefu_server::reports::CONSUMER, from)
            .await
            .unwrap();
        replayed(&app.store, last).await;
        settle(&app.store).await;
        assert_eq!(
            month(&app, &admin, "agent").await,
            before.0,
            "replay from {from}"
        );
        assert_eq!(
            month(&app, &admin, "queue").await,
            before.1,
            "replay from {from}"
        );
    }
    // The same after a restart of the process in the middle of the outbox.
    let mut app = app;
    app.restart(|url| async move {
        let store = Store::connect(&url).await.unwrap();
        store
            .set_consumer_position(kefu_server::reports::CONSUMER, mid)
            .await
            .unwrap();
        store.close().await.unwrap();
    })
    .await;
    replayed(&app.store, last).await;
    settle(&app.store).await;
    assert_eq!(
        month(&app, &admin, "agent").await,
        before.0,
        "after a restart"
    );
    assert_eq!(
        month(&app, &admin, "queue").await,
        before.1,
        "after a restart"
    );

    // Handling an interaction again changes no row; the consumer's position is committed
    // with the delta.
    for id in &ids {
        let changed = app
            .store
            .kpi_apply_interaction(&scope_ws, id, None)
            .await
            .unwrap();
        assert!(!changed, "{id}");
    }
    app.store
        .kpi_apply_interaction(&scope_ws, &ids[0], Some(("probe", 42)))
        .await
        .unwrap();
    assert_eq!(app.store.consumer_position("probe").await.unwrap(), 42);
    app.stop().await;
}
