//! Interactions (SPEC C2): every contact on any channel, with its timestamps, durations,
//! outcome and disposition. The source of every KPI.

use crate::entity::{customer, interaction, ticket, user};
use crate::write::{
    Audited, check_ref, delete_audited, find_scoped, insert_audited, list_scoped, update_audited,
};
use crate::{Actor, Page, PageRequest, Result, Store, WorkspaceScope};
use chrono::{DateTime, Utc};
use kefu_model::error::FieldProblem;
use kefu_model::validate::{self, LONG_TEXT, SHORT_TEXT};
use kefu_model::{Channel, Direction, InteractionOutcome, ModelError};
use sea_orm::{ColumnTrait, Condition};

impl Audited for interaction::Model {
    const KIND: &'static str = "interaction";
    fn id(&self) -> &str {
        &self.id
    }
}

/// The fields of an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionFields {
    pub channel: Channel,
    pub direction: Direction,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub offered_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub abandoned_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrap_up_ended_at: Option<DateTime<Utc>>,
    pub ring_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub acw_s: i64,
    pub outcome: Option<InteractionOutcome>,
    pub disposition: Option<String>,
    pub transcript: Option<String>,
    pub recording_ref: Option<String>,
}

impl InteractionFields {
    /// A contact on `channel` in `direction` with nothing else known yet.
    pub fn new(channel: Channel, direction: Direction) -> InteractionFields {
        InteractionFields {
            channel,
            direction,
            customer_id: None,
            queue: None,
            agent_id: None,
            ticket_id: None,
            offered_at: None,
            queued_at: None,
            ringing_at: None,
            answered_at: None,
            abandoned_at: None,
            held_at: None,
            ended_at: None,
            wrap_up_ended_at: None,
            ring_s: 0,
            talk_s: 0,
            hold_s: 0,
            acw_s: 0,
            outcome: None,
            disposition: None,
            transcript: None,
            recording_ref: None,
        }
    }
}

fn bad(field: &str, reason: FieldProblem) -> ModelError {
    ModelError::InvalidField {
        field: field.into(),
        reason,
    }
}

impl InteractionFields {
    /// Checks lengths, non-negative durations and the order of the timestamps.
    pub fn validated(self) -> Result<InteractionFields> {
        for (name, v) in [
            ("ring_s", self.ring_s),
            ("talk_s", self.talk_s),
            ("hold_s", self.hold_s),
            ("acw_s", self.acw_s),
        ] {
            if v < 0 {
                return Err(bad(name, FieldProblem::Format).into());
            }
        }
        let start = self.offered_at;
        let after_start = [
            ("queued_at", self.queued_at),
            ("ringing_at", self.ringing_at),
            ("answered_at", self.answered_at),
            ("abandoned_at", self.abandoned_at),
            ("ended_at", self.ended_at),
            ("wrap_up_ended_at", self.wrap_up_ended_at),
        ];
        if let Some(start) = start {
            for (name, t) in after_start {
                if t.is_some_and(|t| t < start) {
                    return Err(bad(name, FieldProblem::Format).into());
                }
            }
        }
        if self.answered_at.is_some() && self.abandoned_at.is_some() {
            return Err(bad("abandoned_at", FieldProblem::Format).into());
        }
        if let (Some(a), Some(e)) = (self.answered_at, self.ended_at)
            && e < a
        {
            return Err(bad("ended_at", FieldProblem::Format).into());
        }
        if let (Some(e), Some(w)) = (self.ended_at, self.wrap_up_ended_at)
            && w < e
        {
            return Err(bad("wrap_up_ended_at", FieldProblem::Format).into());
        }
        let opt = |name: &str, v: Option<String>, max: usize| -> Result<Option<String>> {
            match v {
                Some(s) => Ok(Some(validate::optional(name, &s, max)?.to_owned())),
                None => Ok(None),
            }
        };
        Ok(InteractionFields {
            queue: opt("queue", self.queue, SHORT_TEXT)?,
            disposition: opt("disposition", self.disposition, SHORT_TEXT)?,
            transcript: opt("transcript", self.transcript, LONG_TEXT)?,
            recording_ref: opt("recording_ref", self.recording_ref, SHORT_TEXT)?,
            ..self
        })
    }

    /// Reads the fields of a stored interaction.
    pub fn of(m: &interaction::Model) -> Result<InteractionFields> {
        Ok(InteractionFields {
            channel: m.channel,
            direction: m.direction,
            customer_id: m.customer_id.clone(),
            queue: m.queue.clone(),
            agent_id: m.agent_id.clone(),
            ticket_id: m.ticket_id.clone(),
            offered_at: m.offered_at,
            queued_at: m.queued_at,
            ringing_at: m.ringing_at,
            answered_at: m.answered_at,
            abandoned_at: m.abandoned_at,
            held_at: m.held_at,
            ended_at: m.ended_at,
            wrap_up_ended_at: m.wrap_up_ended_at,
            ring_s: m.ring_s,
            talk_s: m.talk_s,
            hold_s: m.hold_s,
            acw_s: m.acw_s,
            outcome: m.outcome,
            disposition: m.disposition.clone(),
            transcript: m.transcript.clone(),
            recording_ref: m.recording_ref.clone(),
        })
    }

