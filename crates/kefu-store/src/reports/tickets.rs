//! Read-side queries for the ticket KPIs and complaint analytics of the reports (SPEC C14):
//! the tickets of a period with everything the report needs about each — its history
//! (transitions and messages, as the SLA clock reads them), the interactions linked to it
//! (its contacts), its follow-up tickets, the complaint analysis, its category, tags and
//! team. Nothing here writes; the arithmetic is in the server and `kefu-kpi`.

use crate::entity::{
    interaction, team_member, ticket, ticket_category, ticket_category_of, ticket_complaint,
    ticket_link, ticket_tag, ticket_transition,
};
use crate::tickets::sla::TicketHistory;
use crate::{Result, Store, WorkspaceScope};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap};

/// One ticket and the facts the reports derive its KPIs from.
#[derive(Debug, Clone)]
pub struct TicketFacts {
    /// The ticket with its transitions, messages and SLA attribute events, oldest first.
    pub history: TicketHistory,
    /// When each interaction linked to the ticket was offered (its creation time when it
    /// has none), oldest first: the ticket's contacts.
    pub contacts: Vec<DateTime<Utc>>,
    /// When each follow-up ticket of this one was linked, oldest first.
    pub follow_ups: Vec<DateTime<Utc>>,
    pub complaint: Option<ticket_complaint::Model>,
    /// The name of its category, if it has one.
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// Its group (department), else the first team (by id) of its assignee.
    pub team: Option<String>,
}

impl Store {
    /// The tickets of `scope` created in `[from, to)` or moved to `resolved` or `closed` in
    /// `[from, to)`, with their facts. `complaints_only` keeps only complaint tickets.
    pub async fn ticket_report_facts(
        &self,
        scope: &WorkspaceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        complaints_only: bool,
    ) -> Result<Vec<TicketFacts>> {
        let ws = scope.id();
        let mut q = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(ticket::Column::WorkspaceId.eq(ws))
            .filter(ticket::Column::CreatedAt.gte(from))
            .filter(ticket::Column::CreatedAt.lt(to));
        if complaints_only {
            q = q.filter(ticket::Column::TicketType.eq("complaint"));
        }
        let mut ids: BTreeSet<String> = q
            .into_tuple::<String>()
            .all(self.db())
            .await?
            .into_iter()
            .collect();
        if !complaints_only {
            let resolved: Vec<String> = ticket_transition::Entity::find()
                .select_only()
                .column(ticket_transition::Column::TicketId)
                .filter(ticket_transition::Column::WorkspaceId.eq(ws))
                .filter(ticket_transition::Column::ToState.is_in(["resolved", "closed"]))
                .filter(ticket_transition::Column::At.gte(from))
                .filter(ticket_transition::Column::At.lt(to))
                .into_tuple::<String>()
                .all(self.db())
                .await?;
            ids.extend(resolved);
        }
        let ids: Vec<String> = ids.into_iter().collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let histories = self.ticket_histories(scope, chunk).await?;
            let keys = || chunk.iter().map(String::as_str);
            let mut contacts: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
            for i in interaction::Entity::find()
                .filter(interaction::Column::WorkspaceId.eq(ws))
                .filter(interaction::Column::TicketId.is_in(keys()))
                .all(self.db())
                .await?
            {
                if let Some(t) = i.ticket_id.clone() {
                    contacts
                        .entry(t)
                        .or_default()
                        .push(i.offered_at.unwrap_or(i.created_at));
                }
            }
            let mut follow_ups: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
            for l in ticket_link::Entity::find()
                .filter(ticket_link::Column::WorkspaceId.eq(ws))
                .filter(ticket_link::Column::Kind.eq("follow_up"))
                .filter(ticket_link::Column::TicketId.is_in(keys()))
                .all(self.db())
                .await?
            {
                follow_ups
                    .entry(l.ticket_id)
                    .or_default()
                    .push(l.created_at);
            }
            let mut complaints: HashMap<String, ticket_complaint::Model> =
                ticket_complaint::Entity::find()
                    .filter(ticket_complaint::Column::WorkspaceId.eq(ws))
                    .filter(ticket_complaint::Column::TicketId.is_in(keys()))
                    .all(self.db())
                    .await?
                    .into_iter()
                    .map(|c| (c.ticket_id.clone(), c))
                    .collect();
            let category_of: HashMap<String, String> = ticket_category_of::Entity::find()
                .filter(ticket_category_of::Column::WorkspaceId.eq(ws))
                .filter(ticket_category_of::Column::TicketId.is_in(keys()))
                .all(self.db())
                .await?
                .into_iter()
                .map(|c| (c.ticket_id, c.category_id))
                .collect();
            let names: HashMap<String, String> = if category_of.is_empty() {
                HashMap::new()
            } else {
                ticket_category::Entity::find()
                    .filter(ticket_category::Column::WorkspaceId.eq(ws))
                    .filter(ticket_category::Column::Id.is_in(category_of.values().cloned()))
                    .all(self.db())
                    .await?
                    .into_iter()
                    .map(|c| (c.id, c.name))
                    .collect()
            };
            let mut tags: HashMap<String, Vec<String>> = HashMap::new();
            for t in ticket_tag::Entity::find()
                .filter(ticket_tag::Column::WorkspaceId.eq(ws))
                .filter(ticket_tag::Column::TicketId.is_in(keys()))
                .order_by_asc(ticket_tag::Column::Tag)
                .all(self.db())
                .await?
            {
                tags.entry(t.ticket_id).or_default().push(t.tag);
            }
            let assignees: BTreeSet<String> = histories
                .iter()
                .filter(|h| h.ticket.group_id.is_none())
                .filter_map(|h| h.ticket.assignee_id.clone())
                .collect();
            let mut team_of: HashMap<String, String> = HashMap::new();
            if !assignees.is_empty() {
                for m in team_member::Entity::find()
                    .filter(team_member::Column::WorkspaceId.eq(ws))
                    .filter(team_member::Column::UserId.is_in(assignees))
                    .order_by_asc(team_member::Column::TeamId)
                    .all(self.db())
                    .await?
                {
                    team_of.entry(m.user_id).or_insert(m.team_id);
                }
            }
            for history in histories {
                let t = &history.ticket;
                let id = t.id.clone();
                let mut c = contacts.remove(&id).unwrap_or_default();
                c.sort();
                let mut f = follow_ups.remove(&id).unwrap_or_default();
                f.sort();
                let team = t
                    .group_id
                    .clone()
                    .or_else(|| t.assignee_id.as_ref().and_then(|a| team_of.get(a).cloned()));
                out.push(TicketFacts {
                    category: category_of.get(&id).and_then(|c| names.get(c).cloned()),
                    complaint: complaints.remove(&id),
                    tags: tags.remove(&id).unwrap_or_default(),
                    contacts: c,
                    follow_ups: f,
                    team,
                    history,
                });
            }
        }
        Ok(out)
    }
}
