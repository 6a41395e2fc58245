//! The tickets' application service: the one place that checks the role, calls the store and
//! runs what follows a change, for the API, the pages and the workers alike. (Triggers run in
//! the store, inside each change's transaction.) The ticket itself and bulk changes are here;
//! the rest by concern: [`sla`] (policies, clocks, settings), [`views`] (lists, views, the
//! supervisor overview, handler candidates, skills), [`workflow`] (messages, tags, watchers,
//! links, merge, split, reopen), [`complaints`], [`automations`] (macros and triggers) and
//! [`categories`].
//!
//! Ids come in as given (path, body or form) and are checked here: a malformed path id is
//! "not found", a malformed id in a body or form an invalid field.

pub mod automations;
pub mod categories;
pub mod complaints;
pub mod sla;
pub mod views;
pub mod workflow;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::http::{opt_id, path_id};
use kefu_model::error::FieldProblem;
use kefu_model::{Action, ModelError, Priority, TicketState, TicketType};
use kefu_sla::SlaStatus;
use kefu_store::entity::{ticket, ticket_transition};
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::ticket::TicketFields;

/// A new ticket, as given (ids unchecked).
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub ticket_type: TicketType,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    pub customer_id: Option<String>,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
}

/// Creates a ticket (state `new`); returns it as stored after the triggers ran.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    t: NewTicket,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let fields = TicketFields {
        customer_id: opt_id("customer_id", t.customer_id)?,
        ticket_type: t.ticket_type,
        subject: t.subject,
        description: t.description,
        priority: t.priority,
        assignee_id: opt_id("assignee_id", t.assignee_id)?,
        group_id: opt_id("group_id", t.group_id)?,
    };
    let m = state
        .store
        .create_ticket(&p.scope, &p.actor(), fields)
        .await?;
    Ok(state.store.get_ticket(&p.scope, &m.id).await?)
}

/// A ticket with its SLA status now (`None` without policies).
pub struct TicketWithSla {
    pub ticket: ticket::Model,
    pub sla: Option<SlaStatus>,
}

/// Ticket `id` with its SLA status now.
pub async fn get(state: &AppState, auth: &Auth, id: &str) -> Result<TicketWithSla, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    let ticket = state.store.get_ticket(&p.scope, &path_id(id)?).await?;
    let sla = match sla::policy_set(state, &p.scope).await? {
        Some(set) => sla::status_now(state, &p.scope, &set, &ticket.id).await?,
        None => None,
    };
    Ok(TicketWithSla { ticket, sla })
}

/// A change of a ticket's fields: each `Some` is applied; `Some(None)` clears an id.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub ticket_type: Option<TicketType>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub customer_id: Option<Option<String>>,
    pub assignee_id: Option<Option<String>>,
    pub group_id: Option<Option<String>>,
}

/// Changes a ticket's fields (its state changes only through transitions); returns it as
/// stored after the triggers ran.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: &str,
    c: TicketChange,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let ids =
        |field: &'static str, v: Option<Option<String>>| v.map(|v| opt_id(field, v)).transpose();
    let customer = ids("customer_id", c.customer_id)?;
    let assignee = ids("assignee_id", c.assignee_id)?;
    let group = ids("group_id", c.group_id)?;
    let m = state
        .store
        .update_ticket(&p.scope, &p.actor(), &path_id(id)?, |f| {
            if let Some(v) = c.ticket_type {
                f.ticket_type = v;
            }
            if let Some(v) = c.subject {
                f.subject = v;
            }
            if let Some(v) = c.description {
                f.description = v;
            }
            if let Some(v) = c.priority {
                f.priority = v;
            }
            if let Some(v) = customer {
                f.customer_id = v;
            }
            if let Some(v) = assignee {
                f.assignee_id = v;
            }
            if let Some(v) = group {
                f.group_id = v;
            }
        })
        .await?;
    Ok(state.store.get_ticket(&p.scope, &m.id).await?)
}

/// Moves a ticket to `to`; 409 `invalid_transition` if the workflow forbids it.
pub async fn transition(
    state: &AppState,
    auth: &Auth,
    id: &str,
    to: TicketState,
    reason: &str,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let m = state
        .store
        .transition_ticket(&p.scope, &p.actor(), &path_id(id)?, to, reason)
        .await?;
    Ok(state.store.get_ticket(&p.scope, &m.id).await?)
}

/// The transitions of a ticket, oldest first.
pub async fn transitions(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<Vec<ticket_transition::Model>, ApiError> {
    let p = auth.require(Action::ReadTickets)?;
    Ok(state
        .store
        .ticket_transitions(&p.scope, &path_id(id)?)
        .await?)
}

/// Deletes a ticket.
pub async fn delete(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::DeleteTickets)?;
    Ok(state
        .store
        .delete_ticket(&p.scope, &p.actor(), &path_id(id)?)
        .await?)
}

/// The most tickets one bulk change may name.
pub const MAX_BULK: usize = 200;

/// One change for many tickets: each field that is `Some` is applied to every ticket.
#[derive(Debug, Default, Clone)]
pub struct BulkChange {
    /// Ticket ids as given (a malformed one fails alone, as "not found").
    pub ids: Vec<String>,
    /// Assign (`Some(None)` unassigns); ids as given.
    pub assignee_id: Option<Option<String>>,
    pub group_id: Option<Option<String>>,
    /// Move each ticket to this state; it must be allowed from the ticket's state.
    pub to: Option<TicketState>,
    pub reason: String,
    /// Then apply this macro.
    pub macro_id: Option<String>,
}

/// Applies `b` to each ticket on its own (one transaction each, with the triggers it calls
/// for): the outcome of each ticket, in the order given — a failed one as its problem (a 5xx
/// is logged as it happens). More than [`MAX_BULK`] ids is 422.
pub async fn bulk(
    state: &AppState,
    auth: &Auth,
    b: BulkChange,
) -> Result<Vec<(String, Result<(), Problem>)>, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    if b.ids.len() > MAX_BULK {
        return Err(ApiError::Model(ModelError::InvalidField {
            field: "ids".into(),
            reason: FieldProblem::TooMany,
        }));
    }
    let assignee = b
        .assignee_id
        .map(|v| opt_id("assignee_id", v))
        .transpose()?;
    let group = b.group_id.map(|v| opt_id("group_id", v)).transpose()?;
    let macro_id = b.macro_id.as_deref().map(path_id).transpose()?;
    let mut actions = vec![];
    if let Some(assignee_id) = assignee {
        actions.push(TicketAction::Assign { assignee_id });
    }
    if let Some(group_id) = group {
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
        out.push((raw, r.map_err(ApiError::into_problem)));
    }
    Ok(out)
}

/// Applies macro `macro_id` to ticket `id` (a trigger's id is "not found"): its actions in
/// order, in one transaction with the triggers they call for; returns the ticket.
pub async fn apply_macro(
    state: &AppState,
    auth: &Auth,
    id: &str,
    macro_id: &str,
) -> Result<ticket::Model, ApiError> {
    let p = auth.require(Action::WriteTickets)?;
    let id = path_id(id)?;
    state
        .store
        .apply_macro(&p.scope, &p.actor(), &id, &path_id(macro_id)?)
        .await?;
    Ok(state.store.get_ticket(&p.scope, &id).await?)
}
