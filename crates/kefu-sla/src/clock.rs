//! The SLA clock of one ticket: a pure function of the ticket's event history and an injected
//! "now". Nothing is stored between evaluations, so recomputing after any update gives exactly
//! the same answer as computing once (the class of bug where clocks drift after updates cannot
//! happen), and events listed after `now` are ignored.
//!
//! # Rules
//! - **First response** runs from `created` to the first *public* agent reply (internal notes do
//!   not count). A reopen never resets it: once met it stays met with its original time.
//! - **Next response**: after the first public agent reply, each customer reply that arrives
//!   while no cycle is open starts a cycle; the next public agent reply ends it. Every cycle is
//!   reported (so compliance counts each one).
//! - **Resolution** runs from `created` until the ticket is resolved or closed; a reopen resumes
//!   it with the business time already used (time spent resolved is not counted).
//! - Every clock is **paused** while the ticket is `pending_customer`, `resolved` or `closed`.
//! - The **policy** (and so target, calendar and warning threshold) is the one in force when the
//!   metric stops, or at `now` while it runs: the policy assigned by hand if any, else the first
//!   matching the ticket's attributes. Changing priority, type, tier or the assigned policy
//!   re-targets running clocks over the whole business time already used.
//! - **Due** is the earliest instant at which the counted business time reaches the target. If
//!   it has not been reached by the time the clock stopped (or by `now`), due is projected from
//!   that instant as if the clock ran on. **Breached** means the clock stopped (or `now` is)
//!   after due; **warning** means a running, unbreached clock has used at least
//!   `warning_percent` of its target.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SlaError};
use crate::policy::{Escalation, Policy, PolicySet, TicketAttributes};

pub use kefu_model::TicketState;

/// Whether SLA clocks stand still in state `s`.
fn pauses(s: TicketState) -> bool {
    matches!(
        s,
        TicketState::PendingCustomer | TicketState::Resolved | TicketState::Closed
    )
}

fn is_done(s: TicketState) -> bool {
    matches!(s, TicketState::Resolved | TicketState::Closed)
}

fn yes() -> bool {
    true
}

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The ticket was created (state `new`) with these attributes.
    Created { attributes: TicketAttributes },
    /// An agent wrote on the ticket; `public: false` is an internal note.
    AgentReply {
        #[serde(default = "yes")]
        public: bool,
    },
    /// The customer wrote on the ticket.
    CustomerReply,
    /// A state transition.
    StateChanged { to: TicketState },
    /// Type, priority or customer tier changed (so the policy may change).
    AttributesChanged { attributes: TicketAttributes },
    /// A policy was chosen by hand (`Some(name)`), overriding matching from then on, or the
    /// choice was withdrawn (`None`): matching by attributes applies again.
    PolicyAssigned {
        #[serde(default)]
        policy: Option<String>,
    },
}

/// One event of a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The measured targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    FirstResponse,
    NextResponse,
    Resolution,
}

/// The state of one SLA target of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetStatus {
    pub metric: Metric,
    /// The policy the target is judged by.
    pub policy: String,
    pub target_minutes: u32,
    pub started_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// When the warning threshold is (or would be) reached.
    pub warn_at: DateTime<Utc>,
    /// Business seconds counted so far (up to `met_at`, or `now`).
    pub elapsed_seconds: i64,
    pub paused: bool,
    pub warning: bool,
    pub breached: bool,
    pub met_at: Option<DateTime<Utc>>,
    /// Set when breached and the policy escalates breaches.
    pub escalate_to: Option<Escalation>,
}

impl TargetStatus {
    /// Business seconds left before due (negative once more than the target is used).
    pub fn remaining_seconds(&self) -> i64 {
        i64::from(self.target_minutes) * 60 - self.elapsed_seconds
    }
}

/// Every SLA target of one ticket at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaStatus {
    /// The policy matching the ticket now (`None` if none matches).
    pub policy: Option<String>,
    pub state: TicketState,
    pub first_response: Option<TargetStatus>,
    /// One entry per next-response cycle, oldest first.
    pub next_response: Vec<TargetStatus>,
    pub resolution: Option<TargetStatus>,
}

impl SlaStatus {
    /// All targets: first response, every next-response cycle, resolution.
    pub fn targets(&self) -> impl Iterator<Item = &TargetStatus> {
        self.first_response
            .iter()
            .chain(self.next_response.iter())
            .chain(self.resolution.iter())
    }

