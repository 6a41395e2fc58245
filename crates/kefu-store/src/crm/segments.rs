//! Rule-based customer segments (SPEC C1): an admin names a set of conditions on customer
//! fields, tags, custom fields, region and last-contact age; the store turns them into one
//! SQL condition, so listing and counting a segment are single indexed queries.

use crate::crm::customers::{LIFECYCLE_STAGES, invalid, like_escape};
use crate::entity::{customer, interaction, segment};
use crate::write::{Audited, find_scoped, insert_audited, list_scoped};
use crate::{Actor, Backend, Page, PageRequest, Result, Store, WorkspaceScope};
use kefu_model::error::FieldProblem;
use kefu_model::validate::{self, SHORT_TEXT};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

impl Audited for segment::Model {
    const KIND: &'static str = "segment";
    fn id(&self) -> &str {
        &self.id
    }
}

/// One condition of a segment. All conditions of a segment must hold.
///
/// `field`: `lifecycle`, `value_tier`, `organization`, `owner_id`, `tag`, `province`, `city`,
/// `custom.KEY`, `last_contact_days`, `created_days`, `rfm.r`, `rfm.f`, `rfm.m`. `op`: `eq`,
/// `ne`, `in`, `has` (tags), `exists`, `missing`, `within` / `not_within` (days, for the two
/// age fields), `gte` / `lte` / `eq` (RFM scores 1–5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub field: String,
    pub op: String,
    #[serde(default)]
    pub value: Value,
}

