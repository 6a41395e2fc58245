//! RFM scores for segments (SPEC C1 "RFM scores computed from interactions/orders data").
//!
//! - **Recency**: days since the customer's last interaction (offered, else recorded).
//! - **Frequency**: interactions within the workspace's window (default 365 days).
//! - **Monetary**: the value of a `number` custom field the workspace names
//!   (`monetary_field`, e.g. `lifetime_value`), fed by the API and by imports
//!   (`custom.lifetime_value` column) — kefu keeps no order book of its own.
//!
//! [`Store::refresh_rfm`] recomputes every live customer's raw inputs into the `customers`
//! columns `rfm_last_contact_at`, `rfm_frequency` and `rfm_monetary` and the scores they give
//! into `rfm_cell` (r·100 + f·10 + m), a chunk of customers per transaction, and stores the
//! score bounds: the configured thresholds, or in `quintiles` mode the values at the
//! 20/40/60/80 % positions of all live customers. Scores run 1–5: for frequency and monetary
//! `1 + #{bounds ≤ value}`, for recency `1 + #{bounds ≥ days}` (never contacted: 1), all as
//! of the refresh. A segment's `rfm.*` rules intersect into one list of cells
//! (`rfm_cell IN (…)` on `workspace_id, rfm_cell, merged_into`), so a count of any box of
//! scores — `r ≥ 4 and f ≥ 3` as well as one range — reads one index and no rows.

use crate::audit::Change;
use crate::crm::customers::invalid;
use crate::entity::{crm_rfm_setting, customer};
use crate::{Actor, Backend, Result, Store, WorkspaceScope};
use chrono::{DateTime, Duration, Utc};
use kefu_model::error::FieldProblem;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
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

/// The cells (r·100 + f·10 + m) whose `dim` score (`r`, `f`, `m`) is `op` (`gte`, `lte`,
/// `eq`) `score` (1–5); `None` for anything else. Several rules of one segment intersect
/// their lists, so any box of scores is one `IN` list on `ix_customers_rfm_cell`.
pub fn cells(dim: &str, op: &str, score: u64) -> Option<Vec<i32>> {
    if !(1..=5).contains(&score) {
        return None;
    }
    let s = score as i32;
    let keep: fn(i32, i32) -> bool = match op {
        "gte" => |v, s| v >= s,
        "lte" => |v, s| v <= s,
        "eq" => |v, s| v == s,
        _ => return None,
    };
    let digit = match dim {
        "r" => 100,
        "f" => 10,
        "m" => 1,
        _ => return None,
    };
    Some(all_cells().filter(|c| keep(c / digit % 10, s)).collect())
}

