//! Workspaces (tenants), their users and API/session tokens; authentication lookups that
//! make [`WorkspaceScope`]s.

use crate::audit::Change;
use crate::entity::{api_token, user, workspace};
use crate::page::page_of;
use crate::write::{Audited, find_scoped, insert_audited, update_audited};
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, Utc};
use kefu_model::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};

impl Audited for user::Model {
    const KIND: &'static str = "user";
    fn id(&self) -> &str {
        &self.id
    }
    fn snapshot(&self) -> Value {
        json!({
            "id": self.id, "email": self.email, "name": self.name, "role": self.role,
            "active": self.active, "has_password": self.password_hash.is_some(),
        })
    }
}

impl Audited for api_token::Model {
    const KIND: &'static str = "api_token";
    fn id(&self) -> &str {
        &self.id
    }
    fn snapshot(&self) -> Value {
        json!({
            "id": self.id, "user_id": self.user_id, "name": self.name, "kind": self.kind,
            "expires_at": self.expires_at, "revoked_at": self.revoked_at,
        })
    }
}

/// An authenticated caller: the workspace, the user and the role it acts with.
#[derive(Debug, Clone)]
pub struct Principal {
    pub scope: WorkspaceScope,
    pub user_id: String,
    pub role: Role,
    pub token_id: String,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
        }
    }
}

/// What `bootstrap` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    Created,
    AlreadyDone,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
}

/// Filters for the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

impl Store {
    /// Creates workspace `slug` with its first admin, or confirms that exactly this was done
    /// before (`verify` checks the stored password hash against the given password).
    pub async fn bootstrap(
        &self,
        slug: &str,
        email: &str,
        password_hash: String,
        verify: impl Fn(&str) -> bool,
    ) -> Result<(Bootstrap, WorkspaceScope)> {
        if let Some(ws) = workspace::Entity::find()
            .filter(workspace::Column::Slug.eq(slug))
            .one(self.db())
            .await?
        {
            let scope = WorkspaceScope::new(ws.id);
            let admin = user::Entity::find()
                .filter(user::Column::WorkspaceId.eq(scope.id()))
                .filter(user::Column::Email.eq(email))
                .one(self.db())
                .await?;
            return match admin {
                Some(u) if u.role == "admin" && u.password_hash.as_deref().is_some_and(&verify) => {
                    Ok((Bootstrap::AlreadyDone, scope))
                }
                _ => Err(StoreError::conflict(
                    "workspace_exists",
                    format!("workspace `{slug}` already exists with a different admin or password"),
                )),
            };
        }
        // The workspace and its first admin in one transaction: a crash leaves both or neither.
        let scope = WorkspaceScope::new(kefu_model::new_id().to_string());
        let txn = self.write(&scope, &Actor::default()).await?;
        workspace::Model {
            id: scope.id().to_owned(),
            slug: slug.to_owned(),
            name: slug.to_owned(),
            time_zone: "Asia/Shanghai".into(),
            created_at: txn.now(),
        }
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await
        .map_err(|e| StoreError::unique_as(e, "workspace_exists"))?;
        let user = NewUser {
            email: email.to_owned(),
            name: email.split('@').next().unwrap_or(email).to_owned(),
            role: Role::Admin,
            password_hash: Some(password_hash),
        };
        let admin = user_model(&scope, user, txn.now())?;
        let after = admin.snapshot();
        let admin = admin
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await
            .map_err(|e| StoreError::unique_as(e, "email_taken"))?;
        txn.record(Change {
            action: "created",
            entity_type: <user::Model as Audited>::KIND,
            entity_id: &admin.id,
            before: None,
            after: Some(after),
        })
        .await?;
        txn.commit().await?;
        Ok((Bootstrap::Created, scope))
    }

