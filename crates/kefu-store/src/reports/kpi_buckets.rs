//! KPI accumulators kept per workspace × 15-minute UTC bucket × queue × team × agent (SPEC
//! C14): every count and sum of [`kefu_kpi::Sums`] in one row, so a report over any
//! range reads rows instead of interactions. Roll-ups per grouping (`dim` none, queue,
//! team or agent × group) per 15-minute bucket (`kpi_quarter_by`), UTC hour (`kpi_hour_by`)
//! and local day of the workspace's zone (`kpi_day_by`) hold exactly the rows a report
//! grouped that way needs, so reading one sums nothing.
//!
//! The rows are maintained from the outbox by deltas: `kpi_contacts` holds what each
//! interaction last added (its row key and its counts and sums). For each interaction event,
//! [`Store::kpi_apply_interaction`] computes the interaction's contribution now, and in one
//! transaction subtracts the stored one and adds the new one to its 15-minute row and its
//! roll-up rows (rows left all zero are deleted), stores the new contribution, and advances the
//! consumer's position to the event. Handling an event twice, late or after a restart
//! changes nothing: the second time the stored contribution already equals the new one.
//!
//! Mapping from an interaction: a missing queue is the queue `""`; the team is the agent's
//! team (the first by id when the agent is in several) when the event is handled; an
//! outcome counts only on outbound interactions; interactions without `offered_at` are not
//! counted.

use crate::entity::{interaction, team_member};
use crate::migration::a;
use crate::{Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, Utc};
use kefu_kpi::{Bucket, Buckets, IngestOptions, Interaction, OutboundOutcome, Sums};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::reports::migrations::kpi_buckets::SUM_COLUMNS;

/// Which kept rows answer a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// 15-minute UTC buckets: any zone, any interval.
    Quarter,
    /// UTC hours: intervals of an hour or more in zones with whole-hour offsets.
    Hour,
    /// Local days of the workspace's zone: days, weeks and months of that zone.
    Day,
}

/// Business-minute samples of a row, kept as JSON when there are any.
#[derive(serde::Serialize, serde::Deserialize)]
struct Samples {
    #[serde(default)]
    f: Vec<f64>,
    #[serde(default)]
    r: Vec<f64>,
}

/// The ingest options the kept accumulators are built with.
pub fn ingest_options() -> IngestOptions {
    IngestOptions::default()
}

/// The KPI record of a stored interaction (`None` when it was never offered).
pub fn kpi_interaction(m: &interaction::Model, team: Option<String>) -> Option<Interaction> {
    let offered_at = m.offered_at?;
    let direction = if m.direction == kefu_model::Direction::Outbound {
        kefu_kpi::Direction::Outbound
    } else {
        kefu_kpi::Direction::Inbound
    };
    use kefu_model::InteractionOutcome as O;
    let outcome = match (direction, m.outcome) {
        (kefu_kpi::Direction::Outbound, Some(O::Connected)) => Some(OutboundOutcome::Connected),
        (kefu_kpi::Direction::Outbound, Some(O::NoAnswer)) => Some(OutboundOutcome::NoAnswer),
        (kefu_kpi::Direction::Outbound, Some(O::Busy)) => Some(OutboundOutcome::Busy),
        (kefu_kpi::Direction::Outbound, Some(O::Failed)) => Some(OutboundOutcome::Failed),
        (kefu_kpi::Direction::Outbound, Some(O::Success)) => Some(OutboundOutcome::Success),
        _ => None,
    };
    Some(Interaction {
        id: m.id.clone(),
        channel: m.channel.as_str().into(),
        direction,
        queue: m.queue.clone().unwrap_or_default(),
        team,
        agent: m.agent_id.clone(),
        customer: m.customer_id.clone(),
        offered_at,
        answered_at: m.answered_at,
        abandoned_at: m.abandoned_at,
        ended_at: m.ended_at,
        ring_s: m.ring_s as f64,
        talk_s: m.talk_s as f64,
        hold_s: m.hold_s as f64,
        acw_s: m.acw_s as f64,
        disposition: m.disposition.clone(),
        outcome,
    })
}

fn ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

