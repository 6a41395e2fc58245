//! Complaint handling on `complaint` tickets: classification (routine / exploratory /
//! concentrated), root cause, responsibility (team and/or person), compensation proposed by
//! an agent and approved or rejected by a supervisor (the server checks the role), and the
//! mandatory follow-up call (回访) before close. Every change is audited on the ticket.

use crate::audit::Change;
use crate::entity::{team, ticket, ticket_complaint as complaint, user};
use crate::write::{check_ref, find_scoped};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::TicketType;
use kefu_model::validate::{self, LONG_TEXT, SHORT_TEXT};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
use serde::{Deserialize, Serialize};

/// The classes of complaints of the seeds (002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 常规投诉
    Routine,
    /// 发掘性投诉
    Exploratory,
    /// 集中性投诉
    Concentrated,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Routine => "routine",
            Classification::Exploratory => "exploratory",
            Classification::Concentrated => "concentrated",
        }
    }
}

/// The editable analysis of a complaint.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFields {
    pub classification: Option<Classification>,
    pub root_cause: String,
    pub responsible_team_id: Option<String>,
    pub responsible_user_id: Option<String>,
}

/// A change to the compensation or the follow-up of a complaint.
#[derive(Debug, Clone)]
pub enum ComplaintStep {
    Analyse(ComplaintFields),
    Propose { compensation: String },
    Decide { approve: bool, reason: String },
    FollowUp { note: String },
}

fn empty(
    scope: &WorkspaceScope,
    ticket_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> complaint::Model {
    complaint::Model {
        ticket_id: ticket_id.to_owned(),
        workspace_id: scope.id().to_owned(),
        classification: None,
        root_cause: String::new(),
        responsible_team_id: None,
        responsible_user_id: None,
        compensation_status: "none".into(),
        compensation: String::new(),
        compensation_proposed_by: None,
        compensation_decided_by: None,
        compensation_decision_reason: String::new(),
        follow_up_at: None,
        follow_up_by: None,
        follow_up_note: String::new(),
        updated_at: now,
    }
}

async fn load<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    ticket_id: &str,
) -> Result<Option<complaint::Model>> {
    Ok(complaint::Entity::find_by_id(ticket_id.to_owned())
        .one(conn)
        .await?
        .filter(|c| c.workspace_id == scope.id()))
}

/// Whether `ticket_id` (a complaint) still lacks its follow-up call.
pub(crate) async fn follow_up_missing<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    ticket_id: &str,
) -> Result<bool> {
    Ok(load(conn, scope, ticket_id)
        .await?
        .and_then(|c| c.follow_up_at)
        .is_none())
}

impl Store {
    /// The complaint handling of a ticket (empty until first changed); 409
    /// `not_a_complaint` for other ticket types.
    pub async fn complaint(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<complaint::Model> {
        let t = self.get_ticket(scope, ticket_id).await?;
        if t.ticket_type != TicketType::Complaint {
            return Err(StoreError::conflict(
                "not_a_complaint",
                "the ticket is not a complaint",
            ));
        }
        Ok(load(self.db(), scope, ticket_id)
            .await?
            .unwrap_or_else(|| empty(scope, ticket_id, self.now())))
    }

    /// Applies one step of complaint handling. Deciding needs a proposed compensation (409
    /// `no_compensation_proposed`); proposing again after a decision starts over.
    pub async fn complaint_step(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        ticket_id: &str,
        step: ComplaintStep,
    ) -> Result<complaint::Model> {
        if let ComplaintStep::Analyse(f) = &step {
            check_ref::<team::Entity>(
                self,
                scope,
                "responsible_team_id",
                f.responsible_team_id.as_deref(),
            )
            .await?;
            check_ref::<user::Entity>(
                self,
                scope,
                "responsible_user_id",
                f.responsible_user_id.as_deref(),
            )
            .await?;
        }
        let txn = self.write(scope, actor).await?;
        let t = find_scoped::<ticket::Entity, _>(&txn, scope, ticket_id).await?;
        if t.ticket_type != TicketType::Complaint {
            return Err(StoreError::conflict(
                "not_a_complaint",
                "the ticket is not a complaint",
            ));
        }
        let current = load(&txn, scope, ticket_id).await?;
        let exists = current.is_some();
        let mut c = current.unwrap_or_else(|| empty(scope, ticket_id, txn.now()));
        let before = serde_json::to_value(&c).unwrap_or_default();
        let who = actor.user_id.clone();
        let action = match step {
            ComplaintStep::Analyse(f) => {
                c.classification = f.classification.map(|x| x.as_str().to_owned());
                c.root_cause =
                    validate::optional("root_cause", &f.root_cause, LONG_TEXT)?.to_owned();
                c.responsible_team_id = f.responsible_team_id;
                c.responsible_user_id = f.responsible_user_id;
                "complaint_analysed"
            }
            ComplaintStep::Propose { compensation } => {
                c.compensation = validate::required("compensation", &compensation, SHORT_TEXT)?;
                c.compensation_status = "proposed".into();
                c.compensation_proposed_by = who;
                c.compensation_decided_by = None;
                c.compensation_decision_reason = String::new();
                "compensation_proposed"
            }
            ComplaintStep::Decide { approve, reason } => {
                if c.compensation_status != "proposed" {
                    return Err(StoreError::conflict(
                        "no_compensation_proposed",
                        "no compensation is waiting for a decision",
                    ));
                }
                c.compensation_decision_reason =
                    validate::optional("reason", &reason, SHORT_TEXT)?.to_owned();
                c.compensation_status = if approve { "approved" } else { "rejected" }.into();
                c.compensation_decided_by = who;
                if approve {
                    "compensation_approved"
                } else {
                    "compensation_rejected"
                }
            }
            ComplaintStep::FollowUp { note } => {
                c.follow_up_note = validate::required("note", &note, LONG_TEXT)?;
                c.follow_up_at = Some(txn.now());
                c.follow_up_by = who;
                "followed_up_call"
            }
        };
        c.updated_at = txn.now();
        let after = serde_json::to_value(&c).unwrap_or_default();
        let am = c.clone().into_active_model().reset_all();
        let saved = if exists {
            am.update(&txn).await?
        } else {
            am.insert(&txn).await?
        };
        txn.record(Change {
            action,
            entity_type: "ticket",
            entity_id: ticket_id,
            before: Some(serde_json::json!({"complaint": before})),
            after: Some(serde_json::json!({"complaint": after})),
        })
        .await?;
        txn.commit().await?;
        Ok(saved)
    }
}
