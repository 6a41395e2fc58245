//! SLA clock scenarios: the seed workflow with escalation, pauses, reopen, policy changes, and
//! the bugs of other helpdesks that must not happen here.

use chrono::{DateTime, Utc};
use kefu_sla::{
    EventKind, PolicySet, Priority, TicketAttributes, TicketEvent, TicketState, TicketType,
    compliance, evaluate,
};

use crate::at;

pub const SET: &str = r#"
calendars:
  cn:
    time_zone: Asia/Shanghai
    weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"], wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"], fri: ["09:00-12:00", "13:00-18:00"]}
    holidays: ["2026-10-01..2026-10-07"]
    extra_workdays: {"2026-09-27": mon}
  always:
    time_zone: UTC
    weekly: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
policies:
  - name: vip
    calendar: always
    match: {tiers: [vip]}
    targets: {first_response: 30, next_response: 60, resolution: 240}
    warning_percent: 50
  - name: urgent
    calendar: cn
    match: {priorities: [urgent]}
    targets: {first_response: 30, next_response: 60, resolution: 240}
    escalate_to: supervisor
  - name: standard
    calendar: cn
    match: {types: [inquiry, complaint, after_sales, tech_support]}
    targets: {first_response: 120, next_response: 240, resolution: 960}
"#;

pub fn set() -> PolicySet {
    PolicySet::from_yaml(SET).unwrap()
}

pub fn attrs(priority: Priority, tier: Option<&str>) -> TicketAttributes {
    TicketAttributes {
        ticket_type: TicketType::Complaint,
        priority,
        tier: tier.map(str::to_string),
    }
}

pub fn ev(t: &str, kind: EventKind) -> TicketEvent {
    TicketEvent { at: at(t), kind }
}

fn created(t: &str, priority: Priority) -> TicketEvent {
    ev(
        t,
        EventKind::Created {
            attributes: attrs(priority, None),
        },
    )
}

fn to(t: &str, state: TicketState) -> TicketEvent {
    ev(t, EventKind::StateChanged { to: state })
}

fn reply(t: &str) -> TicketEvent {
    ev(t, EventKind::AgentReply { public: true })
}

fn customer(t: &str) -> TicketEvent {
    ev(t, EventKind::CustomerReply)
}

#[test]
fn seed_workflow_with_escalation_and_holiday() {
    // A complaint arrives Wed 09-30 at 17:00, the day before the National Day holiday.
    let evs = vec![
        created("2026-09-30T17:00:00+08:00", Priority::Normal),
        to("2026-09-30T17:05:00+08:00", TicketState::Open),
        to("2026-09-30T17:30:00+08:00", TicketState::Escalated),
        reply("2026-10-08T09:30:00+08:00"),
        to("2026-10-08T09:31:00+08:00", TicketState::PendingCustomer),
        customer("2026-10-09T10:00:00+08:00"),
        to("2026-10-09T10:00:00+08:00", TicketState::Open),
        reply("2026-10-09T11:00:00+08:00"),
        to("2026-10-09T16:00:00+08:00", TicketState::Resolved),
        to("2026-10-12T10:00:00+08:00", TicketState::Closed),
    ];
    let s = evaluate(&evs, &set(), at("2026-10-12T12:00:00+08:00")).unwrap();
    assert_eq!(s.policy.as_deref(), Some("standard"));
    assert_eq!(s.state, TicketState::Closed);
    let fr = s.first_response.unwrap();
    // 60 min on 09-30, holiday, 30 min on 10-08: 90 of 120, met.
    assert_eq!(fr.elapsed_seconds, 90 * 60);
    assert_eq!(fr.met_at, Some(at("2026-10-08T09:30:00+08:00")));
    assert_eq!(fr.due, at("2026-10-08T10:00:00+08:00"));
    assert!(!fr.breached);
    assert_eq!(s.next_response.len(), 1);
    assert_eq!(s.next_response[0].elapsed_seconds, 60 * 60);
    assert!(!s.next_response[0].breached);
    let r = s.resolution.unwrap();
    // 60 (09-30) + 31 (10-08 until pending) + paused until 10-09 10:00 + 10:00-12:00, 13-16:00.
    assert_eq!(r.elapsed_seconds, (60 + 31 + 120 + 180) * 60);
    assert_eq!(r.met_at, Some(at("2026-10-09T16:00:00+08:00")));
    assert!(!r.breached && !r.paused && !r.warning);
}