    fn write_to(self, m: &mut interaction::Model) {
        m.channel = self.channel;
        m.direction = self.direction;
        m.customer_id = self.customer_id;
        m.queue = self.queue;
        m.agent_id = self.agent_id;
        m.ticket_id = self.ticket_id;
        m.offered_at = self.offered_at;
        m.queued_at = self.queued_at;
        m.ringing_at = self.ringing_at;
        m.answered_at = self.answered_at;
        m.abandoned_at = self.abandoned_at;
        m.held_at = self.held_at;
        m.ended_at = self.ended_at;
        m.wrap_up_ended_at = self.wrap_up_ended_at;
        m.ring_s = self.ring_s;
        m.talk_s = self.talk_s;
        m.hold_s = self.hold_s;
        m.acw_s = self.acw_s;
        m.outcome = self.outcome;
        m.disposition = self.disposition;
        m.transcript = self.transcript;
        m.recording_ref = self.recording_ref;
    }
}

/// Filters for the interaction list.
#[derive(Debug, Clone, Default)]
pub struct InteractionFilter {
    pub channel: Option<Channel>,
    pub direction: Option<Direction>,
    pub customer_id: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub queue: Option<String>,
}

impl Store {
    pub(crate) async fn check_interaction_refs(
        &self,
        scope: &WorkspaceScope,
        f: &InteractionFields,
    ) -> Result<()> {
        check_ref::<customer::Entity>(self, scope, "customer_id", f.customer_id.as_deref()).await?;
        check_ref::<user::Entity>(self, scope, "agent_id", f.agent_id.as_deref()).await?;
        check_ref::<ticket::Entity>(self, scope, "ticket_id", f.ticket_id.as_deref()).await
    }

    pub async fn create_interaction(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        fields: InteractionFields,
    ) -> Result<interaction::Model> {
        let fields = fields.validated()?;
        self.check_interaction_refs(scope, &fields).await?;
        let model = new_model(scope, kefu_model::new_id().to_string(), fields, self.now());
        insert_audited::<interaction::ActiveModel>(
            self,
            scope,
            actor,
            model,
            Some("interaction_exists"),
        )
        .await
    }

    pub async fn get_interaction(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<interaction::Model> {
        find_scoped::<interaction::Entity, _>(self.db(), scope, id).await
    }

    pub async fn list_interactions(
        &self,
        scope: &WorkspaceScope,
        f: &InteractionFilter,
        page: &PageRequest,
    ) -> Result<Page<interaction::Model>> {
        let mut cond = Condition::all();
        if let Some(c) = f.channel {
            cond = cond.add(interaction::Column::Channel.eq(c.as_str()));
        }
        if let Some(d) = f.direction {
            cond = cond.add(interaction::Column::Direction.eq(d.as_str()));
        }
        if let Some(c) = &f.customer_id {
            cond = cond.add(interaction::Column::CustomerId.eq(c.as_str()));
        }
        if let Some(a) = &f.agent_id {
            cond = cond.add(interaction::Column::AgentId.eq(a.as_str()));
        }
        if let Some(t) = &f.ticket_id {
            cond = cond.add(interaction::Column::TicketId.eq(t.as_str()));
        }
        if let Some(q) = &f.queue {
            cond = cond.add(interaction::Column::Queue.eq(q.as_str()));
        }
        list_scoped::<interaction::Entity>(self, scope, cond, page).await
    }

    pub async fn update_interaction(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut InteractionFields),
    ) -> Result<interaction::Model> {
        let mut fields = InteractionFields::of(&self.get_interaction(scope, id).await?)?;
        apply(&mut fields);
        let fields = fields.validated()?;
        self.check_interaction_refs(scope, &fields).await?;
        update_audited::<interaction::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            None,
            |m, now| {
                fields.write_to(m);
                m.updated_at = now;
                Ok(())
            },
        )
        .await
    }

    pub async fn delete_interaction(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        delete_audited::<interaction::ActiveModel>(self, scope, actor, id).await
    }
}

impl Store {
    /// Inbound interactions offered in `[from, to)` (optionally of one queue), oldest first:
    /// the history that workforce planning reads. At most `limit` rows.
    pub async fn offered_between(
        &self,
        scope: &WorkspaceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        queue: Option<&str>,
        limit: u64,
    ) -> Result<Vec<interaction::Model>> {
        use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
        let mut q = interaction::Entity::find()
            .filter(interaction::Column::WorkspaceId.eq(scope.id()))
            .filter(interaction::Column::Direction.eq(Direction::Inbound.as_str()))
            .filter(interaction::Column::OfferedAt.gte(from))
            .filter(interaction::Column::OfferedAt.lt(to));
        if let Some(queue) = queue {
            q = q.filter(interaction::Column::Queue.eq(queue));
        }
        Ok(q.order_by_asc(interaction::Column::OfferedAt)
            .limit(limit)
            .all(self.db())
            .await?)
    }
}

/// A new interaction row `id` of `scope` with `fields` (validated), made at `now`.
pub(crate) fn new_model(
    scope: &WorkspaceScope,
    id: String,
    fields: InteractionFields,
    now: DateTime<Utc>,
) -> interaction::Model {
    let mut model = interaction::Model {
        id,
        workspace_id: scope.id().to_owned(),
        channel: fields.channel,
        direction: fields.direction,
        customer_id: None,
        queue: None,
        agent_id: None,
        ticket_id: None,
        offered_at: None,
        queued_at: None,
        ringing_at: None,
        answered_at: None,
        abandoned_at: None,
        held_at: None,
        ended_at: None,
        wrap_up_ended_at: None,
        ring_s: 0,
        talk_s: 0,
        hold_s: 0,
        acw_s: 0,
        outcome: None,
        disposition: None,
        transcript: None,
        recording_ref: None,
        wrap_up_note: None,
        created_at: now,
        updated_at: now,
    };
    fields.write_to(&mut model);
    model
}