    /// The workspace record of `scope`.
    pub async fn workspace(&self, scope: &WorkspaceScope) -> Result<workspace::Model> {
        workspace::Entity::find_by_id(scope.id().to_owned())
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The active user `email` of workspace `slug`, for a password check by the caller.
    pub async fn login_candidate(
        &self,
        slug: &str,
        email: &str,
    ) -> Result<Option<(WorkspaceScope, user::Model)>> {
        let Some(ws) = workspace::Entity::find()
            .filter(workspace::Column::Slug.eq(slug))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let u = user::Entity::find()
            .filter(user::Column::WorkspaceId.eq(ws.id.as_str()))
            .filter(user::Column::Email.eq(email.to_lowercase()))
            .filter(user::Column::Active.eq(true))
            .one(self.db())
            .await?;
        Ok(u.map(|u| (WorkspaceScope::new(ws.id), u)))
    }

    /// The principal of a token, by the token's hash: none if unknown, revoked, expired, or
    /// its user is inactive.
    pub async fn authenticate(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>> {
        let Some(tok) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        if tok.revoked_at.is_some() || tok.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id(tok.user_id.clone())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        if !u.active || u.workspace_id != tok.workspace_id {
            return Ok(None);
        }
        let Some(role) = Role::parse(&u.role) else {
            return Ok(None);
        };
        Ok(Some(Principal {
            scope: WorkspaceScope::new(tok.workspace_id),
            user_id: u.id,
            role,
            token_id: tok.id,
        }))
    }

    /// Stores a token (only its hash). `kind` is `session` (from a login) or `api` (named,
    /// made by an admin).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_token(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        user_id: &str,
        name: &str,
        kind: &str,
        token_hash: String,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<api_token::Model> {
        find_scoped::<user::Entity, _>(self.db(), scope, user_id)
            .await
            .map_err(|_| StoreError::UnknownReference { field: "user_id" })?;
        let model = api_token::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            token_hash,
            created_at: self.now(),
            expires_at,
            revoked_at: None,
        };
        insert_audited::<api_token::ActiveModel>(self, scope, actor, model, Some("token_exists"))
            .await
    }

    /// Named API tokens of the workspace (sessions are not listed), newest first.
    pub async fn list_tokens(
        &self,
        scope: &WorkspaceScope,
        page: &PageRequest,
    ) -> Result<Page<api_token::Model>> {
        let mut q = api_token::Entity::find()
            .filter(api_token::Column::WorkspaceId.eq(scope.id()))
            .filter(api_token::Column::Kind.eq("api"));
        if let Some(after) = page.after()? {
            q = q.filter(api_token::Column::Id.lt(after));
        }
        let limit = page.limit();
        let rows = q
            .order_by_desc(api_token::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        Ok(page_of(rows, limit, |r| r.id.clone()))
    }

    /// Revokes a token; it stops working at once.
    pub async fn revoke_token(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<api_token::Model> {
        update_audited::<api_token::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "revoked",
            None,
            |t, now| {
                if t.revoked_at.is_none() {
                    t.revoked_at = Some(now);
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn create_user(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        new: NewUser,
    ) -> Result<user::Model> {
        let model = user_model(scope, new, self.now())?;
        insert_audited::<user::ActiveModel>(self, scope, actor, model, Some("email_taken")).await
    }

    pub async fn get_user(&self, scope: &WorkspaceScope, id: &str) -> Result<user::Model> {
        find_scoped::<user::Entity, _>(self.db(), scope, id).await
    }

    pub async fn list_users(
        &self,
        scope: &WorkspaceScope,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<user::Model>> {
        let mut q = user::Entity::find().filter(user::Column::WorkspaceId.eq(scope.id()));
        if let Some(r) = filter.role {
            q = q.filter(user::Column::Role.eq(r.as_str()));
        }
        if let Some(a) = filter.active {
            q = q.filter(user::Column::Active.eq(a));
        }
        if let Some(after) = page.after()? {
            q = q.filter(user::Column::Id.lt(after));
        }
        let limit = page.limit();
        let rows = q
            .order_by_desc(user::Column::Id)
            .limit(limit + 1)
            .all(self.db())
            .await?;
        Ok(page_of(rows, limit, |r| r.id.clone()))
    }

    /// Changes a user; `apply` edits the record (validated by the caller through the model).
    pub async fn update_user(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut user::Model) -> Result<()>,
    ) -> Result<user::Model> {
        update_audited::<user::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            Some("email_taken"),
            |u, now| {
                apply(u)?;
                u.updated_at = now;
                Ok(())
            },
        )
        .await
    }
}

impl Store {
    /// How many workspaces exist (0 on a fresh installation).
    pub async fn workspace_count(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(workspace::Entity::find().count(self.db()).await?)
    }
}

/// A validated new user record of `scope`.
fn user_model(
    scope: &WorkspaceScope,
    new: NewUser,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<user::Model> {
    Ok(user::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        email: kefu_model::validate::email("email", &new.email)?,
        name: kefu_model::validate::required("name", &new.name, kefu_model::validate::SHORT_TEXT)?,
        role: new.role.as_str().to_owned(),
        password_hash: new.password_hash,
        active: true,
        created_at: now,
        updated_at: now,
    })
}
