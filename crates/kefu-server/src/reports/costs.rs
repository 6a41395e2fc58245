//! Cost per contact (平均单呼成本, SPEC KPI table: (agent cost + fixed cost) / handled
//! contacts) from the workspace's configured costs (`GET/PUT /api/v1/reports/costs`).
//!
//! Agent cost = `agent_cost_per_hour` × hours of handling (talk + hold + after-contact work
//! of the handled contacts) + `telephony_cost_per_minute` × minutes of talk and hold.
//! Fixed cost = `fixed_cost_per_day` × the length of the interval in days (clipped to the
//! report's range); in a grouped report an interval's fixed cost is shared among its rows by
//! their handled contacts, and the totals carry the fixed cost of the whole range. A row
//! without handled contacts has a null cost per contact.

use kefu_kpi::kpis::ratio;
use kefu_kpi::{Report, ReportSpec, Sums};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// The configured costs of a workspace, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostSettings {
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
    /// Cost of one hour of agent handling time (wages and on-costs).
    #[serde(default)]
    pub agent_cost_per_hour: f64,
    /// Telephony cost per minute of talk and hold.
    #[serde(default)]
    pub telephony_cost_per_minute: f64,
    /// Fixed costs per day (seats, systems, facilities), allocated to intervals by length.
    #[serde(default)]
    pub fixed_cost_per_day: f64,
}

impl CostSettings {
    /// Checks the currency code and that every amount is finite and non-negative.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(format!(
                "currency: expected an ISO 4217 code such as CNY, got {:?}",
                self.currency
            ));
        }
        for (name, v) in [
            ("agent_cost_per_hour", self.agent_cost_per_hour),
            ("telephony_cost_per_minute", self.telephony_cost_per_minute),
            ("fixed_cost_per_day", self.fixed_cost_per_day),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "{name}: must be a finite non-negative number, got {v}"
                ));
            }
        }
        Ok(())
    }

    /// Agent and telephony cost of the contacts summed in `s`.
    pub fn variable_cost(&self, s: &Sums) -> f64 {
        let handle_h = (s.talk_ms + s.hold_ms + s.acw_ms) as f64 / 3_600_000.0;
        let connected_min = (s.talk_ms + s.hold_ms) as f64 / 60_000.0;
        self.agent_cost_per_hour * handle_h + self.telephony_cost_per_minute * connected_min
    }

    /// The definition a report states.
    pub fn definition(&self) -> String {
        format!(
            "(agent cost + fixed cost) / handled contacts, in {c}: agent cost = {a} per hour of handling (talk + hold + after-contact work) + {t} per minute of talk and hold; fixed cost = {f} per day, allocated to each interval by its length (within the range) and shared among an interval's rows by handled contacts; totals carry the fixed cost of the whole range",
            c = self.currency,
            a = self.agent_cost_per_hour,
            t = self.telephony_cost_per_minute,
            f = self.fixed_cost_per_day
        )
    }
}

/// Sets `cost_per_contact` of every row and of the totals, and the definition. Returns the
/// total cost of the range.
pub fn apply(report: &mut Report, costs: &CostSettings, spec: &ReportSpec) -> f64 {
    let (from, to) = spec.range.unwrap_or_default();
    let days = |a: i64, b: i64| (b - a).max(0) as f64 / 86_400.0;
    let mut handled_at: HashMap<i64, u64> = HashMap::new();
    for r in &report.rows {
        if let Some(s) = r.start {
            *handled_at.entry(s.timestamp()).or_default() += r.bucket.sums.handled;
        }
    }
    for r in &mut report.rows {
        let Some(start) = r.start else { continue };
        let end = spec.calendar.next_start(spec.interval, start);
        let (a, b) = (start.max(from).timestamp(), end.min(to).timestamp());
        let all = handled_at.get(&start.timestamp()).copied().unwrap_or(0);
        let share = ratio(r.bucket.sums.handled as f64, all as f64).unwrap_or(0.0);
        let fixed = costs.fixed_cost_per_day * days(a, b) * share;
        let cost = costs.variable_cost(&r.bucket.sums) + fixed;
        r.kpis.cost_per_contact = ratio(cost, r.bucket.sums.handled as f64);
    }
    let total = costs.variable_cost(&report.totals.bucket.sums)
        + costs.fixed_cost_per_day * days(from.timestamp(), to.timestamp());
    report.totals.kpis.cost_per_contact = ratio(total, report.totals.bucket.sums.handled as f64);
    report.definitions.cost_per_contact = costs.definition();
    total
}
