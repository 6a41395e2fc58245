//! SLA compliance per policy over a set of tickets: for each policy and metric, how many
//! targets were met in time, how many were breached, and how many are still running unbreached
//! (not yet decided). Compliance is met / (met + breached); a breach counts as soon as it
//! happens, even while the clock still runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::{Metric, SlaStatus, TargetStatus};

/// Counts of one metric under one policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricCompliance {
    pub met: u64,
    pub breached: u64,
    pub running: u64,
}

impl MetricCompliance {
    /// Met / (met + breached) in percent; `None` when nothing is decided yet.
    pub fn percent(&self) -> Option<f64> {
        let decided = self.met + self.breached;
        (decided > 0).then(|| 100.0 * self.met as f64 / decided as f64)
    }

    fn add(&mut self, t: &TargetStatus) {
        if t.breached {
            self.breached += 1;
        } else if t.met_at.is_some() {
            self.met += 1;
        } else {
            self.running += 1;
        }
    }
}

/// Compliance of one policy, per metric.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCompliance {
    pub policy: String,
    pub first_response: MetricCompliance,
    pub next_response: MetricCompliance,
    pub resolution: MetricCompliance,
}

/// Compliance per policy (sorted by policy name) over ticket statuses from
/// [`crate::evaluate`]. Each target counts under the policy that judged it.
pub fn compliance<'a>(statuses: impl IntoIterator<Item = &'a SlaStatus>) -> Vec<PolicyCompliance> {
    let mut by: BTreeMap<String, PolicyCompliance> = BTreeMap::new();
    for s in statuses {
        for t in s.targets() {
            let pc = by
                .entry(t.policy.clone())
                .or_insert_with(|| PolicyCompliance {
                    policy: t.policy.clone(),
                    ..Default::default()
                });
            match t.metric {
                Metric::FirstResponse => pc.first_response.add(t),
                Metric::NextResponse => pc.next_response.add(t),
                Metric::Resolution => pc.resolution.add(t),
            }
        }
    }
    by.into_values().collect()
}
