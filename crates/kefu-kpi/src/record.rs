//! Input records: the interaction export (JSON Lines, one interaction per line), agent state
//! records, tickets, QA evaluations, survey responses and schedule segments, with their
//! validation. Times are UTC instants (RFC 3339 with any offset on input); durations are seconds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::KpiError;

/// Direction of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Outcome of an outbound attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboundOutcome {
    Connected,
    NoAnswer,
    Busy,
    Failed,
    Success,
}

/// One interaction of the export format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: String,
    pub channel: String,
    pub direction: Direction,
    pub queue: String,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
    pub offered_at: DateTime<Utc>,
    #[serde(default)]
    pub answered_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub abandoned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ring_s: f64,
    #[serde(default)]
    pub talk_s: f64,
    #[serde(default)]
    pub hold_s: f64,
    #[serde(default)]
    pub acw_s: f64,
    #[serde(default)]
    pub disposition: Option<String>,
    #[serde(default)]
    pub outcome: Option<OutboundOutcome>,
}

pub(crate) fn check_duration(id: &str, field: &'static str, value: f64) -> Result<(), KpiError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(KpiError::BadDuration {
            id: id.to_string(),
            field,
            value,
        })
    }
}

/// Seconds to whole milliseconds (the unit every accumulated sum is kept in, so that sums add
/// exactly and in any order).
pub(crate) fn secs_to_ms(s: f64) -> u64 {
    (s * 1000.0).round() as u64
}

fn order(id: &str, a: DateTime<Utc>, b: Option<DateTime<Utc>>, what: &str) -> Result<(), KpiError> {
    match b {
        Some(b) if b < a => Err(KpiError::TimeOrder {
            id: id.to_string(),
            what: what.to_string(),
        }),
        _ => Ok(()),
    }
}

impl Interaction {
    /// Checks the record: times in order, durations finite and non-negative, not both answered
    /// and abandoned, an outcome only on outbound interactions.
    pub fn validate(&self) -> Result<(), KpiError> {
        let id = self.id.as_str();
        for (field, v) in [
            ("ring_s", self.ring_s),
            ("talk_s", self.talk_s),
            ("hold_s", self.hold_s),
            ("acw_s", self.acw_s),
        ] {
            check_duration(id, field, v)?;
        }
        order(
            id,
            self.offered_at,
            self.answered_at,
            "answered_at is before offered_at",
        )?;
        order(
            id,
            self.offered_at,
            self.abandoned_at,
            "abandoned_at is before offered_at",
        )?;
        order(
            id,
            self.offered_at,
            self.ended_at,
            "ended_at is before offered_at",
        )?;
        if let Some(a) = self.answered_at {
            order(id, a, self.ended_at, "ended_at is before answered_at")?;
        }
        if self.answered_at.is_some() && self.abandoned_at.is_some() {
            return Err(KpiError::Inconsistent {
                id: id.to_string(),
                what: "both answered_at and abandoned_at are set".into(),
            });
        }
        if self.direction == Direction::Inbound && self.outcome.is_some() {
            return Err(KpiError::Inconsistent {
                id: id.to_string(),
                what: "outcome is only for outbound interactions".into(),
            });
        }
        Ok(())
    }
}

/// An agent's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    Available,
    Busy,
    WrapUp,
    Aux,
    LoggedOut,
    Reserved,
}

impl AgentState {
    /// Logged in: every state but `logged_out`.
    pub fn logged_in(self) -> bool {
        self != AgentState::LoggedOut
    }
    /// Handling a contact: `busy` (talk and hold) and `wrap_up` (after-contact work).
    pub fn handling(self) -> bool {
        matches!(self, AgentState::Busy | AgentState::WrapUp)
    }
}

/// One span of an agent in one state, `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStateRecord {
    pub agent: String,
    #[serde(default)]
    pub team: Option<String>,
    pub state: AgentState,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl AgentStateRecord {
    pub fn validate(&self) -> Result<(), KpiError> {
        order(
            &self.agent,
            self.from,
            Some(self.to),
            "state ends before it starts",
        )
    }
}

/// Kind of ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    Inquiry,
    Complaint,
    Service,
    Other,
}