fn kpi_err(e: kefu_kpi::KpiError) -> StoreError {
    StoreError::Config(format!("kpi: {e}"))
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The team of each agent: the first team by id the agent belongs to.
async fn teams_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    agents: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if agents.is_empty() {
        return Ok(out);
    }
    let rows = team_member::Entity::find()
        .filter(team_member::Column::WorkspaceId.eq(workspace_id))
        .filter(team_member::Column::UserId.is_in(agents.iter().cloned()))
        .order_by_asc(team_member::Column::TeamId)
        .all(conn)
        .await?;
    for r in rows {
        out.entry(r.user_id).or_insert(r.team_id);
    }
    Ok(out)
}

/// Inserts the rows of `buckets` for `workspace_id`, in statements of at most 200 rows.
async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    buckets: &Buckets,
) -> Result<()> {
    let mut cols = vec![
        a("workspace_id"),
        a("bucket_start"),
        a("queue"),
        a("team"),
        a("agent"),
    ];
    cols.extend(SUM_COLUMNS.iter().map(|c| a(c)));
    let rows: Vec<_> = buckets.iter().collect();
    let name = |s: Option<u32>| s.map_or(String::new(), |s| buckets.names.name(s).to_owned());
    for (k, b) in &rows {
        if b.first_response_min.is_empty() && b.resolution_min.is_empty() {
            continue;
        }
        let samples = serde_json::to_string(&Samples {
            f: b.first_response_min.clone(),
            r: b.resolution_min.clone(),
        })
        .map_err(|e| StoreError::Config(e.to_string()))?;
        let q = Query::insert()
            .into_table(a("kpi_samples"))
            .columns([
                a("workspace_id"),
                a("bucket_start"),
                a("queue"),
                a("team"),
                a("agent"),
                a("samples"),
            ])
            .values_panic([
                workspace_id.into(),
                k.start.into(),
                name(k.queue).into(),
                name(k.team).into(),
                name(k.agent).into(),
                samples.into(),
            ])
            .to_owned();
        conn.execute(&q).await?;
    }
    for chunk in rows.chunks(200) {
        let mut q = Query::insert();
        q.into_table(a("kpi_buckets")).columns(cols.clone());
        for (k, b) in chunk {
            let mut v: Vec<SimpleExpr> = vec![
                workspace_id.into(),
                k.start.into(),
                name(k.queue).into(),
                name(k.team).into(),
                name(k.agent).into(),
            ];
            v.extend(
                b.sums
                    .values()
                    .into_iter()
                    .map(|x| SimpleExpr::from(x as i64)),
            );
            q.values_panic(v);
        }
        conn.execute(&q).await?;
    }
    Ok(())
}

