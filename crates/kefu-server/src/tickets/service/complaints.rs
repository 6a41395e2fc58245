//! Complaint handling on complaint tickets: analysis, compensation proposed by an agent and
//! decided by a supervisor only, the follow-up call (回访).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use kefu_model::Action;
use kefu_store::entity::ticket_complaint;
use kefu_store::tickets::complaints::{Classification, ComplaintFields, ComplaintStep};

/// The complaint handling of ticket `id`; 409 `not_a_complaint` for other tickets.
pub async fn complaint(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<ticket_complaint::Model, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state.store.complaint(&p.scope, &path_id(id)?).await?)
}

/// An analysis as given (ids unchecked).
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub classification: Option<Classification>,
    pub root_cause: String,
    pub responsible_team_id: Option<String>,
    pub responsible_user_id: Option<String>,
}

/// One step of the handling.
#[derive(Debug, Clone)]
pub enum Step {
    /// Record classification, root cause and responsibility.
    Analyse(Analysis),
    /// Propose a compensation (补偿); it waits for a supervisor's decision.
    Propose { compensation: String },
    /// Approve or reject the proposed compensation (supervisors and admins only).
    Decide { approve: bool, reason: String },
    /// Record the follow-up call (回访).
    FollowUp { note: String },
}

/// Takes `step` on the complaint of ticket `id`; returns the complaint.
pub async fn step(
    state: &AppState,
    auth: &Auth,
    id: &str,
    step: Step,
) -> Result<ticket_complaint::Model, ApiError> {
    let action = match step {
        Step::Decide { .. } => Action::DecideCompensation,
        _ => Action::WriteTickets,
    };
    let p = auth.require(action)?;
    let step = match step {
        Step::Analyse(a) => ComplaintStep::Analyse(ComplaintFields {
            classification: a.classification,
            root_cause: a.root_cause,
            responsible_team_id: opt_id("responsible_team_id", a.responsible_team_id)?,
            responsible_user_id: opt_id("responsible_user_id", a.responsible_user_id)?,
        }),
        Step::Propose { compensation } => ComplaintStep::Propose { compensation },
        Step::Decide { approve, reason } => ComplaintStep::Decide { approve, reason },
        Step::FollowUp { note } => ComplaintStep::FollowUp { note },
    };
    Ok(state
        .store
        .complaint_step(&p.scope, &p.actor(), &path_id(id)?, step)
        .await?)
}
