//! Ticket KPIs of the reports (SPEC C14, KPI table): FCR, first response and resolution
//! time (median, p90) in business hours of the SLA calendar, SLA compliance overall and per
//! policy, complaint rate and service-attitude complaint rate.
//!
//! Read at report time from the tickets (`kefu_store::reports::tickets`) and turned into
//! `kefu_kpi::Ticket` records, which are accumulated into the same 15-minute buckets as the
//! interactions, so every rate comes from `kefu-kpi` and divides by the same handled
//! contacts. The SLA numbers come from the ticket's SLA clock (`kefu_sla::evaluate` over the
//! history `tickets::service::sla::events` builds), so a report agrees with the ticket's SLA status.
//!
//! Definitions (also stated in every report's `definitions`):
//! - A ticket counts as *created* in the interval of its creation (tickets, complaints, its
//!   first response and first-response SLA) and as *resolved* in the interval of its
//!   **first** move to `resolved` or `closed` (FCR, resolution time and resolution SLA).
//! - Its *contacts* are the interactions linked to it offered up to that first resolution (at
//!   least one: the contact that opened it). It is *reopened* by a transition to `reopened`,
//!   *re-contacted* by a linked interaction, a customer message or a follow-up ticket after
//!   the first resolution. FCR = resolved with one contact, neither reopened nor re-contacted
//!   within 7 days of that resolution / resolved.
//! - First response time = business time from creation to the first public agent reply,
//!   as the ticket's SLA clock counts it (the policy's calendar; paused while pending the
//!   customer; a reopen never resets it). Resolution time = business time from creation to
//!   the first resolution, same clock (paused while pending the customer). Tickets without
//!   a matching SLA policy have no calendar and no measured times.
//! - SLA compliance = targets met / targets due, per metric: a first response is due once it
//!   is met or breached; a resolution once the ticket is first resolved (judged then) or
//!   breached while still unresolved.
//! - A complaint is a ticket of type `complaint`; it is about service attitude (服务态度)
//!   when its complaint root cause is one of [`ATTITUDE_ROOT_CAUSES`] (trimmed, any case).
//!   Both rates divide by handled contacts. A ticket's product is its tag `product:NAME`.

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use kefu_kpi::{Buckets, Ticket, TicketKind};
use kefu_model::{TicketState, TicketType};
use kefu_sla::{PolicySet, SlaStatus, TargetStatus};
use kefu_store::reports::kpi_buckets::ingest_options;
use kefu_store::reports::tickets::TicketFacts;
use kefu_store::{Store, WorkspaceScope};
use serde::Serialize;
use std::collections::BTreeMap;

/// Complaint root causes that mark a service-attitude complaint (服务态度投诉).
pub const ATTITUDE_ROOT_CAUSES: &[&str] = &["service_attitude", "attitude", "服务态度"];

/// The tag prefix naming a ticket's product.
pub const PRODUCT_TAG: &str = "product:";

pub const FCR_DEFINITION: &str = "tickets first resolved in the interval with one contact (linked interactions up to the first resolution, at least one) and neither reopened nor re-contacted (linked interaction, customer message or follow-up ticket) within 7 days of that resolution / tickets first resolved in the interval";
pub const TICKET_TIMES_DEFINITION: &str = "business minutes of the calendar of the ticket's SLA policy, as its SLA clock counts them (paused while pending the customer): first response = creation to the first public agent reply (a reopen never resets it), counted when created; resolution = creation to the first resolution, counted when resolved; median and 90th percentile (Hyndman & Fan type 7); tickets without a matching SLA policy are not measured";
pub const SLA_DEFINITION: &str = "targets met / targets due, from each ticket's SLA clock: first response due once met or breached (counted when the ticket was created), resolution due once first resolved (judged then, counted when resolved) or breached while unresolved (counted when created); per policy in sla_policies";

