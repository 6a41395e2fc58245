//! Business calendars: a time zone, weekly working hours (several ranges a day, `24:00` allowed
//! as an end), holidays (single dates or inclusive `a..b` ranges) and extra working days (China's
//! 调休: a date, usually a weekend day, worked with the hours of a given weekday).
//!
//! # Meaning and precision
//! An instant is *working* when its local wall-clock time (in the calendar's zone) falls inside a
//! working range of its local date. So the hour skipped when clocks spring forward contains no
//! working time, and the hour repeated when clocks fall back is worked twice (as people at their
//! desks do). Business time is counted in **whole seconds** of real (UTC) time; the sub-second
//! part of an input instant is dropped. [`Calendar::due`] returns the earliest instant at which
//! the requested business time has been worked, so `elapsed(start, due(start, m)) = m` exactly
//! and `due(start, a + b) = due(due(start, a), b)`. Minutes on the API are 60 business seconds.
//!
//! # Speed
//! Time is walked in 7-day blocks of UTC time. A block with one UTC offset throughout and no
//! holiday or extra working day holds exactly one nominal week of business time, so every run of
//! such blocks up to the next offset change or exception is skipped at once (arithmetic, two
//! binary searches); only the blocks holding a change or an exception are expanded into working
//! intervals day by day. A long span costs O(offset changes + exceptions) in it, not O(weeks).
//!
//! The zone's offset changes come from the private `offsets` module, which finds every change
//! as long as a zone never changes twice within 3.5 days (true of the tz database since 1900;
//! some zones do leave and re-enter summer time within one week: America/Noronha in 2000,
//! Asia/Gaza and Asia/Hebron around Ramadan from 2040). Days are expanded assuming at most one
//! change within the three days around them.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SlaError};
use crate::offsets::{Offsets, raw_offset};

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// Days from 0001-01-01 (day 1 of the common era in chrono) to 1970-01-01.
const CE_TO_UNIX_DAYS: i64 = 719_163;
/// 1900-01-01T00:00:00Z: the earliest supported instant.
const MIN_T: i64 = -2_208_988_800;
/// 2400-01-01T00:00:00Z: the end of the supported range.
const MAX_T: i64 = 13_569_465_600;
/// Longest accepted holiday range, in days.
const MAX_HOLIDAY_RANGE_DAYS: i64 = 3_660;

const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The YAML/JSON form of a calendar, as written by people (the same format in the CLI and the
/// API):
///
/// ```yaml
/// time_zone: Asia/Shanghai
/// weekly: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-18:00"]}
/// holidays: ["2026-10-01..2026-10-07", "2026-12-25"]
/// extra_workdays: {"2026-09-27": mon}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    pub time_zone: String,
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub extra_workdays: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Holiday,
    /// Worked with the hours of this weekday (index from Monday = 0).
    Workday(usize),
}

/// A validated business calendar. Build it with [`Calendar::from_yaml`] or
/// [`Calendar::from_spec`]; with serde it reads and writes as its [`CalendarSpec`] (and is
/// validated while reading).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct Calendar {
    tz: Tz,
    /// Working ranges per weekday (Monday = 0), as seconds from local midnight, sorted, disjoint
    /// and non-touching (touching ranges are merged).
    weekly: [Vec<(i64, i64)>; 7],
    /// Holidays and extra working days, keyed by days since 1970-01-01.
    exceptions: BTreeMap<i64, DayKind>,
    /// Business seconds of a nominal week.
    week_total: i64,
    offsets: Offsets,
    spec: CalendarSpec,
}

fn weekday_index(key: &str) -> Result<usize> {
    let k = key.trim().to_ascii_lowercase();
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    WEEKDAY_KEYS
        .iter()
        .position(|w| *w == k)
        .or_else(|| full.iter().position(|w| *w == k))
        .ok_or_else(|| SlaError::BadWeekday(key.to_string()))
}

