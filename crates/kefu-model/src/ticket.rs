//! Tickets: their types, priorities and the one state machine of their lifecycle (SPEC C3).

use crate::ModelError;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
        #[cfg_attr(feature = "sea-orm", sea_orm(value_type = "String"))]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ModelError;
            /// Parses the stored text; anything else is an error, never a default.
            fn from_str(s: &str) -> Result<$name, $crate::ModelError> {
                $name::parse(s).ok_or_else(|| $crate::ModelError::UnknownValue {
                    kind: stringify!($name),
                    value: s.to_owned(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Ticket type (SPEC C3).
    TicketType {
        Inquiry = "inquiry",
        Complaint = "complaint",
        AfterSales = "after_sales",
        TechSupport = "tech_support",
        Suggestion = "suggestion",
        Appointment = "appointment",
    }
}

string_enum! {
    /// Who wrote a ticket message.
    AuthorKind { Agent = "agent", Customer = "customer" }
}

string_enum! {
    /// Ticket priority.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
}

string_enum! {
    /// Ticket lifecycle state (SPEC C3).
    TicketState {
        New = "new",
        Open = "open",
        PendingCustomer = "pending_customer",
        Escalated = "escalated",
        Resolved = "resolved",
        Closed = "closed",
        Reopened = "reopened",
    }
}

impl TicketState {
    /// The states a ticket may move to from `self`: the whole transition table.
    ///
    /// The after-sales flow of the seeds: intake (new) → tier 1 works it (open), may wait for
    /// the customer (pending_customer) or hand it to tier 2 (escalated) → resolved and the
    /// customer notified → the customer accepts (closed) or raises further needs (reopened).
    /// Tier 2 can hand an escalated ticket back to tier 1 (open).
    pub fn successors(self) -> &'static [TicketState] {
        use TicketState::*;
        match self {
            New => &[Open, PendingCustomer, Escalated, Resolved],
            Open => &[PendingCustomer, Escalated, Resolved],
            PendingCustomer => &[Open, Escalated, Resolved],
            Escalated => &[Open, PendingCustomer, Resolved],
            Resolved => &[Closed, Reopened],
            Closed => &[Reopened],
            Reopened => &[Open, PendingCustomer, Escalated, Resolved],
        }
    }

    /// Checks one transition; the only place where ticket transitions are decided.
    pub fn transition(self, to: TicketState) -> Result<TicketState, ModelError> {
        if self.successors().contains(&to) {
            Ok(to)
        } else {
            Err(ModelError::InvalidTransition {
                from: self.as_str().into(),
                to: to.as_str().into(),
            })
        }
    }

    /// Whether work on the ticket is still expected from the center.
    pub fn is_active(self) -> bool {
        !matches!(self, TicketState::Resolved | TicketState::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::TicketState::*;
    use super::*;

    #[test]
    fn seed_workflow_walks_through() {
        let mut s = New;
        for next in [Open, Escalated, Resolved, Reopened, Open, Resolved, Closed] {
            s = s.transition(next).unwrap();
        }
        assert_eq!(s, Closed);
    }

    #[test]
    fn invalid_transitions_are_errors() {
        assert!(New.transition(Closed).is_err());
        assert!(Closed.transition(Open).is_err());
        assert!(Resolved.transition(Escalated).is_err());
        assert!(Open.transition(Open).is_err());
        assert_eq!(
            Closed.transition(New).unwrap_err(),
            ModelError::InvalidTransition {
                from: "closed".into(),
                to: "new".into()
            }
        );
    }

    #[test]
    fn no_state_transitions_to_itself_or_back_to_new() {
        for &s in TicketState::ALL {
            assert!(!s.successors().contains(&s), "{s}");
            assert!(!s.successors().contains(&New), "{s}");
        }
    }

    #[test]
    fn every_state_can_reach_closed() {
        for &start in TicketState::ALL {
            let mut seen = vec![start];
            let mut frontier = vec![start];
            while let Some(s) = frontier.pop() {
                for &n in s.successors() {
                    if !seen.contains(&n) {
                        seen.push(n);
                        frontier.push(n);
                    }
                }
            }
            assert!(seen.contains(&Closed), "{start} cannot reach closed");
        }
    }

    #[test]
    fn text_forms_round_trip() {
        for &t in TicketType::ALL {
            assert_eq!(TicketType::parse(t.as_str()), Some(t));
        }
        assert_eq!(
            serde_json::to_string(&TicketState::PendingCustomer).unwrap(),
            "\"pending_customer\""
        );
        assert_eq!(
            TicketType::parse("after_sales"),
            Some(TicketType::AfterSales)
        );
    }
}