/// Whether a complaint root cause marks a service-attitude complaint.
pub fn is_attitude(root_cause: &str) -> bool {
    let r = root_cause.trim().to_lowercase();
    ATTITUDE_ROOT_CAUSES.iter().any(|a| *a == r)
}

/// Compliance of one metric under one policy.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct MetricSla {
    pub met: u64,
    pub breached: u64,
    /// met / (met + breached); null when nothing is due.
    pub compliance: Option<f64>,
}

impl MetricSla {
    fn add(&mut self, met: bool) {
        if met {
            self.met += 1;
        } else {
            self.breached += 1;
        }
        self.compliance = Some(self.met as f64 / (self.met + self.breached) as f64);
    }
}

/// SLA compliance of one policy over the report's range.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PolicySla {
    pub policy: String,
    pub first_response: MetricSla,
    pub resolution: MetricSla,
}

/// The ticket side of a report.
pub struct TicketKpis {
    /// Ticket records accumulated per 15-minute bucket (created or resolved there).
    pub buckets: Buckets,
    /// Compliance per policy, sorted by policy name.
    pub sla_policies: Vec<PolicySla>,
}

/// The workspace's SLA policies, if configured and valid.
pub async fn policy_set(
    store: &Store,
    scope: &WorkspaceScope,
) -> Result<Option<PolicySet>, ApiError> {
    let s = store.ticket_settings(scope).await?;
    Ok(crate::tickets::service::sla::policy_set_of(&s))
}

fn kind(ticket_type: TicketType) -> TicketKind {
    match ticket_type {
        TicketType::Complaint => TicketKind::Complaint,
        TicketType::Inquiry => TicketKind::Inquiry,
        TicketType::AfterSales => TicketKind::Service,
        TicketType::TechSupport | TicketType::Suggestion | TicketType::Appointment => {
            TicketKind::Other
        }
    }
}

fn minutes(t: &TargetStatus) -> f64 {
    t.elapsed_seconds as f64 / 60.0
}

/// The product of a ticket: its first `product:NAME` tag.
pub fn product(f: &TicketFacts) -> Option<String> {
    f.tags
        .iter()
        .find_map(|t| t.strip_prefix(PRODUCT_TAG).map(str::to_owned))
}

/// When the ticket first moved to `resolved` or `closed`.
pub fn first_resolution(f: &TicketFacts) -> Option<DateTime<Utc>> {
    f.history
        .transitions
        .iter()
        .filter(|t| matches!(t.to_state, TicketState::Resolved | TicketState::Closed))
        .map(|t| t.at)
        .min()
}

