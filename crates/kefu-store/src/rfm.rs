//! RFM scores for segments (SPEC C1 "RFM scores computed from interactions/orders data").
//!
//! - **Recency**: days since the customer's last interaction (offered, else recorded).
//! - **Frequency**: interactions within the workspace's window (default 365 days).
//! - **Monetary**: the value of a `number` custom field the workspace names
//!   (`monetary_field`, e.g. `lifetime_value`), fed by the API and by imports
//!   (`custom.lifetime_value` column) — kefu keeps no order book of its own.
//!
//! [`Store::refresh_rfm`] recomputes every live customer's raw inputs into the `customers`
//! columns `rfm_last_contact_at`, `rfm_frequency` and `rfm_monetary` (two statements, one
//! transaction) and stores the score bounds: the configured thresholds, or in `quintiles` mode
//! the values at the 20/40/60/80 % positions of all live customers. Scores run 1–5: for
//! frequency and monetary `1 + #{bounds ≤ value}`, for recency `5 − #{bounds < days}` (never
//! contacted: 1). A segment rule `{"field": "rfm.r", "op": "gte", "value": 4}` compiles into
//! a range on the raw column (`rfm_last_contact_at >= now − bound`; a score at most `s` is
//! the complementary range), so counting a segment walks one index
//! (`workspace_id, rfm_…, merged_into`) without reading rows, and recency is measured from
//! now, not from the refresh.

use crate::audit::{Change, record};
use crate::customers::invalid;
use crate::entity::{crm_rfm_setting, customer};
use crate::{Actor, Backend, Result, Store, WorkspaceScope};
use chrono::{DateTime, Duration, Utc};
use kefu_model::error::FieldProblem;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A workspace's RFM settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmSettings {
    /// Frequency counts the interactions of the last this many days.
    pub window_days: u32,
    /// The key of a `number` custom field holding the customer's monetary value.
    pub monetary_field: Option<String>,
    /// `thresholds` (the bounds below) or `quintiles` (bounds from the data at refresh).
    pub mode: String,
    /// Ascending day counts: ≤ `[0]` scores R 5, ≤ `[1]` 4, ≤ `[2]` 3, ≤ `[3]` 2, else 1.
    pub recency_days: [f64; 4],
    /// Ascending counts: ≥ `[0]` scores F 2, ≥ `[1]` 3, ≥ `[2]` 4, ≥ `[3]` 5, else 1.
    pub frequency: [f64; 4],
    /// Ascending amounts, scored like frequency.
    pub monetary: [f64; 4],
}

impl Default for RfmSettings {
    fn default() -> Self {
        RfmSettings {
            window_days: 365,
            monetary_field: None,
            mode: "thresholds".into(),
            recency_days: [30.0, 90.0, 180.0, 365.0],
            frequency: [1.0, 2.0, 4.0, 8.0],
            monetary: [100.0, 1000.0, 5000.0, 20000.0],
        }
    }
}

/// The bounds that turn raw values into scores (see the module docs). A recency bound of
/// `None` means "any contact at all" (quintiles where most customers were never contacted;
/// such bounds come last, as the days are ascending).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmBounds {
    pub recency_days: [Option<f64>; 4],
    pub frequency: [f64; 4],
    pub monetary: [f64; 4],
}

impl RfmBounds {
    fn of(s: &RfmSettings) -> RfmBounds {
        RfmBounds {
            recency_days: s.recency_days.map(Some),
            frequency: s.frequency,
            monetary: s.monetary,
        }
    }
}

/// The RFM state of a workspace: settings, bounds in force, last refresh.
#[derive(Debug, Clone, Serialize)]
pub struct RfmState {
    pub settings: RfmSettings,
    pub bounds: RfmBounds,
    pub refreshed_at: Option<DateTime<Utc>>,
}

/// What segment compilation needs for `rfm.*` rules.
#[derive(Debug, Clone)]
pub struct RfmContext {
    pub workspace_id: String,
    pub bounds: RfmBounds,
    pub now: DateTime<Utc>,
}

