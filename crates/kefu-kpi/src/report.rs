//! Reports: roll accumulators up to an interval and a grouping, compute the KPIs of every row
//! and of the totals, and state the definitions used. [`report`] does it all from slices of
//! records; [`Buckets::report`] from accumulators already kept (e.g. by the server).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::KpiError;
use std::hash::BuildHasherDefault;

use crate::accum::{Bucket, Buckets, FastHasher, Sums, Sym};
use crate::calendar::{Calendar, Interval};
use crate::kpis::Kpis;
use crate::options::{ComputeOptions, Definitions, GroupBy, IngestOptions};
use crate::record::{
    AgentStateRecord, Evaluation, Interaction, ScheduleSegment, SurveyResponse, Ticket,
};

/// One report row (or the totals, which have no start and no group).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Interval start (UTC); `None` for the totals.
    pub start: Option<DateTime<Utc>>,
    /// Interval start as RFC 3339 in the report's zone.
    pub start_local: Option<String>,
    /// Group name; `None` when not grouped, or for records without that attribute.
    pub group: Option<String>,
    pub bucket: Bucket,
    pub kpis: Kpis,
}

/// A computed report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub by: GroupBy,
    pub rows: Vec<Row>,
    pub totals: Row,
    pub definitions: Definitions,
}

/// A report request.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    pub interval: Interval,
    pub by: GroupBy,
    pub calendar: Calendar,
    pub compute: ComputeOptions,
    /// Only buckets starting in `[from, to)`, when given.
    pub range: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Every kind of input record, as slices.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub interactions: &'a [Interaction],
    pub agent_states: &'a [AgentStateRecord],
    pub tickets: &'a [Ticket],
    pub evaluations: &'a [Evaluation],
    pub surveys: &'a [SurveyResponse],
    pub schedule: &'a [ScheduleSegment],
}

impl<'a> Inputs<'a> {
    /// Accumulates every record into a fresh [`Buckets`].
    pub fn accumulate(&self, ingest: IngestOptions) -> Result<Buckets, KpiError> {
        let mut b = Buckets::new(ingest)?;
        self.accumulate_into(&mut b)?;
        Ok(b)
    }

    /// Accumulates every record into `b`.
    pub fn accumulate_into(&self, b: &mut Buckets) -> Result<(), KpiError> {
        for i in self.interactions {
            b.add_interaction(i)?;
        }
        for s in self.agent_states {
            b.add_agent_state(s)?;
        }
        for t in self.tickets {
            b.add_ticket(t)?;
        }
        for e in self.evaluations {
            b.add_evaluation(e)?;
        }
        for s in self.surveys {
            b.add_survey(s)?;
        }
        if !self.schedule.is_empty() {
            b.add_schedule(self.schedule, self.agent_states)?;
        }
        Ok(())
    }
}

/// Computes a report from records.
pub fn report(
    inputs: &Inputs<'_>,
    ingest: IngestOptions,
    spec: &ReportSpec,
) -> Result<Report, KpiError> {
    inputs.accumulate(ingest)?.report(spec)
}

impl Buckets {
    /// Rolls the accumulators up to `spec`'s interval and grouping: (interval start, group)
    /// → merged bucket, in order.
    pub fn rollup(&self, spec: &ReportSpec) -> BTreeMap<(i64, Option<String>), Bucket> {
        let mut starts: HashMap<i64, i64> = HashMap::new();
        let mut grouped: HashMap<(i64, Option<Sym>), Bucket, BuildHasherDefault<FastHasher>> =
            HashMap::default();
        let range = spec.range.map(|(a, b)| (a.timestamp(), b.timestamp()));
        for (k, b) in self.iter() {
            if let Some((from, to)) = range
                && (k.start < from || k.start >= to)
            {
                continue;
            }
            let start = *starts.entry(k.start).or_insert_with(|| {
                let t = DateTime::from_timestamp(k.start, 0).unwrap_or_default();
                spec.calendar.start_of(spec.interval, t).timestamp()
            });
            let sym = match spec.by {
                GroupBy::None => None,
                GroupBy::Queue => k.queue,
                GroupBy::Team => k.team,
                GroupBy::Agent => k.agent,
            };
            grouped.entry((start, sym)).or_default().merge(b);
        }
        grouped
            .into_iter()
            .map(|((start, sym), b)| ((start, sym.map(|s| self.names.name(s).to_string())), b))
            .collect()
    }

