//! Complaint analytics (分析投诉数据, SPEC C14): complaint counts and rates by category,
//! product and agent with their hotspots (the Pareto cut of `kefu_kpi::complaints`), and
//! crisis detection (危机识别, `kefu_kpi::crisis`): per topic, a one-sided Poisson test of
//! the complaints in the last N hours against the topic's baseline rate.
//!
//! A complaint is a ticket of type `complaint`, counted when created. Its category is the
//! ticket's category, its product its `product:NAME` tag, its agent the assignee; its crisis
//! topic is its category (`(none)` without one). Rates divide by handled contacts: the
//! agent's own for the agent breakdown, all handled contacts of the range for category and
//! product (contacts have neither).

use super::{day_rows_range, tickets::product};
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use kefu_kpi::complaints::{ComplaintDimension, ComplaintGroup, breakdown};
use kefu_kpi::crisis::{ComplaintEvent, CrisisConfig, TopicTest, detect};
use kefu_kpi::kpis::ratio;
use kefu_kpi::{Calendar, Ticket, TicketKind};
use kefu_store::reports::kpi_buckets::Rows;
use kefu_store::{Store, WorkspaceScope};
use serde::Serialize;
use std::collections::HashMap;

/// The crisis topic of complaints without a category.
pub const NO_TOPIC: &str = "(none)";

/// What the analytics need besides the range.
#[derive(Debug, Clone)]
pub struct ComplaintSpec {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub calendar: Calendar,
    /// Groups are hotspots while the share of the larger groups is below this (0.8).
    pub hotspot_share: f64,
    pub crisis: CrisisConfig,
    /// End of the crisis window.
    pub now: DateTime<Utc>,
}

/// One group with its complaint rate.
#[derive(Debug, Clone, Serialize)]
pub struct RatedGroup {
    #[serde(flatten)]
    pub group: ComplaintGroup,
    /// The handled contacts the rate divides by.
    pub handled: u64,
    /// complaints / handled; null when nothing was handled.
    pub complaint_rate: Option<f64>,
}

/// The crisis test and its result.
#[derive(Debug, Clone, Serialize)]
pub struct Crisis {
    pub test: String,
    pub now: DateTime<Utc>,
    #[serde(flatten)]
    pub config: CrisisConfig,
    /// Whether any topic alerts.
    pub alert: bool,
    pub topics: Vec<TopicTest>,
}

/// Complaint analytics of a range.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintAnalytics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub time_zone: String,
    pub complaints: u64,
    pub handled: u64,
    pub complaint_rate: Option<f64>,
    pub hotspot_share: f64,
    pub by_category: Vec<RatedGroup>,
    pub by_product: Vec<RatedGroup>,
    pub by_agent: Vec<RatedGroup>,
    pub crisis: Crisis,
    pub definitions: HashMap<&'static str, String>,
}

/// The statement of the crisis test with its parameters.
pub fn crisis_test(c: &CrisisConfig) -> String {
    format!(
        "complaints per topic (ticket category) are taken as a Poisson process; the baseline rate is (complaints in the {b} h before the window + 0.5) / {b} h; the window count K of the last {w} h is tested one-sided against λ = rate × {w} h: p = P(K ≥ k | λ); a topic alerts when k ≥ {m} and p < α = {a}{bon}",
        b = c.baseline_hours,
        w = c.window_hours,
        m = c.min_count,
        a = c.alpha,
        bon = if c.bonferroni {
            " divided by the number of topics with complaints in the window (Bonferroni)"
        } else {
            ""
        }
    )
}

async fn complaint_records(
    store: &Store,
    scope: &WorkspaceScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Ticket, Option<String>)>, ApiError> {
    let facts = store.ticket_report_facts(scope, from, to, true).await?;
    Ok(facts
        .iter()
        .map(|f| {
            (
                Ticket {
                    id: f.history.ticket.id.clone(),
                    queue: None,
                    team: f.team.clone(),
                    agent: f.history.ticket.assignee_id.clone(),
                    kind: TicketKind::Complaint,
                    complaint_category: f.category.clone(),
                    product: product(f),
                    created_at: f.history.ticket.created_at,
                    resolved_at: None,
                    contacts: 0,
                    reopened_at: None,
                    recontacted_at: None,
                    first_response_business_min: None,
                    resolution_business_min: None,
                    first_response_target_min: None,
                    resolution_target_min: None,
                    first_response_overdue: false,
                    resolution_overdue: false,
                },
                f.category.clone(),
            )
        })
        .collect())
}