/// One ticket as a `kefu-kpi` record, with the SLA statuses (now, at first resolution) it
/// was judged by.
pub fn record(
    f: &TicketFacts,
    set: Option<&PolicySet>,
    now: DateTime<Utc>,
) -> (Ticket, Option<SlaStatus>, Option<SlaStatus>) {
    let t = &f.history.ticket;
    let resolved_at = first_resolution(f);
    let events = crate::tickets::service::sla::events(&f.history);
    let status_now = set.and_then(|s| kefu_sla::evaluate(&events, s, now).ok());
    let status_res = match (set, resolved_at) {
        (Some(s), Some(r)) => kefu_sla::evaluate(&events, s, r).ok(),
        _ => None,
    };
    let after = |x: &DateTime<Utc>| resolved_at.is_some_and(|r| *x > r);
    let reopened_at = resolved_at.and_then(|_| {
        f.history
            .transitions
            .iter()
            .filter(|x| x.to_state == TicketState::Reopened && after(&x.at))
            .map(|x| x.at)
            .min()
    });
    let recontacted_at = f
        .contacts
        .iter()
        .chain(f.follow_ups.iter())
        .copied()
        .chain(
            f.history
                .messages
                .iter()
                .filter(|m| m.author_kind == kefu_model::AuthorKind::Customer)
                .map(|m| m.created_at),
        )
        .filter(after)
        .min();
    let contacts = match resolved_at {
        Some(r) => f.contacts.iter().filter(|c| **c <= r).count().max(1),
        None => f.contacts.len().max(1),
    };
    let fr = status_now.as_ref().and_then(|s| s.first_response.as_ref());
    let res = status_res.as_ref().and_then(|s| s.resolution.as_ref());
    let res_now = status_now.as_ref().and_then(|s| s.resolution.as_ref());
    let ticket_kind = kind(t.ticket_type);
    let attitude = ticket_kind == TicketKind::Complaint
        && f.complaint
            .as_ref()
            .is_some_and(|c| is_attitude(&c.root_cause));
    let rec = Ticket {
        id: t.id.clone(),
        queue: None,
        team: f.team.clone(),
        agent: t.assignee_id.clone(),
        kind: ticket_kind,
        complaint_category: attitude.then(|| ingest_options().attitude_category),
        product: product(f),
        created_at: t.created_at,
        resolved_at,
        contacts: u32::try_from(contacts).unwrap_or(u32::MAX),
        reopened_at,
        recontacted_at,
        first_response_business_min: fr.filter(|x| x.met_at.is_some()).map(minutes),
        resolution_business_min: res.filter(|x| x.met_at.is_some()).map(minutes),
        first_response_target_min: fr.map(|x| f64::from(x.target_minutes)),
        resolution_target_min: match resolved_at {
            Some(_) => res.map(|x| f64::from(x.target_minutes)),
            None => res_now.map(|x| f64::from(x.target_minutes)),
        },
        first_response_overdue: fr.is_some_and(|x| x.met_at.is_none() && x.breached),
        resolution_overdue: resolved_at.is_none()
            && res_now.is_some_and(|x| x.met_at.is_none() && x.breached),
    };
    (rec, status_now, status_res)
}

/// The ticket KPIs of `[from, to)` at `now`.
pub async fn ticket_kpis(
    store: &Store,
    scope: &WorkspaceScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<TicketKpis, ApiError> {
    let set = policy_set(store, scope).await?;
    let facts = store.ticket_report_facts(scope, from, to, false).await?;
    let mut buckets = Buckets::new(ingest_options())
        .map_err(|e| ApiError::internal("preparing ticket KPI buckets", e.to_string()))?;
    let mut by_policy: BTreeMap<String, PolicySla> = BTreeMap::new();
    let in_range = |t: DateTime<Utc>| t >= from && t < to;
    for f in &facts {
        let (rec, now_s, res_s) = record(f, set.as_ref(), now);
        if let Err(e) = buckets.add_ticket(&rec) {
            tracing::warn!(ticket = %rec.id, error = %e, "ticket left out of the KPIs");
            continue;
        }
        if in_range(rec.created_at)
            && let Some(fr) = now_s.as_ref().and_then(|s| s.first_response.as_ref())
            && (fr.met_at.is_some() || fr.breached)
        {
            let p = by_policy
                .entry(fr.policy.clone())
                .or_insert_with(|| PolicySla {
                    policy: fr.policy.clone(),
                    ..PolicySla::default()
                });
            p.first_response.add(!fr.breached);
        }
        let judged = match rec.resolved_at {
            Some(r) if in_range(r) => res_s
                .as_ref()
                .and_then(|s| s.resolution.as_ref())
                .filter(|x| x.met_at.is_some()),
            Some(_) => None,
            None if in_range(rec.created_at) => now_s
                .as_ref()
                .and_then(|s| s.resolution.as_ref())
                .filter(|x| x.breached),
            None => None,
        };
        if let Some(x) = judged {
            let p = by_policy
                .entry(x.policy.clone())
                .or_insert_with(|| PolicySla {
                    policy: x.policy.clone(),
                    ..PolicySla::default()
                });
            p.resolution.add(!x.breached);
        }
    }
    Ok(TicketKpis {
        buckets,
        sla_policies: by_policy.into_values().collect(),
    })
}