    /// Computes the report `spec` from these accumulators.
    pub fn report(&self, spec: &ReportSpec) -> Result<Report, KpiError> {
        spec.compute.validate()?;
        let mut total = Bucket::default();
        let rows: Vec<Row> = self
            .rollup(spec)
            .into_iter()
            .map(|((start, group), bucket)| {
                total.merge(&bucket);
                let start = DateTime::from_timestamp(start, 0).unwrap_or_default();
                Row {
                    start: Some(start),
                    start_local: Some(spec.calendar.format(start)),
                    group,
                    kpis: Kpis::compute(&bucket, &spec.compute),
                    bucket,
                }
            })
            .collect();
        let totals = Row {
            start: None,
            start_local: None,
            group: None,
            kpis: Kpis::compute(&total, &spec.compute),
            bucket: total,
        };
        Ok(Report {
            by: spec.by,
            rows,
            totals,
            definitions: Definitions::new(
                spec.interval,
                spec.by,
                &spec.calendar,
                self.options(),
                &spec.compute,
            ),
        })
    }
}

/// One cell of a row, for JSON, CSV and spreadsheet output.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Int(u64),
    Num(Option<f64>),
}

impl Row {
    /// The row's columns in output order: `start` (rows only), the group field (when grouped,
    /// rows only), every count and sum of [`Sums`], then every KPI.
    pub fn columns(&self, by: GroupBy, totals: bool) -> Vec<(&'static str, Cell)> {
        let mut c = Vec::with_capacity(2 + Sums::FIELDS.len() + Kpis::FIELDS.len());
        if !totals {
            c.push(("start", Cell::Text(self.start_local.clone())));
            if let Some(f) = by.field() {
                c.push((f, Cell::Text(self.group.clone())));
            }
        }
        for (name, v) in Sums::FIELDS.iter().zip(self.bucket.sums.values()) {
            c.push((name, Cell::Int(v)));
        }
        for (name, v) in Kpis::FIELDS.iter().zip(self.kpis.values()) {
            c.push((name, Cell::Num(v)));
        }
        c
    }
}

impl Report {
    /// Column names of the rows, in order.
    pub fn header(&self) -> Vec<&'static str> {
        let probe = Row {
            start: None,
            start_local: None,
            group: None,
            bucket: Bucket::default(),
            kpis: Kpis::default(),
        };
        probe
            .columns(self.by, false)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }
}

struct Columns<'a>(Vec<(&'static str, Cell)>, std::marker::PhantomData<&'a ()>);

impl Serialize for Columns<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            match v {
                Cell::Text(t) => m.serialize_entry(k, t)?,
                Cell::Int(i) => m.serialize_entry(k, i)?,
                Cell::Num(n) => m.serialize_entry(k, &n.filter(|x| x.is_finite()))?,
            }
        }
        m.end()
    }
}

impl Serialize for Report {
    /// `{"rows": [...], "totals": {...}, "definitions": {...}}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Columns<'_>> = self
            .rows
            .iter()
            .map(|r| Columns(r.columns(self.by, false), std::marker::PhantomData))
            .collect();
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("rows", &rows)?;
        m.serialize_entry(
            "totals",
            &Columns(self.totals.columns(self.by, true), std::marker::PhantomData),
        )?;
        m.serialize_entry("definitions", &self.definitions)?;
        m.end()
    }
}