/// Parses `HH:MM` into seconds from midnight; `24:00` only when `allow_24` (range ends).
fn parse_clock(s: &str, allow_24: bool) -> std::result::Result<i64, String> {
    let s = s.trim();
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` is not HH:MM"))?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(format!("`{s}` is not HH:MM"));
    }
    let h: i64 = h.parse().map_err(|_| format!("`{s}` is not HH:MM"))?;
    let m: i64 = m.parse().map_err(|_| format!("`{s}` is not HH:MM"))?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(format!("`{s}` is not a time of day"));
    }
    if h == 24 && !allow_24 {
        return Err("24:00 may only end a range".to_string());
    }
    Ok(h * 3600 + m * 60)
}

fn parse_range(day: &str, s: &str) -> Result<(i64, i64)> {
    let bad = |reason: String| SlaError::BadRange {
        day: day.to_string(),
        range: s.to_string(),
        reason,
    };
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| bad("expected HH:MM-HH:MM".to_string()))?;
    let a = parse_clock(a, false).map_err(bad)?;
    let b = parse_clock(b, true).map_err(bad)?;
    if a >= b {
        return Err(bad("the end is not after the start".to_string()));
    }
    Ok((a, b))
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    // Strict YYYY-MM-DD.
    let ok_shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !ok_shape {
        return Err(SlaError::BadDate(s.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| SlaError::BadDate(s.to_string()))
}

fn day_index(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - CE_TO_UNIX_DAYS
}

#[cfg(test)]
fn index_date(idx: i64) -> Option<NaiveDate> {
    i32::try_from(idx + CE_TO_UNIX_DAYS)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Weekday (Monday = 0) of a day index; 1970-01-01 was a Thursday.
fn weekday_of(idx: i64) -> usize {
    (idx + 3).rem_euclid(7) as usize
}

fn fmt_range(r: (i64, i64)) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        r.0 / 3600,
        r.0 % 3600 / 60,
        r.1 / 3600,
        r.1 % 3600 / 60
    )
}

fn check_instant(t: &DateTime<Utc>) -> Result<i64> {
    let s = t.timestamp();
    if (MIN_T..MAX_T).contains(&s) {
        Ok(s)
    } else {
        Err(SlaError::OutOfRange(t.to_rfc3339()))
    }
}

fn to_instant(t: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(t, 0).ok_or(SlaError::BeyondHorizon)
}

impl TryFrom<CalendarSpec> for Calendar {
    type Error = SlaError;

    fn try_from(spec: CalendarSpec) -> Result<Calendar> {
        Calendar::from_spec(spec)
    }
}

impl From<Calendar> for CalendarSpec {
    fn from(cal: Calendar) -> CalendarSpec {
        cal.spec
    }
}

impl Calendar {
    /// Parses and validates a calendar from its YAML form.
    pub fn from_yaml(text: &str) -> Result<Calendar> {
        let spec: CalendarSpec =
            serde_yaml_ng::from_str(text).map_err(|e| SlaError::Yaml(e.to_string()))?;
        Calendar::from_spec(spec)
    }

    /// Validates a calendar spec: a known zone, well-formed and non-overlapping ranges, valid
    /// dates, no date both holiday and extra working day, some working time in the week.
    pub fn from_spec(spec: CalendarSpec) -> Result<Calendar> {
        let tz: Tz = spec
            .time_zone
            .trim()
            .parse()
            .map_err(|_| SlaError::BadTimeZone(spec.time_zone.clone()))?;
        let mut weekly: [Vec<(i64, i64)>; 7] = Default::default();
        let mut seen = [false; 7];
        for (key, ranges) in &spec.weekly {
            let wd = weekday_index(key)?;
            if seen[wd] {
                return Err(SlaError::BadRange {
                    day: key.clone(),
                    range: String::new(),
                    reason: format!("{} is listed twice", WEEKDAY_KEYS[wd]),
                });
            }
            seen[wd] = true;
            let mut rs = ranges
                .iter()
                .map(|r| parse_range(WEEKDAY_KEYS[wd], r))
                .collect::<Result<Vec<_>>>()?;
            rs.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(rs.len());
            for r in rs {
                match merged.last_mut() {
                    Some(last) if r.0 < last.1 => {
                        return Err(SlaError::OverlappingRanges {
                            day: WEEKDAY_KEYS[wd].to_string(),
                            first: fmt_range(*last),
                            second: fmt_range(r),
                        });
                    }
                    Some(last) if r.0 == last.1 => last.1 = r.1,
                    _ => merged.push(r),
                }
            }
            weekly[wd] = merged;
        }
        let week_total = weekly
            .iter()
            .flat_map(|d| d.iter().map(|r| r.1 - r.0))
            .sum::<i64>();
        if week_total == 0 {
            return Err(SlaError::NoWorkingHours);
        }

        let mut exceptions = BTreeMap::new();
        for h in &spec.holidays {
            let (a, b) = match h.split_once("..") {
                Some((a, b)) => (parse_date(a)?, parse_date(b)?),
                None => {
                    let d = parse_date(h)?;
                    (d, d)
                }
            };
            let (ia, ib) = (day_index(a), day_index(b));
            if ib < ia {
                return Err(SlaError::BadDateRange(
                    h.clone(),
                    "the end is before the start".to_string(),
                ));
            }
            if ib - ia >= MAX_HOLIDAY_RANGE_DAYS {
                return Err(SlaError::BadDateRange(
                    h.clone(),
                    format!("longer than {MAX_HOLIDAY_RANGE_DAYS} days"),
                ));
            }
            for i in ia..=ib {
                exceptions.insert(i, DayKind::Holiday);
            }
        }
        for (date, wd) in &spec.extra_workdays {
            let d = parse_date(date)?;
            let w = weekday_index(wd)?;
            let i = day_index(d);
            if exceptions.contains_key(&i) {
                return Err(SlaError::HolidayAndWorkday(d.to_string()));
            }
            if weekly[w].is_empty() {
                return Err(SlaError::EmptyExtraWorkday {
                    date: d.to_string(),
                    weekday: WEEKDAY_KEYS[w].to_string(),
                });
            }
            exceptions.insert(i, DayKind::Workday(w));
        }
        Ok(Calendar {
            tz,
            weekly,
            exceptions,
            week_total,
            offsets: Offsets::new(tz, MIN_T - 4 * WEEK, MAX_T + 4 * WEEK),
            spec,
        })
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The spec this calendar was built from.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// Business seconds in a nominal week (no holidays, no zone transition).
    pub fn week_seconds(&self) -> i64 {
        self.week_total
    }

    /// UTC offset (local minus UTC, seconds) in force at Unix second `t`.
    fn offset_at(&self, t: i64) -> i64 {
        self.offsets.at(t)
    }

    /// Working ranges (seconds from local midnight) of local day `idx`.
    fn day_ranges(&self, idx: i64) -> &[(i64, i64)] {
        match self.exceptions.get(&idx) {
            Some(DayKind::Holiday) => &[],
            Some(DayKind::Workday(w)) => &self.weekly[*w],
            None => &self.weekly[weekday_of(idx)],
        }
    }

    /// Whether instant `t` is working time, straight from the definition (local wall time inside
    /// a working range of its local date). Independent of the interval machinery below: it asks
    /// chrono-tz for the offset of this very instant.
    pub fn is_working(&self, t: DateTime<Utc>) -> bool {
        let s = t.timestamp();
        let wall = s + raw_offset(self.tz, s);
        let idx = wall.div_euclid(DAY);
        let sec = wall.rem_euclid(DAY);
        self.day_ranges(idx)
            .iter()
            .any(|&(a, b)| a <= sec && sec < b)
    }

    /// Appends the working intervals (UTC seconds, half-open) of local day `idx`, unsorted.
    /// Assumes at most one offset change within the three days around it.
    fn push_day_intervals(&self, idx: i64, out: &mut Vec<(i64, i64)>) {
        let ranges = self.day_ranges(idx);
        if ranges.is_empty() {
            return;
        }
        let d0 = idx * DAY;
        let (lo, hi) = (d0 - DAY, d0 + 2 * DAY);
        let oa = self.offset_at(lo);
        let Some(switch) = self.offsets.next_change(lo, hi) else {
            out.extend(ranges.iter().map(|&(a, b)| (d0 + a - oa, d0 + b - oa)));
            return;
        };
        let ob = self.offset_at(switch);
        for &(a, b) in ranges {
            let (s, e) = (d0 + a - oa, (d0 + b - oa).min(switch));
            if s < e {
                out.push((s, e));
            }
            let (s, e) = ((d0 + a - ob).max(switch), d0 + b - ob);
            if s < e {
                out.push((s, e));
            }
        }
    }

    /// Working intervals within `[u, v)`, sorted and merged.
    fn intervals_in(&self, u: i64, v: i64, out: &mut Vec<(i64, i64)>) {
        out.clear();
        let mut raw = Vec::with_capacity(32);
        for idx in (u - DAY).div_euclid(DAY)..=(v + DAY).div_euclid(DAY) {
            self.push_day_intervals(idx, &mut raw);
        }
        raw.retain_mut(|r| {
            r.0 = r.0.max(u);
            r.1 = r.1.min(v);
            r.0 < r.1
        });
        raw.sort_unstable();
        for r in raw {
            match out.last_mut() {
                Some(last) if r.0 <= last.1 => last.1 = last.1.max(r.1),
                _ => out.push(r),
            }
        }
    }

    /// How many whole 7-day blocks from `t` on (at most `max`) are plain weeks: one UTC offset
    /// throughout and no holiday or extra working day, so each holds exactly one nominal week.
    fn plain_weeks(&self, t: i64, max: i64) -> i64 {
        if max <= 0 {
            return 0;
        }
        let horizon = t + max * WEEK;
        let o = self.offset_at(t);
        // The blocks must end by the next offset change…
        let mut limit = self.offsets.next_change(t, horizon).unwrap_or(horizon);
        // …and before the first local date that is an exception.
        if let Some((&x, _)) = self.exceptions.range((t + o).div_euclid(DAY)..).next() {
            limit = limit.min(x * DAY - o - 1);
        }
        ((limit - t) / WEEK).clamp(0, max)
    }

    /// Business seconds in `[u, v)`, `u <= v`, both in range.
    fn business(&self, u: i64, v: i64) -> i64 {
        let mut total = 0;
        let mut t = u;
        let mut buf = Vec::new();
        while t < v {
            let k = self.plain_weeks(t, (v - t) / WEEK);
            if k > 0 {
                total += k * self.week_total;
                t += k * WEEK;
                continue;
            }
            let end = (t + WEEK).min(v);
            self.intervals_in(t, end, &mut buf);
            total += buf.iter().map(|r| r.1 - r.0).sum::<i64>();
            t = end;
        }
        total
    }

    /// Business seconds between two instants: positive when `to` is after `from`, negative when
    /// before (`elapsed(a, b) = -elapsed(b, a)`).
    pub fn elapsed_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64> {
        let (u, v) = (check_instant(&from)?, check_instant(&to)?);
        Ok(if u <= v {
            self.business(u, v)
        } else {
            -self.business(v, u)
        })
    }

    /// Whole business minutes between two instants (seconds divided by 60, truncated toward
    /// zero).
    pub fn elapsed_minutes(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64> {
        Ok(self.elapsed_seconds(from, to)? / 60)
    }

    /// The earliest instant at which `seconds` of business time have been worked since `start`.
    /// `due_seconds(start, 0) = start`.
    pub fn due_seconds(&self, start: DateTime<Utc>, seconds: i64) -> Result<DateTime<Utc>> {
        if seconds < 0 {
            return Err(SlaError::Negative(seconds));
        }
        let mut t = check_instant(&start)?;
        if seconds == 0 {
            return to_instant(t);
        }
        let mut rem = seconds;
        let mut buf = Vec::new();
        while t < MAX_T {
            // Skip whole plain weeks while more than a week's worth remains after them.
            let k = self.plain_weeks(t, (rem - 1) / self.week_total);
            if k > 0 {
                rem -= k * self.week_total;
                t += k * WEEK;
                continue;
            }
            let end = t + WEEK;
            self.intervals_in(t, end, &mut buf);
            for &(s, e) in &buf {
                if e - s >= rem {
                    return to_instant(s + rem);
                }
                rem -= e - s;
            }
            t = end;
        }
        Err(SlaError::BeyondHorizon)
    }

    /// The earliest instant at which `minutes` business minutes have been worked since `start`.
    pub fn due(&self, start: DateTime<Utc>, minutes: i64) -> Result<DateTime<Utc>> {
        if minutes < 0 {
            return Err(SlaError::Negative(minutes));
        }
        let seconds = minutes.checked_mul(60).ok_or(SlaError::BeyondHorizon)?;
        self.due_seconds(start, seconds)
    }

    /// The working stretch at or after `t`: `(from, until)`, with `from = t` when `t` is working
    /// time, else the next opening; `until` is the next instant that is not working time (a
    /// stretch running over midnight is followed to its end), or `None` when the calendar stays
    /// open for more than a year from `from` (e.g. 24/7). Answers "open now until …" and
    /// "closed, opens at …" for queues, portals and auto-replies.
    pub fn next_open(&self, t: DateTime<Utc>) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let mut u = check_instant(&t)?;
        let mut buf = Vec::new();
        while u < MAX_T {
            // Look a day past the block so that a stretch crossing its end is seen whole.
            let mut window_end = u + WEEK + DAY;
            self.intervals_in(u, window_end, &mut buf);
            if let Some(&(from, first_end)) = buf.first().filter(|r| r.0 < u + WEEK) {
                let mut until = first_end;
                while until == window_end {
                    if until - from > 366 * DAY {
                        return Ok((to_instant(from)?, None));
                    }
                    let next = until;
                    window_end = next + WEEK;
                    self.intervals_in(next, window_end, &mut buf);
                    match buf.first() {
                        Some(&(s, e)) if s == next => until = e,
                        _ => break,
                    }
                }
                return Ok((to_instant(from)?, Some(to_instant(until)?)));
            }
            u += WEEK;
        }
        Err(SlaError::BeyondHorizon)
    }

    /// The working intervals between two instants, in order (for display and checking).
    pub fn working_intervals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        let (u, v) = (check_instant(&from)?, check_instant(&to)?);
        let mut buf = Vec::new();
        if u < v {
            self.intervals_in(u, v, &mut buf);
        }
        buf.into_iter()
            .map(|(s, e)| Ok((to_instant(s)?, to_instant(e)?)))
            .collect()
    }

    /// The kind of a local date: `None` for an ordinary day, else holiday / extra working day.
    pub fn exception_on(&self, date: NaiveDate) -> Option<Option<Weekday>> {
        let days = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        self.exceptions.get(&day_index(date)).map(|k| match k {
            DayKind::Holiday => None,
            DayKind::Workday(w) => Some(days[*w]),
        })
    }

    /// Business seconds worked on a local date (in real time, so 23-hour and 25-hour days count
    /// what is really worked).
    pub fn seconds_on(&self, date: NaiveDate) -> i64 {
        let idx = day_index(date);
        let mut raw = Vec::new();
        self.push_day_intervals(idx, &mut raw);
        raw.iter().map(|r| r.1 - r.0).sum()
    }

    /// The first day index of the local date containing `t` (for tests).
    #[cfg(test)]
    fn local_day(&self, t: i64) -> Option<NaiveDate> {
        index_date((t + self.offset_at(t)).div_euclid(DAY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cal(yaml: &str) -> Calendar {
        Calendar::from_yaml(yaml).unwrap()
    }

    const NINE_TO_FIVE_NY: &str = r#"
time_zone: America/New_York
weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}
"#;

    #[test]
    fn clock_parsing() {
        assert_eq!(parse_clock("09:30", false), Ok(34_200));
        assert_eq!(parse_clock("24:00", true), Ok(86_400));
        assert!(parse_clock("24:00", false).is_err());
        assert!(parse_clock("24:01", true).is_err());
        assert!(parse_clock("9:60", true).is_err());
        assert!(parse_clock("0930", true).is_err());
        assert!(parse_clock("09:3", true).is_err());
    }

    #[test]
    fn weekday_of_known_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(); // a Thursday
        assert_eq!(weekday_of(day_index(d)), 3);
        assert_eq!(index_date(day_index(d)), Some(d));
        let d = NaiveDate::from_ymd_opt(1969, 12, 29).unwrap(); // a Monday
        assert_eq!(weekday_of(day_index(d)), 0);
    }

    #[test]
    fn dst_days_in_new_york_have_23_and_25_hours() {
        let c = cal(NINE_TO_FIVE_NY);
        // Sunday 2026-03-08: clocks jump 02:00 -> 03:00. A 00:00-24:00 day lasts 23 hours.
        assert_eq!(
            c.seconds_on(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()),
            23 * 3600
        );
        // Sunday 2026-11-01: clocks fall back 02:00 -> 01:00. The day lasts 25 hours.
        assert_eq!(
            c.seconds_on(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            25 * 3600
        );
        assert_eq!(
            c.seconds_on(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()),
            8 * 3600
        );
        // Saturday 2026-10-31 00:00 EDT (04:00Z) to Monday 09:00 EST (14:00Z): 24 + 25 hours.
        let e = c
            .elapsed_seconds(utc("2026-10-31T04:00:00Z"), utc("2026-11-02T14:00:00Z"))
            .unwrap();
        assert_eq!(e, 49 * 3600);
        assert_eq!(
            c.local_day(utc("2026-11-01T05:30:00Z").timestamp()),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
    }

    #[test]
    fn repeated_hour_is_worked_twice() {
        // Working 01:00-02:00 only: on the fall-back day that wall hour happens twice.
        let c = cal("time_zone: America/New_York\nweekly: {sun: [\"01:00-02:00\"]}\n");
        let iv = c
            .working_intervals(utc("2026-11-01T00:00:00Z"), utc("2026-11-02T00:00:00Z"))
            .unwrap();
        // 01:00 EDT = 05:00Z, then 01:00 EST = 06:00Z, back to back: one interval of 2 hours.
        assert_eq!(
            iv,
            vec![(utc("2026-11-01T05:00:00Z"), utc("2026-11-01T07:00:00Z"))]
        );
        // The skipped hour on 2026-03-08 (02:00-03:00 does not exist): nothing to work.
        let c =
            cal("time_zone: America/New_York\nweekly: {sun: [\"02:00-03:00\", \"04:00-05:00\"]}\n");
        let iv = c
            .working_intervals(utc("2026-03-08T00:00:00Z"), utc("2026-03-09T00:00:00Z"))
            .unwrap();
        assert_eq!(
            iv,
            vec![(utc("2026-03-08T08:00:00Z"), utc("2026-03-08T09:00:00Z"))]
        );
    }

    #[test]
    fn errors_are_specific() {
        let e = Calendar::from_yaml("time_zone: Mars/Olympus\nweekly: {mon: [\"09:00-17:00\"]}")
            .unwrap_err();
        assert_eq!(e, SlaError::BadTimeZone("Mars/Olympus".into()));
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-12:00\", \"11:00-13:00\"]}",
        )
        .unwrap_err();
        assert!(matches!(e, SlaError::OverlappingRanges { .. }), "{e}");
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nholidays: [\"2026-02-30\"]",
        )
        .unwrap_err();
        assert_eq!(e, SlaError::BadDate("2026-02-30".into()));
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nholidays: [\"2026-10-07..2026-10-01\"]",
        )
        .unwrap_err();
        assert!(matches!(e, SlaError::BadDateRange(..)), "{e}");
        let e =
            Calendar::from_yaml("time_zone: UTC\nweekly: {mon: [\"17:00-09:00\"]}").unwrap_err();
        assert!(matches!(e, SlaError::BadRange { .. }), "{e}");
        let e = Calendar::from_yaml("time_zone: UTC\nweekly: {mon: []}").unwrap_err();
        assert_eq!(e, SlaError::NoWorkingHours);
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nextra_workdays: {\"2026-09-27\": sun}",
        )
        .unwrap_err();
        assert!(matches!(e, SlaError::EmptyExtraWorkday { .. }), "{e}");
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nholidays: [\"2026-09-27\"]\nextra_workdays: {\"2026-09-27\": mon}",
        )
        .unwrap_err();
        assert!(matches!(e, SlaError::HolidayAndWorkday(_)), "{e}");
        let e =
            Calendar::from_yaml("time_zone: UTC\nweekly: {funday: [\"09:00-17:00\"]}").unwrap_err();
        assert_eq!(e, SlaError::BadWeekday("funday".into()));
    }

    #[test]
    fn typos_and_shapes_are_reported() {
        let e =
            Calendar::from_yaml("time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nholiday: []")
                .unwrap_err();
        assert!(
            matches!(&e, SlaError::Yaml(m) if m.contains("unknown field `holiday`")),
            "{e}"
        );
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"]}\nholidays: [\"2026-10-1\"]",
        )
        .unwrap_err();
        assert_eq!(e, SlaError::BadDate("2026-10-1".into()));
        let e = Calendar::from_yaml("time_zone: UTC\nweekly: {mon: [\"09:00\"]}").unwrap_err();
        assert!(matches!(e, SlaError::BadRange { .. }), "{e}");
        let e = Calendar::from_yaml(
            "time_zone: UTC\nweekly: {mon: [\"09:00-17:00\"], monday: [\"18:00-19:00\"]}",
        )
        .unwrap_err();
        assert!(matches!(e, SlaError::BadRange { .. }), "{e}");
        // Spaces around the dash and full day names are fine.
        let c = cal("time_zone: Etc/GMT-8\nweekly: {Monday: [\" 09:00 - 12:00 \"]}");
        assert_eq!(c.week_seconds(), 3 * 3600);
    }

    #[test]
    fn calendars_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Calendar>();
        assert_send_sync::<crate::PolicySet>();
    }

    #[test]
    fn touching_ranges_merge() {
        let c = cal("time_zone: UTC\nweekly: {mon: [\"13:00-18:00\", \"09:00-13:00\"]}");
        assert_eq!(c.weekly[0], vec![(9 * 3600, 18 * 3600)]);
        assert_eq!(c.week_seconds(), 9 * 3600);
    }
}
