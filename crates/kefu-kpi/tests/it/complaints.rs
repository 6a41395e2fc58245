//! Complaint breakdown and hotspots, and accumulators loaded back from kept rows.

use kefu_kpi::complaints::{ComplaintDimension, breakdown};
use kefu_kpi::{
    Bucket, Buckets, Calendar, ComputeOptions, GroupBy, IngestOptions, Interval, ReportSpec,
    Ticket, TicketKind,
};

use crate::t;

fn complaint(id: &str, category: Option<&str>, product: &str, at: &str) -> Ticket {
    Ticket {
        id: id.into(),
        queue: None,
        team: None,
        agent: Some(format!("agent-{}", id.len() % 2)),
        kind: TicketKind::Complaint,
        complaint_category: category.map(str::to_string),
        product: Some(product.into()),
        created_at: t(at),
        resolved_at: None,
        contacts: 1,
        reopened_at: None,
        recontacted_at: None,
        first_response_business_min: None,
        resolution_business_min: None,
        first_response_target_min: None,
        resolution_target_min: None,
        first_response_overdue: false,
        resolution_overdue: false,
    }
}

#[test]
fn categories_with_an_80_percent_hotspot_cut() {
    let mut v = Vec::new();
    // 10 complaints in January: delivery 5, attitude 3, billing 1, uncategorised 1;
    // plus an inquiry and a February complaint that do not count.
    for n in 0..5 {
        v.push(complaint(
            &format!("d{n}"),
            Some("delivery"),
            "phone",
            "2026-01-03T00:00:00Z",
        ));
    }
    for n in 0..3 {
        v.push(complaint(
            &format!("a{n}"),
            Some("attitude"),
            "tablet",
            "2026-01-10T00:00:00Z",
        ));
    }
    v.push(complaint(
        "b",
        Some("billing"),
        "phone",
        "2026-01-20T00:00:00Z",
    ));
    v.push(complaint("u", None, "phone", "2026-01-31T23:59:59Z"));
    let mut inquiry = complaint("i", Some("delivery"), "phone", "2026-01-05T00:00:00Z");
    inquiry.kind = TicketKind::Inquiry;
    v.push(inquiry);
    v.push(complaint(
        "f",
        Some("delivery"),
        "phone",
        "2026-02-01T00:00:00Z",
    ));
    let g = breakdown(
        &v,
        t("2026-01-01T00:00:00Z"),
        t("2026-02-01T00:00:00Z"),
        ComplaintDimension::Category,
        0.8,
    )
    .unwrap();
    let keys: Vec<_> = g.iter().map(|g| (g.key.as_deref(), g.complaints)).collect();
    // ties (1 and 1) by key: None sorts before Some
    assert_eq!(
        keys,
        vec![
            (Some("delivery"), 5),
            (Some("attitude"), 3),
            (None, 1),
            (Some("billing"), 1)
        ]
    );
    // shares 0.5, 0.3, 0.1, 0.1; cumulative 0.5, 0.8, 0.9, 1.0; hotspots while the share
    // before the group is below 0.8: delivery (0), attitude (0.5)
    let hot: Vec<bool> = g.iter().map(|g| g.hotspot).collect();
    assert_eq!(hot, vec![true, true, false, false]);
    assert!((g[1].cumulative_share - 0.8).abs() < 1e-12);
    assert!((g[0].share - 0.5).abs() < 1e-12);
    let p = breakdown(
        &v,
        t("2026-01-01T00:00:00Z"),
        t("2026-02-01T00:00:00Z"),
        ComplaintDimension::Product,
        0.5,
    )
    .unwrap();
    // phone 7 (5 delivery, billing, uncategorised), tablet 3
    assert_eq!((p[0].key.as_deref(), p[0].complaints), (Some("phone"), 7));
    assert_eq!((p[1].key.as_deref(), p[1].hotspot), (Some("tablet"), false));
    assert!(
        breakdown(
            &v,
            t("2026-01-01T00:00:00Z"),
            t("2026-02-01T00:00:00Z"),
            ComplaintDimension::Agent,
            1.5
        )
        .is_err()
    );
}

#[test]
fn kept_rows_load_back_and_range_selects_buckets() {
    let mut b = Buckets::new(IngestOptions::default()).unwrap();
    let mut row = Bucket::default();
    row.sums.offered = 10;
    row.sums.answered = 8;
    // 2026-01-05T01:45:00Z and 02:00:00Z, both on the grid
    b.add_bucket(1_767_577_500, Some("sales"), None, Some("a1"), &row)
        .unwrap();
    b.add_bucket(1_767_578_400, Some("sales"), None, Some("a1"), &row)
        .unwrap();
    b.add_bucket(1_767_578_400, Some("sales"), None, Some("a1"), &row)
        .unwrap();
    assert!(b.add_bucket(1_767_578_401, None, None, None, &row).is_err());
    assert_eq!(b.len(), 2);
    let spec = ReportSpec {
        interval: Interval::Min60,
        by: GroupBy::Queue,
        calendar: Calendar::new(chrono_tz::Asia::Shanghai),
        compute: ComputeOptions::default(),
        range: Some((t("2026-01-05T02:00:00Z"), t("2026-01-05T03:00:00Z"))),
    };
    let r = b.report(&spec).unwrap();
    // only the 02:00Z bucket (10:00 local), holding the two merged rows
    assert_eq!(r.rows.len(), 1);
    assert_eq!(
        r.rows[0].start_local.as_deref(),
        Some("2026-01-05T10:00:00+08:00")
    );
    assert_eq!(
        (
            r.rows[0].bucket.sums.offered,
            r.rows[0].bucket.sums.answered
        ),
        (20, 16)
    );
    let all = b
        .report(&ReportSpec {
            range: None,
            ..spec
        })
        .unwrap();
    // 09:45 local goes to the 09:00 hour
    assert_eq!(all.rows.len(), 2);
    assert_eq!(all.totals.bucket.sums.offered, 30);
}
