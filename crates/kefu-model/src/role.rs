//! Roles (SPEC "Who uses it") and what each may do. `Role::allows` is the one place where
//! permissions are decided; the server asks it for every request.

use serde::{Deserialize, Serialize};

/// A user's role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Specialist,
    Supervisor,
    Qa,
    Planner,
    Admin,
}

/// Something a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadCustomers,
    WriteCustomers,
    DeleteCustomers,
    ReadTickets,
    WriteTickets,
    DeleteTickets,
    ReadInteractions,
    WriteInteractions,
    DeleteInteractions,
    ReadUsers,
    ManageUsers,
    ManageTeams,
    ManageTokens,
    ReadAudit,
    /// Forecasts, staffing and schedules (SPEC C15).
    PlanWorkforce,
    /// Configure SLA calendars and policies and ticket settings.
    ManageSla,
    /// Approve or reject a compensation proposed on a complaint.
    DecideCompensation,
    /// Create and change macros and triggers.
    ManageAutomations,
    /// KPI reports and the daily report.
    ReadReports,
    /// Configure report settings (costs for cost per contact).
    ManageReports,
    AssignCustomers,
    MergeCustomers,
    ImportCustomers,
    ExportCustomers,
    ManageCrm,
    /// Go ready and take contacts of the live center (the agent desktop).
    TakeContacts,
    /// Configure the live center's queues and agents.
    ManageLive,
    /// Watch the wallboard, force agents' states, move waiting contacts.
    SuperviseLive,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Customer,
        Role::Agent,
        Role::Specialist,
        Role::Supervisor,
        Role::Qa,
        Role::Planner,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Specialist => "specialist",
            Role::Supervisor => "supervisor",
            Role::Qa => "qa",
            Role::Planner => "planner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may perform `action`.
    ///
    /// Front-line staff (agent, specialist, supervisor) work customers, tickets and
    /// interactions; QA and planners read them (QA scores interactions, planners plan from
    /// them); supervisors also read the audit log and see users; admins do everything.
    /// Customers use the portal, not the staff API.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::Customer => false,
            Role::Agent | Role::Specialist => matches!(
                action,
                ReadCustomers
                    | WriteCustomers
                    | ReadTickets
                    | WriteTickets
                    | ReadInteractions
                    | WriteInteractions
                    | ReadUsers
                    | TakeContacts
            ),
            Role::Supervisor => matches!(
                action,
                ReadCustomers
                    | WriteCustomers
                    | DeleteCustomers
                    | ReadTickets
                    | WriteTickets
                    | DeleteTickets
                    | ReadInteractions
                    | WriteInteractions
                    | DeleteInteractions
                    | ReadUsers
                    | ManageTeams
                    | ReadAudit
                    | PlanWorkforce
                    | ManageSla
                    | DecideCompensation
                    | ManageAutomations
                    | ReadReports
                    | ManageReports
                    | AssignCustomers
                    | MergeCustomers
                    | ImportCustomers
                    | ExportCustomers
                    | TakeContacts
                    | ManageLive
                    | SuperviseLive
            ),
            Role::Qa => matches!(
                action,
                ReadCustomers | ReadTickets | ReadInteractions | ReadUsers | ReadReports
            ),
            Role::Planner => {
                matches!(
                    action,
                    ReadInteractions | ReadUsers | PlanWorkforce | ReadReports
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_role() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_admins_manage_users_and_tokens() {
        for r in Role::ALL {
            assert_eq!(r.allows(Action::ManageUsers), r == Role::Admin, "{r:?}");
            assert_eq!(r.allows(Action::ManageTokens), r == Role::Admin, "{r:?}");
        }
    }

    #[test]
    fn customers_have_no_staff_access_and_agents_cannot_delete() {
        assert!(!Role::Customer.allows(Action::ReadTickets));
        assert!(Role::Agent.allows(Action::WriteTickets));
        assert!(!Role::Agent.allows(Action::DeleteTickets));
        assert!(!Role::Qa.allows(Action::WriteTickets));
        assert!(Role::Agent.allows(Action::TakeContacts));
        assert!(!Role::Agent.allows(Action::ManageLive));
        assert!(!Role::Agent.allows(Action::SuperviseLive));
        assert!(Role::Supervisor.allows(Action::SuperviseLive));
        assert!(!Role::Planner.allows(Action::TakeContacts));
        assert!(Role::Supervisor.allows(Action::ReadAudit));
        assert!(!Role::Agent.allows(Action::ReadAudit));
    }
}
