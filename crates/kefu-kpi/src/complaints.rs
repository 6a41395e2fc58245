//! Complaint analytics (分析投诉数据): complaint counts by category, product or agent over a
//! period, their share of all complaints, and the hotspots (the groups that together hold a
//! given share of complaints, largest first — a Pareto cut). Complaint *rates* per agent, team
//! or queue come from the report (`complaint_rate` = complaints / handled contacts).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::KpiError;
use crate::record::{Ticket, TicketKind};

/// What to break complaints down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintDimension {
    Category,
    Product,
    Agent,
}

/// One group's complaints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintGroup {
    /// The category, product or agent; `None` when the ticket does not say.
    pub key: Option<String>,
    pub complaints: u64,
    /// complaints / all complaints in the period.
    pub share: f64,
    /// Running share of this and every larger group.
    pub cumulative_share: f64,
    /// Inside the hotspot cut.
    pub hotspot: bool,
}

/// Complaint tickets created in `[from, to)` grouped by `dim`, largest first (ties by key);
/// groups are hotspots while the cumulative share before them is below `hotspot_share`
/// (e.g. 0.8 for the classic 80 % cut).
pub fn breakdown(
    tickets: &[Ticket],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dim: ComplaintDimension,
    hotspot_share: f64,
) -> Result<Vec<ComplaintGroup>, KpiError> {
    if !(0.0..=1.0).contains(&hotspot_share) {
        return Err(KpiError::BadOption {
            name: "hotspot_share",
            what: format!("must be in [0, 1], got {hotspot_share}"),
        });
    }
    let mut counts: HashMap<Option<&str>, u64> = HashMap::new();
    for t in tickets {
        if t.kind != TicketKind::Complaint || t.created_at < from || t.created_at >= to {
            continue;
        }
        let key = match dim {
            ComplaintDimension::Category => t.complaint_category.as_deref(),
            ComplaintDimension::Product => t.product.as_deref(),
            ComplaintDimension::Agent => t.agent.as_deref(),
        };
        *counts.entry(key).or_default() += 1;
    }
    let total: u64 = counts.values().sum();
    let mut groups: Vec<(Option<&str>, u64)> = counts.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut before = 0u64;
    Ok(groups
        .into_iter()
        .map(|(key, n)| {
            let hotspot = (before as f64) < hotspot_share * total as f64;
            before += n;
            ComplaintGroup {
                key: key.map(str::to_string),
                complaints: n,
                share: n as f64 / total as f64,
                cumulative_share: before as f64 / total as f64,
                hotspot,
            }
        })
        .collect())
}
