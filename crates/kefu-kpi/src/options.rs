//! Report options: every industry variant as an explicit choice, the grouping, and the
//! `definitions` block a report carries to say which variant it used.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::KpiError;
use crate::record::CostConfig;

/// Service level form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlVariant {
    /// answered within T / offered (the default).
    #[default]
    Offered,
    /// answered within T / answered.
    Answered,
    /// (answered within T + abandoned within T) / offered.
    AbandonAdjusted,
}

impl FromStr for SlVariant {
    type Err = KpiError;
    fn from_str(s: &str) -> Result<Self, KpiError> {
        match s {
            "offered" => Ok(SlVariant::Offered),
            "answered" => Ok(SlVariant::Answered),
            "abandon_adjusted" => Ok(SlVariant::AbandonAdjusted),
            _ => Err(KpiError::Parse {
                what: "service level variant (offered|answered|abandon_adjusted)",
                text: s.to_string(),
            }),
        }
    }
}

/// Whether ASA counts the ringing time at the agent's station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsaVariant {
    /// Queue time only: answered_at − offered_at (the default).
    #[default]
    QueueOnly,
    /// Queue time plus ring time (ring_s).
    WithRing,
}

impl FromStr for AsaVariant {
    type Err = KpiError;
    fn from_str(s: &str) -> Result<Self, KpiError> {
        match s {
            "queue_only" => Ok(AsaVariant::QueueOnly),
            "with_ring" => Ok(AsaVariant::WithRing),
            _ => Err(KpiError::Parse {
                what: "ASA variant (queue_only|with_ring)",
                text: s.to_string(),
            }),
        }
    }
}

/// Report grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    None,
    Queue,
    Team,
    Agent,
}

impl GroupBy {
    /// Field name of the group in a row (`queue`, `team`, `agent`), none for `None`.
    pub fn field(self) -> Option<&'static str> {
        match self {
            GroupBy::None => None,
            GroupBy::Queue => Some("queue"),
            GroupBy::Team => Some("team"),
            GroupBy::Agent => Some("agent"),
        }
    }
}

impl FromStr for GroupBy {
    type Err = KpiError;
    fn from_str(s: &str) -> Result<Self, KpiError> {
        match s {
            "none" => Ok(GroupBy::None),
            "queue" => Ok(GroupBy::Queue),
            "team" => Ok(GroupBy::Team),
            "agent" => Ok(GroupBy::Agent),
            _ => Err(KpiError::Parse {
                what: "grouping (none|queue|team|agent)",
                text: s.to_string(),
            }),
        }
    }
}

/// Options fixed when records are accumulated (they decide which counter a record lands in).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestOptions {
    /// Abandons with queue time strictly below this are short abandons (default 5 s).
    pub short_abandon_s: f64,
    /// Service level threshold T: answered (or abandoned) with queue time ≤ T (default 20 s).
    pub answer_within_s: f64,
    /// FCR window: a reopening or re-contact within this many days spoils FCR (default 7).
    pub fcr_window_days: u32,
    /// QA pass mark for evaluations that carry none (default 80).
    pub qa_pass_mark: f64,
    /// Complaint category that counts as service attitude (default `attitude`).
    pub attitude_category: String,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            short_abandon_s: 5.0,
            answer_within_s: 20.0,
            fcr_window_days: 7,
            qa_pass_mark: 80.0,
            attitude_category: "attitude".into(),
        }
    }
}

impl IngestOptions {
    pub fn validate(&self) -> Result<(), KpiError> {
        for (name, v) in [
            ("short_abandon_s", self.short_abandon_s),
            ("answer_within_s", self.answer_within_s),
            ("qa_pass_mark", self.qa_pass_mark),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(KpiError::BadOption {
                    name,
                    what: format!("must be a finite non-negative number, got {v}"),
                });
            }
        }
        Ok(())
    }
}

/// Options applied when rates are computed from accumulated counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComputeOptions {
    pub sl_variant: SlVariant,
    pub asa_variant: AsaVariant,
    /// One ring cycle in seconds for the average ring count (default 6 s).
    pub ring_cycle_s: f64,
    /// Costs for cost per contact; without them cost per contact is null.
    pub costs: Option<CostConfig>,
}

impl Default for ComputeOptions {
    fn default() -> Self {
        ComputeOptions {
            sl_variant: SlVariant::Offered,
            asa_variant: AsaVariant::QueueOnly,
            ring_cycle_s: 6.0,
            costs: None,
        }
    }
}

