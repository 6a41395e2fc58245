//! Mergeable accumulators. [`Sums`] holds every count and every millisecond sum a KPI needs;
//! sums of sums are exact and order-free (integers), so accumulators can be kept per 15-minute
//! UTC bucket × queue × team × agent, updated incrementally, merged, and rolled up to any
//! interval and grouping. [`Bucket`] adds the business-minute samples for ticket percentiles.
//! [`Buckets`] is the in-memory store keyed that way, with the ingest of every record type.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::AddAssign;

use crate::calendar::{BUCKET_S, bucket_of_ms};
use crate::options::IngestOptions;
use crate::record::{
    AgentStateRecord, Direction, Evaluation, Interaction, OutboundOutcome, ScheduleSegment,
    SurveyKind, SurveyResponse, Ticket, TicketKind, secs_to_ms,
};
use crate::{KpiError, percentile};

macro_rules! sums {
    ($($(#[$m:meta])* $f:ident),* $(,)?) => {
        /// Every count and sum (sums in milliseconds) of one accumulator.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
        pub struct Sums { $($(#[$m])* pub $f: u64,)* }

        impl Sums {
            /// Field names in declaration order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($f)),*];
            /// Values in the order of [`Sums::FIELDS`].
            pub fn values(&self) -> Vec<u64> { vec![$(self.$f),*] }
        }

        impl AddAssign<&Sums> for Sums {
            fn add_assign(&mut self, o: &Sums) { $(self.$f += o.$f;)* }
        }
    };
}

sums! {
    /// Inbound contacts offered (short abandons excluded).
    offered,
    /// Inbound contacts abandoned after less than the short-abandon threshold.
    short_abandoned,
    /// Offered contacts answered.
    answered,
    /// Offered contacts abandoned (short abandons excluded).
    abandoned,
    /// Answered with queue time ≤ T.
    answered_within_t,
    /// Abandoned (not short) with queue time ≤ T.
    abandoned_within_t,
    /// Queue time of answered contacts, ms.
    queue_ms_answered,
    /// Queue time of all offered contacts, ms.
    queue_ms_offered,
    /// Ring time of answered inbound contacts, ms.
    ring_ms_answered,
    /// Contacts answered by an agent, inbound and outbound.
    handled,
    /// Talk time of handled contacts, ms.
    talk_ms,
    /// Hold time of handled contacts, ms.
    hold_ms,
    /// After-contact work of handled contacts, ms.
    acw_ms,
    /// Outbound attempts.
    outbound_dials,
    /// Outbound attempts that reached the customer (connected or success).
    outbound_connected,
    /// Outbound attempts with outcome success.
    outbound_successes,
    /// Agent time in busy or wrap_up, ms.
    state_handling_ms,
    /// Agent time available, ms.
    state_available_ms,
    /// Agent time logged in (every state but logged_out), ms.
    state_logged_in_ms,
    /// Tickets created.
    tickets_created,
    /// Complaint tickets created.
    complaints,
    /// Complaint tickets created about service attitude.
    attitude_complaints,
    /// Tickets resolved.
    tickets_resolved,
    /// Resolved tickets that meet the FCR definition.
    tickets_fcr,
    /// Tickets whose first-response target is due.
    first_response_due,
    /// … of which met.
    first_response_met,
    /// Tickets whose resolution target is due.
    resolution_due,
    /// … of which met.
    resolution_met,
    /// QA evaluations.
    evaluations,
    /// QA evaluations at or above the pass mark.
    evaluations_passed,
    /// CSAT responses.
    csat_responses,
    /// CSAT responses of 4 or 5.
    csat_satisfied,
    /// NPS responses.
    nps_responses,
    /// NPS responses of 9 or 10.
    nps_promoters,
    /// NPS responses of 0 to 6.
    nps_detractors,
    /// Shifts scheduled.
    shifts_scheduled,
    /// Shifts in which the agent logged in.
    shifts_attended,
    /// Scheduled time, ms.
    scheduled_ms,
    /// Scheduled time spent in the scheduled state, ms.
    adherent_ms,
}

/// One accumulator: [`Sums`] plus the business-minute samples of tickets (exact percentiles
/// need the values; tickets are few per bucket).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Bucket {
    pub sums: Sums,
    pub first_response_min: Vec<f64>,
    pub resolution_min: Vec<f64>,
}

impl Bucket {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Bucket) {
        self.sums += &other.sums;
        self.first_response_min
            .extend_from_slice(&other.first_response_min);
        self.resolution_min.extend_from_slice(&other.resolution_min);
    }

    /// Median and 90th percentile of first response times.
    pub fn first_response_quantiles(&self) -> (Option<f64>, Option<f64>) {
        percentile::median_p90(&self.first_response_min)
    }

    /// Median and 90th percentile of resolution times.
    pub fn resolution_quantiles(&self) -> (Option<f64>, Option<f64>) {
        percentile::median_p90(&self.resolution_min)
    }
}

/// Interned name (queue, team or agent).
pub type Sym = u32;

/// Key of an accumulator: 15-minute UTC bucket × queue × team × agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketKey {
    /// Bucket start, UTC seconds, a multiple of 900.
    pub start: i64,
    pub queue: Option<Sym>,
    pub team: Option<Sym>,
    pub agent: Option<Sym>,
}

/// Names of queues, teams and agents, interned to [`Sym`].
#[derive(Debug, Clone, Default)]
pub struct Names {
    index: HashMap<String, Sym>,
    names: Vec<String>,
}

impl Names {
    /// The symbol of `name`, interning it if new.
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&s) = self.index.get(name) {
            return s;
        }
        let s = self.names.len() as Sym;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), s);
        s
    }
    /// The name of `sym`.
    pub fn name(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map_or("", String::as_str)
    }
    fn opt(&mut self, name: Option<&str>) -> Option<Sym> {
        name.map(|n| self.intern(n))
    }
}

