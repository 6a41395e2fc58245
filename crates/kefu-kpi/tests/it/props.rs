//! Properties: the totals equal the sum of the rows for every count and sum, whatever the
//! interval, grouping and zone; accumulators merge like concatenated inputs.

use chrono::{DateTime, Duration, Utc};
use kefu_kpi::{
    AgentState, AgentStateRecord, Buckets, Calendar, ComputeOptions, Direction, GroupBy,
    IngestOptions, Inputs, Interaction, Interval, OutboundOutcome, ReportSpec, Sums, Ticket,
    TicketKind,
};
use proptest::prelude::*;

// 2026-03-01T00:00:00Z: the window spans New York's spring-forward day (Mar 8).
const BASE: i64 = 1_772_323_200;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(BASE + s, 0).unwrap()
}

fn interaction() -> impl Strategy<Value = Interaction> {
    (
        0i64..(20 * 86_400),
        0u8..4,
        0i64..120,
        prop::option::of(0usize..3),
        0usize..3,
        (0u32..30, 0u32..400, 0u32..60, 0u32..90),
        any::<bool>(),
    )
        .prop_map(
            |(off, kind, wait, agent, queue, (ring, talk, hold, acw), out)| {
                let agent = agent.map(|a| format!("a{a}"));
                let mut i = Interaction {
                    id: format!("i{off}"),
                    channel: "voice".into(),
                    direction: if out {
                        Direction::Outbound
                    } else {
                        Direction::Inbound
                    },
                    queue: format!("q{queue}"),
                    team: agent.as_ref().map(|a| format!("team-{}", a.len() % 2)),
                    agent,
                    customer: None,
                    offered_at: at(off),
                    answered_at: None,
                    abandoned_at: None,
                    ended_at: None,
                    ring_s: 0.0,
                    talk_s: 0.0,
                    hold_s: 0.0,
                    acw_s: 0.0,
                    disposition: None,
                    outcome: None,
                };
                let w = i.offered_at + Duration::seconds(wait);
                match kind {
                    0 => {
                        i.answered_at = Some(w);
                        i.ring_s = f64::from(ring);
                        i.talk_s = f64::from(talk) + 0.25;
                        i.hold_s = f64::from(hold);
                        i.acw_s = f64::from(acw);
                    }
                    1 => i.abandoned_at = Some(w),
                    2 => i.ended_at = Some(w),
                    _ => {}
                }
                if out {
                    i.abandoned_at = None;
                    i.outcome = Some(match kind {
                        0 => OutboundOutcome::Success,
                        1 => OutboundOutcome::NoAnswer,
                        _ => OutboundOutcome::Busy,
                    });
                    if kind != 0 {
                        i.answered_at = None;
                    }
                }
                i
            },
        )
}

fn state() -> impl Strategy<Value = AgentStateRecord> {
    (0i64..(20 * 86_400), 0i64..20_000, 0usize..3, 0u8..6).prop_map(|(off, len, a, s)| {
        AgentStateRecord {
            agent: format!("a{a}"),
            team: Some("team-0".into()),
            state: [
                AgentState::Available,
                AgentState::Busy,
                AgentState::WrapUp,
                AgentState::Aux,
                AgentState::LoggedOut,
                AgentState::Reserved,
            ][s as usize],
            from: at(off),
            to: at(off + len),
        }
    })
}

fn ticket() -> impl Strategy<Value = Ticket> {
    (
        0i64..(20 * 86_400),
        prop::option::of(0i64..200_000),
        0u32..3,
        0u32..500,
    )
        .prop_map(|(off, res, contacts, minutes)| Ticket {
            id: format!("t{off}"),
            queue: Some("q0".into()),
            team: None,
            agent: Some("a1".into()),
            kind: if minutes % 3 == 0 {
                TicketKind::Complaint
            } else {
                TicketKind::Inquiry
            },
            complaint_category: Some("attitude".into()),
            product: None,
            created_at: at(off),
            resolved_at: res.map(|r| at(off + r)),
            contacts,
            reopened_at: None,
            recontacted_at: None,
            first_response_business_min: Some(f64::from(minutes)),
            resolution_business_min: res.map(|r| r as f64 / 60.0),
            first_response_target_min: Some(240.0),
            resolution_target_min: None,
            first_response_overdue: false,
            resolution_overdue: false,
        })
}

