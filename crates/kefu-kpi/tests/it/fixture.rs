//! One hand-computed day in Asia/Shanghai covering every KPI (arithmetic in the comments),
//! every variant, and zero denominators.

use kefu_kpi::{
    Activity, AgentState, AgentStateRecord, AsaVariant, Calendar, ComputeOptions, CostConfig,
    Evaluation, GroupBy, IngestOptions, Inputs, Interval, OutboundOutcome, Report, ReportSpec,
    ScheduleSegment, SlVariant, SurveyKind, SurveyResponse, Ticket, TicketKind, report,
};

use crate::{abandoned, answered, close, inbound, outbound, t};

fn interactions() -> Vec<kefu_kpi::Interaction> {
    let mut ended = inbound("i8", "2026-01-05T02:50:00Z");
    ended.ended_at = Some(t("2026-01-05T02:50:40Z")); // left the queue unanswered after 40 s
    vec![
        // queue 10 s, ring 6, talk 100, hold 20, acw 30
        answered(
            inbound("i1", "2026-01-05T02:00:00Z"),
            10,
            "a1",
            [6.0, 100.0, 20.0, 30.0],
        ),
        // queue 30 s, ring 12, talk 200, acw 40
        answered(
            inbound("i2", "2026-01-05T02:10:00Z"),
            30,
            "a1",
            [12.0, 200.0, 0.0, 40.0],
        ),
        // abandoned after 3 s: a short abandon (< 5 s)
        abandoned(inbound("i3", "2026-01-05T02:20:00Z"), 3),
        // abandoned after 15 s: within T
        abandoned(inbound("i4", "2026-01-05T02:21:00Z"), 15),
        // abandoned after 60 s
        abandoned(inbound("i5", "2026-01-05T02:22:00Z"), 60),
        // queue exactly 20 s = T counts as within; ring 3, talk 50, hold 10
        answered(
            inbound("i6", "2026-01-05T02:30:00Z"),
            20,
            "a2",
            [3.0, 50.0, 10.0, 0.0],
        ),
        // abandoned after exactly 5 s: not short (the threshold is strict), within T
        abandoned(inbound("i7", "2026-01-05T02:40:00Z"), 5),
        ended,
        outbound(
            "o1",
            "2026-01-05T03:00:00Z",
            OutboundOutcome::Success,
            60.0,
            20.0,
        ),
        outbound(
            "o2",
            "2026-01-05T03:05:00Z",
            OutboundOutcome::NoAnswer,
            0.0,
            0.0,
        ),
        outbound(
            "o3",
            "2026-01-05T03:10:00Z",
            OutboundOutcome::Connected,
            30.0,
            0.0,
        ),
    ]
}

fn state(s: AgentState, from: &str, to: &str) -> AgentStateRecord {
    AgentStateRecord {
        agent: "a1".into(),
        team: Some("A".into()),
        state: s,
        from: t(from),
        to: t(to),
    }
}

fn states() -> Vec<AgentStateRecord> {
    use AgentState::*;
    vec![
        state(Available, "2026-01-05T02:00:00Z", "2026-01-05T02:10:00Z"), // 600 s
        state(Busy, "2026-01-05T02:10:00Z", "2026-01-05T02:30:00Z"),      // 1200 s
        state(WrapUp, "2026-01-05T02:30:00Z", "2026-01-05T02:35:00Z"),    // 300 s
        state(Aux, "2026-01-05T02:35:00Z", "2026-01-05T02:45:00Z"),       // 600 s
        state(Reserved, "2026-01-05T02:45:00Z", "2026-01-05T02:50:00Z"),  // 300 s
        state(Available, "2026-01-05T02:50:00Z", "2026-01-05T03:00:00Z"), // 600 s
        state(LoggedOut, "2026-01-05T03:00:00Z", "2026-01-05T04:00:00Z"),
    ]
}

