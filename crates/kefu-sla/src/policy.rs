//! SLA policies: which tickets a policy applies to (ticket type, priority, customer tier), its
//! targets in business minutes (first response, next response, resolution), the calendar they
//! are measured on and the breach-warning threshold. Policies are tried in the order written;
//! the first that matches a ticket applies (an empty condition list matches anything).
//!
//! ```yaml
//! calendars:
//!   cn: {time_zone: Asia/Shanghai, weekly: {mon: ["09:00-18:00"], tue: ["09:00-18:00"]}}
//! policies:
//!   - name: urgent
//!     calendar: cn
//!     match: {priorities: [urgent]}
//!     targets: {first_response: 30, next_response: 60, resolution: 480}
//!     warning_percent: 75
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarSpec};
use crate::error::{Result, SlaError};

pub use kefu_model::{Priority, TicketType};

/// What a policy is matched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAttributes {
    pub ticket_type: TicketType,
    pub priority: Priority,
    /// The customer's value tier (e.g. `vip`, `normal`); `None` when unknown.
    #[serde(default)]
    pub tier: Option<String>,
}

/// Conditions of a policy; each empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMatch {
    #[serde(default)]
    pub types: Vec<TicketType>,
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub tiers: Vec<String>,
}

/// Targets in business minutes; a missing target is not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default)]
    pub first_response: Option<u32>,
    #[serde(default)]
    pub next_response: Option<u32>,
    #[serde(default)]
    pub resolution: Option<u32>,
}

/// Who takes over a ticket when one of its targets is breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// Escalate to the second line (提送二线).
    Tier2,
    /// Alert the department supervisor (部门主管).
    Supervisor,
}

fn default_warning() -> u8 {
    80
}

/// One policy as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub name: String,
    pub calendar: String,
    #[serde(rename = "match", default)]
    pub matches: PolicyMatch,
    pub targets: Targets,
    /// Warn when this share of a target (percent, 1..=100) has elapsed.
    #[serde(default = "default_warning")]
    pub warning_percent: u8,
    /// Escalation when a target is breached (none by default).
    #[serde(default)]
    pub escalate_to: Option<Escalation>,
}

/// Calendars and policies as written (YAML or JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySetSpec {
    pub calendars: BTreeMap<String, CalendarSpec>,
    pub policies: Vec<PolicySpec>,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub matches: PolicyMatch,
    pub targets: Targets,
    pub warning_percent: u8,
    pub escalate_to: Option<Escalation>,
    calendar: usize,
}

impl Policy {
    /// Whether the policy applies to a ticket with these attributes.
    pub fn applies_to(&self, a: &TicketAttributes) -> bool {
        let m = &self.matches;
        (m.types.is_empty() || m.types.contains(&a.ticket_type))
            && (m.priorities.is_empty() || m.priorities.contains(&a.priority))
            && (m.tiers.is_empty()
                || a.tier
                    .as_deref()
                    .is_some_and(|t| m.tiers.iter().any(|x| x.eq_ignore_ascii_case(t))))
    }
}

/// Validated calendars and policies, in match order.
/// With serde it reads and writes as its [`PolicySetSpec`] (validated while reading).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "PolicySetSpec", into = "PolicySetSpec")]
pub struct PolicySet {
    calendars: Vec<(String, Calendar)>,
    policies: Vec<Policy>,
    spec: PolicySetSpec,
}

impl TryFrom<PolicySetSpec> for PolicySet {
    type Error = SlaError;

    fn try_from(spec: PolicySetSpec) -> Result<PolicySet> {
        PolicySet::from_spec(spec)
    }
}

impl From<PolicySet> for PolicySetSpec {
    fn from(set: PolicySet) -> PolicySetSpec {
        set.spec
    }
}

impl PolicySet {
    pub fn from_yaml(text: &str) -> Result<PolicySet> {
        let spec: PolicySetSpec =
            serde_yaml_ng::from_str(text).map_err(|e| SlaError::Yaml(e.to_string()))?;
        PolicySet::from_spec(spec)
    }