/// The 125 cells, ascending.
pub fn all_cells() -> impl Iterator<Item = i32> {
    (1..=5).flat_map(|r| (1..=5).flat_map(move |f| (1..=5).map(move |m| r * 100 + f * 10 + m)))
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
            now: self.now(),
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
        let txn = self.write(scope, actor).await?;
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
        txn.record(Change {
            action: "updated",
            entity_type: "rfm_settings",
            entity_id: scope.id(),
            before: Some(json!(before)),
            after: Some(json!({"settings": settings, "bounds": bounds})),
        })
        .await?;
        txn.commit().await?;
        self.rfm_state(scope).await
    }

    /// Recomputes every live customer's RFM inputs (from the interactions and the monetary
    /// field) and stored scores (`rfm_cell`), a chunk of [`RFM_CHUNK`] customers (in id
    /// order) per transaction, so other writers wait for one chunk at most. Each chunk is two
    /// set-based statements: the inputs (one correlated aggregate per customer on
    /// `ix_interactions_ws_customer`), then the cell from them and the bounds in force. In
    /// `quintiles` mode the new bounds come from all inputs after that pass, and a second
    /// chunked pass re-scores the cells. While a refresh runs, customers already done carry
    /// the new inputs and scores and the others the old ones — every row consistent in
    /// itself (scores are derived data). Audited `rfm_refreshed`. Returns the new state and
    /// how many customers have inputs.
    pub async fn refresh_rfm(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
    ) -> Result<(RfmState, u64)> {
        let state = self.rfm_state(scope).await?;
        let s = &state.settings;
        let backend = self.backend();
        let now = self.now();
        let since = now - Duration::days(s.window_days as i64);
        let monetary = match (&s.monetary_field, backend) {
            (Some(k), Backend::Sqlite) => format!("CAST(json_extract(custom, '$.{k}') AS REAL)"),
            (Some(k), Backend::Postgres) => {
                format!("CAST((custom #>> '{{{k}}}') AS DOUBLE PRECISION)")
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
        let range = "WHERE workspace_id = ? AND merged_into IS NULL AND id > ? AND id <= ?";
        let inputs = numbered(
            &format!(
                "UPDATE customers SET (rfm_last_contact_at, rfm_frequency) = \
                   (SELECT MAX(COALESCE(i.offered_at, i.created_at)), \
                      COUNT(CASE WHEN COALESCE(i.offered_at, i.created_at) >= ? THEN 1 END) \
                    FROM interactions i WHERE i.workspace_id = customers.workspace_id \
                      AND i.customer_id = customers.id), \
                 rfm_monetary = COALESCE({monetary}, 0) {range}"
            ),
            backend,
        );
        let cells = |b: &RfmBounds| {
            let (sql, values) = cell_sql(b, now);
            (
                numbered(
                    &format!("UPDATE customers SET rfm_cell = {sql} {range}"),
                    backend,
                ),
                values,
            )
        };
        let mut bounds = if s.mode == "quintiles" {
            state.bounds.clone()
        } else {
            RfmBounds::of(s)
        };
        let (cell, cell_values) = cells(&bounds);
        let mut after = String::new();
        while let Some(last) = self.rfm_chunk_end(scope, &after).await? {
            // Scores are derived data: each chunk is its own transaction.
            let txn = self.derive().await?;
            let bounds = [scope.id().into(), after.clone().into(), last.clone().into()];
            let mut v = vec![since.into()];
            v.extend(bounds.clone());
            exec(&txn, &inputs, v).await?;
            let mut v = cell_values.clone();
            v.extend(bounds);
            exec(&txn, &cell, v).await?;
            txn.commit().await?;
            after = last;
        }
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
            .count(self.db())
            .await?;
        if s.mode == "quintiles" {
            let all: Vec<(Option<DateTime<Utc>>, i64, f64)> = live()
                .select_only()
                .column(customer::Column::RfmLastContactAt)
                .column(customer::Column::RfmFrequency)
                .column(customer::Column::RfmMonetary)
                .into_tuple()
                .all(self.db())
                .await?;
            bounds.frequency = quintiles(all.iter().map(|r| r.1 as f64).collect(), 0, 0.0);
            bounds.monetary = quintiles(all.iter().map(|r| r.2).collect(), 0, 0.0);
            let days = |t: &Option<DateTime<Utc>>| {
                t.map(|t| (now - t).num_seconds() as f64 / 86_400.0)
                    .unwrap_or(f64::INFINITY)
            };
            let q = quintiles(all.iter().map(|r| days(&r.0)).collect(), 0, f64::INFINITY);
            bounds.recency_days = q.map(|d| d.is_finite().then_some(d));
            let (cell, cell_values) = cells(&bounds);
            let mut after = String::new();
            while let Some(last) = self.rfm_chunk_end(scope, &after).await? {
                let txn = self.derive().await?;
                let mut v = cell_values.clone();
                v.extend([scope.id().into(), after.clone().into(), last.clone().into()]);
                exec(&txn, &cell, v).await?;
                txn.commit().await?;
                after = last;
            }
        }
        let txn = self.write(scope, actor).await?;
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
        txn.record(Change {
            action: "rfm_refreshed",
            entity_type: "rfm_settings",
            entity_id: scope.id(),
            before: Some(json!(state.bounds)),
            after: Some(json!({"bounds": bounds, "customers": rows})),
        })
        .await?;
        txn.commit().await?;
        Ok((self.rfm_state(scope).await?, rows))
    }

    /// The last id of the next chunk of live customers after `after` (id order), if any.
    async fn rfm_chunk_end(&self, scope: &WorkspaceScope, after: &str) -> Result<Option<String>> {
        let mut ids: Vec<String> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::WorkspaceId.eq(scope.id()))
            .filter(customer::Column::MergedInto.is_null())
            .filter(customer::Column::Id.gt(after))
            .order_by_asc(customer::Column::Id)
            .limit(RFM_CHUNK)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(ids.pop())
    }

    /// A customer's RFM inputs as of the last refresh and the scores stored with them (a
    /// customer without inputs, or created since: R 1, F 1, M 1).
    pub async fn customer_rfm(
        &self,
        scope: &WorkspaceScope,
        id: &str,
    ) -> Result<serde_json::Value> {
        let state = self.rfm_state(scope).await?;
        let c = crate::write::find_scoped::<customer::Entity, _>(self.db(), scope, id).await?;
        let cell = c.rfm_cell;
        Ok(json!({
            "last_contact_at": c.rfm_last_contact_at,
            "frequency": c.rfm_frequency,
            "monetary": c.rfm_monetary,
            "r": cell / 100,
            "f": cell / 10 % 10,
            "m": cell % 10,
            "refreshed_at": state.refreshed_at,
        }))
    }
}

