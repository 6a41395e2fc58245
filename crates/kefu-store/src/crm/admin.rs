//! Editing and deleting CRM definitions (SPEC C1): custom field definitions and segments.
//!
//! - A field's label may always change. Its type or choices change only when every stored
//!   value still validates under the new definition; otherwise 409
//!   `custom_field_values_invalid` (nothing is converted silently).
//! - A field is deleted only while unused: no customer holds a value for it, no segment rule
//!   names it and RFM does not take its monetary value from it; otherwise 409
//!   `custom_field_in_use` saying what uses it. (Values are never dropped implicitly.)
//! - A segment's name and rules may change (rules are checked by compiling them); a segment
//!   may be deleted. Every change is audited in its transaction.

use crate::crm::customers::{check_custom, invalid, like_escape};
use crate::crm::segments::{Rule, compile};
use crate::entity::{custom_field_def, customer, segment};
use crate::write::{delete_audited, find_scoped, update_audited};
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::error::FieldProblem;
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

/// A change to a custom field definition; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct FieldPatch {
    pub label: Option<String>,
    pub field_type: Option<String>,
    pub choices: Option<Vec<String>>,
}

impl Store {
    /// Live customers holding a value for custom field `key`: `(id, value)`, at most `limit`.
    async fn custom_values(
        &self,
        scope: &WorkspaceScope,
        key: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(String, Value)>> {
        // A cheap pre-filter on the JSON text; the value itself is checked below.
        let pattern = format!("%{}%", like_escape(&format!("\"{key}\"")));
        let mut q = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::Custom)
            .filter(customer::Column::WorkspaceId.eq(scope.id()))
            .filter(
                Expr::expr(Expr::col(customer::Column::Custom).cast_as("text"))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        if let Some(a) = after {
            q = q.filter(customer::Column::Id.gt(a));
        }
        let rows: Vec<(String, Option<Value>)> = q
            .order_by_asc(customer::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, c)| {
                let v = c.and_then(|c| c.get(key).cloned()).unwrap_or(Value::Null);
                (id, v)
            })
            .collect())
    }

    /// Changes a custom field definition (see the module docs for when a type or choices
    /// change is refused).
    pub async fn update_custom_field(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        patch: FieldPatch,
    ) -> Result<custom_field_def::Model> {
        let current = find_scoped::<custom_field_def::Entity, _>(self.db(), scope, id).await?;
        let mut next = current.clone();
        if let Some(l) = &patch.label {
            next.label = validate::required("label", l, SHORT_TEXT)?;
        }
        if let Some(t) = &patch.field_type {
            if !crate::crm::customers::FIELD_TYPES.contains(&t.as_str()) {
                return Err(invalid("field_type", FieldProblem::Format));
            }
            next.field_type = t.clone();
        }
        if let Some(c) = &patch.choices {
            next.choices = json!(validate::list("choices", c)?);
        }
        let choices: Vec<String> = serde_json::from_value(next.choices.clone()).unwrap_or_default();
        if next.field_type.ends_with("choice") && choices.is_empty() {
            return Err(invalid("choices", FieldProblem::Empty));
        }
        if next.field_type != current.field_type || next.choices != current.choices {
            let mut after: Option<String> = None;
            let mut bad = 0u64;
            let mut example = None;
            loop {
                let rows = self
                    .custom_values(scope, &current.key, after.as_deref(), 1000)
                    .await?;
                let Some(last) = rows.last() else { break };
                after = Some(last.0.clone());
                for (cid, v) in rows {
                    if !Value::is_null(&v) && check_custom(&next, &v).as_ref() != Some(&v) {
                        bad += 1;
                        example.get_or_insert(cid);
                    }
                }
            }
            if bad > 0 {
                return Err(StoreError::conflict(
                    "custom_field_values_invalid",
                    format!(
                        "{bad} customers (e.g. {}) hold values the new definition rejects",
                        example.unwrap_or_default()
                    ),
                ));
            }
        }
        update_audited::<custom_field_def::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            Some("custom_field_exists"),
            |m, _now| {
                *m = next;
                Ok(())
            },
        )
        .await
    }

    /// Deletes a custom field definition that nothing uses.
    pub async fn delete_custom_field(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        let def = find_scoped::<custom_field_def::Entity, _>(self.db(), scope, id).await?;
        let mut users = vec![];
        let held = self
            .custom_values(scope, &def.key, None, 1000)
            .await?
            .into_iter()
            .filter(|(_, v)| !Value::is_null(v))
            .count();
        if held > 0 {
            users.push(format!(
                "{held}{} customers hold a value",
                if held >= 1000 { "+" } else { "" }
            ));
        }
        let field = format!("custom.{}", def.key);
        let segs = segment::Entity::find()
            .filter(segment::Column::WorkspaceId.eq(scope.id()))
            .all(self.db())
            .await?;
        for s in segs {
            let rules: Vec<Rule> = serde_json::from_value(s.rules).unwrap_or_default();
            if rules.iter().any(|r| r.field == field) {
                users.push(format!("segment `{}` filters on it", s.name));
            }
        }
        if self
            .rfm_state(scope)
            .await?
            .settings
            .monetary_field
            .as_deref()
            == Some(&def.key)
        {
            users.push("RFM takes its monetary value from it".into());
        }
        if !users.is_empty() {
            return Err(StoreError::conflict(
                "custom_field_in_use",
                format!("field `{}` is in use: {}", def.key, users.join("; ")),
            ));
        }
        delete_audited::<custom_field_def::ActiveModel>(self, scope, actor, id).await
    }

    /// Renames a segment and/or replaces its rules.
    pub async fn update_segment(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        name: Option<String>,
        rules: Option<Vec<Rule>>,
    ) -> Result<segment::Model> {
        let name = name
            .map(|n| validate::required("name", &n, SHORT_TEXT))
            .transpose()?;
        if let Some(r) = &rules {
            if r.len() > validate::MAX_ITEMS {
                return Err(invalid("rules", FieldProblem::TooMany));
            }
            compile(self.backend(), &self.rfm_context(scope).await?, r)?;
        }
        update_audited::<segment::ActiveModel, _>(
            self,
            scope,
            actor,
            id,
            "updated",
            Some("segment_exists"),
            |m, _now| {
                if let Some(n) = name {
                    m.name = n;
                }
                if let Some(r) = rules {
                    m.rules = json!(r);
                }
                Ok(())
            },
        )
        .await
    }

    /// Deletes a segment.
    pub async fn delete_segment(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        delete_audited::<segment::ActiveModel>(self, scope, actor, id).await
    }
}