impl Store {
    /// Brings the accumulators up to date with interaction `interaction_id` of
    /// `workspace_id` (it may have been deleted): subtracts what it last added and adds what
    /// it adds now, in one transaction. With `consumer = Some((name, seq))` the consumer's
    /// position is advanced to `seq` in the same transaction. Idempotent. Returns whether
    /// any row changed.
    pub async fn kpi_apply_interaction(
        &self,
        workspace_id: &str,
        interaction_id: &str,
        consumer: Option<(&str, i64)>,
    ) -> Result<bool> {
        let txn = self.derive().await?;
        let old = stored_contribution(&txn, workspace_id, interaction_id).await?;
        let new = contribution_now(&txn, workspace_id, interaction_id).await?;
        let changed = old != new;
        if changed {
            let calendar = workspace_calendar(&txn, workspace_id).await?;
            // Net delta per row: an update within one bucket touches each row once.
            let mut deltas: BTreeMap<RowKey, (Vec<i64>, bool)> = BTreeMap::new();
            for (c, sign) in [(&old, -1i64), (&new, 1i64)] {
                let Some(c) = c else { continue };
                for key in row_keys(&calendar, &c.key) {
                    let e = deltas
                        .entry(key)
                        .or_insert_with(|| (vec![0; SUM_COLUMNS.len()], false));
                    for (d, v) in e.0.iter_mut().zip(&c.sums) {
                        *d += sign * v;
                    }
                    e.1 |= sign < 0;
                }
            }
            for (key, (delta, subtracted)) in &deltas {
                if delta.iter().any(|&d| d != 0) {
                    add_to_row(&txn, workspace_id, key, delta, *subtracted).await?;
                }
            }
            let del = Query::delete()
                .from_table(a("kpi_contacts"))
                .and_where(Expr::col(a("workspace_id")).eq(workspace_id))
                .and_where(Expr::col(a("interaction_id")).eq(interaction_id))
                .to_owned();
            txn.execute(&del).await?;
            if let Some(c) = &new {
                let sums = serde_json::to_string(&c.sums)
                    .map_err(|e| StoreError::Config(e.to_string()))?;
                let ins = Query::insert()
                    .into_table(a("kpi_contacts"))
                    .columns([
                        a("workspace_id"),
                        a("interaction_id"),
                        a("bucket_start"),
                        a("queue"),
                        a("team"),
                        a("agent"),
                        a("sums"),
                    ])
                    .values_panic([
                        workspace_id.into(),
                        interaction_id.into(),
                        c.key.0.into(),
                        c.key.1.clone().into(),
                        c.key.2.clone().into(),
                        c.key.3.clone().into(),
                        sums.into(),
                    ])
                    .to_owned();
                txn.execute(&ins).await?;
            }
        }
        if let Some((name, seq)) = consumer {
            advance_position(&txn, name, seq, self.now()).await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// The KPI records of the workspace's interactions offered in `[from, to)`.
    pub async fn kpi_interactions(
        &self,
        scope: &WorkspaceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Interaction>> {
        interactions_in(self.db(), scope.id(), from, to).await
    }

    /// The kept accumulators of the workspace for buckets starting in `[from, to)`, rolled up
    /// over every dimension but `keep` (`"queue"`, `"team"`, `"agent"` or none): what a
    /// report grouped that way needs, read from the roll-up rows of that grouping (one row
    /// per bucket and group) of `rows`' length.
    pub async fn kpi_buckets_grouped(
        &self,
        scope: &WorkspaceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        keep: Option<&str>,
        rows: Rows,
    ) -> Result<Buckets> {
        let table = match rows {
            Rows::Quarter => "kpi_quarter_by",
            Rows::Hour => "kpi_hour_by",
            Rows::Day => "kpi_day_by",
        };
        let day_rows = rows == Rows::Day;
        let dim = match keep {
            None => None,
            Some(d @ ("queue" | "team" | "agent")) => Some(d),
            Some(other) => return Err(StoreError::Config(format!("unknown dimension {other}"))),
        };
        // One row per bucket and group, kept as such: nothing to sum.
        let mut q = Query::select();
        q.column(a("bucket_start"));
        if dim.is_some() {
            q.column(a("grp"));
        }
        for c in SUM_COLUMNS {
            q.column(a(c));
        }
        q.from(a(table))
            .and_where(Expr::col(a("workspace_id")).eq(scope.id()))
            .and_where(Expr::col(a("dim")).eq(dim.unwrap_or("none")))
            .and_where(Expr::col(a("bucket_start")).gte(from.timestamp()))
            .and_where(Expr::col(a("bucket_start")).lt(to.timestamp()));
        let rows = self.db().query_all(&q).await?;
        let mut out = Buckets::new(ingest_options()).map_err(kpi_err)?;
        let off = 1 + usize::from(dim.is_some());
        let mut vals = vec![0u64; SUM_COLUMNS.len()];
        let put = |out: &mut Buckets, start: i64, name: Option<&str>, b: &Bucket| {
            let (qu, te, ag) = match dim {
                Some("queue") => (name, None, None),
                Some("team") => (None, name, None),
                Some("agent") => (None, None, name),
                _ => (None, None, None),
            };
            out.add_bucket(start, qu, te, ag, b).map_err(kpi_err)
        };
        for r in rows {
            let start: i64 = r.try_get_by_index(0)?;
            let name: Option<String> = match dim {
                Some(_) => Some(r.try_get_by_index(1)?),
                None => None,
            };
            for (i, v) in vals.iter_mut().enumerate() {
                *v = Ord::max(r.try_get_by_index::<Option<i64>>(off + i)?.unwrap_or(0), 0) as u64;
            }
            let b = Bucket {
                sums: sums_from(&vals),
                ..Bucket::default()
            };
            put(
                &mut out,
                start,
                name.as_deref().and_then(nonempty_or_queue(dim)),
                &b,
            )?;
        }
        // Ticket samples are few and kept only on the 15-minute rows: fetch the rows that
        // have any and merge them in (under their day when reading day rows).
        let calendar = workspace_calendar(self.db(), scope.id()).await?;
        let mut q = Query::select();
        q.columns([
            a("bucket_start"),
            a("queue"),
            a("team"),
            a("agent"),
            a("samples"),
        ])
        .from(a("kpi_samples"))
        .and_where(Expr::col(a("workspace_id")).eq(scope.id()))
        .and_where(Expr::col(a("bucket_start")).gte(from.timestamp()))
        .and_where(Expr::col(a("bucket_start")).lt(to.timestamp()));
        for r in self.db().query_all(&q).await? {
            let start: i64 = r.try_get_by_index(0)?;
            let names: [String; 3] = [
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
            ];
            let samples: Option<String> = r.try_get_by_index(4)?;
            let Some(Ok(s)) = samples.map(|s| serde_json::from_str::<Samples>(&s)) else {
                continue;
            };
            let name = match dim {
                Some("queue") => Some(names[0].as_str()),
                Some("team") => nonempty(&names[1]),
                Some("agent") => nonempty(&names[2]),
                _ => None,
            };
            let b = Bucket {
                sums: Sums::default(),
                first_response_min: s.f,
                resolution_min: s.r,
            };
            let start = if day_rows {
                day_of(&calendar, start)
            } else {
                start
            };
            put(&mut out, start, name, &b)?;
        }
        Ok(out)
    }

    /// Adds accumulators built elsewhere (bulk loads, benchmarks) to the workspace's rows.
    /// The buckets must not be kept yet.
    pub async fn kpi_insert_buckets(
        &self,
        scope: &WorkspaceScope,
        buckets: &Buckets,
    ) -> Result<()> {
        let txn = self.derive().await?;
        insert_rows(&txn, scope.id(), buckets).await?;
        let calendar = workspace_calendar(&txn, scope.id()).await?;
        let name = |s: Option<u32>| s.map_or(String::new(), |s| buckets.names.name(s).to_owned());
        let mut rolled: BTreeMap<RowKey, Vec<i64>> = BTreeMap::new();
        let mut days: HashMap<i64, i64> = HashMap::new();
        for (k, b) in buckets.iter() {
            let key = (k.start, name(k.queue), name(k.team), name(k.agent));
            let day = *days
                .entry(k.start)
                .or_insert_with(|| day_of(&calendar, k.start));
            let sums = b.sums.values();
            for rk in row_keys_with_day(day, &key) {
                if rk.table == "kpi_buckets" {
                    continue;
                }
                let e = rolled
                    .entry(rk)
                    .or_insert_with(|| vec![0; SUM_COLUMNS.len()]);
                for (d, v) in e.iter_mut().zip(&sums) {
                    *d += *v as i64;
                }
            }
        }
        let rows: Vec<_> = rolled.into_iter().collect();
        for chunk in rows.chunks(200) {
            for table in ["kpi_quarter_by", "kpi_hour_by", "kpi_day_by"] {
                let mine: Vec<_> = chunk.iter().filter(|(k, _)| k.table == table).collect();
                if mine.is_empty() {
                    continue;
                }
                let mut cols = vec![a("workspace_id"), a("dim"), a("bucket_start"), a("grp")];
                cols.extend(SUM_COLUMNS.iter().map(|c| a(c)));
                let mut q = Query::insert();
                q.into_table(a(table)).columns(cols);
                for (k, v) in mine {
                    let mut vals: Vec<SimpleExpr> = vec![
                        scope.id().into(),
                        k.dim.into(),
                        k.start.into(),
                        k.grp.clone().into(),
                    ];
                    vals.extend(v.iter().map(|&x| SimpleExpr::from(x)));
                    q.values_panic(vals);
                }
                txn.execute(&q).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}

/// The empty name means "none" for team and agent; a queue is always named.
fn nonempty_or_queue(dim: Option<&str>) -> impl Fn(&str) -> Option<&str> {
    let queue = dim == Some("queue");
    move |s| if queue { Some(s) } else { nonempty(s) }
}

/// The workspace's calendar (UTC if its zone is unknown).
pub async fn workspace_calendar<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
) -> Result<kefu_kpi::Calendar> {
    let ws = crate::entity::workspace::Entity::find_by_id(workspace_id.to_owned())
        .one(conn)
        .await?;
    let tz = ws
        .and_then(|w| w.time_zone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    Ok(kefu_kpi::Calendar::new(tz))
}

/// The first instant (unix seconds) of the local day containing `t`.
fn day_of(calendar: &kefu_kpi::Calendar, t: i64) -> i64 {
    calendar
        .start_of(kefu_kpi::Interval::Day, ts(t))
        .timestamp()
}

/// [`Sums`] from values in the order of [`SUM_COLUMNS`] (= `Sums::FIELDS`).
fn sums_from(v: &[u64]) -> Sums {
    use serde::Deserialize;
    let seq =
        serde::de::value::SeqDeserializer::<_, serde::de::value::Error>::new(v.iter().copied());
    Sums::deserialize(seq).unwrap_or_default()
}

async fn interactions_in<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Interaction>> {
    let rows = interaction::Entity::find()
        .filter(interaction::Column::WorkspaceId.eq(workspace_id))
        .filter(interaction::Column::OfferedAt.gte(from))
        .filter(interaction::Column::OfferedAt.lt(to))
        .all(conn)
        .await?;
    let agents: BTreeSet<String> = rows.iter().filter_map(|m| m.agent_id.clone()).collect();
    let teams = teams_of(conn, workspace_id, &agents).await?;
    Ok(rows
        .iter()
        .filter_map(|m| {
            let team = m.agent_id.as_ref().and_then(|a| teams.get(a).cloned());
            kpi_interaction(m, team)
        })
        .collect())
}

/// What one interaction adds to the accumulators: its row key (bucket start, queue, team,
/// agent; `""` for none) and every count and sum in the order of [`SUM_COLUMNS`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Contribution {
    key: (i64, String, String, String),
    sums: Vec<i64>,
}

async fn stored_contribution<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    interaction_id: &str,
) -> Result<Option<Contribution>> {
    let q = Query::select()
        .columns([
            a("bucket_start"),
            a("queue"),
            a("team"),
            a("agent"),
            a("sums"),
        ])
        .from(a("kpi_contacts"))
        .and_where(Expr::col(a("workspace_id")).eq(workspace_id))
        .and_where(Expr::col(a("interaction_id")).eq(interaction_id))
        .to_owned();
    let Some(r) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    let sums: String = r.try_get_by_index(4)?;
    Ok(Some(Contribution {
        key: (
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
            r.try_get_by_index(3)?,
        ),
        sums: serde_json::from_str(&sums).map_err(|e| StoreError::Config(e.to_string()))?,
    }))
}

/// The contribution of the interaction as it is now (`None` when deleted, never offered or
/// left out as invalid).
async fn contribution_now<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    interaction_id: &str,
) -> Result<Option<Contribution>> {
    let Some(m) = interaction::Entity::find_by_id(interaction_id.to_owned())
        .filter(interaction::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let agents: BTreeSet<String> = m.agent_id.iter().cloned().collect();
    let teams = teams_of(conn, workspace_id, &agents).await?;
    let team = m.agent_id.as_ref().and_then(|a| teams.get(a).cloned());
    let Some(rec) = kpi_interaction(&m, team) else {
        return Ok(None);
    };
    let mut b = Buckets::new(ingest_options()).map_err(kpi_err)?;
    if let Err(e) = b.add_interaction(&rec) {
        tracing::warn!(interaction = %rec.id, error = %e, "interaction left out of the KPIs");
        return Ok(None);
    }
    let name = |s: Option<u32>| s.map_or(String::new(), |s| b.names.name(s).to_owned());
    Ok(b.iter().next().map(|(k, bucket)| Contribution {
        key: (k.start, name(k.queue), name(k.team), name(k.agent)),
        sums: bucket.sums.values().into_iter().map(|v| v as i64).collect(),
    }))
}

/// One kept row an interaction adds to: the 15-minute row with its full key
/// (`kpi_buckets`), and per grouping (`dim`: none, queue, team, agent) its 15-minute, hour and
/// local-day roll-up rows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    table: &'static str,
    dim: &'static str,
    start: i64,
    /// The group (`""`: none), or for `kpi_buckets` the queue.
    grp: String,
    team: String,
    agent: String,
}

/// The rows a contribution with `key` adds to, for a workspace in `calendar`'s zone.
fn row_keys(calendar: &kefu_kpi::Calendar, key: &(i64, String, String, String)) -> Vec<RowKey> {
    row_keys_with_day(day_of(calendar, key.0), key)
}

fn row_keys_with_day(day: i64, key: &(i64, String, String, String)) -> Vec<RowKey> {
    let (start, queue, team, agent) = key;
    let mut out = vec![RowKey {
        table: "kpi_buckets",
        dim: "",
        start: *start,
        grp: queue.clone(),
        team: team.clone(),
        agent: agent.clone(),
    }];
    let hour = start - start.rem_euclid(3600);
    for (table, at) in [
        ("kpi_quarter_by", *start),
        ("kpi_hour_by", hour),
        ("kpi_day_by", day),
    ] {
        for (dim, grp) in [
            ("none", ""),
            ("queue", queue.as_str()),
            ("team", team.as_str()),
            ("agent", agent.as_str()),
        ] {
            out.push(RowKey {
                table,
                dim,
                start: at,
                grp: grp.to_owned(),
                team: String::new(),
                agent: String::new(),
            });
        }
    }
    out
}

/// Adds `delta` to row `key` for `workspace_id` (creating it); when something was
/// subtracted, deletes the row if every count and sum is now zero.
async fn add_to_row<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    key: &RowKey,
    delta: &[i64],
    subtracted: bool,
) -> Result<()> {
    let full = key.table == "kpi_buckets";
    let keys: Vec<(&str, SimpleExpr)> = if full {
        vec![
            ("workspace_id", workspace_id.into()),
            ("bucket_start", key.start.into()),
            ("queue", key.grp.clone().into()),
            ("team", key.team.clone().into()),
            ("agent", key.agent.clone().into()),
        ]
    } else {
        vec![
            ("workspace_id", workspace_id.into()),
            ("dim", key.dim.into()),
            ("bucket_start", key.start.into()),
            ("grp", key.grp.clone().into()),
        ]
    };
    let mut cols: Vec<_> = keys.iter().map(|(c, _)| a(c)).collect();
    cols.extend(SUM_COLUMNS.iter().map(|c| a(c)));
    let mut vals: Vec<SimpleExpr> = keys.iter().map(|(_, v)| v.clone()).collect();
    vals.extend(delta.iter().map(|&d| SimpleExpr::from(d)));
    let table = key.table;
    let update = SUM_COLUMNS.iter().map(|c| {
        (
            a(c),
            Expr::col((a(table), a(c))).add(Expr::col((a("excluded"), a(c)))),
        )
    });
    let q = Query::insert()
        .into_table(a(table))
        .columns(cols)
        .values_panic(vals)
        .on_conflict(
            OnConflict::columns(keys.iter().map(|(c, _)| a(c)))
                .values(update)
                .to_owned(),
        )
        .to_owned();
    conn.execute(&q).await?;
    if subtracted {
        let mut del = Query::delete();
        del.from_table(a(table));
        for (c, v) in &keys {
            del.and_where(Expr::col(a(c)).eq(v.clone()));
        }
        for c in SUM_COLUMNS {
            del.and_where(Expr::col(a(c)).eq(0));
        }
        conn.execute(&del).await?;
    }
    Ok(())
}

/// Moves `consumer`'s stored position forward to `seq` (never back).
async fn advance_position<C: ConnectionTrait>(
    conn: &C,
    consumer: &str,
    seq: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use crate::entity::consumer_offset;
    let now = consumer_offset::Entity::find_by_id(consumer.to_owned())
        .one(conn)
        .await?;
    if now.as_ref().is_some_and(|r| r.position >= seq) {
        return Ok(());
    }
    crate::outbox::write_position(conn, consumer, seq, at).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_fields_of_sums() {
        assert_eq!(SUM_COLUMNS, Sums::FIELDS);
        let s = Sums {
            offered: 3,
            adherent_ms: 7,
            ..Sums::default()
        };
        assert_eq!(sums_from(&s.values()), s);
    }
}