/// An interaction reduced to what the accumulators need: names interned, times in UTC
/// milliseconds, durations in milliseconds. The cheap path for bulk or incremental ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contact {
    pub direction: Direction,
    pub queue: Option<Sym>,
    pub team: Option<Sym>,
    pub agent: Option<Sym>,
    pub offered_ms: i64,
    /// Queue time to answer, ms (answered_at − offered_at), if answered.
    pub answered_after_ms: Option<u64>,
    /// Queue time to abandon, ms, if abandoned.
    pub abandoned_after_ms: Option<u64>,
    /// Time from offer to end, ms, if ended.
    pub ended_after_ms: Option<u64>,
    pub ring_ms: u64,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub acw_ms: u64,
    pub outcome: Option<OutboundOutcome>,
}

/// `to − from` in whole milliseconds, rounded to nearest (0 if `to` is earlier).
fn after_ms(from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> u64 {
    let us = (to - from).num_microseconds().unwrap_or(i64::MAX).max(0) as u64;
    (us + 500) / 1000
}

/// Accumulators keyed by [`BucketKey`], built under one [`IngestOptions`].
#[derive(Debug, Clone)]
pub struct Buckets {
    pub names: Names,
    options: IngestOptions,
    short_abandon_ms: u64,
    answer_within_ms: u64,
    index: HashMap<BucketKey, u32, BuildHasherDefault<FastHasher>>,
    keys: Vec<BucketKey>,
    buckets: Vec<Bucket>,
}

/// A multiply-rotate hasher for the small integer keys of the accumulator index (the keys are
/// not attacker-chosen; SipHash's protection is not needed and costs time at 10⁷ records).
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.add(i as u64);
    }
}

/// Calls `f(bucket_start_s, overlap_ms)` for each 15-minute bucket that `[from_ms, to_ms)`
/// overlaps.
pub(crate) fn split_by_bucket(from_ms: i64, to_ms: i64, mut f: impl FnMut(i64, u64)) {
    let mut t = from_ms;
    while t < to_ms {
        let b = bucket_of_ms(t);
        let end = ((b + BUCKET_S) * 1000).min(to_ms);
        f(b, (end - t) as u64);
        t = end;
    }
}

impl Buckets {
    /// An empty store.
    pub fn new(options: IngestOptions) -> Result<Self, KpiError> {
        options.validate()?;
        Ok(Buckets {
            names: Names::default(),
            short_abandon_ms: secs_to_ms(options.short_abandon_s),
            answer_within_ms: secs_to_ms(options.answer_within_s),
            options,
            index: HashMap::default(),
            keys: Vec::new(),
            buckets: Vec::new(),
        })
    }

    /// The options the store was built with.
    pub fn options(&self) -> &IngestOptions {
        &self.options
    }