    /// The next instant after `now` at which this status changes by the passing of time alone: a
    /// running, unpaused target reaching its warning threshold (`warn_at`) or becoming breached
    /// (one second after `due`). `None` when only a new event can change it. A timer sleeps
    /// until then and evaluates again.
    pub fn next_change(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.targets()
            .filter(|t| t.met_at.is_none() && !t.paused && !t.breached)
            .flat_map(|t| [t.warn_at, t.due + chrono::Duration::seconds(1)])
            .filter(|&c| c > now)
            .min()
    }
}

/// What is known of a ticket's history, distilled from its events.
struct History {
    created: DateTime<Utc>,
    states: Vec<(DateTime<Utc>, TicketState)>,
    attrs: Vec<(DateTime<Utc>, TicketAttributes)>,
    assigned: Vec<(DateTime<Utc>, Option<String>)>,
}

impl History {
    fn state_at(&self, t: DateTime<Utc>) -> TicketState {
        self.states
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(TicketState::New, |s| s.1)
    }

    fn attrs_at(&self, t: DateTime<Utc>) -> &TicketAttributes {
        // attrs[0] is the created event's; `t` is never before it.
        let i = self.attrs.iter().rposition(|(at, _)| *at <= t).unwrap_or(0);
        &self.attrs[i].1
    }

    /// The policy in force at `t`: the one assigned by hand, else the first matching one.
    fn policy_at<'s>(&self, set: &'s PolicySet, t: DateTime<Utc>) -> Option<&'s Policy> {
        match self.assigned.iter().rev().find(|(at, _)| *at <= t) {
            Some((_, Some(name))) => set.policy(name),
            _ => set.select(self.attrs_at(t)),
        }
    }

    /// The unpaused stretches of `[from, until)`, in order.
    fn active_periods(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        for (i, &(s, state)) in self.states.iter().enumerate() {
            if pauses(state) {
                continue;
            }
            let e = self.states.get(i + 1).map_or(until, |n| n.0);
            let (a, b) = (s.max(from), e.min(until));
            if a < b {
                out.push((a, b));
            }
        }
        out
    }
}