    pub fn from_spec(spec: PolicySetSpec) -> Result<PolicySet> {
        let calendars = spec
            .calendars
            .iter()
            .map(|(name, c)| Ok((name.clone(), Calendar::from_spec(c.clone())?)))
            .collect::<Result<Vec<_>>>()?;
        let mut policies: Vec<Policy> = Vec::new();
        for p in spec.policies.iter().cloned() {
            let bad = |reason: &str| SlaError::BadPolicy {
                policy: p.name.clone(),
                reason: reason.to_string(),
            };
            if policies.iter().any(|q| q.name == p.name) {
                return Err(SlaError::DuplicatePolicy(p.name));
            }
            let calendar = calendars
                .iter()
                .position(|(n, _)| *n == p.calendar)
                .ok_or_else(|| SlaError::UnknownCalendar {
                    policy: p.name.clone(),
                    calendar: p.calendar.clone(),
                })?;
            let t = p.targets;
            if t.first_response.is_none() && t.next_response.is_none() && t.resolution.is_none() {
                return Err(bad("has no target"));
            }
            if [t.first_response, t.next_response, t.resolution].contains(&Some(0)) {
                return Err(bad("a target of 0 minutes"));
            }
            if !(1..=100).contains(&p.warning_percent) {
                return Err(bad("warning_percent must be between 1 and 100"));
            }
            policies.push(Policy {
                name: p.name,
                matches: p.matches,
                targets: p.targets,
                warning_percent: p.warning_percent,
                escalate_to: p.escalate_to,
                calendar,
            });
        }
        Ok(PolicySet {
            calendars,
            policies,
            spec,
        })
    }

    /// The first policy that applies to a ticket with these attributes.
    pub fn select(&self, attrs: &TicketAttributes) -> Option<&Policy> {
        self.policies.iter().find(|p| p.applies_to(attrs))
    }

    /// A policy by name.
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// The policies in match order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The calendar a policy is measured on.
    pub fn calendar_of(&self, policy: &Policy) -> &Calendar {
        &self.calendars[policy.calendar].1
    }

    /// A calendar by name.
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|(n, _)| n == name).map(|c| &c.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"
calendars:
  cn: {time_zone: Asia/Shanghai, weekly: {mon: ["09:00-18:00"]}}
policies:
  - name: vip complaints
    calendar: cn
    match: {types: [complaint], tiers: [VIP]}
    targets: {first_response: 15}
  - name: urgent
    calendar: cn
    match: {priorities: [urgent, high]}
    targets: {first_response: 30, resolution: 480}
    warning_percent: 50
  - name: default
    calendar: cn
    targets: {first_response: 240}
"#;

    fn attrs(t: TicketType, p: Priority, tier: Option<&str>) -> TicketAttributes {
        TicketAttributes {
            ticket_type: t,
            priority: p,
            tier: tier.map(str::to_string),
        }
    }

    #[test]
    fn first_matching_policy_wins() {
        let s = PolicySet::from_yaml(SET).unwrap();
        let pick = |a| s.select(&a).map(|p| p.name.clone());
        assert_eq!(
            pick(attrs(TicketType::Complaint, Priority::Urgent, Some("vip"))).as_deref(),
            Some("vip complaints")
        );
        assert_eq!(
            pick(attrs(TicketType::Complaint, Priority::Urgent, None)).as_deref(),
            Some("urgent")
        );
        assert_eq!(
            pick(attrs(TicketType::Inquiry, Priority::Low, Some("vip"))).as_deref(),
            Some("default")
        );
        assert_eq!(s.policies()[1].warning_percent, 50);
        assert_eq!(s.policies()[0].warning_percent, 80);
    }

    #[test]
    fn bad_sets_are_rejected() {
        let e = PolicySet::from_yaml(&SET.replace(
            "calendar: cn\n    targets: {first_response: 240}",
            "calendar: us\n    targets: {first_response: 240}",
        ))
        .unwrap_err();
        assert!(matches!(e, SlaError::UnknownCalendar { .. }), "{e}");
        let e = PolicySet::from_yaml(&SET.replace("name: default", "name: urgent")).unwrap_err();
        assert_eq!(e, SlaError::DuplicatePolicy("urgent".into()));
        let e = PolicySet::from_yaml(&SET.replace("warning_percent: 50", "warning_percent: 0"))
            .unwrap_err();
        assert!(matches!(e, SlaError::BadPolicy { .. }), "{e}");
        let e = PolicySet::from_yaml(&SET.replace("first_response: 15", "first_response: 0"))
            .unwrap_err();
        assert!(matches!(e, SlaError::BadPolicy { .. }), "{e}");
    }
}
