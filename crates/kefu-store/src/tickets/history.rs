//! Everything a ticket's SLA clock is computed from, for one ticket or many in batches.

use crate::entity::{ticket, ticket_message, ticket_transition};
use crate::{Result, Store, WorkspaceScope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

impl Store {
    /// Everything the SLA clock of a ticket is computed from.
    pub async fn ticket_history(
        &self,
        scope: &WorkspaceScope,
        ticket_id: &str,
    ) -> Result<TicketHistory> {
        let ticket = self.get_ticket(scope, ticket_id).await?;
        let transitions = self.ticket_transitions(scope, ticket_id).await?;
        let messages = self.ticket_messages(scope, ticket_id).await?;
        let sla_events = self.ticket_sla_events(scope, ticket_id).await?;
        Ok(TicketHistory {
            ticket,
            transitions,
            messages,
            sla_events,
        })
    }
}

pub use crate::tickets::sla::TicketHistory;

impl Store {
    /// The histories of many tickets of `scope` in four queries per 500 ids (tickets not
    /// in the workspace are left out), in the order of `ids`.
    pub async fn ticket_histories(
        &self,
        scope: &WorkspaceScope,
        ids: &[String],
    ) -> Result<Vec<TicketHistory>> {
        use std::collections::HashMap;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let keys = chunk.iter().map(String::as_str);
            let tickets: HashMap<String, ticket::Model> = ticket::Entity::find()
                .filter(ticket::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket::Column::Id.is_in(keys.clone()))
                .all(self.db())
                .await?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
            let mut trs: HashMap<String, Vec<ticket_transition::Model>> = HashMap::new();
            for t in ticket_transition::Entity::find()
                .filter(ticket_transition::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket_transition::Column::TicketId.is_in(keys.clone()))
                .order_by_asc(ticket_transition::Column::Seq)
                .all(self.db())
                .await?
            {
                trs.entry(t.ticket_id.clone()).or_default().push(t);
            }
            let mut msgs: HashMap<String, Vec<ticket_message::Model>> = HashMap::new();
            for m in ticket_message::Entity::find()
                .filter(ticket_message::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket_message::Column::TicketId.is_in(keys.clone()))
                .order_by_asc(ticket_message::Column::CreatedAt)
                .order_by_asc(ticket_message::Column::Id)
                .all(self.db())
                .await?
            {
                msgs.entry(m.ticket_id.clone()).or_default().push(m);
            }
            use crate::entity::ticket_sla_event as sev;
            let mut sla: HashMap<String, Vec<sev::Model>> = HashMap::new();
            for e in sev::Entity::find()
                .filter(sev::Column::WorkspaceId.eq(scope.id()))
                .filter(sev::Column::TicketId.is_in(keys))
                .order_by_asc(sev::Column::Seq)
                .all(self.db())
                .await?
            {
                sla.entry(e.ticket_id.clone()).or_default().push(e);
            }
            for id in chunk {
                if let Some(t) = tickets.get(id) {
                    out.push(TicketHistory {
                        ticket: t.clone(),
                        transitions: trs.remove(id).unwrap_or_default(),
                        messages: msgs.remove(id).unwrap_or_default(),
                        sla_events: sla.remove(id).unwrap_or_default(),
                    });
                }
            }
        }
        Ok(out)
    }
}