impl ComputeOptions {
    pub fn validate(&self) -> Result<(), KpiError> {
        if !(self.ring_cycle_s.is_finite() && self.ring_cycle_s > 0.0) {
            return Err(KpiError::BadOption {
                name: "ring_cycle_s",
                what: format!("must be positive, got {}", self.ring_cycle_s),
            });
        }
        if let Some(c) = &self.costs {
            for (name, v) in [
                ("agent_cost_per_hour", c.agent_cost_per_hour),
                ("fixed_cost_per_agent_hour", c.fixed_cost_per_agent_hour),
                ("fixed_cost_per_contact", c.fixed_cost_per_contact),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(KpiError::BadOption {
                        name,
                        what: format!("must be a finite non-negative number, got {v}"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// What each KPI of a report means, variant included. Serialized as the report's
/// `definitions` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definitions {
    pub interval: String,
    pub by: GroupBy,
    pub time_zone: String,
    pub week_start: String,
    pub attribution: &'static str,
    pub offered: String,
    pub short_abandon_s: f64,
    pub service_level_variant: SlVariant,
    pub service_level: String,
    pub answer_within_s: f64,
    pub asa_variant: AsaVariant,
    pub asa: &'static str,
    pub avg_queue_time: &'static str,
    pub avg_ring_count: String,
    pub aht: &'static str,
    pub occupancy: &'static str,
    pub utilization: &'static str,
    pub outbound_efficiency: &'static str,
    pub fcr: String,
    pub ticket_times: &'static str,
    pub sla_compliance: &'static str,
    pub complaint_rate: String,
    pub qa_pass_rate: String,
    pub csat: &'static str,
    pub nps: &'static str,
    pub attendance: &'static str,
    pub adherence: &'static str,
    pub cost_per_contact: String,
    pub null_rule: &'static str,
}

impl Definitions {
    pub fn new(
        interval: crate::Interval,
        by: GroupBy,
        cal: &crate::Calendar,
        ingest: &IngestOptions,
        compute: &ComputeOptions,
    ) -> Self {
        let t = ingest.answer_within_s;
        Definitions {
            interval: interval.to_string(),
            by,
            time_zone: cal.tz.name().to_string(),
            week_start: format!("{:?}", cal.week_start),
            attribution: "a contact belongs to the interval in which it was offered; agent-state and schedule time is split across intervals by overlap; tickets count when created (complaints, first response) or resolved (FCR, resolution); evaluations and survey responses when made; records without the grouped attribute (agent states and schedules have no queue, unassigned contacts no agent) form the row whose group is null",
            offered: format!(
                "inbound contacts that entered a queue, excluding short abandons (abandoned after less than {} s of queue time), which are counted in short_abandoned",
                ingest.short_abandon_s
            ),
            short_abandon_s: ingest.short_abandon_s,
            service_level_variant: compute.sl_variant,
            service_level: match compute.sl_variant {
                SlVariant::Offered => format!("answered within {t} s / offered"),
                SlVariant::Answered => format!("answered within {t} s / answered"),
                SlVariant::AbandonAdjusted => {
                    format!("(answered within {t} s + abandoned within {t} s) / offered")
                }
            },
            answer_within_s: t,
            asa_variant: compute.asa_variant,
            asa: match compute.asa_variant {
                AsaVariant::QueueOnly => {
                    "total queue time (answered_at - offered_at) of answered contacts / answered"
                }
                AsaVariant::WithRing => {
                    "total (queue time + ring time) of answered contacts / answered"
                }
            },
            avg_queue_time: "total queue time of offered contacts (to answer, to abandon, or to end when neither) / offered; this is the wait averaged over all arrivals, where asa is over answered contacts",
            avg_ring_count: format!(
                "total ring time of answered inbound contacts / {} s ring cycle / answered",
                compute.ring_cycle_s
            ),
            aht: "(talk + hold + after-contact work) / handled; handled = contacts answered by an agent, inbound and outbound",
            occupancy: "time in busy or wrap_up / (time in busy or wrap_up + time available)",
            utilization: "time in busy or wrap_up / logged-in time (every state but logged_out)",
            outbound_efficiency: "outbound successes / logged-in agent hours",
            fcr: format!(
                "resolved tickets with exactly one contact, not reopened and not re-contacted within {} days of resolution / resolved tickets",
                ingest.fcr_window_days
            ),
            ticket_times: "business minutes of the SLA calendar; median and 90th percentile by linear interpolation between order statistics (Hyndman & Fan type 7)",
            sla_compliance: "tickets meeting the target / tickets with that target due (measured, or overdue while open)",
            complaint_rate: format!(
                "complaint tickets / handled contacts; service-attitude complaint rate counts category {:?}",
                ingest.attitude_category
            ),
            qa_pass_rate: format!(
                "evaluations scoring at least the pass mark (the form's, else {}) / evaluations",
                ingest.qa_pass_mark
            ),
            csat: "responses of 4 or 5 on the 1-5 scale / responses",
            nps: "percent promoters (9-10) minus percent detractors (0-6), in points from -100 to 100",
            attendance: "shifts in which the agent logged in / shifts scheduled",
            adherence: "scheduled minutes spent in the scheduled state / scheduled minutes",
            cost_per_contact: match &compute.costs {
                None => "not configured: null".into(),
                Some(c) => format!(
                    "(logged-in hours x ({} agent cost + {} fixed cost per agent hour) + handled x {} fixed cost per contact) / handled",
                    c.agent_cost_per_hour, c.fixed_cost_per_agent_hour, c.fixed_cost_per_contact
                ),
            },
            null_rule: "a rate whose denominator is zero is null",
        }
    }
}
