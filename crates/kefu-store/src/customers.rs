//! Customers: the basic profile of SPEC C1 (names, phones, emails, external ids,
//! organization, tags).

use crate::crud::{
    Audited, delete_audited, find_scoped, insert_audited, list_scoped, update_audited,
};
use crate::entity::{customer, interaction, ticket};
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use chrono::Utc;
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::BTreeMap;

impl Audited for customer::Model {
    const KIND: &'static str = "customer";
    fn id(&self) -> &str {
        &self.id
    }
}

/// The editable fields of a customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFields {
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// Channel or system → id (e.g. `wechat` → `wxid_…`).
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    pub tags: Vec<String>,
}

impl CustomerFields {
    /// Validates and normalizes (trims, lower-cases e-mails, drops duplicates).
    pub fn validated(self) -> Result<CustomerFields> {
        let emails = validate::list("emails", &self.emails)?
            .iter()
            .map(|e| validate::email("emails", e))
            .collect::<Result<Vec<_>, _>>()?;
        if self.external_ids.len() > validate::MAX_ITEMS {
            return Err(too_many("external_ids"));
        }
        let mut external_ids = BTreeMap::new();
        for (k, v) in self.external_ids {
            external_ids.insert(
                validate::required("external_ids", &k, 100)?,
                validate::required("external_ids", &v, SHORT_TEXT)?,
            );
        }
        let organization = match self.organization {
            Some(o) if !o.trim().is_empty() => {
                Some(validate::required("organization", &o, SHORT_TEXT)?)
            }
            _ => None,
        };
        Ok(CustomerFields {
            name: validate::required("name", &self.name, SHORT_TEXT)?,
            phones: validate::list("phones", &self.phones)?,
            emails,
            external_ids,
            organization,
            tags: validate::list("tags", &self.tags)?,
        })
    }

    fn of(m: &customer::Model) -> CustomerFields {
        CustomerFields {
            name: m.name.clone(),
            phones: serde_json::from_value(m.phones.clone()).unwrap_or_default(),
            emails: serde_json::from_value(m.emails.clone()).unwrap_or_default(),
            external_ids: serde_json::from_value(m.external_ids.clone()).unwrap_or_default(),
            organization: m.organization.clone(),
            tags: serde_json::from_value(m.tags.clone()).unwrap_or_default(),
        }
    }

    fn write_to(self, m: &mut customer::Model) {
        m.name = self.name;
        m.phones = serde_json::json!(self.phones);
        m.emails = serde_json::json!(self.emails);
        m.external_ids = serde_json::json!(self.external_ids);
        m.organization = self.organization;
        m.tags = serde_json::json!(self.tags);
    }
}

fn too_many(field: &str) -> StoreError {
    kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason: kefu_model::error::FieldProblem::TooMany,
    }
    .into()
}

/// Reads the profile fields of a stored customer.
pub fn fields_of(m: &customer::Model) -> CustomerFields {
    CustomerFields::of(m)
}

/// Filters for the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Part of the name (case-insensitive for Latin letters).
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Store {
    pub async fn create_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        fields: CustomerFields,
    ) -> Result<customer::Model> {
        let fields = fields.validated()?;
        let now = Utc::now();
        let mut model = customer::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            name: String::new(),
            phones: serde_json::Value::Null,
            emails: serde_json::Value::Null,
            external_ids: serde_json::Value::Null,
            organization: None,
            tags: serde_json::Value::Null,
            created_at: now,
            updated_at: now,
        };
        fields.write_to(&mut model);
        insert_audited::<customer::ActiveModel>(self, scope, actor, model, "customer_exists").await
    }

    pub async fn get_customer(&self, scope: &WorkspaceScope, id: &str) -> Result<customer::Model> {
        find_scoped::<customer::Entity, _>(self.db(), scope, id).await
    }

    pub async fn list_customers(
        &self,
        scope: &WorkspaceScope,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<customer::Model>> {
        let mut cond = Condition::all();
        if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
            let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
            cond = cond.add(
                Expr::expr(Func::lower(Expr::col(customer::Column::Name)))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        }
        if let Some(o) = &filter.organization {
            cond = cond.add(customer::Column::Organization.eq(o.as_str()));
        }
        if let Some(t) = &filter.tag {
            let pattern = format!("%{}%", like_escape(&serde_json::json!(t).to_string()));
            cond = cond.add(
                Expr::expr(Expr::col(customer::Column::Tags).cast_as("text"))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        }
        list_scoped::<customer::Entity>(self, scope, cond, page).await
    }

    pub async fn update_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut CustomerFields),
    ) -> Result<customer::Model> {
        update_audited::<customer::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            "customer_exists",
            |c| {
                let mut f = CustomerFields::of(c);
                apply(&mut f);
                f.validated()?.write_to(c);
                c.updated_at = Utc::now();
                Ok(())
            },
        )
        .await
    }

    /// Deletes a customer that no ticket or interaction refers to.
    pub async fn delete_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket::Column::CustomerId.eq(id))
            .count(self.db())
            .await?;
        let interactions = interaction::Entity::find()
            .filter(interaction::Column::WorkspaceId.eq(scope.id()))
            .filter(interaction::Column::CustomerId.eq(id))
            .count(self.db())
            .await?;
        if tickets + interactions > 0 {
            return Err(StoreError::conflict(
                "customer_in_use",
                format!("{tickets} tickets and {interactions} interactions refer to this customer"),
            ));
        }
        delete_audited::<customer::ActiveModel>(self, scope, actor, id).await
    }
}