/// A ticket as the ticket KPIs need it. Business-minute durations come from the SLA calendar
/// (computed elsewhere); this crate takes them as values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    pub kind: TicketKind,
    /// Complaint category, e.g. `attitude` for service-attitude complaints (服务态度投诉).
    #[serde(default)]
    pub complaint_category: Option<String>,
    /// Product the ticket is about, if known.
    #[serde(default)]
    pub product: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Contacts (interactions) it took to resolve the issue.
    #[serde(default)]
    pub contacts: u32,
    /// First reopening after `resolved_at`, if any.
    #[serde(default)]
    pub reopened_at: Option<DateTime<Utc>>,
    /// First new contact by the customer on the same issue after `resolved_at`, if any.
    #[serde(default)]
    pub recontacted_at: Option<DateTime<Utc>>,
    /// First response time in business minutes of the SLA calendar.
    #[serde(default)]
    pub first_response_business_min: Option<f64>,
    /// Resolution time in business minutes of the SLA calendar.
    #[serde(default)]
    pub resolution_business_min: Option<f64>,
    /// First response target in business minutes, if the ticket has one.
    #[serde(default)]
    pub first_response_target_min: Option<f64>,
    /// Resolution target in business minutes, if the ticket has one.
    #[serde(default)]
    pub resolution_target_min: Option<f64>,
    /// Still without a first response and already past its target (due, not met).
    #[serde(default)]
    pub first_response_overdue: bool,
    /// Still unresolved and already past its resolution target (due, not met).
    #[serde(default)]
    pub resolution_overdue: bool,
}

impl Ticket {
    pub fn validate(&self) -> Result<(), KpiError> {
        let id = self.id.as_str();
        order(
            id,
            self.created_at,
            self.resolved_at,
            "resolved_at is before created_at",
        )?;
        if let Some(r) = self.resolved_at {
            order(id, r, self.reopened_at, "reopened_at is before resolved_at")?;
            order(
                id,
                r,
                self.recontacted_at,
                "recontacted_at is before resolved_at",
            )?;
        }
        for (field, v) in [
            (
                "first_response_business_min",
                self.first_response_business_min,
            ),
            ("resolution_business_min", self.resolution_business_min),
            ("first_response_target_min", self.first_response_target_min),
            ("resolution_target_min", self.resolution_target_min),
        ] {
            if let Some(v) = v {
                check_duration(id, field, v)?;
            }
        }
        Ok(())
    }
}

/// A QA evaluation (监听/质检) of one interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub id: String,
    pub agent: String,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub queue: Option<String>,
    pub at: DateTime<Utc>,
    pub score: f64,
    /// Pass mark of the form used; the report's default pass mark applies when absent.
    #[serde(default)]
    pub pass_mark: Option<f64>,
}

/// Kind of survey question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// 1–5 satisfaction scale.
    Csat,
    /// 0–10 likelihood to recommend.
    Nps,
}

/// One survey answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyResponse {
    pub id: String,
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    pub at: DateTime<Utc>,
    pub kind: SurveyKind,
    pub score: u8,
}

impl SurveyResponse {
    pub fn validate(&self) -> Result<(), KpiError> {
        let ok = match self.kind {
            SurveyKind::Csat => (1..=5).contains(&self.score),
            SurveyKind::Nps => self.score <= 10,
        };
        if ok {
            Ok(())
        } else {
            Err(KpiError::Inconsistent {
                id: self.id.clone(),
                what: format!(
                    "score {} is outside the scale of {:?}",
                    self.score, self.kind
                ),
            })
        }
    }
}

/// What a schedule segment asks the agent to be doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// On the phones: any of available, busy, wrap_up, reserved.
    Work,
    Available,
    Busy,
    WrapUp,
    /// Breaks, meetings, training: the `aux` state.
    Aux,
    Reserved,
}

impl Activity {
    /// Does being in `state` adhere to this scheduled activity?
    pub fn matches(self, state: AgentState) -> bool {
        match self {
            Activity::Work => matches!(
                state,
                AgentState::Available
                    | AgentState::Busy
                    | AgentState::WrapUp
                    | AgentState::Reserved
            ),
            Activity::Available => state == AgentState::Available,
            Activity::Busy => state == AgentState::Busy,
            Activity::WrapUp => state == AgentState::WrapUp,
            Activity::Aux => state == AgentState::Aux,
            Activity::Reserved => state == AgentState::Reserved,
        }
    }
}

/// One scheduled segment `[from, to)` of a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSegment {
    pub agent: String,
    #[serde(default)]
    pub team: Option<String>,
    /// Shift identifier: segments with the same agent and shift form one shift.
    pub shift: String,
    pub activity: Activity,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl ScheduleSegment {
    pub fn validate(&self) -> Result<(), KpiError> {
        order(
            &self.shift,
            self.from,
            Some(self.to),
            "segment ends before it starts",
        )
    }
}

/// Configured costs for cost per contact (平均单呼成本), in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CostConfig {
    /// Agent cost per logged-in agent hour (wages and on-costs).
    #[serde(default)]
    pub agent_cost_per_hour: f64,
    /// Fixed costs allocated per logged-in agent hour (seat, systems, facilities).
    #[serde(default)]
    pub fixed_cost_per_agent_hour: f64,
    /// Fixed costs per handled contact (telephony, messaging fees).
    #[serde(default)]
    pub fixed_cost_per_contact: f64,
}