impl RfmContext {
    /// Score of `dim` (`r`, `f`, `m`) at least `s` (2–5), or below it (`below`).
    fn bound(&self, dim: &str, s: u8, below: bool) -> Condition {
        use customer::Column as C;
        let i = (s - 2) as usize;
        let (col, value): (C, sea_orm::Value) = match dim {
            "f" => (C::RfmFrequency, self.bounds.frequency[i].into()),
            "m" => (C::RfmMonetary, self.bounds.monetary[i].into()),
            _ => {
                let col = Expr::col((customer::Entity, C::RfmLastContactAt));
                return match (self.bounds.recency_days[3 - i], below) {
                    (Some(days), false) => Condition::all().add(col.gte(self.since(days))),
                    (Some(days), true) => Condition::any()
                        .add(col.clone().lt(self.since(days)))
                        .add(col.is_null()),
                    (None, false) => Condition::all().add(col.is_not_null()),
                    (None, true) => Condition::all().add(col.is_null()),
                };
            }
        };
        let col = Expr::col((customer::Entity, col));
        Condition::all().add(if below { col.lt(value) } else { col.gte(value) })
    }

    fn since(&self, days: f64) -> DateTime<Utc> {
        self.now - Duration::seconds((days * 86_400.0) as i64)
    }

    /// The condition of `rfm.<dim> <op> <score>`; `None` if the rule is malformed.
    pub fn condition(&self, dim: &str, op: &str, score: u64) -> Option<Condition> {
        if !matches!(dim, "r" | "f" | "m") || !(1..=5).contains(&score) {
            return None;
        }
        let s = score as u8;
        let ge = |s: u8| (s >= 2).then(|| self.bound(dim, s, false));
        let le = |s: u8| (s <= 4).then(|| self.bound(dim, s + 1, true));
        let parts = match op {
            "gte" => vec![ge(s)],
            "lte" => vec![le(s)],
            "eq" => vec![ge(s), le(s)],
            _ => return None,
        };
        Some(
            parts
                .into_iter()
                .flatten()
                .fold(Condition::all(), Condition::add),
        )
    }
}

/// The score of `value` under ascending `bounds` (frequency, monetary).
pub fn score_up(value: f64, bounds: &[f64; 4]) -> u8 {
    1 + bounds.iter().filter(|b| value >= **b).count() as u8
}

/// The recency score of `days` since the last contact (`None`: never): one plus the bounds
/// it is within (a `None` bound holds for any contact).
pub fn score_recency(days: Option<f64>, bounds: &[Option<f64>; 4]) -> u8 {
    match days {
        None => 1,
        Some(d) => 1 + bounds.iter().filter(|b| b.is_none_or(|b| d <= b)).count() as u8,
    }
}

/// The values at the 20/40/60/80 % positions of `values` padded with `missing` copies of
/// `pad` (customers without a row), ascending.
fn quintiles(mut values: Vec<f64>, missing: usize, pad: f64) -> [f64; 4] {
    values.extend(std::iter::repeat_n(pad, missing));
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return [0.0; 4];
    }
    [1, 2, 3, 4].map(|k| values[(k * n / 5).min(n - 1)])
}

fn check(s: &RfmSettings) -> Result<()> {
    if !(1..=3650).contains(&s.window_days) {
        return Err(invalid("window_days", FieldProblem::Format));
    }
    if !matches!(s.mode.as_str(), "thresholds" | "quintiles") {
        return Err(invalid("mode", FieldProblem::Format));
    }
    for (name, b) in [
        ("recency_days", s.recency_days),
        ("frequency", s.frequency),
        ("monetary", s.monetary),
    ] {
        if b.iter().any(|x| !x.is_finite() || *x < 0.0) || b.windows(2).any(|w| w[0] > w[1]) {
            return Err(invalid(name, FieldProblem::Format));
        }
    }
    Ok(())
}

