//! Ticket lists: sorting (created, updated, priority, SLA due), filters (state, type,
//! priority, group, assignee, tag, category), keyset paging that neither skips nor repeats,
//! and the paged supervisor overview with counts per group.

use crate::both;
use crate::common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both!(sorting_filters_paging_and_overview);

const POLICIES: &str = r#"
calendars:
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  - name: complaints
    calendar: always
    match: {types: [complaint]}
    targets: {first_response: 10}
  - name: after_sales
    calendar: always
    match: {types: [after_sales]}
    targets: {first_response: 60}
"#;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Every page of `query` with page size `limit`, concatenated.
async fn walk(app: &TestApp, tk: &str, query: &str, limit: u64) -> Vec<String> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/tickets?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let v = app.ok(tk, Method::GET, &path, None).await;
        let items = v["items"].as_array().unwrap();
        assert!(items.len() as u64 <= limit);
        out.extend(items.iter().map(id));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn sorting_filters_paging_and_overview(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.workspace("acme").await;
    let (a_id, a) = app.user(&admin, "acme", "agent").await;
    let (s_id, s) = app.user(&admin, "acme", "supervisor").await;
    let g1 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "A 一线", "member_ids": [a_id, s_id]})),
        )
        .await);
    let g2 = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "B 二线"})),
        )
        .await);
    let cat = id(&app
        .ok(
            &admin,
            Method::POST,
            "/api/v1/ticket-categories",
            Some(json!({"name": "热水器"})),
        )
        .await);
    let (st, _, p) = app
        .raw(
            Method::PUT,
            "/api/v1/sla/policies",
            &admin,
            "application/yaml",
            POLICIES,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    // (type, priority, group, assigned to a)
    let specs = [
        ("inquiry", "low", Some(&g1), false),
        ("complaint", "urgent", Some(&g1), true),
        ("after_sales", "normal", Some(&g2), false),
        ("complaint", "normal", None, false),
        ("after_sales", "high", Some(&g1), true),
        ("inquiry", "urgent", Some(&g2), false),
        ("after_sales", "low", Some(&g1), false),
    ];
    let mut ids = vec![];
    for (i, (ty, pr, g, mine)) in specs.iter().enumerate() {
        let mut body = json!({"type": ty, "subject": format!("t{i}"), "priority": pr});
        if let Some(g) = g {
            body["group_id"] = json!(g);
        }
        if *mine {
            body["assignee_id"] = json!(a_id);
        }
        ids.push(id(&app
            .ok(&a, Method::POST, "/api/v1/tickets", Some(body))
            .await));
    }
    // Newest first is the default order and the `created` order.
    let mut newest = ids.clone();
    newest.reverse();
    assert_eq!(walk(&app, &a, "sort=created", 2).await, newest);

    // Priority: urgent, high, normal, low; newest first within one.
    let rank = |p: &str| match p {
        "urgent" => 0,
        "high" => 1,
        "normal" => 2,
        _ => 3,
    };
    let mut by_priority: Vec<usize> = (0..ids.len()).collect();
    by_priority.sort_by_key(|&i| (rank(specs[i].1), std::cmp::Reverse(i)));
    let want: Vec<String> = by_priority.iter().map(|&i| ids[i].clone()).collect();
    for limit in [1, 2, 3, 50] {
        assert_eq!(
            walk(&app, &a, "sort=priority", limit).await,
            want,
            "limit {limit}"
        );
    }

    // Updated: a change moves the oldest ticket to the front.
    app.ok(
        &a,
        Method::PATCH,
        &format!("/api/v1/tickets/{}", ids[0]),
        Some(json!({"subject": "t0 changed"})),
    )
    .await;
    let mut want = vec![ids[0].clone()];
    want.extend(newest.iter().filter(|x| **x != ids[0]).cloned());
    for limit in [1, 2, 4] {
        assert_eq!(
            walk(&app, &a, "sort=updated", limit).await,
            want,
            "limit {limit}"
        );
    }

    // Due: complaints (10 minutes) before after-sales (60); tickets without a target last.
    // Due times are whole seconds; equal ones go newest first.
    let due = walk(&app, &a, "sort=due", 2).await;
    let pos = |i: usize| due.iter().position(|x| *x == ids[i]).unwrap();
    let sorted = |mut v: Vec<usize>| {
        v.sort();
        v
    };
    assert_eq!(due.len(), ids.len());
    assert_eq!(sorted(vec![pos(1), pos(3)]), vec![0, 1], "{due:?}");
    assert_eq!(
        sorted(vec![pos(2), pos(4), pos(6)]),
        vec![2, 3, 4],
        "{due:?}"
    );
    assert_eq!((pos(5), pos(0)), (5, 6), "no target: newest first");
    // The order is by each ticket's own due time: non-decreasing along the list.
    let listed = app
        .ok(&a, Method::GET, "/api/v1/tickets?sort=due&limit=50", None)
        .await;
    let dues: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| {
            t["sla"]["first_response"]["due"]
                .as_str()
                .map(str::to_owned)
        })
        .map(|d| {
            d.parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .to_rfc3339()
        })
        .collect();
    assert_eq!(dues.len(), 5);
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    assert_eq!(walk(&app, &a, "sort=due", 50).await, due);

    // Filters, each alone and combined.
    let set = |v: Vec<String>| {
        let mut v = v;
        v.sort();
        v
    };
    let pick = |f: &dyn Fn(usize) -> bool| {
        let mut v: Vec<String> = (0..ids.len())
            .filter(|&i| f(i))
            .map(|i| ids[i].clone())
            .collect();
        v.sort();
        v
    };
    app.ok(
        &a,
        Method::PUT,
        &format!("/api/v1/tickets/{}/tags", ids[2]),
        Some(json!({"tags": ["漏水"]})),
    )
    .await;
    app.ok(
        &a,
        Method::PUT,
        &format!("/api/v1/tickets/{}/category", ids[6]),
        Some(json!({"category_id": cat})),
    )
    .await;
    app.ok(
        &a,
        Method::POST,
        &format!("/api/v1/tickets/{}/transitions", ids[4]),
        Some(json!({"to": "escalated"})),
    )
    .await;
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            "type=complaint".into(),
            pick(&|i| specs[i].0 == "complaint"),
        ),
        ("priority=urgent".into(), pick(&|i| specs[i].1 == "urgent")),
        (format!("group_id={g1}"), pick(&|i| specs[i].2 == Some(&g1))),
        (format!("assignee_id={a_id}"), pick(&|i| specs[i].3)),
        ("tag=%E6%BC%8F%E6%B0%B4".into(), vec![ids[2].clone()]),
        (format!("category_id={cat}"), vec![ids[6].clone()]),
        ("state=escalated".into(), vec![ids[4].clone()]),
        (
            format!("type=after_sales&group_id={g1}&sort=priority"),
            pick(&|i| specs[i].0 == "after_sales" && specs[i].2 == Some(&g1)),
        ),
    ];
    for (q, want) in cases {
        assert_eq!(set(walk(&app, &a, &q, 2).await), want, "{q}");
    }
    for bad in ["sort=sideways", "priority=meh", "category_id=nope", "x=1"] {
        let (st, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/tickets?{bad}"),
                Some(&a),
                None,
            )
            .await;
        assert!(st.is_client_error(), "{bad}: {st} {p}");
    }
    let (st, p) = app
        .call(
            Method::GET,
            "/api/v1/tickets?sort=priority&cursor=bm9wZQ",
            Some(&a),
            None,
        )
        .await;
    assert_eq!(
        (st, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cursor"))
    );

    // The supervisor overview: the supervisor's group only (g1: 4 open, 1 escalated), its
    // tickets paged through with no cap, earliest due first.
    let o = app
        .ok(&s, Method::GET, "/api/v1/tickets/overview?limit=2", None)
        .await;
    let groups = o["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{o}");
    assert_eq!(
        (
            groups[0]["team_id"].as_str(),
            groups[0]["open"].as_u64(),
            groups[0]["escalated"].as_u64()
        ),
        (Some(g1.as_str()), Some(4), Some(1))
    );
    let mut seen: Vec<String> = o["tickets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    let mut cursor = o["tickets"]["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let p = app
            .ok(
                &s,
                Method::GET,
                &format!("/api/v1/tickets/overview?limit=2&cursor={c}"),
                None,
            )
            .await;
        seen.extend(p["tickets"]["items"].as_array().unwrap().iter().map(id));
        cursor = p["tickets"]["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!((&seen[0], &seen[3]), (&ids[1], &ids[0]), "{seen:?}");
    assert!(seen[1..3].contains(&ids[4]) && seen[1..3].contains(&ids[6]));
    // An admin in no group sees every group and the tickets without one.
    let all = app
        .ok(&admin, Method::GET, "/api/v1/tickets/overview", None)
        .await;
    let counts: Vec<(Option<String>, u64)> = all["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["team_id"].as_str().map(str::to_owned),
                g["open"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts.iter().map(|c| c.1).sum::<u64>(), 7, "{all}");
    assert!(counts.contains(&(Some(g2.clone()), 2)));
    assert!(counts.contains(&(None, 1)));
    let (st, _) = app
        .call(
            Method::GET,
            "/api/v1/tickets/overview?group_id=0190a0a0-0000-7000-8000-000000000000",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    app.stop().await;
}
