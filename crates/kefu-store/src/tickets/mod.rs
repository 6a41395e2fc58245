//! Tickets (SPEC C3/C4): the after-sales workflow, SLA history, complaints, views,
//! automations (macros, triggers) and categories.

pub mod actions;
pub mod automations;
pub mod categories;
pub mod complaints;
pub mod history;
pub mod merge;
pub mod messages;
pub(crate) mod migrations;
pub mod notices;
pub mod notify;
pub mod relations;
pub mod settings;
pub mod sla;
pub mod ticket;
pub mod views;

use crate::audit::Change;
use crate::write::Write;
use crate::{Result, StoreError};
use serde_json::Value;

pub(crate) fn invalid(field: &str, reason: kefu_model::error::FieldProblem) -> StoreError {
    StoreError::Model(kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason,
    })
}

/// Audits `action` on ticket `ticket_id` with `after` as its record (no "before").
pub(crate) async fn audit_ticket(
    w: &Write<'_>,
    action: &str,
    ticket_id: &str,
    after: Value,
) -> Result<()> {
    w.record(Change {
        action,
        entity_type: "ticket",
        entity_id: ticket_id,
        before: None,
        after: Some(after),
    })
    .await
}