    /// The accumulator for `key`, created empty if new.
    pub fn bucket_mut(&mut self, key: BucketKey) -> &mut Bucket {
        let i = *self.index.entry(key).or_insert_with(|| {
            self.keys.push(key);
            self.buckets.push(Bucket::default());
            (self.buckets.len() - 1) as u32
        });
        &mut self.buckets[i as usize]
    }

    fn entry(
        &mut self,
        start: i64,
        queue: Option<Sym>,
        team: Option<Sym>,
        agent: Option<Sym>,
    ) -> &mut Bucket {
        self.bucket_mut(BucketKey {
            start,
            queue,
            team,
            agent,
        })
    }

    /// Adds a kept accumulator (e.g. a row the server stored) under its names. `start` must be
    /// on the 15-minute UTC grid.
    pub fn add_bucket(
        &mut self,
        start: i64,
        queue: Option<&str>,
        team: Option<&str>,
        agent: Option<&str>,
        bucket: &Bucket,
    ) -> Result<(), KpiError> {
        if start.rem_euclid(BUCKET_S) != 0 {
            return Err(KpiError::BadOption {
                name: "bucket start",
                what: format!("{start} is not a multiple of {BUCKET_S} s"),
            });
        }
        let key = BucketKey {
            start,
            queue: self.names.opt(queue),
            team: self.names.opt(team),
            agent: self.names.opt(agent),
        };
        self.bucket_mut(key).merge(bucket);
        Ok(())
    }