fn measure(
    h: &History,
    set: &PolicySet,
    metric: Metric,
    start: DateTime<Utc>,
    stop: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<TargetStatus>> {
    let end = stop.unwrap_or(now);
    let Some(policy) = h.policy_at(set, end) else {
        return Ok(None);
    };
    let target = match metric {
        Metric::FirstResponse => policy.targets.first_response,
        Metric::NextResponse => policy.targets.next_response,
        Metric::Resolution => policy.targets.resolution,
    };
    let Some(target) = target else {
        return Ok(None);
    };
    let cal = set.calendar_of(policy);
    let target_s = i64::from(target) * 60;
    // Ceiling of target * percent / 100, in seconds.
    let warn_s = (target_s * i64::from(policy.warning_percent) + 99) / 100;
    let mut acc = 0i64;
    let mut due = None;
    let mut warn_at = None;
    for (a, b) in h.active_periods(start, end) {
        let e = cal.elapsed_seconds(a, b)?;
        if due.is_none() && acc + e >= target_s {
            due = Some(cal.due_seconds(a, target_s - acc)?);
        }
        if warn_at.is_none() && acc + e >= warn_s {
            warn_at = Some(cal.due_seconds(a, warn_s - acc)?);
        }
        acc += e;
    }
    let due = match due {
        Some(d) => d,
        None => cal.due_seconds(end, target_s - acc)?,
    };
    let warn_at = match warn_at {
        Some(w) => w,
        None => cal.due_seconds(end, warn_s - acc)?,
    };
    let running = stop.is_none();
    let breached = due < end;
    Ok(Some(TargetStatus {
        metric,
        policy: policy.name.clone(),
        target_minutes: target,
        started_at: start,
        due,
        warn_at,
        elapsed_seconds: acc,
        paused: running && pauses(h.state_at(now)),
        warning: running && !breached && warn_at <= now,
        breached,
        met_at: stop,
        escalate_to: policy.escalate_to.filter(|_| breached),
    }))
}

/// Evaluates every SLA target of a ticket from its event history, as of `now`. Events are
/// taken in time order (events at the same instant in the order given); events after `now` are
/// ignored. The first event must be `created`.
pub fn evaluate(events: &[TicketEvent], set: &PolicySet, now: DateTime<Utc>) -> Result<SlaStatus> {
    let mut evs: Vec<&TicketEvent> = events.iter().filter(|e| e.at <= now).collect();
    evs.sort_by_key(|e| e.at);
    let (created, first_attrs) = match evs.first() {
        Some(TicketEvent {
            at,
            kind: EventKind::Created { attributes },
        }) => (*at, attributes.clone()),
        _ => return Err(SlaError::NotCreated),
    };
    let mut h = History {
        created,
        states: vec![(created, TicketState::New)],
        attrs: vec![(created, first_attrs)],
        assigned: Vec::new(),
    };
    let mut first_reply: Option<DateTime<Utc>> = None;
    let mut cycles: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
    let mut resolved_at: Option<DateTime<Utc>> = None;
    for e in &evs[1..] {
        match &e.kind {
            EventKind::Created { .. } => return Err(SlaError::CreatedTwice),
            EventKind::AgentReply { public: true } => {
                if first_reply.is_none() {
                    first_reply = Some(e.at);
                }
                if let Some(open) = cycles.last_mut().filter(|c| c.1.is_none()) {
                    open.1 = Some(e.at);
                }
            }
            EventKind::AgentReply { public: false } => {}
            EventKind::CustomerReply => {
                let open = cycles.last().is_some_and(|c| c.1.is_none());
                if first_reply.is_some() && !open {
                    cycles.push((e.at, None));
                }
            }
            EventKind::StateChanged { to } => {
                let before = h.states.last().map_or(TicketState::New, |s| s.1);
                if is_done(*to) && !is_done(before) {
                    resolved_at = Some(e.at);
                } else if !is_done(*to) {
                    resolved_at = None;
                }
                h.states.push((e.at, *to));
            }
            EventKind::AttributesChanged { attributes } => {
                h.attrs.push((e.at, attributes.clone()));
            }
            EventKind::PolicyAssigned { policy } => {
                if let Some(name) = policy.as_deref().filter(|n| set.policy(n).is_none()) {
                    return Err(SlaError::UnknownPolicy(name.to_string()));
                }
                h.assigned.push((e.at, policy.clone()));
            }
        }
    }
    let first_response = measure(&h, set, Metric::FirstResponse, h.created, first_reply, now)?;
    let next_response = cycles
        .iter()
        .map(|&(s, stop)| measure(&h, set, Metric::NextResponse, s, stop, now))
        .filter_map(Result::transpose)
        .collect::<Result<Vec<_>>>()?;
    let resolution = measure(&h, set, Metric::Resolution, h.created, resolved_at, now)?;
    Ok(SlaStatus {
        policy: h.policy_at(set, now).map(|p| p.name.clone()),
        state: h.state_at(now),
        first_response,
        next_response,
        resolution,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Priority, TicketType};

    // Monday-Friday 09:00-12:00 and 13:00-18:00 in Shanghai (UTC+8, no DST).
    const SET: &str = r#"
calendars:
  cn:
    time_zone: Asia/Shanghai
    weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-12:00", "13:00-18:00"], wed: ["09:00-12:00", "13:00-18:00"], thu: ["09:00-12:00", "13:00-18:00"], fri: ["09:00-12:00", "13:00-18:00"]}
policies:
  - name: standard
    calendar: cn
    targets: {first_response: 60, next_response: 120, resolution: 600}
"#;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ev(s: &str, kind: EventKind) -> TicketEvent {
        TicketEvent { at: at(s), kind }
    }

    fn created(s: &str) -> TicketEvent {
        ev(
            s,
            EventKind::Created {
                attributes: TicketAttributes {
                    ticket_type: TicketType::Inquiry,
                    priority: Priority::Normal,
                    tier: None,
                },
            },
        )
    }

    fn state(s: &str, to: TicketState) -> TicketEvent {
        ev(s, EventKind::StateChanged { to })
    }

    #[test]
    fn first_response_over_lunch_and_pause() {
        let set = PolicySet::from_yaml(SET).unwrap();
        // Mon 2026-11-23 11:30 local. 30 min until lunch, then 13:00 + 30 min = 13:30 due.
        let evs = vec![created("2026-11-23T11:30:00+08:00")];
        let s = evaluate(&evs, &set, at("2026-11-23T13:10:00+08:00")).unwrap();
        let fr = s.first_response.unwrap();
        assert_eq!(fr.due, at("2026-11-23T13:30:00+08:00"));
        assert_eq!(fr.elapsed_seconds, 40 * 60);
        assert!(!fr.warning && !fr.breached && !fr.paused);
        // Warning at 80 % = 48 min: 13:18.
        assert_eq!(fr.warn_at, at("2026-11-23T13:18:00+08:00"));

        // Pending customer 13:00-15:00 pushes due by the 2 hours lost: 15:30.
        let mut evs2 = evs.clone();
        evs2.push(state(
            "2026-11-23T13:00:00+08:00",
            TicketState::PendingCustomer,
        ));
        evs2.push(state("2026-11-23T15:00:00+08:00", TicketState::Open));
        let s = evaluate(&evs2, &set, at("2026-11-23T14:00:00+08:00")).unwrap();
        let fr = s.first_response.unwrap();
        assert!(fr.paused);
        // While paused, due is projected as if the clock restarted now (14:00): 14:30.
        assert_eq!(fr.due, at("2026-11-23T14:30:00+08:00"));
        let s = evaluate(&evs2, &set, at("2026-11-23T16:00:00+08:00")).unwrap();
        let fr = s.first_response.unwrap();
        assert_eq!(fr.due, at("2026-11-23T15:30:00+08:00"));
        assert!(fr.breached && !fr.paused && !fr.warning);
    }

    #[test]
    fn reopen_does_not_reset_first_response() {
        let set = PolicySet::from_yaml(SET).unwrap();
        let evs = vec![
            created("2026-11-23T09:00:00+08:00"),
            ev(
                "2026-11-23T09:20:00+08:00",
                EventKind::AgentReply { public: false },
            ),
            ev(
                "2026-11-23T09:45:00+08:00",
                EventKind::AgentReply { public: true },
            ),
            state("2026-11-23T10:00:00+08:00", TicketState::Resolved),
            state("2026-11-24T10:00:00+08:00", TicketState::Reopened),
            ev("2026-11-24T10:00:00+08:00", EventKind::CustomerReply),
        ];
        let s = evaluate(&evs, &set, at("2026-11-24T15:00:00+08:00")).unwrap();
        let fr = s.first_response.unwrap();
        assert_eq!(fr.met_at, Some(at("2026-11-23T09:45:00+08:00")));
        assert_eq!(fr.elapsed_seconds, 45 * 60);
        assert!(!fr.breached);
        // Next response: started 10:00 on the 24th, 120 min -> 12:00 exactly (the earliest
        // instant with 120 business minutes worked, not 13:00 after lunch).
        assert_eq!(s.next_response.len(), 1);
        assert_eq!(s.next_response[0].due, at("2026-11-24T12:00:00+08:00"));
        assert!(s.next_response[0].breached);
        // Resolution: 60 min used on the 23rd, paused while resolved, 4 h on the 24th
        // (10-12, 13-15): 300 of 600 min.
        let r = s.resolution.unwrap();
        assert_eq!(r.elapsed_seconds, 300 * 60);
        assert_eq!(r.met_at, None);
        // 300 minutes left from 15:00 on Tue: 3 h to 18:00, then Wed 09:00-11:00.
        assert_eq!(r.due, at("2026-11-25T11:00:00+08:00"));
    }

    #[test]
    fn next_change_is_when_flags_flip() {
        let set = PolicySet::from_yaml(SET).unwrap();
        // Mon 09:00, 60 min first response: warning at 09:48, breach after 10:00.
        let evs = vec![created("2026-11-23T09:00:00+08:00")];
        let now = at("2026-11-23T09:10:00+08:00");
        let s = evaluate(&evs, &set, now).unwrap();
        let next = s.next_change(now).unwrap();
        assert_eq!(next, at("2026-11-23T09:48:00+08:00"));
        let before = evaluate(&evs, &set, next - chrono::Duration::seconds(1)).unwrap();
        assert!(!before.first_response.unwrap().warning);
        let s = evaluate(&evs, &set, next).unwrap();
        assert!(s.first_response.as_ref().unwrap().warning);
        let next = s.next_change(next).unwrap();
        assert_eq!(next, at("2026-11-23T10:00:01+08:00"));
        let s = evaluate(&evs, &set, next).unwrap();
        assert!(s.first_response.as_ref().unwrap().breached);
        // The resolution clock (600 min) is what changes next: its warning at 80 % = 480 min,
        // 09-12 and 13-18 on Monday.
        assert_eq!(s.next_change(next), Some(at("2026-11-23T18:00:00+08:00")));
        // Paused clocks never change by time alone.
        let mut evs = evs;
        evs.push(state(
            "2026-11-23T09:05:00+08:00",
            TicketState::PendingCustomer,
        ));
        let s = evaluate(&evs, &set, now).unwrap();
        assert_eq!(s.next_change(now), None);
    }

    #[test]
    fn history_must_start_with_created() {
        let set = PolicySet::from_yaml(SET).unwrap();
        let evs = vec![ev("2026-11-23T09:00:00+08:00", EventKind::CustomerReply)];
        assert_eq!(
            evaluate(&evs, &set, at("2026-11-24T00:00:00Z")).unwrap_err(),
            SlaError::NotCreated
        );
        let evs = vec![
            created("2026-11-23T09:00:00+08:00"),
            created("2026-11-23T10:00:00+08:00"),
        ];
        assert_eq!(
            evaluate(&evs, &set, at("2026-11-24T00:00:00Z")).unwrap_err(),
            SlaError::CreatedTwice
        );
    }
}