#[test]
fn reopen_keeps_first_response_and_resumes_resolution() {
    // Chatwoot #3446: a reopen must not reset first response.
    let evs = vec![
        created("2026-11-23T09:00:00+08:00", Priority::Normal),
        reply("2026-11-23T10:00:00+08:00"),
        to("2026-11-23T11:00:00+08:00", TicketState::Resolved),
        to("2026-11-25T09:00:00+08:00", TicketState::Reopened),
        customer("2026-11-25T09:00:00+08:00"),
    ];
    let s = evaluate(&evs, &set(), at("2026-11-25T17:00:00+08:00")).unwrap();
    let fr = s.first_response.unwrap();
    assert_eq!(fr.met_at, Some(at("2026-11-23T10:00:00+08:00")));
    assert_eq!(fr.elapsed_seconds, 60 * 60);
    let r = s.resolution.unwrap();
    // 2 h before resolving + 7 h on the 25th (09-12, 13-17) = 540 of 960 minutes.
    assert_eq!(r.elapsed_seconds, 540 * 60);
    assert_eq!(r.met_at, None);
    // 420 min left from 17:00 Wed: 1 h Wed, then Thu 09-12 and 13-16.
    assert_eq!(r.due, at("2026-11-26T16:00:00+08:00"));
    // The customer's message after reopening opened a next-response cycle, now 7 h old: breached.
    assert_eq!(s.next_response.len(), 1);
    assert!(s.next_response[0].breached);
    // 240 min from Wed 09:00: 09-12, then 13-14.
    assert_eq!(s.next_response[0].due, at("2026-11-25T14:00:00+08:00"));
}

#[test]
fn recomputation_after_updates_is_stable() {
    // Zammad #5177/#3140: clocks wrong after updates. Here any number of irrelevant updates,
    // and any evaluation order, give the same answer.
    let base = vec![
        created("2026-11-23T09:00:00+08:00", Priority::Normal),
        to("2026-11-23T09:10:00+08:00", TicketState::Open),
        to("2026-11-23T10:00:00+08:00", TicketState::PendingCustomer),
        to("2026-11-23T14:00:00+08:00", TicketState::Open),
    ];
    let now = at("2026-11-23T16:00:00+08:00");
    let s0 = evaluate(&base, &set(), now).unwrap();
    let mut noisy = base.clone();
    noisy.push(ev(
        "2026-11-23T10:30:00+08:00",
        EventKind::AgentReply { public: false },
    ));
    noisy.push(ev(
        "2026-11-23T15:00:00+08:00",
        EventKind::AttributesChanged {
            attributes: attrs(Priority::Normal, None),
        },
    ));
    noisy.push(to("2026-11-23T15:30:00+08:00", TicketState::Open));
    noisy.reverse();
    assert_eq!(evaluate(&noisy, &set(), now).unwrap(), s0);
    // 60 min before pending, 2 h after: 180 of 120 first-response minutes: breached at 14:00+60m.
    let fr = s0.first_response.clone().unwrap();
    assert_eq!(fr.elapsed_seconds, 180 * 60);
    assert_eq!(fr.due, at("2026-11-23T15:00:00+08:00"));
    assert!(fr.breached);
    // Events after `now` are ignored: adding a future reply changes nothing now.
    let mut future = base.clone();
    future.push(reply("2026-11-24T09:00:00+08:00"));
    assert_eq!(evaluate(&future, &set(), now).unwrap(), s0);
}

#[test]
fn priority_change_retargets_running_clock() {
    let mut evs = vec![created("2026-11-23T09:00:00+08:00", Priority::Normal)];
    let now = at("2026-11-23T09:40:00+08:00");
    let s = evaluate(&evs, &set(), now).unwrap();
    let fr = s.first_response.unwrap();
    assert_eq!(fr.policy, "standard");
    assert!(!fr.warning && !fr.breached);
    evs.push(ev(
        "2026-11-23T09:20:00+08:00",
        EventKind::AttributesChanged {
            attributes: attrs(Priority::Urgent, None),
        },
    ));
    let s = evaluate(&evs, &set(), now).unwrap();
    let fr = s.first_response.unwrap();
    assert_eq!(fr.policy, "urgent");
    // Urgent target 30 min over the 40 business minutes already used: due 09:30, breached.
    assert_eq!(fr.due, at("2026-11-23T09:30:00+08:00"));
    assert!(fr.breached);
    assert_eq!(fr.escalate_to, Some(kefu_sla::Escalation::Supervisor));
    assert_eq!(fr.remaining_seconds(), -10 * 60);
    // A VIP tier switches to the 24/7 calendar; warning at 50 % of 30 min.
    evs.push(ev(
        "2026-11-23T09:25:00+08:00",
        EventKind::AttributesChanged {
            attributes: attrs(Priority::Normal, Some("vip")),
        },
    ));
    let s = evaluate(&evs, &set(), at("2026-11-23T09:20:00+08:00")).unwrap();
    assert_eq!(s.first_response.unwrap().policy, "urgent");
    let s = evaluate(&evs, &set(), at("2026-11-23T09:26:00+08:00")).unwrap();
    let fr = s.first_response.unwrap();
    assert_eq!(fr.policy, "vip");
    assert_eq!(fr.warn_at, at("2026-11-23T09:15:00+08:00"));
    assert!(fr.warning && !fr.breached);
}