fn ticket(id: &str, kind: TicketKind) -> Ticket {
    Ticket {
        id: id.into(),
        queue: Some("sales".into()),
        team: Some("A".into()),
        agent: Some("a1".into()),
        kind,
        complaint_category: None,
        product: None,
        created_at: t("2026-01-05T02:00:00Z"),
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

fn tickets() -> Vec<Ticket> {
    let mut t1 = ticket("t1", TicketKind::Inquiry);
    t1.resolved_at = Some(t("2026-01-05T04:00:00Z"));
    (t1.first_response_business_min, t1.first_response_target_min) = (Some(5.0), Some(10.0));
    (t1.resolution_business_min, t1.resolution_target_min) = (Some(120.0), Some(240.0));
    // FCR: one contact, never reopened.

    let mut t2 = ticket("t2", TicketKind::Complaint);
    t2.complaint_category = Some("attitude".into());
    t2.created_at = t("2026-01-05T02:05:00Z");
    t2.resolved_at = Some(t("2026-01-05T05:00:00Z"));
    t2.reopened_at = Some(t("2026-01-11T05:00:00Z")); // 6 days later: spoils FCR
    (t2.first_response_business_min, t2.first_response_target_min) = (Some(15.0), Some(10.0));
    (t2.resolution_business_min, t2.resolution_target_min) = (Some(175.0), Some(240.0));

    let mut t3 = ticket("t3", TicketKind::Complaint);
    t3.complaint_category = Some("product".into());
    t3.contacts = 2; // two contacts: not FCR
    t3.resolved_at = Some(t("2026-01-05T05:00:00Z"));
    t3.first_response_business_min = Some(8.0); // no target
    (t3.resolution_business_min, t3.resolution_target_min) = (Some(400.0), Some(240.0));

    let mut t4 = ticket("t4", TicketKind::Service);
    t4.resolved_at = Some(t("2026-01-05T03:00:00Z"));
    t4.recontacted_at = Some(t("2026-01-13T03:00:01Z")); // 8 days later: outside the window
    (t4.first_response_business_min, t4.first_response_target_min) = (Some(20.0), Some(30.0));
    t4.resolution_business_min = Some(60.0); // no target

    let mut t5 = ticket("t5", TicketKind::Inquiry);
    t5.first_response_target_min = Some(10.0);
    t5.first_response_overdue = true; // still unanswered past target: due, not met
    t5.resolution_target_min = Some(480.0); // not overdue yet: not due
    vec![t1, t2, t3, t4, t5]
}

fn evaluations() -> Vec<Evaluation> {
    let e = |id: &str, score: f64, pass_mark: Option<f64>| Evaluation {
        id: id.into(),
        agent: "a1".into(),
        team: Some("A".into()),
        queue: None,
        at: t("2026-01-05T06:00:00Z"),
        score,
        pass_mark,
    };
    // default pass mark 80: 85 pass, 80 pass (≥), 79.5 fail; 70 against its own mark 60 passes
    vec![
        e("e1", 85.0, None),
        e("e2", 80.0, None),
        e("e3", 79.5, None),
        e("e4", 70.0, Some(60.0)),
    ]
}

fn surveys() -> Vec<SurveyResponse> {
    let s = |id: &str, kind: SurveyKind, score: u8| SurveyResponse {
        id: id.into(),
        queue: Some("sales".into()),
        team: Some("A".into()),
        agent: Some("a1".into()),
        at: t("2026-01-05T07:00:00Z"),
        kind,
        score,
    };
    let mut v: Vec<_> = [5, 4, 3, 1]
        .iter()
        .map(|&x| s("c", SurveyKind::Csat, x))
        .collect();
    v.extend(
        [10, 9, 9, 8, 6, 0]
            .iter()
            .map(|&x| s("n", SurveyKind::Nps, x)),
    );
    v
}

fn schedule() -> Vec<ScheduleSegment> {
    let seg = |agent: &str, shift: &str, activity, from: &str, to: &str| ScheduleSegment {
        agent: agent.into(),
        team: Some("A".into()),
        shift: shift.into(),
        activity,
        from: t(from),
        to: t(to),
    };
    vec![
        seg(
            "a1",
            "s1",
            Activity::Work,
            "2026-01-05T02:00:00Z",
            "2026-01-05T02:35:00Z",
        ),
        seg(
            "a1",
            "s1",
            Activity::Aux,
            "2026-01-05T02:35:00Z",
            "2026-01-05T02:45:00Z",
        ),
        seg(
            "a1",
            "s1",
            Activity::Work,
            "2026-01-05T02:45:00Z",
            "2026-01-05T03:30:00Z",
        ),
        // a2 never logs in
        seg(
            "a2",
            "s2",
            Activity::Work,
            "2026-01-05T04:00:00Z",
            "2026-01-05T05:00:00Z",
        ),
    ]
}

fn day_report(compute: ComputeOptions, by: GroupBy) -> Report {
    let (i, s, tk, e, sv, sc) = (
        interactions(),
        states(),
        tickets(),
        evaluations(),
        surveys(),
        schedule(),
    );
    let inputs = Inputs {
        interactions: &i,
        agent_states: &s,
        tickets: &tk,
        evaluations: &e,
        surveys: &sv,
        schedule: &sc,
    };
    let spec = ReportSpec {
        interval: Interval::Day,
        by,
        calendar: Calendar::new(chrono_tz::Asia::Shanghai),
        compute,
        range: None,
    };
    report(&inputs, IngestOptions::default(), &spec).unwrap()
}

fn costs() -> ComputeOptions {
    ComputeOptions {
        costs: Some(CostConfig {
            agent_cost_per_hour: 30.0,
            fixed_cost_per_agent_hour: 10.0,
            fixed_cost_per_contact: 0.5,
        }),
        ..ComputeOptions::default()
    }
}

#[test]
fn every_kpi_of_one_day() {
    let r = day_report(costs(), GroupBy::None);
    // Everything falls on Jan 5 in Shanghai (02:00–07:00Z = 10:00–15:00 local).
    assert_eq!(r.rows.len(), 1);
    assert_eq!(
        r.rows[0].start_local.as_deref(),
        Some("2026-01-05T00:00:00+08:00")
    );
    let s = &r.rows[0].bucket.sums;
    // offered: i1 i2 i4 i5 i6 i7 i8 = 7 (i3 is a short abandon)
    assert_eq!((s.offered, s.short_abandoned), (7, 1));
    assert_eq!((s.answered, s.abandoned), (3, 3));
    assert_eq!((s.answered_within_t, s.abandoned_within_t), (2, 2));
    // handled: i1 i2 i6 o1 o3
    assert_eq!(s.handled, 5);
    assert_eq!(
        (s.outbound_dials, s.outbound_connected, s.outbound_successes),
        (3, 2, 1)
    );
    let k = &r.rows[0].kpis;
    close(k.answer_rate, 3.0 / 7.0);
    close(k.abandonment_rate, 3.0 / 7.0);
    // SL (offered): answered ≤ 20 s (i1, i6) / 7
    close(k.service_level, 2.0 / 7.0);
    // ASA: (10 + 30 + 20) / 3 = 20 s
    close(k.asa_s, 20.0);
    // average queue time: (10 + 30 + 20 + 15 + 60 + 5 + 40) / 7 = 180 / 7
    close(k.avg_queue_time_s, 180.0 / 7.0);
    // ring count: (6 + 12 + 3) s / 6 s / 3 answered = 21 / 18
    close(k.avg_ring_count, 21.0 / 18.0);
    // AHT: (150 + 240 + 60 + 80 + 30) / 5 = 560 / 5 = 112 s
    close(k.aht_s, 112.0);
    // occupancy: busy 1200 + wrap 300 = 1500 / (1500 + available 1200) = 5/9
    close(k.occupancy, 1500.0 / 2700.0);
    // utilization: 1500 / logged in 3600 (available, busy, wrap, aux, reserved, available)
    close(k.utilization, 1500.0 / 3600.0);
    // outbound efficiency: 1 success / 1 logged-in hour
    close(k.outbound_efficiency, 1.0);
    // FCR: t1 and t4 of 4 resolved
    close(k.fcr, 0.5);
    // first response 5, 8, 15, 20: median 11.5; p90 h = 2.7 → 15 + 0.7·5 = 18.5
    close(k.first_response_median_min, 11.5);
    close(k.first_response_p90_min, 18.5);
    // resolution 60, 120, 175, 400: median 147.5; p90 → 175 + 0.7·225 = 332.5
    close(k.resolution_median_min, 147.5);
    close(k.resolution_p90_min, 332.5);
    // first response SLA: t1 met, t2 missed, t4 met, t5 overdue = 2 / 4
    close(k.first_response_sla, 0.5);
    // resolution SLA: t1 met, t2 met, t3 missed = 2 / 3
    close(k.resolution_sla, 2.0 / 3.0);
    // complaints t2, t3 / 5 handled; attitude t2 / 5
    close(k.complaint_rate, 0.4);
    close(k.attitude_complaint_rate, 0.2);
    // QA: 3 of 4 pass
    close(k.qa_pass_rate, 0.75);
    // CSAT: 5 and 4 of 4 responses
    close(k.csat, 0.5);
    // NPS: promoters 10, 9, 9 = 3; detractors 6, 0 = 2; n = 6 → 100 · 1/6
    close(k.nps, 100.0 / 6.0);
    // attendance: a1 attended s1, a2 missed s2
    close(k.attendance, 0.5);
    // adherence: s1 work 02:00–02:35 all in work states (2100 s), aux 02:35–02:45 in aux
    // (600 s), work 02:45–03:30 reserved + available until 03:00 (900 s) → 3600 of
    // 2100 + 600 + 2700 + a2's 3600 = 9000
    close(k.adherence, 3600.0 / 9000.0);
    // cost: 1 h × (30 + 10) + 5 × 0.5 = 42.5 over 5 handled
    close(k.cost_per_contact, 8.5);
    // The totals equal the single row.
    assert_eq!(r.totals.bucket.sums, *s);
    assert_eq!(r.totals.kpis, *k);
}

#[test]
fn variants_change_only_their_kpi_and_are_stated() {
    let base = day_report(ComputeOptions::default(), GroupBy::None);
    assert_eq!(
        base.definitions.service_level,
        "answered within 20 s / offered"
    );
    assert_eq!(base.rows[0].kpis.cost_per_contact, None);

    let ans = day_report(
        ComputeOptions {
            sl_variant: SlVariant::Answered,
            ..ComputeOptions::default()
        },
        GroupBy::None,
    );
    // 2 answered within T / 3 answered
    close(ans.rows[0].kpis.service_level, 2.0 / 3.0);
    assert_eq!(ans.definitions.service_level_variant, SlVariant::Answered);
    assert_eq!(
        ans.definitions.service_level,
        "answered within 20 s / answered"
    );

    let adj = day_report(
        ComputeOptions {
            sl_variant: SlVariant::AbandonAdjusted,
            ..ComputeOptions::default()
        },
        GroupBy::None,
    );
    // (2 answered + 2 abandoned within T) / 7
    close(adj.rows[0].kpis.service_level, 4.0 / 7.0);

    let ring = day_report(
        ComputeOptions {
            asa_variant: AsaVariant::WithRing,
            ..ComputeOptions::default()
        },
        GroupBy::None,
    );
    // (60 s queue + 21 s ring) / 3
    close(ring.rows[0].kpis.asa_s, 27.0);
    assert_eq!(ring.definitions.asa_variant, AsaVariant::WithRing);
    close(ring.rows[0].kpis.service_level, 2.0 / 7.0);
}

#[test]
fn short_abandon_threshold_is_an_option() {
    let i = interactions();
    let inputs = Inputs {
        interactions: &i,
        ..Inputs::default()
    };
    let spec = ReportSpec {
        interval: Interval::Day,
        by: GroupBy::None,
        calendar: Calendar::new(chrono_tz::Asia::Shanghai),
        compute: ComputeOptions::default(),
        range: None,
    };
    // Threshold 0: no short abandons; i3 (3 s) becomes offered and abandoned within T.
    let none = IngestOptions {
        short_abandon_s: 0.0,
        ..IngestOptions::default()
    };
    let r = report(&inputs, none, &spec).unwrap();
    let s = &r.totals.bucket.sums;
    assert_eq!((s.offered, s.short_abandoned, s.abandoned), (8, 0, 4));
    close(r.totals.kpis.abandonment_rate, 4.0 / 8.0);
    // Threshold 16 s: i3 (3), i7 (5) and i4 (15) are short; offered 5, abandoned 1 (i5).
    let long = IngestOptions {
        short_abandon_s: 16.0,
        ..IngestOptions::default()
    };
    let r = report(&inputs, long, &spec).unwrap();
    let s = &r.totals.bucket.sums;
    assert_eq!((s.offered, s.short_abandoned, s.abandoned), (5, 3, 1));
    assert!(r.definitions.offered.contains("less than 16 s"));
}

#[test]
fn grouped_rows_split_the_day() {
    let r = day_report(costs(), GroupBy::Agent);
    let names: Vec<_> = r.rows.iter().map(|r| r.group.clone()).collect();
    // Unassigned contacts (abandoned, unanswered) form the row without an agent.
    assert_eq!(
        names,
        vec![None, Some("a1".to_string()), Some("a2".to_string())]
    );
    let a1 = &r.rows[1];
    // a1 answered i1 and i2, and took o1 and o3: handle 150 + 240 + 80 + 30 = 500 over 4
    assert_eq!(a1.bucket.sums.handled, 4);
    close(a1.kpis.aht_s, 125.0);
    // a1's own SL: answered i1 (10 s) and i2 (30 s): 1 / 2 offered to a1
    close(a1.kpis.service_level, 0.5);
    // cost: 1 h × 40 + 4 × 0.5 = 42 over 4
    close(a1.kpis.cost_per_contact, 10.5);
    let a2 = &r.rows[2];
    // a2: no states at all → occupancy and utilization are null, not 0
    assert_eq!((a2.kpis.occupancy, a2.kpis.utilization), (None, None));
    // a2 missed its only shift
    close(a2.kpis.attendance, 0.0);
    close(a2.kpis.adherence, 0.0);
}

#[test]
fn zero_denominators_are_null() {
    let spec = ReportSpec {
        interval: Interval::Min60,
        by: GroupBy::Queue,
        calendar: Calendar::new(chrono_tz::Asia::Shanghai),
        compute: costs(),
        range: None,
    };
    // Nothing at all: no rows, all totals null.
    let r = report(&Inputs::default(), IngestOptions::default(), &spec).unwrap();
    assert!(r.rows.is_empty());
    assert!(r.totals.kpis.values().iter().all(Option::is_none));
    // Only a short abandon: offered 0 → every inbound rate null; the count is still there.
    let i = vec![abandoned(inbound("x", "2026-01-05T02:00:00Z"), 2)];
    let r = report(
        &Inputs {
            interactions: &i,
            ..Inputs::default()
        },
        IngestOptions::default(),
        &spec,
    )
    .unwrap();
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].bucket.sums.short_abandoned, 1);
    assert!(r.rows[0].kpis.values().iter().all(Option::is_none));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["rows"][0]["answer_rate"], serde_json::Value::Null);
    assert_eq!(json["rows"][0]["queue"], "sales");
    assert_eq!(json["totals"]["short_abandoned"], 1);
}