/// Replaces `?` placeholders with `$n` for PostgreSQL.
fn numbered(sql: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => sql.to_owned(),
        Backend::Postgres => {
            let mut out = String::new();
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

impl Store {
    /// The workspace's RFM settings, bounds and last refresh (defaults until set).
    pub async fn rfm_state(&self, scope: &WorkspaceScope) -> Result<RfmState> {
        let row = crm_rfm_setting::Entity::find_by_id(scope.id().to_owned())
            .one(self.db())
            .await?;
        Ok(match row {
            Some(r) => {
                let settings: RfmSettings = serde_json::from_value(r.settings).unwrap_or_default();
                RfmState {
                    bounds: serde_json::from_value(r.bounds)
                        .unwrap_or_else(|_| RfmBounds::of(&settings)),
                    settings,
                    refreshed_at: r.refreshed_at,
                }
            }
            None => {
                let settings = RfmSettings::default();
                RfmState {
                    bounds: RfmBounds::of(&settings),
                    settings,
                    refreshed_at: None,
                }
            }
        })
    }

    /// What segments need to compile `rfm.*` rules now.
    pub async fn rfm_context(&self, scope: &WorkspaceScope) -> Result<RfmContext> {
        Ok(RfmContext {
            workspace_id: scope.id().to_owned(),
            bounds: self.rfm_state(scope).await?.bounds,
            now: Utc::now(),
        })
    }

    /// Changes the RFM settings (audited); the bounds follow at once in `thresholds` mode and
    /// at the next refresh in `quintiles` mode.
    pub async fn set_rfm_settings(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        settings: RfmSettings,
    ) -> Result<RfmState> {
        check(&settings)?;
        if let Some(k) = &settings.monetary_field {
            let ctx = self.crm_context(scope).await?;
            if !ctx
                .fields
                .iter()
                .any(|f| &f.key == k && f.field_type == "number")
            {
                return Err(invalid("monetary_field", FieldProblem::Format));
            }
        }
        let before = self.rfm_state(scope).await?;
        let bounds = if settings.mode == "thresholds" {
            RfmBounds::of(&settings)
        } else {
            before.bounds.clone()
        };
        let txn = self.db().begin().await?;
        let row = crm_rfm_setting::Model {
            workspace_id: scope.id().to_owned(),
            settings: json!(settings),
            bounds: json!(bounds),
            refreshed_at: before.refreshed_at,
        };
        crm_rfm_setting::Entity::delete_by_id(scope.id().to_owned())
            .exec(&txn)
            .await?;
        row.into_active_model().reset_all().insert(&txn).await?;
        record(
            &txn,
            scope,
            actor,
            Change {
                action: "updated",
                entity_type: "rfm_settings",
                entity_id: scope.id(),
                before: Some(json!(before)),
                after: Some(json!({"settings": settings, "bounds": bounds})),
            },
        )
        .await?;
        txn.commit().await?;
        self.signal_outbox();
        self.rfm_state(scope).await
    }

    /// Recomputes every live customer's RFM inputs from the interactions and the monetary
    /// field, and the bounds in `quintiles` mode; one transaction, audited. Returns the new
    /// state and how many customers have inputs.
    pub async fn refresh_rfm(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
    ) -> Result<(RfmState, u64)> {
        let state = self.rfm_state(scope).await?;
        let s = &state.settings;
        let backend = self.backend();
        let now = Utc::now();
        let since = now - Duration::days(s.window_days as i64);
        let monetary = match (&s.monetary_field, backend) {
            (Some(k), Backend::Sqlite) => format!("CAST(json_extract(c.custom, '$.{k}') AS REAL)"),
            (Some(k), Backend::Postgres) => {
                format!("CAST((c.custom #>> '{{{k}}}') AS DOUBLE PRECISION)")
            }
            (None, _) => "NULL".to_owned(),
        };
        debug_assert!(
            s.monetary_field
                .as_deref()
                .unwrap_or("")
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
        let reset = format!(
            "UPDATE customers SET rfm_last_contact_at = NULL, rfm_frequency = 0, \
             rfm_monetary = COALESCE({monetary}, 0) \
             WHERE workspace_id = ? AND merged_into IS NULL"
        )
        .replace("c.custom", "custom");
        let contacts = "UPDATE customers SET rfm_last_contact_at = a.last_at, rfm_frequency = a.n \
             FROM (SELECT customer_id, MAX(COALESCE(offered_at, created_at)) AS last_at, \
                 SUM(CASE WHEN COALESCE(offered_at, created_at) >= ? THEN 1 ELSE 0 END) AS n \
               FROM interactions WHERE workspace_id = ? AND customer_id IS NOT NULL \
               GROUP BY customer_id) AS a \
             WHERE customers.id = a.customer_id AND customers.workspace_id = ? \
               AND customers.merged_into IS NULL";
        let txn = self.db().begin().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            numbered(&reset, backend),
            [scope.id().into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            numbered(contacts, backend),
            [since.into(), scope.id().into(), scope.id().into()],
        ))
        .await?;
        let live = || {
            customer::Entity::find()
                .filter(customer::Column::WorkspaceId.eq(scope.id()))
                .filter(customer::Column::MergedInto.is_null())
        };
        let rows = live()
            .filter(
                Condition::any()
                    .add(customer::Column::RfmLastContactAt.is_not_null())
                    .add(customer::Column::RfmMonetary.ne(0.0)),
            )
            .count(&txn)
            .await?;
        let mut bounds = RfmBounds::of(s);
        if s.mode == "quintiles" {
            let all: Vec<(Option<DateTime<Utc>>, i64, f64)> = live()
                .select_only()
                .column(customer::Column::RfmLastContactAt)
                .column(customer::Column::RfmFrequency)
                .column(customer::Column::RfmMonetary)
                .into_tuple()
                .all(&txn)
                .await?;
            bounds.frequency = quintiles(all.iter().map(|r| r.1 as f64).collect(), 0, 0.0);
            bounds.monetary = quintiles(all.iter().map(|r| r.2).collect(), 0, 0.0);
            let days = |t: &Option<DateTime<Utc>>| {
                t.map(|t| (now - t).num_seconds() as f64 / 86_400.0)
                    .unwrap_or(f64::INFINITY)
            };
            let q = quintiles(all.iter().map(|r| days(&r.0)).collect(), 0, f64::INFINITY);
            bounds.recency_days = q.map(|d| d.is_finite().then_some(d));
        }
        let row = crm_rfm_setting::Model {
            workspace_id: scope.id().to_owned(),
            settings: json!(s),
            bounds: json!(bounds),
            refreshed_at: Some(now),
        };
        crm_rfm_setting::Entity::delete_by_id(scope.id().to_owned())
            .exec(&txn)
            .await?;
        row.into_active_model().reset_all().insert(&txn).await?;
        record(
            &txn,
            scope,
            actor,
            Change {
                action: "rfm_refreshed",
                entity_type: "rfm_settings",
                entity_id: scope.id(),
                before: Some(json!(state.bounds)),
                after: Some(json!({"bounds": bounds, "customers": rows})),
            },
        )
        .await?;
        txn.commit().await?;
        self.signal_outbox();
        Ok((self.rfm_state(scope).await?, rows))
    }

    /// A customer's RFM inputs and scores (scores of a customer without inputs: R 1, F 1, M 1).
    pub async fn customer_rfm(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<serde_json::Value> {
        let state = self.rfm_state(scope).await?;
        let c = crate::crud::find_scoped::<customer::Entity, _>(self.db(), scope, id).await?;
        let (last, f, m) = (c.rfm_last_contact_at, c.rfm_frequency, c.rfm_monetary);
        let days = last.map(|t| (Utc::now() - t).num_seconds() as f64 / 86_400.0);
        Ok(json!({
            "last_contact_at": last,
            "frequency": f,
            "monetary": m,
            "r": score_recency(days, &state.bounds.recency_days),
            "f": score_up(f as f64, &state.bounds.frequency),
            "m": score_up(m, &state.bounds.monetary),
            "refreshed_at": state.refreshed_at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_the_bounds() {
        let b = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(
            [0.0, 1.0, 3.0, 4.0, 7.9, 8.0, 100.0].map(|v| score_up(v, &b)),
            [1, 2, 3, 4, 4, 5, 5]
        );
        let r = [30.0, 90.0, 180.0, 365.0].map(Some);
        assert_eq!(
            [
                Some(0.5),
                Some(30.0),
                Some(31.0),
                Some(200.0),
                Some(400.0),
                None
            ]
            .map(|d| score_recency(d, &r)),
            [5, 5, 4, 2, 1, 1]
        );
        // Quintiles where few were ever contacted: any contact scores above none.
        let r = [Some(3.0), None, None, None];
        assert_eq!(score_recency(Some(1.0), &r), 5);
        assert_eq!(score_recency(Some(10.0), &r), 4);
        assert_eq!(score_recency(None, &r), 1);
    }

    #[test]
    fn quintiles_count_customers_without_inputs() {
        assert_eq!(
            quintiles(vec![5.0, 1.0, 9.0, 3.0, 7.0], 5, 0.0),
            [0.0, 0.0, 3.0, 7.0]
        );
        assert_eq!(quintiles(vec![], 0, 0.0), [0.0; 4]);
    }

    #[test]
    fn settings_are_checked() {
        assert!(check(&RfmSettings::default()).is_ok());
        for bad in [
            RfmSettings {
                window_days: 0,
                ..Default::default()
            },
            RfmSettings {
                mode: "deciles".into(),
                ..Default::default()
            },
            RfmSettings {
                frequency: [3.0, 2.0, 4.0, 8.0],
                ..Default::default()
            },
            RfmSettings {
                monetary: [-1.0, 2.0, 4.0, 8.0],
                ..Default::default()
            },
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
    }
}
