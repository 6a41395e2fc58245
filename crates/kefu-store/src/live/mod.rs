//! The live contact center's records (SPEC C5, C7, C14): queues and agents' settings, the
//! routing engine's command log, the agent-state history, and [`Store::live_record`], the one
//! write of everything a routing step changed (the commands it logs, a queue or agent change,
//! a new contact, the interactions' timestamps and the agents' states), with an audit row and
//! an outbox event for each, in one transaction.

pub(crate) mod migrations;
pub mod settings;

use crate::audit::Change;
use crate::entity::{agent_state, interaction, live_agent, live_log, live_queue, user};
use crate::interactions::InteractionFields;
use crate::write::{Audited, Write, find_scoped};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, Utc};
use kefu_model::InteractionOutcome;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::{Value, json};
use settings::{AgentSettings, QueueSettings};
use std::collections::BTreeMap;

impl Audited for live_queue::Model {
    const KIND: &'static str = "live_queue";
    fn id(&self) -> &str {
        &self.id
    }
}

/// A user as an agent of the live center: skills (name → level) and settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveAgent {
    pub user_id: String,
    pub skills: BTreeMap<String, u8>,
    pub settings: AgentSettings,
}

/// A change to a queue's configuration.
#[derive(Debug, Clone)]
pub enum QueueChange {
    Create {
        id: String,
        name: String,
        settings: QueueSettings,
    },
    Update {
        id: String,
        name: String,
        settings: QueueSettings,
    },
    Delete {
        id: String,
    },
}

/// New skills and settings of agent `user_id`.
#[derive(Debug, Clone)]
pub struct AgentChange {
    pub user_id: String,
    pub skills: BTreeMap<String, u8>,
    pub settings: AgentSettings,
}

/// What a routing step changed on one interaction (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub queue: Option<String>,
    pub customer_id: Option<String>,
    pub agent_id: Option<String>,
    /// Kept only the first time (the first offer rings).
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrap_up_ended_at: Option<DateTime<Utc>>,
    pub abandoned_at: Option<DateTime<Utc>>,
    pub outcome: Option<InteractionOutcome>,
    pub disposition: Option<String>,
    pub note: Option<String>,
}

/// One thing a routing step did, recorded with its audit row and outbox event.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Interaction `id` was `action` (`queued`, `offered`, `answered`, …).
    Contact {
        id: String,
        action: &'static str,
        patch: ContactPatch,
        /// Extra facts for the audit row and the event (the agent offered, the expiry…).
        detail: Value,
    },
    /// Agent `user_id` went to `state` (with an aux `reason`).
    AgentState {
        user_id: String,
        state: &'static str,
        reason: Option<&'static str>,
    },
}

/// A command the engine accepted: logged for replay and audited as `action` on
/// `entity_type`/`entity_id`.
#[derive(Debug, Clone)]
pub struct Logged {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub command: Value,
}

/// Everything one routing step changed, at engine time `at`.
#[derive(Debug, Clone, Default)]
pub struct LiveChange {
    pub at: DateTime<Utc>,
    pub commands: Vec<Logged>,
    pub queue: Option<QueueChange>,
    pub agent: Option<AgentChange>,
    /// A new contact (its id and fields) entering the center.
    pub contact: Option<(String, InteractionFields)>,
    pub effects: Vec<Effect>,
}

impl LiveChange {
    /// Whether it changes nothing (no command, queue, agent, contact or effect).
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
            && self.queue.is_none()
            && self.agent.is_none()
            && self.contact.is_none()
            && self.effects.is_empty()
    }
}

