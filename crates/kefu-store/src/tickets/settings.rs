//! The workspace's ticket settings: reopen window, complaint follow-up, pending reminders,
//! the tier-2 group.

use crate::audit::Change;
use crate::entity::ticket_settings;
use crate::tickets::invalid;
use crate::write::find_scoped;
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde_json::{Value, json};

/// Closed tickets may be reopened for this long unless the workspace says otherwise.
pub const DEFAULT_REOPEN_WINDOW_MINUTES: i64 = 7 * 24 * 60;

/// The workspace's ticket settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSettings {
    /// Calendars and policies in the `kefu-sla` spec form; `None` until configured.
    pub sla_policies: Option<Value>,
    pub reopen_window_minutes: i64,
    /// A complaint cannot be closed before its follow-up call (回访) is recorded.
    pub complaint_follow_up_required: bool,
    /// Time-based automation: remind after this long in `pending_customer` (0: never).
    pub pending_remind_minutes: i64,
    /// Time-based automation: resolve after this long in `pending_customer` (0: never).
    pub pending_resolve_minutes: i64,
    /// The tier-2 group (提送二线): a ticket escalated (by hand or on an SLA breach) moves
    /// to it; `None`: escalation keeps the group.
    pub tier2_group_id: Option<String>,
}

impl Default for TicketSettings {
    fn default() -> Self {
        TicketSettings {
            sla_policies: None,
            reopen_window_minutes: DEFAULT_REOPEN_WINDOW_MINUTES,
            complaint_follow_up_required: true,
            pending_remind_minutes: 0,
            pending_resolve_minutes: 0,
            tier2_group_id: None,
        }
    }
}

impl TicketSettings {
    fn of(r: &ticket_settings::Model) -> TicketSettings {
        TicketSettings {
            sla_policies: r.sla_policies.clone(),
            reopen_window_minutes: r.reopen_window_minutes,
            complaint_follow_up_required: r.complaint_follow_up_required,
            pending_remind_minutes: r.pending_remind_minutes,
            pending_resolve_minutes: r.pending_resolve_minutes,
            tier2_group_id: r.tier2_group_id.clone(),
        }
    }

    fn snapshot(&self) -> Value {
        json!({
            "sla_policies": self.sla_policies,
            "reopen_window_minutes": self.reopen_window_minutes,
            "complaint_follow_up_required": self.complaint_follow_up_required,
            "pending_remind_minutes": self.pending_remind_minutes,
            "pending_resolve_minutes": self.pending_resolve_minutes,
            "tier2_group_id": self.tier2_group_id,
        })
    }
}

pub(crate) async fn reopen_window_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
) -> Result<Duration> {
    let minutes = ticket_settings::Entity::find_by_id(scope.id().to_owned())
        .one(conn)
        .await?
        .map(|s| s.reopen_window_minutes)
        .unwrap_or(DEFAULT_REOPEN_WINDOW_MINUTES);
    Ok(Duration::minutes(minutes))
}

pub(crate) async fn settings_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
) -> Result<TicketSettings> {
    Ok(
        match ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(conn)
            .await?
        {
            Some(r) => TicketSettings::of(&r),
            None => TicketSettings::default(),
        },
    )
}

impl Store {
    /// The workspace's ticket settings (defaults when never set).
    pub async fn ticket_settings(&self, scope: &WorkspaceScope) -> Result<TicketSettings> {
        let row = ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(self.db())
            .await?;
        Ok(match row {
            Some(r) => TicketSettings::of(&r),
            None => TicketSettings::default(),
        })
    }

    /// Changes the workspace's ticket settings. The caller validates `sla_policies` (the
    /// `kefu-sla` spec); a negative reopen window is `invalid_field`.
    pub async fn update_ticket_settings(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        apply: impl FnOnce(&mut TicketSettings),
    ) -> Result<TicketSettings> {
        let txn = self.write(scope, actor).await?;
        let row = ticket_settings::Entity::find_by_id(scope.id().to_owned())
            .one(&txn)
            .await?;
        let mut s = match &row {
            Some(r) => TicketSettings::of(r),
            None => TicketSettings::default(),
        };
        let before = s.snapshot();
        apply(&mut s);
        for (field, v) in [
            ("reopen_window_minutes", s.reopen_window_minutes),
            ("pending_remind_minutes", s.pending_remind_minutes),
            ("pending_resolve_minutes", s.pending_resolve_minutes),
        ] {
            if v < 0 {
                return Err(invalid(field, kefu_model::error::FieldProblem::Format));
            }
        }
        if let Some(g) = &s.tier2_group_id
            && find_scoped::<crate::entity::team::Entity, _>(&txn, scope, g)
                .await
                .is_err()
        {
            return Err(StoreError::UnknownReference {
                field: "tier2_group_id",
            });
        }
        let model = ticket_settings::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            sla_policies: Set(s.sla_policies.clone()),
            reopen_window_minutes: Set(s.reopen_window_minutes),
            complaint_follow_up_required: Set(s.complaint_follow_up_required),
            pending_remind_minutes: Set(s.pending_remind_minutes),
            pending_resolve_minutes: Set(s.pending_resolve_minutes),
            updated_at: Set(txn.now()),
            tier2_group_id: Set(s.tier2_group_id.clone()),
        };
        if row.is_some() {
            model.update(&txn).await?;
        } else {
            model.insert(&txn).await?;
        }
        let after = s.snapshot();
        txn.record(Change {
            action: "updated",
            entity_type: "ticket_settings",
            entity_id: scope.id(),
            before: Some(before),
            after: Some(after),
        })
        .await?;
        txn.commit().await?;
        Ok(s)
    }
}
