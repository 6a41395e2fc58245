//! The tickets' application service: the one place that checks the role, calls the store and
//! runs what follows a change, for the API and the pages alike. (Triggers run in the store,
//! inside each change's transaction.)

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::path_id;
use kefu_model::error::FieldProblem;
use kefu_model::{Action, ModelError, TicketState};
use kefu_store::tickets::actions::TicketAction;

/// The most tickets one bulk change may name.
pub const MAX_BULK: usize = 200;

/// One change for many tickets: each field that is `Some` is applied to every ticket.
#[derive(Debug, Default, Clone)]
pub struct BulkChange {
    /// Ticket ids as given (a malformed one fails alone, as "not found").
    pub ids: Vec<String>,
    /// Assign (`Some(None)` unassigns).
    pub assignee_id: Option<Option<String>>,
    pub group_id: Option<Option<String>>,
    /// Move each ticket to this state; it must be allowed from the ticket's state.
    pub to: Option<TicketState>,
    pub reason: String,
    /// Then apply this macro.
    pub macro_id: Option<String>,
}

/// Applies `b` to each ticket on its own (one transaction each, with the triggers it calls
/// for): the result of each ticket, in the order given. More than [`MAX_BULK`] ids is 422.
pub async fn bulk(
    state: &AppState,
    auth: &Auth,
    b: BulkChange,
) -> Result<Vec<(String, Result<(), ApiError>)>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    if b.ids.len() > MAX_BULK {
        return Err(ApiError::Model(ModelError::InvalidField {
            field: "ids".into(),
            reason: FieldProblem::TooMany,
        }));
    }
    let macro_id = b.macro_id.as_deref().map(path_id).transpose()?;
    let mut actions = vec![];
    if let Some(assignee_id) = b.assignee_id {
        actions.push(TicketAction::Assign { assignee_id });
    }
    if let Some(group_id) = b.group_id {
        actions.push(TicketAction::SetGroup { group_id });
    }
    if let Some(to) = b.to {
        actions.push(TicketAction::TransitionStrict {
            to,
            reason: b.reason.clone(),
        });
    }
    let mut out = Vec::with_capacity(b.ids.len());
    for raw in b.ids {
        let r = match path_id(&raw) {
            Ok(id) => state
                .store
                .apply_ticket_actions(&p.scope, &p.actor(), &id, &actions, macro_id.as_deref())
                .await
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        out.push((raw, r));
    }
    Ok(out)
}

/// Applies macro `macro_id` to ticket `id` (a trigger's id is "not found").
pub async fn apply_macro(
    state: &AppState,
    auth: &Auth,
    id: &str,
    macro_id: &str,
) -> Result<(), ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    state
        .store
        .apply_macro(&p.scope, &p.actor(), &path_id(id)?, &path_id(macro_id)?)
        .await?;
    Ok(())
}
