//! A customer's timeline (SPEC C1), newest first, keyset paged: tickets, ticket state
//! changes, interactions and customer events (notes, lifecycle and owner changes, merges).
//!
//! Entries are ordered by `(at, source, id)` descending; a cursor is the key of the last
//! entry shown. Each source is read with that key as a bound and `LIMIT page + 1`, so a
//! page reads at most `4 × (page + 1)` rows whatever the customer's history — never the
//! customer's whole list of tickets. Tickets, interactions and events are found through their
//! `(workspace_id, customer_id, …)` indexes; state changes through the customer's tickets
//! (`ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?)`) in one statement.

use crate::crm::customers::TimelineEntry;
use crate::entity::{customer, customer_event, interaction, ticket, ticket_transition};
use crate::write::find_scoped;
use crate::{Result, Store, StoreError, WorkspaceScope};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

/// The sources, in their tie-break order.
const TICKET: u8 = 1;
const TRANSITION: u8 = 2;
const INTERACTION: u8 = 3;
const EVENT: u8 = 4;

/// Where a page starts: the key of the previous page's last entry.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    at: DateTime<Utc>,
    source: u8,
    id: String,
}

impl Key {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "t1|{}|{}|{}",
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            self.source,
            self.id
        ))
    }

    fn decode(cursor: &str) -> Result<Key> {
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| StoreError::BadCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
        let mut parts = text.splitn(4, '|');
        let (Some("t1"), Some(at), Some(source), Some(id)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(StoreError::BadCursor);
        };
        let at = DateTime::parse_from_rfc3339(at)
            .map_err(|_| StoreError::BadCursor)?
            .with_timezone(&Utc);
        let source: u8 = source.parse().map_err(|_| StoreError::BadCursor)?;
        if !(TICKET..=EVENT).contains(&source) || id.is_empty() || id.len() > 64 {
            return Err(StoreError::BadCursor);
        }
        if source == TRANSITION && id.parse::<i64>().is_err() {
            return Err(StoreError::BadCursor);
        }
        Ok(Key {
            at,
            source,
            id: id.to_owned(),
        })
    }

    /// The condition "this source's `(at, id)` comes after the key" (descending order).
    fn after(&self, source: u8, at: Expr, id: Expr, id_value: sea_orm::Value) -> Condition {
        use std::cmp::Ordering::*;
        match source.cmp(&self.source) {
            Less => Condition::all().add(at.lte(self.at)),
            Greater => Condition::all().add(at.lt(self.at)),
            Equal => Condition::any()
                .add(at.clone().lt(self.at))
                .add(Condition::all().add(at.eq(self.at)).add(id.lt(id_value))),
        }
    }
}

fn entry_key(e: &TimelineEntry, source: u8) -> Key {
    Key {
        at: e.at,
        source,
        id: e.id.clone(),
    }
}

/// Descending order of keys (transition ids compare as numbers).
fn cmp_desc(a: &Key, b: &Key) -> std::cmp::Ordering {
    let id = |k: &Key| {
        if k.source == TRANSITION {
            format!("{:020}", k.id.parse::<i64>().unwrap_or_default())
        } else {
            k.id.clone()
        }
    };
    (b.at, b.source, id(b)).cmp(&(a.at, a.source, id(a)))
}

impl Store {
    /// One page of the customer's timeline, newest first, after `cursor` (the
    /// `next_cursor` of the previous page); returns the entries and the next cursor.
    pub async fn customer_timeline(
        &self,
        scope: &WorkspaceScope,
        id: &str,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<TimelineEntry>, Option<String>)> {
        let key = cursor.map(Key::decode).transpose()?;
        find_scoped::<customer::Entity, _>(self.db(), scope, id).await?;
        let db = self.db();
        let n = limit + 1;
        let mut all: Vec<(Key, TimelineEntry)> = vec![];

        let mut q = ticket::Entity::find()
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket::Column::CustomerId.eq(id));
        if let Some(k) = &key {
            q = q.filter(k.after(
                TICKET,
                Expr::col(ticket::Column::CreatedAt),
                Expr::col(ticket::Column::Id),
                k.id.clone().into(),
            ));
        }
        for t in q
            .order_by_desc(ticket::Column::CreatedAt)
            .order_by_desc(ticket::Column::Id)
            .limit(n)
            .all(db)
            .await?
        {
            let e = TimelineEntry {
                at: t.created_at,
                kind: "ticket".into(),
                id: t.id.clone(),
                ticket_id: Some(t.id),
                title: t.subject,
                from: None,
                to: Some(t.state.as_str().into()),
                body: None,
                actor_id: None,
            };
            all.push((entry_key(&e, TICKET), e));
        }

