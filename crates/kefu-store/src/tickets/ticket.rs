//! Tickets (SPEC C3 core fields) and their transitions through the state machine of
//! `kefu_model::TicketState`, each recorded with actor and reason.

use crate::audit::Change;
use crate::entity::{customer, team, ticket, ticket_transition, user};
use crate::write::Write;
use crate::write::{Audited, check_ref, delete_audited, find_scoped, list_scoped};
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use kefu_model::validate::{self, LONG_TEXT, SHORT_TEXT};
use kefu_model::{Priority, TicketState, TicketType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

impl Audited for ticket::Model {
    const KIND: &'static str = "ticket";
    fn id(&self) -> &str {
        &self.id
    }
}

/// The editable fields of a ticket (the state changes only through transitions).
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFields {
    pub customer_id: Option<String>,
    pub ticket_type: TicketType,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
}

impl TicketFields {
    fn validated(self) -> Result<TicketFields> {
        Ok(TicketFields {
            subject: validate::required("subject", &self.subject, SHORT_TEXT)?,
            description: validate::optional("description", &self.description, LONG_TEXT)?
                .to_owned(),
            ..self
        })
    }

    /// Reads the editable fields of a stored ticket.
    pub fn of(m: &ticket::Model) -> Result<TicketFields> {
        Ok(TicketFields {
            customer_id: m.customer_id.clone(),
            ticket_type: m.ticket_type,
            subject: m.subject.clone(),
            description: m.description.clone(),
            priority: m.priority,
            assignee_id: m.assignee_id.clone(),
            group_id: m.group_id.clone(),
        })
    }

    fn write_to(self, m: &mut ticket::Model) {
        m.customer_id = self.customer_id;
        m.ticket_type = self.ticket_type;
        m.subject = self.subject;
        m.description = self.description;
        m.priority = self.priority;
        m.assignee_id = self.assignee_id;
        m.group_id = self.group_id;
    }
}

/// Filters for the ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub state: Option<TicketState>,
    pub priority: Option<Priority>,
    pub ticket_type: Option<TicketType>,
    pub customer_id: Option<String>,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    /// Only tickets carrying this tag.
    pub tag: Option<String>,
    /// Only tickets without an assignee.
    pub unassigned: bool,
    /// Only tickets that are neither resolved nor closed.
    pub active: bool,
    /// Only tickets of one of these groups.
    pub group_ids: Option<Vec<String>>,
    /// Only these tickets.
    pub ids: Option<Vec<String>>,
    /// Only tickets of this category.
    pub category_id: Option<String>,
}

/// The order of a ticket list. Each is a total order (ties broken by id, newest first), so
/// keyset paging neither skips nor repeats a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    /// Newest first (the id order).
    #[default]
    Created,
    /// Most recently changed first.
    Updated,
    /// Urgent, high, normal, low; newest first within a priority.
    Priority,
}

/// The rank of a priority for sorting (urgent highest).
pub fn priority_rank(p: Priority) -> i64 {
    match p {
        Priority::Urgent => 3,
        Priority::High => 2,
        Priority::Normal => 1,
        Priority::Low => 0,
    }
}

const PRIORITY_RANK_SQL: &str =
    "(CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END)";

impl Store {
    async fn check_ticket_refs(&self, scope: &WorkspaceScope, f: &TicketFields) -> Result<()> {
        check_ref::<customer::Entity>(self, scope, "customer_id", f.customer_id.as_deref()).await?;
        check_ref::<user::Entity>(self, scope, "assignee_id", f.assignee_id.as_deref()).await?;
        check_ref::<team::Entity>(self, scope, "group_id", f.group_id.as_deref()).await
    }

