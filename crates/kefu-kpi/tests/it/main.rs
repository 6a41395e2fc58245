//! Integration tests of kefu-kpi: hand-computed fixtures for every KPI, time-zone boundaries,
//! and properties of the accumulators.

mod boundaries;
mod complaints;
mod daily;
mod fixture;
mod props;

use chrono::{DateTime, Utc};
use kefu_kpi::{Direction, Interaction, OutboundOutcome};

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An inbound interaction offered at `offered` (RFC 3339) with everything else empty.
pub fn inbound(id: &str, offered: &str) -> Interaction {
    Interaction {
        id: id.into(),
        channel: "voice".into(),
        direction: Direction::Inbound,
        queue: "sales".into(),
        team: Some("A".into()),
        agent: None,
        customer: None,
        offered_at: t(offered),
        answered_at: None,
        abandoned_at: None,
        ended_at: None,
        ring_s: 0.0,
        talk_s: 0.0,
        hold_s: 0.0,
        acw_s: 0.0,
        disposition: None,
        outcome: None,
    }
}

/// Answered `wait_s` seconds after being offered, by `agent`.
pub fn answered(mut i: Interaction, wait_s: i64, agent: &str, durations: [f64; 4]) -> Interaction {
    i.answered_at = Some(i.offered_at + chrono::Duration::seconds(wait_s));
    i.agent = Some(agent.into());
    [i.ring_s, i.talk_s, i.hold_s, i.acw_s] = durations;
    i
}

/// Abandoned `wait_s` seconds after being offered.
pub fn abandoned(mut i: Interaction, wait_s: i64) -> Interaction {
    i.abandoned_at = Some(i.offered_at + chrono::Duration::seconds(wait_s));
    i
}

pub fn outbound(id: &str, at: &str, outcome: OutboundOutcome, talk: f64, acw: f64) -> Interaction {
    let mut i = inbound(id, at);
    i.direction = Direction::Outbound;
    i.queue = "outbound".into();
    i.outcome = Some(outcome);
    if matches!(
        outcome,
        OutboundOutcome::Connected | OutboundOutcome::Success
    ) {
        i.answered_at = Some(i.offered_at + chrono::Duration::seconds(8));
        i.agent = Some("a1".into());
        i.talk_s = talk;
        i.acw_s = acw;
    }
    i
}

pub fn close(a: Option<f64>, b: f64) {
    let a = a.unwrap_or_else(|| panic!("expected {b}, got null"));
    assert!((a - b).abs() < 1e-9, "expected {b}, got {a}");
}