/// Computes the analytics of `spec`.
pub async fn analytics(
    store: &Store,
    scope: &WorkspaceScope,
    spec: &ComplaintSpec,
) -> Result<ComplaintAnalytics, ApiError> {
    let bad = |e: kefu_kpi::KpiError| ApiError::InvalidQuery(e.to_string());
    let records = complaint_records(store, scope, spec.from, spec.to).await?;
    let tickets: Vec<Ticket> = records.iter().map(|r| r.0.clone()).collect();
    let rows = if day_rows_range(store, scope, &spec.calendar, spec.from, spec.to).await? {
        Rows::Day
    } else {
        Rows::Quarter
    };
    let per_agent = store
        .kpi_buckets_grouped(scope, spec.from, spec.to, Some("agent"), rows)
        .await?;
    let mut handled_by: HashMap<String, u64> = HashMap::new();
    let mut handled = 0u64;
    for (k, b) in per_agent.iter() {
        handled += b.sums.handled;
        if let Some(a) = k.agent {
            *handled_by
                .entry(per_agent.names.name(a).to_owned())
                .or_default() += b.sums.handled;
        }
    }
    let rate = |groups: Vec<ComplaintGroup>, by_agent: bool| -> Vec<RatedGroup> {
        groups
            .into_iter()
            .map(|g| {
                let h = if by_agent {
                    g.key
                        .as_ref()
                        .and_then(|k| handled_by.get(k).copied())
                        .unwrap_or(0)
                } else {
                    handled
                };
                RatedGroup {
                    complaint_rate: ratio(g.complaints as f64, h as f64),
                    handled: h,
                    group: g,
                }
            })
            .collect()
    };
    let dim = |d| breakdown(&tickets, spec.from, spec.to, d, spec.hotspot_share).map_err(bad);
    let by_category = rate(dim(ComplaintDimension::Category)?, false);
    let by_product = rate(dim(ComplaintDimension::Product)?, false);
    let by_agent = rate(dim(ComplaintDimension::Agent)?, true);
    let complaints = tickets.len() as u64;

    let c = spec.crisis;
    let c_from =
        spec.now - Duration::hours(i64::from(c.window_hours) + i64::from(c.baseline_hours));
    let events: Vec<ComplaintEvent> = complaint_records(store, scope, c_from, spec.now)
        .await?
        .into_iter()
        .map(|(t, topic)| ComplaintEvent {
            topic: topic.unwrap_or_else(|| NO_TOPIC.to_owned()),
            at: t.created_at,
        })
        .collect();
    let topics = detect(&events, spec.now, &c).map_err(bad)?;
    let mut definitions = HashMap::new();
    definitions.insert(
        "complaint",
        "a ticket of type complaint, counted when created".to_owned(),
    );
    definitions.insert(
        "by_category",
        "the ticket's category; complaint_rate = complaints / all handled contacts of the range"
            .to_owned(),
    );
    definitions.insert("by_product", "the ticket's tag product:NAME; complaint_rate = complaints / all handled contacts of the range".to_owned());
    definitions.insert("by_agent", "the ticket's assignee; complaint_rate = complaints / contacts the agent handled in the range".to_owned());
    definitions.insert("hotspot", format!("groups taken largest first while the complaints of the larger groups are below {} of all complaints (Pareto cut)", spec.hotspot_share));
    Ok(ComplaintAnalytics {
        from: spec.from,
        to: spec.to,
        time_zone: spec.calendar.tz.name().to_owned(),
        complaints,
        handled,
        complaint_rate: ratio(complaints as f64, handled as f64),
        hotspot_share: spec.hotspot_share,
        by_category,
        by_product,
        by_agent,
        crisis: Crisis {
            test: crisis_test(&c),
            now: spec.now,
            config: c,
            alert: topics.iter().any(|t| t.alert),
            topics,
        },
        definitions,
    })
}