#[test]
fn policy_assigned_by_hand_overrides_matching() {
    let mut evs = vec![
        created("2026-11-23T09:00:00+08:00", Priority::Normal),
        ev(
            "2026-11-23T09:05:00+08:00",
            EventKind::PolicyAssigned {
                policy: Some("vip".into()),
            },
        ),
    ];
    let s = evaluate(&evs, &set(), at("2026-11-23T09:10:00+08:00")).unwrap();
    assert_eq!(s.policy.as_deref(), Some("vip"));
    // VIP runs on the 24/7 calendar: 30 min from 09:00.
    assert_eq!(
        s.first_response.unwrap().due,
        at("2026-11-23T09:30:00+08:00")
    );
    evs.push(ev(
        "2026-11-23T09:20:00+08:00",
        EventKind::PolicyAssigned { policy: None },
    ));
    let s = evaluate(&evs, &set(), at("2026-11-23T09:25:00+08:00")).unwrap();
    assert_eq!(s.policy.as_deref(), Some("standard"));
    evs.push(ev(
        "2026-11-23T09:21:00+08:00",
        EventKind::PolicyAssigned {
            policy: Some("gold".into()),
        },
    ));
    assert_eq!(
        evaluate(&evs, &set(), at("2026-11-23T09:25:00+08:00")).unwrap_err(),
        kefu_sla::SlaError::UnknownPolicy("gold".into())
    );
}

#[test]
fn compliance_per_policy() {
    let set = set();
    let now = at("2026-11-27T18:00:00+08:00");
    let on_time = vec![
        created("2026-11-23T09:00:00+08:00", Priority::Normal),
        reply("2026-11-23T10:00:00+08:00"),
        to("2026-11-23T12:00:00+08:00", TicketState::Resolved),
    ];
    let late = vec![
        created("2026-11-23T09:00:00+08:00", Priority::Urgent),
        reply("2026-11-23T10:00:00+08:00"),
        customer("2026-11-23T10:30:00+08:00"),
        reply("2026-11-23T11:00:00+08:00"),
    ];
    let statuses: Vec<_> = [on_time, late]
        .iter()
        .map(|e| evaluate(e, &set, now).unwrap())
        .collect();
    let c = compliance(&statuses);
    assert_eq!(c.len(), 2);
    let standard = c.iter().find(|p| p.policy == "standard").unwrap();
    assert_eq!(
        (
            standard.first_response.met,
            standard.first_response.breached
        ),
        (1, 0)
    );
    assert_eq!(standard.resolution.percent(), Some(100.0));
    let urgent = c.iter().find(|p| p.policy == "urgent").unwrap();
    assert_eq!(urgent.first_response.breached, 1);
    assert_eq!(urgent.next_response.met, 1);
    // Never resolved in a week: 240 min exceeded.
    assert_eq!(urgent.resolution.breached, 1);
    assert_eq!(urgent.first_response.percent(), Some(0.0));
}

#[test]
fn calendars_and_policies_roundtrip_through_serde() {
    let s = set();
    let json = serde_json::to_string(&s).unwrap();
    let back: PolicySet = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // Validation runs while deserializing.
    let bad = json.replace("Asia/Shanghai", "Asia/Nowhere");
    let err = serde_json::from_str::<PolicySet>(&bad).unwrap_err();
    assert!(
        err.to_string().contains("unknown time zone `Asia/Nowhere`"),
        "{err}"
    );
    let cal: kefu_sla::Calendar =
        serde_json::from_str(r#"{"time_zone": "UTC", "weekly": {"mon": ["09:00-10:00"]}}"#)
            .unwrap();
    assert_eq!(cal.week_seconds(), 3600);
}

#[test]
fn events_roundtrip_as_json() {
    let json = r#"[
      {"at": "2026-11-23T01:00:00Z", "event": "created", "attributes": {"ticket_type": "inquiry", "priority": "high"}},
      {"at": "2026-11-23T01:30:00Z", "event": "agent_reply"},
      {"at": "2026-11-23T01:40:00Z", "event": "state_changed", "to": "pending_customer"}
    ]"#;
    let evs: Vec<TicketEvent> = serde_json::from_str(json).unwrap();
    assert_eq!(evs[1].kind, EventKind::AgentReply { public: true });
    let back: Vec<TicketEvent> =
        serde_json::from_str(&serde_json::to_string(&evs).unwrap()).unwrap();
    assert_eq!(back, evs);
    let s = evaluate(&evs, &set(), at("2026-11-23T02:00:00Z")).unwrap();
    let _: DateTime<Utc> = s.first_response.unwrap().met_at.unwrap();
}