    pub async fn create_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        fields: TicketFields,
    ) -> Result<ticket::Model> {
        let fields = fields.validated()?;
        self.check_ticket_refs(scope, &fields).await?;
        let now = self.now();
        let mut model = ticket::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            customer_id: None,
            ticket_type: fields.ticket_type,
            subject: String::new(),
            description: String::new(),
            priority: fields.priority,
            state: TicketState::New,
            assignee_id: None,
            group_id: None,
            created_at: now,
            updated_at: now,
        };
        fields.write_to(&mut model);
        let txn = self.write(scope, actor).await?;
        let after = model.snapshot();
        let saved = model
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await
            .map_err(|e| StoreError::unique_as(e, "ticket_exists"))?;
        let change = Change {
            action: "created",
            entity_type: "ticket",
            entity_id: &saved.id,
            before: None,
            after: Some(after),
        };
        txn.record(change).await?;
        crate::tickets::sla::record_attributes_on(&txn, &saved, now).await?;
        txn.commit().await?;
        Ok(saved)
    }

    pub async fn get_ticket(&self, scope: &WorkspaceScope, id: &str) -> Result<ticket::Model> {
        find_scoped::<ticket::Entity, _>(self.db(), scope, id).await
    }

    pub async fn list_tickets(
        &self,
        scope: &WorkspaceScope,
        f: &TicketFilter,
        page: &PageRequest,
    ) -> Result<Page<ticket::Model>> {
        let cond = Self::ticket_condition(scope, f);
        list_scoped::<ticket::Entity>(self, scope, cond, page).await
    }

    fn ticket_condition(scope: &WorkspaceScope, f: &TicketFilter) -> Condition {
        let mut cond = Condition::all().add(ticket::Column::WorkspaceId.eq(scope.id()));
        if let Some(s) = f.state {
            cond = cond.add(ticket::Column::State.eq(s.as_str()));
        }
        if let Some(p) = f.priority {
            cond = cond.add(ticket::Column::Priority.eq(p.as_str()));
        }
        if let Some(t) = f.ticket_type {
            cond = cond.add(ticket::Column::TicketType.eq(t.as_str()));
        }
        if let Some(c) = &f.customer_id {
            cond = cond.add(ticket::Column::CustomerId.eq(c.as_str()));
        }
        if let Some(a) = &f.assignee_id {
            cond = cond.add(ticket::Column::AssigneeId.eq(a.as_str()));
        }
        if let Some(g) = &f.group_id {
            cond = cond.add(ticket::Column::GroupId.eq(g.as_str()));
        }
        if f.unassigned {
            cond = cond.add(ticket::Column::AssigneeId.is_null());
        }
        if f.active {
            cond = cond.add(
                ticket::Column::State
                    .is_not_in([TicketState::Resolved.as_str(), TicketState::Closed.as_str()]),
            );
        }
        if let Some(g) = &f.group_ids {
            cond = cond.add(ticket::Column::GroupId.is_in(g.iter().map(String::as_str)));
        }
        if let Some(ids) = &f.ids {
            cond = cond.add(ticket::Column::Id.is_in(ids.iter().map(String::as_str)));
        }
        use sea_orm::{QuerySelect, QueryTrait};
        if let Some(tag) = &f.tag {
            let tagged = crate::entity::ticket_tag::Entity::find()
                .select_only()
                .column(crate::entity::ticket_tag::Column::TicketId)
                .filter(crate::entity::ticket_tag::Column::WorkspaceId.eq(scope.id()))
                .filter(crate::entity::ticket_tag::Column::Tag.eq(tag.as_str()))
                .into_query();
            cond = cond.add(ticket::Column::Id.in_subquery(tagged));
        }
        if let Some(c) = &f.category_id {
            use crate::entity::ticket_category_of as of;
            let inside = of::Entity::find()
                .select_only()
                .column(of::Column::TicketId)
                .filter(of::Column::WorkspaceId.eq(scope.id()))
                .filter(of::Column::CategoryId.eq(c.as_str()))
                .into_query();
            cond = cond.add(ticket::Column::Id.in_subquery(inside));
        }
        cond
    }

    /// One page of the tickets matching `f` in the order `sort` (keyset paging: the cursor
    /// holds the last row's sort key and id).
    pub async fn list_tickets_sorted(
        &self,
        scope: &WorkspaceScope,
        f: &TicketFilter,
        sort: TicketSort,
        page: &PageRequest,
    ) -> Result<Page<ticket::Model>> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        use sea_orm::{Order, QuerySelect};
        let mut q = ticket::Entity::find().filter(Self::ticket_condition(scope, f));
        let rank = || Expr::cust(PRIORITY_RANK_SQL);
        if let Some(after) = page.after()? {
            let (key, id) = match after.split_once('|') {
                Some((k, id)) => (k.to_owned(), id.to_owned()),
                None => (String::new(), after.clone()),
            };
            let n: i64 = if sort == TicketSort::Created {
                0
            } else {
                key.parse().map_err(|_| StoreError::BadCursor)?
            };
            let after_id = ticket::Column::Id.lt(id.as_str());
            q = match sort {
                TicketSort::Created => q.filter(after_id),
                TicketSort::Updated => {
                    let at = chrono::DateTime::from_timestamp_nanos(n);
                    q.filter(
                        Condition::any()
                            .add(ticket::Column::UpdatedAt.lt(at))
                            .add(ticket::Column::UpdatedAt.eq(at).and(after_id)),
                    )
                }
                TicketSort::Priority => q.filter(
                    Condition::any()
                        .add(rank().lt(n))
                        .add(Condition::all().add(rank().eq(n)).add(after_id)),
                ),
            };
        }
        q = match sort {
            TicketSort::Created => q,
            TicketSort::Updated => q.order_by_desc(ticket::Column::UpdatedAt),
            TicketSort::Priority => q.order_by(rank(), Order::Desc),
        };
        let limit = page.limit();
        let rows = q
            .order_by_desc(ticket::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        Ok(crate::page::page_of(rows, limit, |t| match sort {
            TicketSort::Created => t.id.clone(),
            TicketSort::Updated => format!(
                "{}|{}",
                t.updated_at.timestamp_nanos_opt().unwrap_or_default(),
                t.id
            ),
            TicketSort::Priority => format!("{}|{}", priority_rank(t.priority), t.id),
        }))
    }

    /// The ids of every ticket matching `f` (at most `cap`), newest first: for orders
    /// computed outside SQL (SLA due times).
    pub async fn ticket_ids_matching(
        &self,
        scope: &WorkspaceScope,
        f: &TicketFilter,
        cap: u64,
    ) -> Result<Vec<String>> {
        use sea_orm::QuerySelect;
        Ok(ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(Self::ticket_condition(scope, f))
            .order_by_desc(ticket::Column::Id)
            .limit(cap)
            .into_tuple::<String>()
            .all(self.db())
            .await?)
    }

    /// Open (neither resolved nor closed) and escalated ticket counts per group (`None`:
    /// no group), in one grouped query.
    pub async fn ticket_group_counts(
        &self,
        scope: &WorkspaceScope,
    ) -> Result<Vec<(Option<String>, u64, u64)>> {
        use sea_orm::QuerySelect;
        let rows: Vec<(Option<String>, String, i64)> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::GroupId)
            .column(ticket::Column::State)
            .column_as(ticket::Column::Id.count(), "n")
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(
                ticket::Column::State
                    .is_not_in([TicketState::Resolved.as_str(), TicketState::Closed.as_str()]),
            )
            .group_by(ticket::Column::GroupId)
            .group_by(ticket::Column::State)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut out: Vec<(Option<String>, u64, u64)> = vec![];
        for (g, state, n) in rows {
            let i = match out.iter().position(|r| r.0 == g) {
                Some(i) => i,
                None => {
                    out.push((g, 0, 0));
                    out.len() - 1
                }
            };
            out[i].1 += n as u64;
            if state == TicketState::Escalated.as_str() {
                out[i].2 += n as u64;
            }
        }
        Ok(out)
    }

    /// Changes a ticket's fields; `apply` edits a copy that is then validated and checked.
    pub async fn update_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut TicketFields),
    ) -> Result<ticket::Model> {
        let txn = self.write(scope, actor).await?;
        let saved = update_fields_on(&txn, id, apply).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Moves a ticket to `to` if the state machine allows it; records the transition (actor,
    /// reason), the audit row and the outbox event in one transaction. Reopening a closed
    /// ticket after the workspace's reopen window is 409 `reopen_window_passed`.
    pub async fn transition_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        to: TicketState,
        reason: &str,
    ) -> Result<ticket::Model> {
        let txn = self.write(scope, actor).await?;
        let saved = transition_on(&txn, id, to, reason).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// The transitions of a ticket, oldest first.
    pub async fn ticket_transitions(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<Vec<ticket_transition::Model>> {
        self.get_ticket(scope, id).await?;
        Ok(ticket_transition::Entity::find()
            .filter(ticket_transition::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_transition::Column::TicketId.eq(id))
            .order_by_asc(ticket_transition::Column::Seq)
            .all(self.db())
            .await?)
    }

    pub async fn delete_ticket(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        delete_audited::<ticket::ActiveModel>(self, scope, actor, id).await
    }
}

/// The transition of [`Store::transition_ticket`] on an open transaction `conn`.
pub(crate) async fn transition_on(
    w: &Write<'_>,
    id: &str,
    to: TicketState,
    reason: &str,
) -> Result<ticket::Model> {
    let (conn, scope, actor) = (w, w.scope(), w.actor());
    let reason = validate::optional("reason", reason, SHORT_TEXT)?.to_owned();
    let current = find_scoped::<ticket::Entity, _>(conn, scope, id).await?;
    let from = current.state;
    from.transition(to)?;
    let now = w.now();
    if from == TicketState::Closed && to == TicketState::Reopened {
        let window = crate::tickets::settings::reopen_window_on(conn, scope).await?;
        let closed_at = ticket_transition::Entity::find()
            .filter(ticket_transition::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_transition::Column::TicketId.eq(id))
            .filter(ticket_transition::Column::ToState.eq(TicketState::Closed.as_str()))
            .order_by_desc(ticket_transition::Column::Seq)
            .one(conn)
            .await?
            .map(|t| t.at)
            .unwrap_or(current.updated_at);
        if now - closed_at > window {
            return Err(StoreError::conflict(
                "reopen_window_passed",
                "the reopen window of this closed ticket has passed; open a follow-up ticket",
            ));
        }
    }
    if to == TicketState::Closed
        && current.ticket_type == TicketType::Complaint
        && crate::tickets::settings::settings_on(conn, scope)
            .await?
            .complaint_follow_up_required
        && crate::tickets::complaints::follow_up_missing(conn, scope, id).await?
    {
        return Err(StoreError::conflict(
            "follow_up_required",
            "a complaint is closed only after its follow-up call is recorded",
        ));
    }
    let before = current.snapshot();
    let mut next = current;
    next.state = to;
    next.updated_at = now;
    let mut notify_tier2 = vec![];
    if to == TicketState::Escalated
        && let Some(g) = crate::tickets::settings::settings_on(conn, scope)
            .await?
            .tier2_group_id
    {
        // 提送二线: the ticket moves to the tier-2 group; its tier-1 assignee lets go unless
        // they are a member of that group too.
        let members = crate::entity::team_member::Entity::find()
            .filter(crate::entity::team_member::Column::WorkspaceId.eq(scope.id()))
            .filter(crate::entity::team_member::Column::TeamId.eq(g.as_str()))
            .all(conn)
            .await?;
        if next
            .assignee_id
            .as_ref()
            .is_some_and(|a| !members.iter().any(|m| &m.user_id == a))
        {
            next.assignee_id = None;
        }
        next.group_id = Some(g.clone());
        notify_tier2 = crate::tickets::notify::group_supervisors_on(conn, scope, &g).await?;
        notify_tier2.extend(next.assignee_id.iter().cloned());
    }
    let after = next.snapshot();
    let saved = next.into_active_model().reset_all().update(conn).await?;
    ticket_transition::ActiveModel {
        workspace_id: Set(scope.id().to_owned()),
        ticket_id: Set(id.to_owned()),
        from_state: Set(from),
        to_state: Set(to),
        reason: Set(reason.clone()),
        actor_id: Set(actor.user_id.clone().unwrap_or_default()),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut after = after;
    after["transition"] = serde_json::json!({"from": from, "to": to, "reason": reason});
    let change = Change {
        action: "transitioned",
        entity_type: "ticket",
        entity_id: id,
        before: Some(before),
        after: Some(after),
    };
    conn.record(change).await?;
    let text = format!("{} — {}", saved.subject, reason);
    crate::notifications::notify_on(
        conn,
        &notify_tier2,
        actor.user_id.as_deref(),
        "escalated",
        Some(id),
        &text,
    )
    .await?;
    Ok(saved)
}

/// The update of [`Store::update_ticket`] on an open transaction `conn`: validated fields,
/// references checked in the workspace, audited `updated`, and the SLA attributes recorded
/// when type, priority or customer (so tier) changed.
pub(crate) async fn update_fields_on(
    w: &Write<'_>,
    id: &str,
    apply: impl FnOnce(&mut TicketFields),
) -> Result<ticket::Model> {
    let (conn, scope) = (w, w.scope());
    let current = find_scoped::<ticket::Entity, _>(conn, scope, id).await?;
    let mut fields = TicketFields::of(&current)?;
    apply(&mut fields);
    let fields = fields.validated()?;
    for (field, r) in [
        ("customer_id", fields.customer_id.as_deref()),
        ("assignee_id", fields.assignee_id.as_deref()),
        ("group_id", fields.group_id.as_deref()),
    ] {
        let Some(r) = r else { continue };
        let found = match field {
            "customer_id" => find_scoped::<customer::Entity, _>(conn, scope, r)
                .await
                .map(|_| ()),
            "assignee_id" => find_scoped::<user::Entity, _>(conn, scope, r)
                .await
                .map(|_| ()),
            _ => find_scoped::<team::Entity, _>(conn, scope, r)
                .await
                .map(|_| ()),
        };
        match found {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(StoreError::UnknownReference { field }),
            Err(e) => return Err(e),
        }
    }
    let before = current.snapshot();
    let mut next = current;
    fields.write_to(&mut next);
    let now = w.now();
    next.updated_at = now;
    let after = next.snapshot();
    let saved = next.into_active_model().reset_all().update(conn).await?;
    let change = Change {
        action: "updated",
        entity_type: "ticket",
        entity_id: id,
        before: Some(before),
        after: Some(after),
    };
    conn.record(change).await?;
    // Type, priority or customer (so tier) changes re-target the SLA clock from now.
    crate::tickets::sla::record_attributes_on(conn, &saved, now).await?;
    Ok(saved)
}
