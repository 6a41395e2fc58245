//! The in-app notification inbox: entries written in the transaction of what they tell about
//! (by the domains that notify), read and marked read only by their own user.

use crate::audit::Change;
use crate::entity::notification;
use crate::page::page_of;
use crate::write::Write;
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Adds one inbox entry per user in `users` (duplicates and `skip` left out).
pub(crate) async fn notify_on(
    w: &Write<'_>,
    users: &[String],
    skip: Option<&str>,
    kind: &str,
    ticket_id: Option<&str>,
    text: &str,
) -> Result<usize> {
    let (conn, scope, now) = (w, w.scope(), w.now());
    let mut done: Vec<&str> = vec![];
    for u in users {
        if done.contains(&u.as_str()) || Some(u.as_str()) == skip {
            continue;
        }
        done.push(u);
        notification::ActiveModel {
            workspace_id: Set(scope.id().to_owned()),
            user_id: Set(u.clone()),
            kind: Set(kind.to_owned()),
            ticket_id: Set(ticket_id.map(str::to_owned)),
            text: Set(text.chars().take(500).collect()),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(done.len())
}

impl Store {
    /// One page of `user_id`'s notifications, newest first (`unread` only if asked).
    pub async fn notifications(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
        unread: bool,
        page: &PageRequest,
    ) -> Result<Page<notification::Model>> {
        let mut q = notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id));
        if unread {
            q = q.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(after) = page.after()? {
            let seq: i64 = after.parse().map_err(|_| StoreError::BadCursor)?;
            q = q.filter(notification::Column::Seq.lt(seq));
        }
        let rows = q
            .order_by_desc(notification::Column::Seq)
            .limit(page.limit() + 1)
            .all(self.db())
            .await?;
        Ok(page_of(rows, page.limit(), |n| n.seq.to_string()))
    }

    /// How many notifications of `user_id` are unread.
    pub async fn unread_notifications(&self, scope: &WorkspaceScope, user_id: &str) -> Result<u64> {
        Ok(notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }

    /// Marks `user_id`'s notifications read: the given ones (`Some(seqs)`) or all. Returns
    /// how many changed. Another user's entries are left alone.
    pub async fn mark_notifications_read(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
        seqs: Option<&[i64]>,
    ) -> Result<u64> {
        // The reader's own change, audited on the user.
        let actor = Actor {
            user_id: Some(user_id.to_owned()),
        };
        let w = self.write(scope, &actor).await?;
        let mut q = notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(w.now()),
            )
            .filter(notification::Column::WorkspaceId.eq(scope.id()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(s) = seqs {
            q = q.filter(notification::Column::Seq.is_in(s.iter().copied()));
        }
        let n = q.exec(&w).await?.rows_affected;
        if n > 0 {
            w.record(Change {
                action: "notifications_read",
                entity_type: "user",
                entity_id: user_id,
                before: None,
                after: Some(serde_json::json!({"read": n, "seqs": seqs})),
            })
            .await?;
        }
        w.commit().await?;
        Ok(n)
    }
}
