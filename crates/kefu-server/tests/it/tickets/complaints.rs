//! Complaint handling (seeds 002/003): classification, root cause and responsibility;
//! compensation proposed by an agent and decided by a supervisor only; no close before the
//! follow-up call unless the workspace turns that off.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(complaint_needs_approval_and_follow_up);

async fn post(app: &TestApp, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(tok), Some(body)).await
}

async fn complaint_needs_approval_and_follow_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (agent_id, agent) = app.user(&admin, "acme", "agent").await;
    let (sup_id, sup) = app.user(&admin, "acme", "supervisor").await;
    let (s, team) = post(&app, &admin, "/api/v1/teams", json!({"name": "安装部"})).await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().unwrap();
    let (_, c) = post(
        &app,
        &agent,
        "/api/v1/tickets",
        json!({"type": "complaint", "subject": "安装师傅迟到", "priority": "high"}),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/tickets/{id}/complaint");

    let (s, empty) = app.call(Method::GET, &base, Some(&agent), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            empty["compensation_status"].as_str(),
            empty["classification"].is_null()
        ),
        (Some("none"), true)
    );

    let (s, a) = app
        .call(
            Method::PUT,
            &base,
            Some(&agent),
            Some(
                json!({"classification": "concentrated", "root_cause": "排班冲突",
                        "responsible_team_id": team_id, "responsible_user_id": agent_id}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["classification"], "concentrated");
    assert_eq!(a["responsible_team_id"], team_id);
    for bad in [
        json!({"classification": "angry"}),
        json!({"responsible_team_id": "not-an-id"}),
        json!({"responsible_user_id": uuid::Uuid::now_v7().to_string()}),
    ] {
        let (s, p) = app
            .call(Method::PUT, &base, Some(&agent), Some(bad.clone()))
            .await;
        assert!(
            s.is_client_error() && s != StatusCode::NOT_FOUND,
            "{bad}: {s} {p}"
        );
    }
    let (_, still) = app.call(Method::GET, &base, Some(&agent), None).await;
    assert_eq!(still["root_cause"], "排班冲突");

    // Deciding needs a proposal; agents cannot decide.
    let (s, p) = post(
        &app,
        &sup,
        &format!("{base}/decision"),
        json!({"approve": true}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_compensation_proposed"))
    );
    let (s, pr) = post(
        &app,
        &agent,
        &format!("{base}/compensation"),
        json!({"compensation": "退款 200 元"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            pr["compensation_status"].as_str(),
            pr["compensation_proposed_by"].as_str()
        ),
        (Some("proposed"), Some(agent_id.as_str()))
    );
    let (s, p) = post(
        &app,
        &agent,
        &format!("{base}/decision"),
        json!({"approve": true}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, d) = post(
        &app,
        &sup,
        &format!("{base}/decision"),
        json!({"approve": false, "reason": "过高"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            d["compensation_status"].as_str(),
            d["compensation_decided_by"].as_str()
        ),
        (Some("rejected"), Some(sup_id.as_str()))
    );
    post(
        &app,
        &agent,
        &format!("{base}/compensation"),
        json!({"compensation": "上门维修免费"}),
    )
    .await;
    let (_, d) = post(
        &app,
        &sup,
        &format!("{base}/decision"),
        json!({"approve": true}),
    )
    .await;
    assert_eq!(
        (
            d["compensation_status"].as_str(),
            d["compensation"].as_str()
        ),
        (Some("approved"), Some("上门维修免费"))
    );

    // No close before the follow-up call.
    for to in ["open", "resolved"] {
        let (s, _) = post(
            &app,
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"to": to}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, p) = post(
        &app,
        &agent,
        &format!("/api/v1/tickets/{id}/transitions"),
        json!({"to": "closed"}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("follow_up_required"))
    );
    let (s, _) = post(
        &app,
        &agent,
        &format!("{base}/follow-up"),
        json!({"note": " "}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, f) = post(
        &app,
        &agent,
        &format!("{base}/follow-up"),
        json!({"note": "客户满意"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(f["follow_up_at"].is_string());
    let (s, t) = post(
        &app,
        &agent,
        &format!("/api/v1/tickets/{id}/transitions"),
        json!({"to": "closed"}),
    )
    .await;
    assert_eq!(
        (s, t["state"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{t}"
    );

    // Turned off, a complaint closes without it; other tickets have no complaint record.
    let (s, _) = app
        .call(
            Method::PATCH,
            "/api/v1/ticket-settings",
            Some(&admin),
            Some(json!({"complaint_follow_up_required": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, c2) = post(
        &app,
        &agent,
        "/api/v1/tickets",
        json!({"type": "complaint", "subject": "x"}),
    )
    .await;
    let id2 = c2["id"].as_str().unwrap();
    for to in ["resolved", "closed"] {
        let (s, p) = post(
            &app,
            &agent,
            &format!("/api/v1/tickets/{id2}/transitions"),
            json!({"to": to}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{p}");
    }
    let (_, inq) = post(
        &app,
        &agent,
        "/api/v1/tickets",
        json!({"type": "inquiry", "subject": "q"}),
    )
    .await;
    let (s, p) = app
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{}/complaint", inq["id"].as_str().unwrap()),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_a_complaint"))
    );

    // The audit trail shows each step.
    let (_, audit) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity_type=ticket&entity_id={id}&limit=100"),
            Some(&admin),
            None,
        )
        .await;
    let acts: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for a in [
        "complaint_analysed",
        "compensation_proposed",
        "compensation_rejected",
        "compensation_approved",
        "followed_up_call",
    ] {
        assert!(acts.contains(&a), "{a} missing: {acts:?}");
    }
    app.stop().await;
}