        use ticket_transition::Column as Tr;
        let of_customer = Query::select()
            .column(ticket::Column::Id)
            .from(ticket::Entity)
            .and_where(Expr::col(ticket::Column::WorkspaceId).eq(scope.id()))
            .and_where(Expr::col(ticket::Column::CustomerId).eq(id))
            .to_owned();
        let mut q = ticket_transition::Entity::find()
            .filter(Tr::WorkspaceId.eq(scope.id()))
            .filter(Expr::col(Tr::TicketId).in_subquery(of_customer));
        if let Some(k) = &key {
            let seq: i64 = k.id.parse().unwrap_or(i64::MAX);
            q = q.filter(k.after(
                TRANSITION,
                Expr::col(Tr::At),
                Expr::col(Tr::Seq),
                seq.into(),
            ));
        }
        let transitions = q
            .order_by_desc(Tr::At)
            .order_by_desc(Tr::Seq)
            .limit(n)
            .all(db)
            .await?;
        let ticket_ids: Vec<String> = transitions.iter().map(|r| r.ticket_id.clone()).collect();
        let subjects: BTreeMap<String, String> = if ticket_ids.is_empty() {
            BTreeMap::new()
        } else {
            ticket::Entity::find()
                .select_only()
                .column(ticket::Column::Id)
                .column(ticket::Column::Subject)
                .filter(ticket::Column::WorkspaceId.eq(scope.id()))
                .filter(ticket::Column::Id.is_in(ticket_ids))
                .into_tuple::<(String, String)>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        for r in transitions {
            let e = TimelineEntry {
                at: r.at,
                kind: "ticket_transition".into(),
                id: r.seq.to_string(),
                title: subjects.get(&r.ticket_id).cloned().unwrap_or_default(),
                ticket_id: Some(r.ticket_id),
                from: Some(r.from_state.as_str().into()),
                to: Some(r.to_state.as_str().into()),
                body: Some(r.reason).filter(|r| !r.is_empty()),
                actor_id: Some(r.actor_id),
            };
            all.push((entry_key(&e, TRANSITION), e));
        }

        // An interaction is placed when it was offered (or, if never, recorded).
        let at: Expr = Func::coalesce([
            Expr::col((interaction::Entity, interaction::Column::OfferedAt)),
            Expr::col((interaction::Entity, interaction::Column::CreatedAt)),
        ])
        .into();
        let mut q = interaction::Entity::find()
            .filter(interaction::Column::WorkspaceId.eq(scope.id()))
            .filter(interaction::Column::CustomerId.eq(id));
        if let Some(k) = &key {
            q = q.filter(k.after(
                INTERACTION,
                at.clone(),
                Expr::col(interaction::Column::Id),
                k.id.clone().into(),
            ));
        }
        for i in q
            .order_by_desc(at)
            .order_by_desc(interaction::Column::Id)
            .limit(n)
            .all(db)
            .await?
        {
            let e = TimelineEntry {
                at: i.offered_at.unwrap_or(i.created_at),
                kind: "interaction".into(),
                id: i.id,
                ticket_id: i.ticket_id,
                title: format!("{} {}", i.channel, i.direction),
                from: None,
                to: i.outcome.map(|o| o.as_str().into()),
                body: i.disposition,
                actor_id: i.agent_id,
            };
            all.push((entry_key(&e, INTERACTION), e));
        }

        let mut q = customer_event::Entity::find()
            .filter(customer_event::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_event::Column::CustomerId.eq(id));
        if let Some(k) = &key {
            q = q.filter(k.after(
                EVENT,
                Expr::col(customer_event::Column::At),
                Expr::col(customer_event::Column::Id),
                k.id.clone().into(),
            ));
        }
        for ev in q
            .order_by_desc(customer_event::Column::At)
            .order_by_desc(customer_event::Column::Id)
            .limit(n)
            .all(db)
            .await?
        {
            let e = TimelineEntry {
                at: ev.at,
                title: ev.kind.clone(),
                kind: ev.kind,
                id: ev.id,
                ticket_id: None,
                from: ev.from_value,
                to: ev.to_value,
                body: Some(ev.body).filter(|b| !b.is_empty()),
                actor_id: ev.actor_id,
            };
            all.push((entry_key(&e, EVENT), e));
        }

        all.sort_by(|a, b| cmp_desc(&a.0, &b.0));
        let more = all.len() as u64 > limit;
        all.truncate(limit as usize);
        let next = if more {
            all.last().map(|(k, _)| k.encode())
        } else {
            None
        };
        Ok((all.into_iter().map(|(_, e)| e).collect(), next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let k = Key {
            at: "2026-11-20T08:00:00Z".parse::<DateTime<Utc>>().unwrap(),
            source: TRANSITION,
            id: "42".into(),
        };
        assert_eq!(Key::decode(&k.encode()).unwrap(), k);
        for bad in [
            "",
            "%%%",
            &URL_SAFE_NO_PAD.encode("t1|2026-01-01T00:00:00Z|9|x"),
            &URL_SAFE_NO_PAD.encode("t1|2026-01-01T00:00:00Z|2|abc"),
            &URL_SAFE_NO_PAD.encode("t1|yesterday|1|abc"),
            &URL_SAFE_NO_PAD.encode("t0|2026-01-01T00:00:00Z|1|abc"),
        ] {
            assert!(Key::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order_is_time_then_source_then_id_descending() {
        let at = "2026-11-20T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let k = |source, id: &str| Key {
            at,
            source,
            id: id.into(),
        };
        let mut keys = vec![
            k(TRANSITION, "9"),
            k(TRANSITION, "10"),
            k(EVENT, "a"),
            k(TICKET, "z"),
        ];
        keys.sort_by(cmp_desc);
        assert_eq!(
            keys,
            vec![
                k(EVENT, "a"),
                k(TRANSITION, "10"),
                k(TRANSITION, "9"),
                k(TICKET, "z")
            ]
        );
    }
}
