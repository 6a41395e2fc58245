//! The daily report (日报): one day's KPIs per group next to the same weekday a week earlier,
//! with the direction of each change and whether it is an improvement.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::KpiError;
use crate::accum::{Bucket, Buckets};
use crate::calendar::{Calendar, Interval};
use crate::kpis::Kpis;
use crate::options::{ComputeOptions, Definitions, GroupBy};
use crate::report::ReportSpec;

/// Direction of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Flat,
    /// One of the two values is null.
    Unknown,
}

/// One KPI against last week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// value − previous.
    pub change: Option<f64>,
    pub trend: Trend,
    /// Whether the change is an improvement; null when flat, unknown, or the KPI has no
    /// better direction (AHT, occupancy, utilization, volumes).
    pub better: Option<bool>,
}

/// Whether a higher value is better (`Some(true)`), worse (`Some(false)`), or neither.
pub fn higher_is_better(kpi: &str) -> Option<bool> {
    match kpi {
        "answer_rate"
        | "service_level"
        | "outbound_efficiency"
        | "fcr"
        | "first_response_sla"
        | "resolution_sla"
        | "qa_pass_rate"
        | "csat"
        | "nps"
        | "attendance"
        | "adherence" => Some(true),
        "abandonment_rate"
        | "asa_s"
        | "avg_queue_time_s"
        | "avg_ring_count"
        | "first_response_median_min"
        | "first_response_p90_min"
        | "resolution_median_min"
        | "resolution_p90_min"
        | "complaint_rate"
        | "attitude_complaint_rate"
        | "cost_per_contact" => Some(false),
        _ => None,
    }
}

/// Compares `value` with `previous` for KPI `kpi`.
pub fn compare(kpi: &str, value: Option<f64>, previous: Option<f64>) -> Compared {
    let (change, trend) = match (value, previous) {
        (Some(v), Some(p)) => {
            let t = if v > p {
                Trend::Up
            } else if v < p {
                Trend::Down
            } else {
                Trend::Flat
            };
            (Some(v - p), t)
        }
        _ => (None, Trend::Unknown),
    };
    let better = match (trend, higher_is_better(kpi)) {
        (Trend::Up, Some(h)) => Some(h),
        (Trend::Down, Some(h)) => Some(!h),
        _ => None,
    };
    Compared {
        value,
        previous,
        change,
        trend,
        better,
    }
}

/// One group of the daily report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyRow {
    pub group: Option<String>,
    pub offered: Compared,
    pub handled: Compared,
    /// Every KPI of [`Kpis::FIELDS`], in that order.
    pub kpis: BTreeMap<&'static str, Compared>,
}

/// The daily report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyReport {
    pub date: NaiveDate,
    pub previous_date: NaiveDate,
    pub by: GroupBy,
    pub rows: Vec<DailyRow>,
    pub totals: DailyRow,
    pub definitions: Definitions,
}

fn row(group: Option<String>, now: &Bucket, before: &Bucket, o: &ComputeOptions) -> DailyRow {
    let (k, p) = (Kpis::compute(now, o), Kpis::compute(before, o));
    let kpis = Kpis::FIELDS
        .iter()
        .zip(k.values().into_iter().zip(p.values()))
        .map(|(name, (v, pv))| (*name, compare(name, v, pv)))
        .collect();
    DailyRow {
        group,
        offered: compare(
            "offered",
            Some(now.sums.offered as f64),
            Some(before.sums.offered as f64),
        ),
        handled: compare(
            "handled",
            Some(now.sums.handled as f64),
            Some(before.sums.handled as f64),
        ),
        kpis,
    }
}

impl Buckets {
    /// The daily report of local date `date` against `date − 7 days`, grouped by `by`.
    pub fn daily(
        &self,
        date: NaiveDate,
        calendar: &Calendar,
        by: GroupBy,
        compute: &ComputeOptions,
    ) -> Result<DailyReport, KpiError> {
        compute.validate()?;
        let previous_date = date - Duration::days(7);
        let day = |d: NaiveDate| {
            let spec = ReportSpec {
                interval: Interval::Day,
                by,
                calendar: *calendar,
                compute: compute.clone(),
                range: Some((
                    calendar.start_of_date(d),
                    calendar.start_of_date(d + Duration::days(1)),
                )),
            };
            let mut groups: BTreeMap<Option<String>, Bucket> = BTreeMap::new();
            for ((_, g), b) in self.rollup(&spec) {
                groups.entry(g).or_default().merge(&b);
            }
            groups
        };
        let (now, before) = (day(date), day(previous_date));
        let empty = Bucket::default();
        let mut keys: Vec<&Option<String>> = now.keys().chain(before.keys()).collect();
        keys.sort();
        keys.dedup();
        let mut total_now = Bucket::default();
        let mut total_before = Bucket::default();
        let rows = keys
            .into_iter()
            .map(|g| {
                let n = now.get(g).unwrap_or(&empty);
                let b = before.get(g).unwrap_or(&empty);
                total_now.merge(n);
                total_before.merge(b);
                row(g.clone(), n, b, compute)
            })
            .collect();
        Ok(DailyReport {
            date,
            previous_date,
            by,
            rows,
            totals: row(None, &total_now, &total_before, compute),
            definitions: Definitions::new(Interval::Day, by, calendar, self.options(), compute),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_decides_better() {
        let c = compare("service_level", Some(0.8), Some(0.7));
        assert_eq!((c.trend, c.better), (Trend::Up, Some(true)));
        assert!((c.change.unwrap() - 0.1).abs() < 1e-12);
        let c = compare("asa_s", Some(30.0), Some(20.0));
        assert_eq!((c.trend, c.better), (Trend::Up, Some(false)));
        let c = compare("abandonment_rate", Some(0.05), Some(0.1));
        assert_eq!((c.trend, c.better), (Trend::Down, Some(true)));
        let c = compare("aht_s", Some(200.0), Some(180.0));
        assert_eq!((c.trend, c.better), (Trend::Up, None));
        let c = compare("csat", None, Some(0.9));
        assert_eq!((c.trend, c.better, c.change), (Trend::Unknown, None, None));
        let c = compare("csat", Some(0.9), Some(0.9));
        assert_eq!((c.trend, c.better), (Trend::Flat, None));
    }
}