/// Customers per refresh transaction.
pub const RFM_CHUNK: u64 = 5_000;

async fn exec(txn: &DatabaseTransaction, sql: &str, values: Vec<sea_orm::Value>) -> Result<()> {
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        sql,
        values,
    ))
    .await?;
    Ok(())
}

/// The SQL expression of a customer's cell from its input columns under `bounds` at `now`,
/// and its values: R is 1 without a contact, else one plus the recency bounds it is within
/// (`last ≥ now − days`); F and M are one plus the bounds they reach.
fn cell_sql(b: &RfmBounds, now: DateTime<Utc>) -> (String, Vec<sea_orm::Value>) {
    let mut values: Vec<sea_orm::Value> = vec![];
    let mut r = "(CASE WHEN rfm_last_contact_at IS NULL THEN 1 ELSE 1".to_owned();
    for d in b.recency_days {
        match d {
            Some(d) => {
                r.push_str(" + CASE WHEN rfm_last_contact_at >= ? THEN 1 ELSE 0 END");
                values.push((now - Duration::seconds((d * 86_400.0) as i64)).into());
            }
            None => r.push_str(" + 1"),
        }
    }
    r.push_str(" END)");
    let mut up = |col: &str, bounds: &[f64; 4]| {
        let mut e = "(1".to_owned();
        for x in bounds {
            e.push_str(&format!(" + CASE WHEN {col} >= ? THEN 1 ELSE 0 END"));
            values.push((*x).into());
        }
        e.push(')');
        e
    };
    let f = up("rfm_frequency", &b.frequency);
    let m = up("rfm_monetary", &b.monetary);
    (format!("{r} * 100 + {f} * 10 + {m}"), values)
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
    fn cells_are_boxes_of_scores() {
        assert_eq!(all_cells().count(), 125);
        let r4 = cells("r", "gte", 4).unwrap();
        assert_eq!(r4.len(), 50);
        assert!(r4.iter().all(|c| c / 100 >= 4) && r4.contains(&411));
        let f3 = cells("f", "eq", 3).unwrap();
        assert_eq!(f3.len(), 25);
        assert!(f3.contains(&135) && !f3.contains(&145));
        assert_eq!(cells("m", "lte", 1).unwrap().len(), 25);
        assert_eq!(cells("m", "gte", 1).unwrap().len(), 125);
        assert!(cells("r", "gte", 6).is_none());
        assert!(cells("x", "gte", 3).is_none());
        assert!(cells("r", "in", 3).is_none());
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
