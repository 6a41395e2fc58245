//! Rates from accumulated counts: every KPI of the SPEC table, each `None` (null) when its
//! denominator is zero.

use serde::Serialize;

use crate::accum::Bucket;
use crate::options::{AsaVariant, ComputeOptions, SlVariant};

/// `n / d`, or `None` when `d` is zero.
pub fn ratio(n: f64, d: f64) -> Option<f64> {
    if d == 0.0 { None } else { Some(n / d) }
}

fn r(n: u64, d: u64) -> Option<f64> {
    ratio(n as f64, d as f64)
}

/// The KPIs of one row. Times in seconds unless named `_min` (business minutes).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Kpis {
    pub answer_rate: Option<f64>,
    pub abandonment_rate: Option<f64>,
    pub service_level: Option<f64>,
    pub asa_s: Option<f64>,
    pub avg_queue_time_s: Option<f64>,
    pub avg_ring_count: Option<f64>,
    pub aht_s: Option<f64>,
    pub occupancy: Option<f64>,
    pub utilization: Option<f64>,
    pub outbound_efficiency: Option<f64>,
    pub fcr: Option<f64>,
    pub first_response_median_min: Option<f64>,
    pub first_response_p90_min: Option<f64>,
    pub resolution_median_min: Option<f64>,
    pub resolution_p90_min: Option<f64>,
    pub first_response_sla: Option<f64>,
    pub resolution_sla: Option<f64>,
    pub complaint_rate: Option<f64>,
    pub attitude_complaint_rate: Option<f64>,
    pub qa_pass_rate: Option<f64>,
    pub csat: Option<f64>,
    pub nps: Option<f64>,
    pub attendance: Option<f64>,
    pub adherence: Option<f64>,
    pub cost_per_contact: Option<f64>,
}

impl Kpis {
    /// Field names in declaration order (matching [`Kpis::values`]).
    pub const FIELDS: &'static [&'static str] = &[
        "answer_rate",
        "abandonment_rate",
        "service_level",
        "asa_s",
        "avg_queue_time_s",
        "avg_ring_count",
        "aht_s",
        "occupancy",
        "utilization",
        "outbound_efficiency",
        "fcr",
        "first_response_median_min",
        "first_response_p90_min",
        "resolution_median_min",
        "resolution_p90_min",
        "first_response_sla",
        "resolution_sla",
        "complaint_rate",
        "attitude_complaint_rate",
        "qa_pass_rate",
        "csat",
        "nps",
        "attendance",
        "adherence",
        "cost_per_contact",
    ];

    /// Values in the order of [`Kpis::FIELDS`].
    pub fn values(&self) -> Vec<Option<f64>> {
        vec![
            self.answer_rate,
            self.abandonment_rate,
            self.service_level,
            self.asa_s,
            self.avg_queue_time_s,
            self.avg_ring_count,
            self.aht_s,
            self.occupancy,
            self.utilization,
            self.outbound_efficiency,
            self.fcr,
            self.first_response_median_min,
            self.first_response_p90_min,
            self.resolution_median_min,
            self.resolution_p90_min,
            self.first_response_sla,
            self.resolution_sla,
            self.complaint_rate,
            self.attitude_complaint_rate,
            self.qa_pass_rate,
            self.csat,
            self.nps,
            self.attendance,
            self.adherence,
            self.cost_per_contact,
        ]
    }

    /// Every KPI of one accumulator.
    pub fn compute(b: &Bucket, o: &ComputeOptions) -> Kpis {
        let s = &b.sums;
        let sl_num = match o.sl_variant {
            SlVariant::Offered | SlVariant::Answered => s.answered_within_t,
            SlVariant::AbandonAdjusted => s.answered_within_t + s.abandoned_within_t,
        };
        let sl_den = match o.sl_variant {
            SlVariant::Answered => s.answered,
            _ => s.offered,
        };
        let asa_ms = match o.asa_variant {
            AsaVariant::QueueOnly => s.queue_ms_answered,
            AsaVariant::WithRing => s.queue_ms_answered + s.ring_ms_answered,
        };
        let handle_ms = s.talk_ms + s.hold_ms + s.acw_ms;
        let logged_in_h = s.state_logged_in_ms as f64 / 3_600_000.0;
        let (frt_med, frt_p90) = b.first_response_quantiles();
        let (res_med, res_p90) = b.resolution_quantiles();
        let cost_per_contact = o.costs.and_then(|c| {
            let cost = logged_in_h * (c.agent_cost_per_hour + c.fixed_cost_per_agent_hour)
                + s.handled as f64 * c.fixed_cost_per_contact;
            ratio(cost, s.handled as f64)
        });
        Kpis {
            answer_rate: r(s.answered, s.offered),
            abandonment_rate: r(s.abandoned, s.offered),
            service_level: r(sl_num, sl_den),
            asa_s: ratio(asa_ms as f64 / 1000.0, s.answered as f64),
            avg_queue_time_s: ratio(s.queue_ms_offered as f64 / 1000.0, s.offered as f64),
            avg_ring_count: ratio(
                s.ring_ms_answered as f64 / 1000.0 / o.ring_cycle_s,
                s.answered as f64,
            ),
            aht_s: ratio(handle_ms as f64 / 1000.0, s.handled as f64),
            occupancy: r(
                s.state_handling_ms,
                s.state_handling_ms + s.state_available_ms,
            ),
            utilization: r(s.state_handling_ms, s.state_logged_in_ms),
            outbound_efficiency: ratio(s.outbound_successes as f64, logged_in_h),
            fcr: r(s.tickets_fcr, s.tickets_resolved),
            first_response_median_min: frt_med,
            first_response_p90_min: frt_p90,
            resolution_median_min: res_med,
            resolution_p90_min: res_p90,
            first_response_sla: r(s.first_response_met, s.first_response_due),
            resolution_sla: r(s.resolution_met, s.resolution_due),
            complaint_rate: r(s.complaints, s.handled),
            attitude_complaint_rate: r(s.attitude_complaints, s.handled),
            qa_pass_rate: r(s.evaluations_passed, s.evaluations),
            csat: r(s.csat_satisfied, s.csat_responses),
            nps: ratio(
                100.0 * (s.nps_promoters as f64 - s.nps_detractors as f64),
                s.nps_responses as f64,
            ),
            attendance: r(s.shifts_attended, s.shifts_scheduled),
            adherence: r(s.adherent_ms, s.scheduled_ms),
            cost_per_contact,
        }
    }
}