#[test]
fn bad_records_are_rejected() {
    let mut i = answered(inbound("bad", "2026-01-05T02:00:00Z"), 10, "a1", [0.0; 4]);
    i.abandoned_at = Some(t("2026-01-05T02:00:05Z"));
    let inputs = Inputs {
        interactions: std::slice::from_ref(&i),
        ..Inputs::default()
    };
    let spec = ReportSpec {
        interval: Interval::Day,
        by: GroupBy::None,
        calendar: Calendar::new(chrono_tz::UTC),
        compute: ComputeOptions::default(),
        range: None,
    };
    assert!(report(&inputs, IngestOptions::default(), &spec).is_err());
    let mut j = inbound("neg", "2026-01-05T02:00:00Z");
    j.talk_s = -1.0;
    let inputs = Inputs {
        interactions: std::slice::from_ref(&j),
        ..Inputs::default()
    };
    assert!(report(&inputs, IngestOptions::default(), &spec).is_err());
    let mut k = inbound("early", "2026-01-05T02:00:00Z");
    k.answered_at = Some(t("2026-01-05T01:59:00Z"));
    let inputs = Inputs {
        interactions: std::slice::from_ref(&k),
        ..Inputs::default()
    };
    assert!(report(&inputs, IngestOptions::default(), &spec).is_err());
}
