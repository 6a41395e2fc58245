//! Who a ticket's notifications go to: the group's supervisors, the assignee and watchers,
//! @-mentioned users, a `notify` action's recipients; written through
//! [`crate::notifications::notify_on`] in the transaction of what they tell about.

use crate::entity::{team_member, ticket, ticket_watcher, user};
use crate::notifications::notify_on;
use crate::write::Write;
use crate::{Result, WorkspaceScope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The supervisors (and admins) who are members of group `group_id`.
pub(crate) async fn group_supervisors_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    group_id: &str,
) -> Result<Vec<String>> {
    let members: Vec<String> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::UserId)
        .filter(team_member::Column::WorkspaceId.eq(scope.id()))
        .filter(team_member::Column::TeamId.eq(group_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .filter(user::Column::Id.is_in(members.iter().map(String::as_str)))
        .filter(user::Column::Role.is_in(["supervisor", "admin"]))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// A `notify` action: `users` (those of the workspace), the ticket's assignee and/or the
/// supervisors of its group get an entry of kind `trigger`.
pub(crate) async fn notify_ticket_on(
    w: &Write<'_>,
    t: &ticket::Model,
    users: &[String],
    assignee: bool,
    supervisors: bool,
    text: &str,
) -> Result<usize> {
    let (conn, scope) = (w, w.scope());
    let mut to: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .filter(user::Column::Id.is_in(users.iter().map(String::as_str)))
        .into_tuple()
        .all(conn)
        .await?;
    if assignee {
        to.extend(t.assignee_id.iter().cloned());
    }
    if supervisors && let Some(g) = &t.group_id {
        to.extend(group_supervisors_on(conn, scope, g).await?);
    }
    notify_on(conn, &to, None, "trigger", Some(&t.id), text).await
}

/// The ticket's assignee and watchers.
pub(crate) async fn assignee_and_watchers_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    t: &ticket::Model,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = t.assignee_id.iter().cloned().collect();
    out.extend(
        ticket_watcher::Entity::find()
            .filter(ticket_watcher::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket_watcher::Column::TicketId.eq(t.id.as_str()))
            .order_by_asc(ticket_watcher::Column::Seq)
            .all(conn)
            .await?
            .into_iter()
            .map(|w| w.user_id),
    );
    Ok(out)
}

/// The users of `scope` mentioned in `body` as `@name` (their display name without spaces
/// or their e-mail's local part, case-insensitive).
pub(crate) async fn mentioned_on<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    body: &str,
) -> Result<Vec<String>> {
    let handles: Vec<String> = body
        .split(|c: char| c.is_whitespace() || ",;:!?()，。".contains(c))
        .filter_map(|w| w.strip_prefix('@'))
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    if handles.is_empty() {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .filter(|u| {
            let name = u.name.replace(' ', "").to_lowercase();
            let local = u.email.split('@').next().unwrap_or("").to_lowercase();
            handles.iter().any(|h| *h == name || *h == local)
        })
        .map(|u| u.id)
        .collect())
}