    /// Every accumulator with its key, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&BucketKey, &Bucket)> {
        self.keys.iter().zip(self.buckets.iter())
    }

    /// Number of accumulators kept.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no accumulator is kept.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Interns an interaction's names and converts it to a [`Contact`].
    pub fn contact(&mut self, i: &Interaction) -> Result<Contact, KpiError> {
        i.validate()?;
        Ok(Contact {
            direction: i.direction,
            queue: Some(self.names.intern(&i.queue)),
            team: self.names.opt(i.team.as_deref()),
            agent: self.names.opt(i.agent.as_deref()),
            offered_ms: i.offered_at.timestamp_millis(),
            answered_after_ms: i.answered_at.map(|t| after_ms(i.offered_at, t)),
            abandoned_after_ms: i.abandoned_at.map(|t| after_ms(i.offered_at, t)),
            ended_after_ms: i.ended_at.map(|t| after_ms(i.offered_at, t)),
            ring_ms: secs_to_ms(i.ring_s),
            talk_ms: secs_to_ms(i.talk_s),
            hold_ms: secs_to_ms(i.hold_s),
            acw_ms: secs_to_ms(i.acw_s),
            outcome: i.outcome,
        })
    }

    /// Adds one interaction (validated).
    pub fn add_interaction(&mut self, i: &Interaction) -> Result<(), KpiError> {
        let c = self.contact(i)?;
        self.add_contact(&c);
        Ok(())
    }

    /// Adds one contact to the bucket in which it was offered. Times are trusted to be in
    /// order (as [`Buckets::contact`] checks); a time before `offered_ms` counts as zero wait.
    pub fn add_contact(&mut self, c: &Contact) {
        let short_ms = self.short_abandon_ms;
        let t_ms = self.answer_within_ms;
        let b = self.entry(bucket_of_ms(c.offered_ms), c.queue, c.team, c.agent);
        let s = &mut b.sums;
        if c.answered_after_ms.is_some() {
            s.handled += 1;
            s.talk_ms += c.talk_ms;
            s.hold_ms += c.hold_ms;
            s.acw_ms += c.acw_ms;
        }
        match c.direction {
            Direction::Outbound => {
                s.outbound_dials += 1;
                match c.outcome {
                    Some(OutboundOutcome::Success) => {
                        s.outbound_connected += 1;
                        s.outbound_successes += 1;
                    }
                    Some(OutboundOutcome::Connected) => s.outbound_connected += 1,
                    _ => {}
                }
            }
            Direction::Inbound => {
                if let Some(q) = c.abandoned_after_ms {
                    if q < short_ms {
                        s.short_abandoned += 1;
                        return;
                    }
                    s.offered += 1;
                    s.abandoned += 1;
                    s.queue_ms_offered += q;
                    if q <= t_ms {
                        s.abandoned_within_t += 1;
                    }
                } else if let Some(q) = c.answered_after_ms {
                    s.offered += 1;
                    s.answered += 1;
                    s.queue_ms_offered += q;
                    s.queue_ms_answered += q;
                    s.ring_ms_answered += c.ring_ms;
                    if q <= t_ms {
                        s.answered_within_t += 1;
                    }
                } else {
                    s.offered += 1;
                    s.queue_ms_offered += c.ended_after_ms.unwrap_or(0);
                }
            }
        }
    }

    /// Adds one agent-state span, split across the buckets it overlaps.
    pub fn add_agent_state(&mut self, r: &AgentStateRecord) -> Result<(), KpiError> {
        r.validate()?;
        let agent = Some(self.names.intern(&r.agent));
        let team = self.names.opt(r.team.as_deref());
        let state = r.state;
        split_by_bucket(
            r.from.timestamp_millis(),
            r.to.timestamp_millis(),
            |b, ms| {
                let s = &mut self
                    .bucket_mut(BucketKey {
                        start: b,
                        queue: None,
                        team,
                        agent,
                    })
                    .sums;
                if state.logged_in() {
                    s.state_logged_in_ms += ms;
                }
                if state.handling() {
                    s.state_handling_ms += ms;
                }
                if state == crate::record::AgentState::Available {
                    s.state_available_ms += ms;
                }
            },
        );
        Ok(())
    }

    /// Adds one ticket: created-side counts in the bucket of `created_at`, resolved-side counts
    /// in the bucket of `resolved_at`.
    pub fn add_ticket(&mut self, t: &Ticket) -> Result<(), KpiError> {
        t.validate()?;
        let queue = self.names.opt(t.queue.as_deref());
        let team = self.names.opt(t.team.as_deref());
        let agent = self.names.opt(t.agent.as_deref());
        let window_ms = i64::from(self.options.fcr_window_days) * 86_400_000;
        let attitude = t.kind == TicketKind::Complaint
            && t.complaint_category.as_deref() == Some(self.options.attitude_category.as_str());
        let created = self.entry(
            bucket_of_ms(t.created_at.timestamp_millis()),
            queue,
            team,
            agent,
        );
        created.sums.tickets_created += 1;
        if t.kind == TicketKind::Complaint {
            created.sums.complaints += 1;
            if attitude {
                created.sums.attitude_complaints += 1;
            }
        }
        if let Some(v) = t.first_response_business_min {
            created.first_response_min.push(v);
        }
        if let Some(target) = t.first_response_target_min {
            match t.first_response_business_min {
                Some(v) => {
                    created.sums.first_response_due += 1;
                    if v <= target {
                        created.sums.first_response_met += 1;
                    }
                }
                None if t.first_response_overdue => created.sums.first_response_due += 1,
                None => {}
            }
        }
        if t.resolved_at.is_none() && t.resolution_target_min.is_some() && t.resolution_overdue {
            created.sums.resolution_due += 1;
        }
        if let Some(r) = t.resolved_at {
            let r_ms = r.timestamp_millis();
            let within = |x: Option<chrono::DateTime<chrono::Utc>>| {
                x.is_some_and(|x| x.timestamp_millis() - r_ms <= window_ms)
            };
            let fcr = t.contacts == 1 && !within(t.reopened_at) && !within(t.recontacted_at);
            let resolved = self.entry(bucket_of_ms(r_ms), queue, team, agent);
            resolved.sums.tickets_resolved += 1;
            if fcr {
                resolved.sums.tickets_fcr += 1;
            }
            if let Some(v) = t.resolution_business_min {
                resolved.resolution_min.push(v);
                if let Some(target) = t.resolution_target_min {
                    resolved.sums.resolution_due += 1;
                    if v <= target {
                        resolved.sums.resolution_met += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds one QA evaluation.
    pub fn add_evaluation(&mut self, e: &Evaluation) -> Result<(), KpiError> {
        crate::record::check_duration(&e.id, "score", e.score)?;
        let mark = e.pass_mark.unwrap_or(self.options.qa_pass_mark);
        let queue = self.names.opt(e.queue.as_deref());
        let team = self.names.opt(e.team.as_deref());
        let agent = Some(self.names.intern(&e.agent));
        let b = self.entry(bucket_of_ms(e.at.timestamp_millis()), queue, team, agent);
        b.sums.evaluations += 1;
        if e.score >= mark {
            b.sums.evaluations_passed += 1;
        }
        Ok(())
    }

    /// Adds one survey response.
    pub fn add_survey(&mut self, r: &SurveyResponse) -> Result<(), KpiError> {
        r.validate()?;
        let queue = self.names.opt(r.queue.as_deref());
        let team = self.names.opt(r.team.as_deref());
        let agent = self.names.opt(r.agent.as_deref());
        let s = &mut self
            .entry(bucket_of_ms(r.at.timestamp_millis()), queue, team, agent)
            .sums;
        match r.kind {
            SurveyKind::Csat => {
                s.csat_responses += 1;
                if r.score >= 4 {
                    s.csat_satisfied += 1;
                }
            }
            SurveyKind::Nps => {
                s.nps_responses += 1;
                if r.score >= 9 {
                    s.nps_promoters += 1;
                } else if r.score <= 6 {
                    s.nps_detractors += 1;
                }
            }
        }
        Ok(())
    }

    /// Adds a schedule and the agent states it is judged against: scheduled and adherent time
    /// split across buckets, and each shift (segments sharing agent and shift id) counted once in
    /// the bucket of its first minute, attended when a logged-in state overlaps it.
    pub fn add_schedule(
        &mut self,
        schedule: &[ScheduleSegment],
        states: &[AgentStateRecord],
    ) -> Result<(), KpiError> {
        let mut by_agent: HashMap<&str, Vec<&AgentStateRecord>> = HashMap::new();
        for s in states {
            s.validate()?;
            by_agent.entry(s.agent.as_str()).or_default().push(s);
        }
        for v in by_agent.values_mut() {
            v.sort_by_key(|s| s.from);
        }
        // (agent, shift) -> (team, from, to)
        let mut shifts: HashMap<(&str, &str), (Option<&str>, i64, i64)> = HashMap::new();
        for seg in schedule {
            seg.validate()?;
            let (from, to) = (seg.from.timestamp_millis(), seg.to.timestamp_millis());
            let agent = Some(self.names.intern(&seg.agent));
            let team = self.names.opt(seg.team.as_deref());
            split_by_bucket(from, to, |b, ms| {
                self.bucket_mut(BucketKey {
                    start: b,
                    queue: None,
                    team,
                    agent,
                })
                .sums
                .scheduled_ms += ms;
            });
            for st in by_agent.get(seg.agent.as_str()).into_iter().flatten() {
                if !seg.activity.matches(st.state) {
                    continue;
                }
                let lo = from.max(st.from.timestamp_millis());
                let hi = to.min(st.to.timestamp_millis());
                split_by_bucket(lo, hi, |b, ms| {
                    self.bucket_mut(BucketKey {
                        start: b,
                        queue: None,
                        team,
                        agent,
                    })
                    .sums
                    .adherent_ms += ms;
                });
            }
            let e = shifts
                .entry((seg.agent.as_str(), seg.shift.as_str()))
                .or_insert((seg.team.as_deref(), from, to));
            e.1 = e.1.min(from);
            e.2 = e.2.max(to);
        }
        let mut shifts: Vec<_> = shifts.into_iter().collect();
        shifts.sort();
        for ((agent_name, _), (team_name, from, to)) in shifts {
            let attended = by_agent.get(agent_name).is_some_and(|v| {
                v.iter().any(|s| {
                    s.state.logged_in()
                        && s.from.timestamp_millis() < to
                        && s.to.timestamp_millis() > from
                })
            });
            let agent = Some(self.names.intern(agent_name));
            let team = self.names.opt(team_name);
            let s = &mut self.entry(bucket_of_ms(from), None, team, agent).sums;
            s.shifts_scheduled += 1;
            if attended {
                s.shifts_attended += 1;
            }
        }
        Ok(())
    }

    /// Adds every accumulator of `other` (names are matched by text).
    pub fn merge(&mut self, other: &Buckets) -> Result<(), KpiError> {
        if other.options != self.options {
            return Err(KpiError::BadOption {
                name: "ingest options",
                what: "cannot merge accumulators built with different options".into(),
            });
        }
        let remap =
            |s: Option<Sym>, names: &mut Names| s.map(|s| names.intern(other.names.name(s)));
        for (k, b) in other.iter() {
            let key = BucketKey {
                start: k.start,
                queue: remap(k.queue, &mut self.names),
                team: remap(k.team, &mut self.names),
                agent: remap(k.agent, &mut self.names),
            };
            self.bucket_mut(key).merge(b);
        }
        Ok(())
    }
}