fn interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        Just(Interval::Min15),
        Just(Interval::Min30),
        Just(Interval::Min60),
        Just(Interval::Day),
        Just(Interval::Week),
        Just(Interval::Month),
    ]
}

fn by() -> impl Strategy<Value = GroupBy> {
    prop_oneof![
        Just(GroupBy::None),
        Just(GroupBy::Queue),
        Just(GroupBy::Team),
        Just(GroupBy::Agent),
    ]
}

fn tz() -> impl Strategy<Value = chrono_tz::Tz> {
    prop_oneof![
        Just(chrono_tz::Asia::Shanghai),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Asia::Kolkata),
        Just(chrono_tz::UTC),
    ]
}

fn sum_rows(rows: &[kefu_kpi::Row]) -> Sums {
    let mut s = Sums::default();
    for r in rows {
        s += &r.bucket.sums;
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn totals_equal_sum_of_rows(
        interactions in prop::collection::vec(interaction(), 0..60),
        states in prop::collection::vec(state(), 0..20),
        tickets in prop::collection::vec(ticket(), 0..15),
        interval in interval(),
        by in by(),
        tz in tz(),
    ) {
        let inputs = Inputs {
            interactions: &interactions,
            agent_states: &states,
            tickets: &tickets,
            ..Inputs::default()
        };
        let spec = ReportSpec {
            interval,
            by,
            calendar: Calendar::new(tz),
            compute: ComputeOptions::default(),
            range: None,
        };
        let r = kefu_kpi::report(&inputs, IngestOptions::default(), &spec).unwrap();
        let rows = sum_rows(&r.rows);
        // every count and sum, field by field
        for ((name, a), b) in Sums::FIELDS.iter().zip(rows.values()).zip(r.totals.bucket.sums.values()) {
            prop_assert_eq!(a, b, "field {}", name);
        }
        // and independently of the rollup: counted straight from the records
        let inbound = interactions.iter().filter(|i| i.direction == Direction::Inbound).count() as u64;
        prop_assert_eq!(rows.offered + rows.short_abandoned, inbound);
        prop_assert_eq!(rows.handled, interactions.iter().filter(|i| i.answered_at.is_some()).count() as u64);
        let talk: f64 = interactions.iter().filter(|i| i.answered_at.is_some()).map(|i| i.talk_s).sum();
        prop_assert_eq!(rows.talk_ms, (talk * 1000.0).round() as u64);
        let logged_in: i64 = states.iter().filter(|s| s.state != AgentState::LoggedOut)
            .map(|s| (s.to - s.from).num_milliseconds()).sum();
        prop_assert_eq!(rows.state_logged_in_ms, logged_in as u64);
        prop_assert_eq!(rows.tickets_created, tickets.len() as u64);
        // ticket samples are kept whole
        let samples: usize = r.rows.iter().map(|r| r.bucket.first_response_min.len()).sum();
        prop_assert_eq!(samples, tickets.len());
        // rows are distinct and within their own interval
        for w in r.rows.windows(2) {
            prop_assert!((w[0].start, &w[0].group) < (w[1].start, &w[1].group));
        }
    }

    #[test]
    fn merged_accumulators_equal_one_pass(
        interactions in prop::collection::vec(interaction(), 0..60),
        states in prop::collection::vec(state(), 0..20),
        split in 0usize..60,
    ) {
        let split = split.min(interactions.len());
        let mut one = Buckets::new(IngestOptions::default()).unwrap();
        for i in &interactions { one.add_interaction(i).unwrap(); }
        for s in &states { one.add_agent_state(s).unwrap(); }
        let mut a = Buckets::new(IngestOptions::default()).unwrap();
        let mut b = Buckets::new(IngestOptions::default()).unwrap();
        for i in &interactions[..split] { a.add_interaction(i).unwrap(); }
        for i in &interactions[split..] { b.add_interaction(i).unwrap(); }
        for s in &states { b.add_agent_state(s).unwrap(); }
        a.merge(&b).unwrap();
        let spec = ReportSpec {
            interval: Interval::Day,
            by: GroupBy::Agent,
            calendar: Calendar::new(chrono_tz::America::New_York),
            compute: ComputeOptions::default(),
            range: None,
        };
        let (ra, r1) = (a.report(&spec).unwrap(), one.report(&spec).unwrap());
        prop_assert_eq!(ra.rows, r1.rows);
        prop_assert_eq!(ra.totals, r1.totals);
    }
}