fn secs(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> i64 {
    match (from, to) {
        (Some(f), Some(t)) if t > f => (t - f).num_seconds(),
        _ => 0,
    }
}

impl Store {
    /// Writes routing step `change` of `scope` made by `actor` (the system for timers) in one
    /// transaction. Nothing is written when any part fails.
    pub async fn live_record(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        change: LiveChange,
    ) -> Result<()> {
        // References are checked before the write holds the connection (SQLite has one).
        let contact = match change.contact {
            Some((id, fields)) => {
                let fields = fields.validated()?;
                self.check_interaction_refs(scope, &fields).await?;
                Some((id, fields))
            }
            None => None,
        };
        let w = self.write(scope, actor).await?.at(change.at);
        let at_ms = change.at.timestamp_millis();
        for c in &change.commands {
            live_log::ActiveModel {
                workspace_id: Set(scope.id().to_owned()),
                at_ms: Set(at_ms),
                command: Set(c.command.clone()),
                ..Default::default()
            }
            .insert(&w)
            .await?;
            w.record(Change {
                action: c.action,
                entity_type: c.entity_type,
                entity_id: &c.entity_id,
                before: None,
                after: Some(c.command.clone()),
            })
            .await?;
        }
        if let Some(q) = change.queue {
            write_queue(&w, q).await?;
        }
        if let Some(a) = change.agent {
            write_agent(&w, a).await?;
        }
        if let Some((id, fields)) = contact {
            let model = crate::interactions::new_model(scope, id.clone(), fields, change.at);
            let after = model.snapshot();
            model.into_active_model().reset_all().insert(&w).await?;
            w.record(Change {
                action: "created",
                entity_type: "interaction",
                entity_id: &id,
                before: None,
                after: Some(after),
            })
            .await?;
        }
        for e in change.effects {
            match e {
                Effect::Contact {
                    id,
                    action,
                    patch,
                    detail,
                } => apply_patch(&w, &id, action, patch, detail).await?,
                Effect::AgentState {
                    user_id,
                    state,
                    reason,
                } => {
                    agent_state::ActiveModel {
                        workspace_id: Set(scope.id().to_owned()),
                        user_id: Set(user_id.clone()),
                        state: Set(state.to_owned()),
                        reason: Set(reason.map(str::to_owned)),
                        at: Set(change.at),
                        ..Default::default()
                    }
                    .insert(&w)
                    .await?;
                    w.record(Change {
                        action: "state_changed",
                        entity_type: "agent",
                        entity_id: &user_id,
                        before: None,
                        after: Some(json!({"state": state, "reason": reason})),
                    })
                    .await?;
                }
            }
        }
        w.commit().await
    }

    /// The queues of `scope` by name (deleted ones too with `deleted`).
    pub async fn live_queues(
        &self,
        scope: &WorkspaceScope,
        deleted: bool,
    ) -> Result<Vec<live_queue::Model>> {
        let mut q =
            live_queue::Entity::find().filter(live_queue::Column::WorkspaceId.eq(scope.id()));
        if !deleted {
            q = q.filter(live_queue::Column::Deleted.eq(false));
        }
        Ok(q.order_by_asc(live_queue::Column::Name)
            .all(self.db())
            .await?)
    }

    /// Queue `id` of `scope` (not found once deleted).
    pub async fn live_queue(&self, scope: &WorkspaceScope, id: &str) -> Result<live_queue::Model> {
        let q = find_scoped::<live_queue::Entity, _>(self.db(), scope, id).await?;
        if q.deleted {
            return Err(StoreError::NotFound);
        }
        Ok(q)
    }

    /// The agents of `scope` (users with live settings), with their skills.
    pub async fn live_agents(&self, scope: &WorkspaceScope) -> Result<Vec<LiveAgent>> {
        let rows = live_agent::Entity::find()
            .filter(live_agent::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(live_agent::Column::UserId)
            .all(self.db())
            .await?;
        let mut skills = self.all_user_skills(scope).await?;
        rows.into_iter()
            .map(|r| {
                Ok(LiveAgent {
                    skills: skills
                        .remove(&r.user_id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(s, l)| (s, l.clamp(1, 5) as u8))
                        .collect(),
                    settings: serde_json::from_value(r.settings).map_err(|e| {
                        StoreError::Corrupt {
                            column: "live_agents.settings",
                            value: e.to_string(),
                        }
                    })?,
                    user_id: r.user_id,
                })
            })
            .collect()
    }

    /// The routing engine's log of `scope`, in order.
    pub async fn live_log(&self, scope: &WorkspaceScope) -> Result<Vec<live_log::Model>> {
        Ok(live_log::Entity::find()
            .filter(live_log::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(live_log::Column::Seq)
            .all(self.db())
            .await?)
    }

    /// The workspaces with a live center (a queue or an agent; their engine runs from the
    /// start). Read from the small configuration tables, not the growing log.
    pub async fn live_workspaces(&self) -> Result<Vec<WorkspaceScope>> {
        let mut ids: Vec<String> = live_queue::Entity::find()
            .select_only()
            .column(live_queue::Column::WorkspaceId)
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?;
        let agents: Vec<String> = live_agent::Entity::find()
            .select_only()
            .column(live_agent::Column::WorkspaceId)
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?;
        ids.extend(agents);
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter().map(WorkspaceScope::new).collect())
    }

    /// The settings of agent `user_id` of `scope` (`None`: not an agent).
    pub async fn live_agent_settings(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
    ) -> Result<Option<AgentSettings>> {
        live_agent::Entity::find_by_id(user_id.to_owned())
            .filter(live_agent::Column::WorkspaceId.eq(scope.id()))
            .one(self.db())
            .await?
            .map(|r| {
                serde_json::from_value(r.settings).map_err(|e| StoreError::Corrupt {
                    column: "live_agents.settings",
                    value: e.to_string(),
                })
            })
            .transpose()
    }

    /// The state history of agent `user_id` (every agent with `None`) from `since`, in order.
    pub async fn agent_states(
        &self,
        scope: &WorkspaceScope,
        user_id: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<agent_state::Model>> {
        let mut q = agent_state::Entity::find()
            .filter(agent_state::Column::WorkspaceId.eq(scope.id()))
            .filter(agent_state::Column::At.gte(since));
        if let Some(u) = user_id {
            q = q.filter(agent_state::Column::UserId.eq(u));
        }
        Ok(q.order_by_asc(agent_state::Column::Seq)
            .all(self.db())
            .await?)
    }
}

async fn write_queue(w: &Write<'_>, q: QueueChange) -> Result<()> {
    let scope = w.scope().clone();
    let (id, action) = match &q {
        QueueChange::Create { id, .. } => (id.clone(), "created"),
        QueueChange::Update { id, .. } => (id.clone(), "updated"),
        QueueChange::Delete { id } => (id.clone(), "deleted"),
    };
    let before = match &q {
        QueueChange::Create { .. } => None,
        _ => {
            let b = find_scoped::<live_queue::Entity, _>(w, &scope, &id).await?;
            if b.deleted {
                return Err(StoreError::NotFound);
            }
            Some(b)
        }
    };
    let model = match q {
        QueueChange::Create { id, name, settings } => live_queue::Model {
            id,
            workspace_id: scope.id().to_owned(),
            name,
            settings: serde_json::to_value(&settings).unwrap_or(Value::Null),
            deleted: false,
            created_at: w.now(),
            updated_at: w.now(),
        },
        QueueChange::Update { name, settings, .. } => live_queue::Model {
            name,
            settings: serde_json::to_value(&settings).unwrap_or(Value::Null),
            updated_at: w.now(),
            ..before.clone().ok_or(StoreError::NotFound)?
        },
        QueueChange::Delete { .. } => live_queue::Model {
            deleted: true,
            updated_at: w.now(),
            ..before.clone().ok_or(StoreError::NotFound)?
        },
    };
    let name_taken = live_queue::Entity::find()
        .filter(live_queue::Column::WorkspaceId.eq(scope.id()))
        .filter(live_queue::Column::Deleted.eq(false))
        .filter(live_queue::Column::Name.eq(model.name.as_str()))
        .filter(live_queue::Column::Id.ne(model.id.as_str()))
        .one(w)
        .await?
        .is_some();
    if name_taken && !model.deleted {
        return Err(StoreError::conflict(
            "queue_name_taken",
            format!("a queue is already named {}", model.name),
        ));
    }
    let after = model.snapshot();
    let active = model.into_active_model();
    if before.is_none() {
        active.reset_all().insert(w).await?;
    } else {
        active.reset_all().update(w).await?;
    }
    w.record(Change {
        action,
        entity_type: "live_queue",
        entity_id: &id,
        before: before.map(|b| b.snapshot()),
        after: Some(after),
    })
    .await
}

async fn write_agent(w: &Write<'_>, a: AgentChange) -> Result<()> {
    let scope = w.scope().clone();
    find_scoped::<user::Entity, _>(w, &scope, &a.user_id).await?;
    let skills: Vec<(String, i32)> = a
        .skills
        .iter()
        .map(|(s, l)| (s.clone(), *l as i32))
        .collect();
    let skills_before = crate::tickets::views::replace_user_skills(w, &a.user_id, &skills).await?;
    let before = live_agent::Entity::find_by_id(a.user_id.clone())
        .filter(live_agent::Column::WorkspaceId.eq(scope.id()))
        .one(w)
        .await?;
    let settings = serde_json::to_value(a.settings).unwrap_or(Value::Null);
    let row = live_agent::ActiveModel {
        user_id: Set(a.user_id.clone()),
        workspace_id: Set(scope.id().to_owned()),
        settings: Set(settings.clone()),
        updated_at: Set(w.now()),
    };
    if before.is_some() {
        row.update(w).await?;
    } else {
        row.insert(w).await?;
    }
    w.record(Change {
        action: "agent_set",
        entity_type: "user",
        entity_id: &a.user_id,
        before: Some(json!({
            "skills": skills_before,
            "settings": before.map(|b| b.settings),
        })),
        after: Some(json!({"skills": skills, "settings": settings})),
    })
    .await
}

async fn apply_patch(
    w: &Write<'_>,
    id: &str,
    action: &'static str,
    p: ContactPatch,
    detail: Value,
) -> Result<()> {
    let scope = w.scope().clone();
    let mut m = find_scoped::<interaction::Entity, _>(w, &scope, id).await?;
    if let Some(q) = p.queue {
        m.queue = Some(q);
    }
    if let Some(a) = p.agent_id {
        m.agent_id = Some(a);
    }
    if let Some(c) = p.customer_id {
        m.customer_id = Some(c);
    }
    if m.ringing_at.is_none() {
        m.ringing_at = p.ringing_at;
    }
    if let Some(t) = p.answered_at {
        m.answered_at = Some(t);
        m.ring_s = secs(m.ringing_at, m.answered_at);
    }
    if let Some(t) = p.ended_at {
        m.ended_at = Some(t);
        m.talk_s = secs(m.answered_at, m.ended_at);
    }
    if let Some(t) = p.wrap_up_ended_at {
        m.wrap_up_ended_at = Some(t);
        m.acw_s = secs(m.ended_at, m.wrap_up_ended_at);
    }
    if let Some(t) = p.abandoned_at {
        m.abandoned_at = Some(t);
    }
    if let Some(o) = p.outcome {
        m.outcome = Some(o);
    }
    if let Some(d) = p.disposition {
        m.disposition = Some(d);
    }
    if let Some(n) = p.note {
        m.wrap_up_note = Some(n);
    }
    m.updated_at = w.now();
    let mut after = m.snapshot();
    if let (Some(obj), Value::Object(extra)) = (after.as_object_mut(), detail) {
        obj.insert("live".into(), Value::Object(extra));
    }
    m.into_active_model().reset_all().update(w).await?;
    w.record(Change {
        action,
        entity_type: "interaction",
        entity_id: id,
        before: None,
        after: Some(after),
    })
    .await
}