fn bad(i: usize, what: &str) -> crate::StoreError {
    invalid(format!("rules[{i}].{what}"), FieldProblem::Format)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// A text expression of a JSON path of `col` (`path` as keys), on either backend. Keys are
/// fixed names or checked custom field keys (`[A-Za-z0-9_]`), so they are written inline.
fn json_text(backend: Backend, col: &str, path: &[&str]) -> Expr {
    debug_assert!(
        path.iter()
            .all(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    );
    match backend {
        Backend::Sqlite => Expr::cust(format!(
            "json_extract(\"customers\".\"{col}\", '$.{}')",
            path.join(".")
        )),
        Backend::Postgres => Expr::cust(format!(
            "(\"customers\".\"{col}\" #>> '{{{}}}')",
            path.join(",")
        )),
    }
}

/// Compiles `rules` into a condition on `customers`; rejects unknown fields and ops.
/// `rfm.r`, `rfm.f` and `rfm.m` rules (`gte`, `lte`, `eq` a score 1–5) read the scores
/// stored at the last refresh: all of a segment's RFM rules become one `rfm_cell IN (…)`
/// (see [`crate::crm::rfm::cells`]), one index for any box of scores.
pub fn compile(
    backend: Backend,
    rfm: &crate::crm::rfm::RfmContext,
    rules: &[Rule],
) -> Result<Condition> {
    let mut cond = Condition::all().add(customer::Column::MergedInto.is_null());
    // The RFM rules together: the cells every one of them allows.
    let mut rfm_box: Vec<i32> = crate::crm::rfm::all_cells().collect();
    let mut rfm_rules = false;
    for (i, r) in rules.iter().enumerate() {
        let op = r.op.as_str();
        let col_of = |f: &str| match f {
            "lifecycle" => Some(customer::Column::Lifecycle),
            "value_tier" => Some(customer::Column::ValueTier),
            "organization" => Some(customer::Column::Organization),
            "owner_id" => Some(customer::Column::OwnerId),
            _ => None,
        };
        let c: Condition = if let Some(col) = col_of(&r.field) {
            match op {
                "eq" | "ne" | "in" => {
                    let vals = strings(&r.value).ok_or_else(|| bad(i, "value"))?;
                    if r.field == "lifecycle"
                        && vals.iter().any(|v| !LIFECYCLE_STAGES.contains(&v.as_str()))
                    {
                        return Err(bad(i, "value"));
                    }
                    match op {
                        "ne" => Condition::any().add(col.is_not_in(vals)).add(col.is_null()),
                        _ => Condition::all().add(col.is_in(vals)),
                    }
                }
                "exists" => Condition::all().add(col.is_not_null()),
                "missing" => Condition::all().add(col.is_null()),
                _ => return Err(bad(i, "op")),
            }
        } else if r.field == "tag" {
            let vals = strings(&r.value).ok_or_else(|| bad(i, "value"))?;
            let mut any = Condition::any();
            for t in vals {
                let pattern = format!("%{}%", like_escape(&json!(t).to_string()));
                any = any.add(
                    Expr::expr(Expr::col(customer::Column::Tags).cast_as("text"))
                        .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
                );
            }
            match op {
                "has" | "in" | "eq" => any,
                "ne" => any.not(),
                _ => return Err(bad(i, "op")),
            }
        } else if matches!(r.field.as_str(), "province" | "city") || r.field.starts_with("custom.")
        {
            let e = match r.field.strip_prefix("custom.") {
                Some(k)
                    if !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    json_text(backend, "custom", &[k])
                }
                Some(_) => return Err(bad(i, "field")),
                None => json_text(backend, "profile", &["address", &r.field]),
            };
            match op {
                "eq" | "in" => {
                    // json_extract gives SQLite numbers and 0/1; #>> gives PostgreSQL text.
                    let vals: Vec<sea_orm::Value> = match (&r.value, backend) {
                        (Value::Number(n), Backend::Sqlite) => {
                            vec![n.as_f64().ok_or_else(|| bad(i, "value"))?.into()]
                        }
                        (Value::Number(n), Backend::Postgres) => vec![n.to_string().into()],
                        (Value::Bool(b), Backend::Sqlite) => vec![i64::from(*b).into()],
                        (Value::Bool(b), Backend::Postgres) => vec![b.to_string().into()],
                        (v, _) => strings(v)
                            .ok_or_else(|| bad(i, "value"))?
                            .into_iter()
                            .map(Into::into)
                            .collect(),
                    };
                    Condition::all().add(e.is_in(vals))
                }
                "exists" => Condition::all().add(e.is_not_null()),
                "missing" => Condition::all().add(e.is_null()),
                _ => return Err(bad(i, "op")),
            }
        } else if let Some(dim) = r.field.strip_prefix("rfm.") {
            let score = r.value.as_u64().ok_or_else(|| bad(i, "value"))?;
            if !matches!(dim, "r" | "f" | "m") {
                return Err(bad(i, "field"));
            }
            if !matches!(op, "gte" | "lte" | "eq") {
                return Err(bad(i, "op"));
            }
            let keep = crate::crm::rfm::cells(dim, op, score).ok_or_else(|| bad(i, "value"))?;
            rfm_box.retain(|c| keep.contains(c));
            rfm_rules = true;
            continue;
        } else if r.field == "last_contact_days" || r.field == "created_days" {
            let days = r
                .value
                .as_u64()
                .filter(|d| *d <= 36_500)
                .ok_or_else(|| bad(i, "value"))?;
            let since = rfm.now - chrono::Duration::days(days as i64);
            let within = match op {
                "within" => true,
                "not_within" => false,
                _ => return Err(bad(i, "op")),
            };
            if r.field == "created_days" {
                let c = customer::Column::CreatedAt;
                Condition::all().add(if within { c.gte(since) } else { c.lt(since) })
            } else {
                let recent = Query::select()
                    .expr(Expr::val(1))
                    .from(interaction::Entity)
                    .and_where(
                        Expr::col((interaction::Entity, interaction::Column::CustomerId))
                            .equals((Alias::new("customers"), customer::Column::Id)),
                    )
                    // A contact counts when it was offered (or, if never, recorded).
                    .and_where(
                        Expr::expr(sea_orm::sea_query::Func::coalesce([
                            Expr::col((interaction::Entity, interaction::Column::OfferedAt)),
                            Expr::col((interaction::Entity, interaction::Column::CreatedAt)),
                        ]))
                        .gte(since),
                    )
                    .to_owned();
                let e = Expr::exists(recent);
                Condition::all().add(if within { e } else { e.not() })
            }
        } else {
            return Err(bad(i, "field"));
        };
        cond = cond.add(c);
    }
    if rfm_rules {
        cond = cond.add(customer::Column::RfmCell.is_in(rfm_box));
    }
    Ok(cond)
}

impl Store {
    /// Defines a segment; its rules are checked by compiling them.
    pub async fn create_segment(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        name: &str,
        rules: Vec<Rule>,
    ) -> Result<segment::Model> {
        let name = validate::required("name", name, SHORT_TEXT)?;
        if rules.len() > validate::MAX_ITEMS {
            return Err(invalid("rules", FieldProblem::TooMany));
        }
        compile(self.backend(), &self.rfm_context(scope).await?, &rules)?;
        let m = segment::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            name,
            rules: json!(rules),
            created_at: self.now(),
        };
        insert_audited::<segment::ActiveModel>(self, scope, actor, m, Some("segment_exists")).await
    }

    pub async fn list_segments(
        &self,
        scope: &WorkspaceScope,
        page: &PageRequest,
    ) -> Result<Page<segment::Model>> {
        list_scoped::<segment::Entity>(self, scope, Condition::all(), page).await
    }

    pub async fn get_segment(&self, scope: &WorkspaceScope, id: &str) -> Result<segment::Model> {
        find_scoped::<segment::Entity, _>(self.db(), scope, id).await
    }

    pub(crate) async fn segment_condition(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<Condition> {
        let s = self.get_segment(scope, id).await?;
        let rules: Vec<Rule> = serde_json::from_value(s.rules).unwrap_or_default();
        compile(self.backend(), &self.rfm_context(scope).await?, &rules)
    }

    /// The segment's customers, newest first.
    pub async fn segment_customers(
        &self,
        scope: &WorkspaceScope,
        id: &str,
        page: &PageRequest,
    ) -> Result<Page<customer::Model>> {
        let cond = self.segment_condition(scope, id).await?;
        list_scoped::<customer::Entity>(self, scope, cond, page).await
    }

    /// How many customers the segment holds.
    pub async fn segment_count(&self, scope: &WorkspaceScope, id: &str) -> Result<u64> {
        let cond = self.segment_condition(scope, id).await?;
        Ok(customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(scope.id()))
            .filter(cond)
            .count(self.db())
            .await?)
    }
}
