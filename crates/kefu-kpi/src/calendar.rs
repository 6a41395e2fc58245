//! Report intervals and their boundaries in the workspace's time zone: 15/30/60 minutes, day,
//! week (configurable first weekday, Monday by default) and month. Also the fixed 15-minute UTC
//! grid that accumulators are kept on.
//!
//! Every current time zone's offset is a whole number of 15 minutes and changes at instants on
//! the 15-minute UTC grid, so each 15-minute UTC bucket lies inside exactly one local interval of
//! every kind; rolling buckets up is therefore exact.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::KpiError;

/// Length of the accumulator grid, in seconds.
pub const BUCKET_S: i64 = 900;

/// Start (UTC seconds) of the 15-minute bucket holding `t_ms` (UTC milliseconds).
pub fn bucket_of_ms(t_ms: i64) -> i64 {
    t_ms.div_euclid(BUCKET_S * 1000) * BUCKET_S
}

/// A report interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Interval {
    #[serde(rename = "15")]
    Min15,
    #[serde(rename = "30")]
    Min30,
    #[serde(rename = "60")]
    Min60,
    #[serde(rename = "day")]
    Day,
    #[serde(rename = "week")]
    Week,
    #[serde(rename = "month")]
    Month,
}

impl FromStr for Interval {
    type Err = KpiError;
    fn from_str(s: &str) -> Result<Self, KpiError> {
        Ok(match s {
            "15" => Interval::Min15,
            "30" => Interval::Min30,
            "60" => Interval::Min60,
            "day" => Interval::Day,
            "week" => Interval::Week,
            "month" => Interval::Month,
            _ => {
                return Err(KpiError::Parse {
                    what: "interval (15|30|60|day|week|month)",
                    text: s.to_string(),
                });
            }
        })
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interval::Min15 => "15",
            Interval::Min30 => "30",
            Interval::Min60 => "60",
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        })
    }
}

/// The workspace's calendar: its time zone and first day of the week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calendar {
    pub tz: Tz,
    pub week_start: Weekday,
}

impl Calendar {
    /// A calendar in `tz` with weeks starting on Monday.
    pub fn new(tz: Tz) -> Self {
        Calendar {
            tz,
            week_start: Weekday::Mon,
        }
    }

    fn offset_s(&self, t: DateTime<Utc>) -> i64 {
        i64::from(
            self.tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    }

    /// First instant of local date `d` (midnight, or the first valid local time after a gap).
    pub fn start_of_date(&self, d: NaiveDate) -> DateTime<Utc> {
        let mut naive = d.and_time(chrono::NaiveTime::MIN);
        // A zone may skip midnight (a DST change at 00:00); take the first valid time after it.
        for _ in 0..(4 * 24) {
            if let Some(t) = self.tz.from_local_datetime(&naive).earliest() {
                return t.with_timezone(&Utc);
            }
            naive += Duration::minutes(15);
        }
        // Unreachable for real zones (no gap is a day long); fall back to UTC midnight.
        d.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The local date of instant `t`.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Start of the interval holding `t`.
    pub fn start_of(&self, interval: Interval, t: DateTime<Utc>) -> DateTime<Utc> {
        let minutes = |len: i64| {
            let s = t.timestamp();
            let start = s - (s + self.offset_s(t)).rem_euclid(len);
            DateTime::from_timestamp(start, 0).unwrap_or(t)
        };
        match interval {
            Interval::Min15 => minutes(900),
            Interval::Min30 => minutes(1800),
            Interval::Min60 => minutes(3600),
            Interval::Day => self.start_of_date(self.local_date(t)),
            Interval::Week => {
                let d = self.local_date(t);
                let back = (i64::from(d.weekday().num_days_from_monday())
                    - i64::from(self.week_start.num_days_from_monday()))
                .rem_euclid(7);
                self.start_of_date(d - Duration::days(back))
            }
            Interval::Month => {
                let d = self.local_date(t);
                self.start_of_date(d.with_day(1).unwrap_or(d))
            }
        }
    }

    /// Start of the interval after the one starting at `start`.
    pub fn next_start(&self, interval: Interval, start: DateTime<Utc>) -> DateTime<Utc> {
        match interval {
            Interval::Min15 => start + Duration::minutes(15),
            Interval::Min30 => self.start_of(interval, start + Duration::minutes(30)),
            Interval::Min60 => self.start_of(interval, start + Duration::minutes(60)),
            Interval::Day => self.start_of_date(self.local_date(start) + Duration::days(1)),
            Interval::Week => self.start_of_date(self.local_date(start) + Duration::days(7)),
            Interval::Month => {
                let d = self.local_date(start);
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d);
                self.start_of_date(first)
            }
        }
    }

    /// `t` as RFC 3339 in the calendar's zone, e.g. `2026-03-08T00:00:00-05:00`.
    pub fn format(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn shanghai_day_starts_at_16_utc() {
        let c = Calendar::new(chrono_tz::Asia::Shanghai);
        // 2026-01-05T15:59:59Z is 23:59:59 on Jan 5 in Shanghai (UTC+8); 16:00Z is Jan 6 00:00.
        assert_eq!(
            c.start_of(Interval::Day, utc("2026-01-05T15:59:59Z")),
            utc("2026-01-04T16:00:00Z")
        );
        assert_eq!(
            c.start_of(Interval::Day, utc("2026-01-05T16:00:00Z")),
            utc("2026-01-05T16:00:00Z")
        );
        // Week: 2026-01-07 is a Wednesday; the Monday is Jan 5, starting Jan 4 16:00Z.
        assert_eq!(
            c.start_of(Interval::Week, utc("2026-01-07T03:00:00Z")),
            utc("2026-01-04T16:00:00Z")
        );
        let sunday_weeks = Calendar {
            week_start: Weekday::Sun,
            ..c
        };
        // Sunday-start: the Sunday is Jan 4, starting Jan 3 16:00Z.
        assert_eq!(
            sunday_weeks.start_of(Interval::Week, utc("2026-01-07T03:00:00Z")),
            utc("2026-01-03T16:00:00Z")
        );
        // Month: Feb 1 00:00 Shanghai = Jan 31 16:00Z.
        assert_eq!(
            c.start_of(Interval::Month, utc("2026-02-10T00:00:00Z")),
            utc("2026-01-31T16:00:00Z")
        );
        assert_eq!(
            c.next_start(Interval::Month, utc("2026-11-30T16:00:00Z")),
            utc("2026-12-31T16:00:00Z")
        );
    }

    #[test]
    fn new_york_dst_days_are_23_and_25_hours() {
        let c = Calendar::new(chrono_tz::America::New_York);
        // Spring forward on 2026-03-08: midnight EST = 05:00Z, next midnight EDT = 04:00Z.
        let d = c.start_of(Interval::Day, utc("2026-03-08T12:00:00Z"));
        assert_eq!(d, utc("2026-03-08T05:00:00Z"));
        let n = c.next_start(Interval::Day, d);
        assert_eq!(n, utc("2026-03-09T04:00:00Z"));
        assert_eq!((n - d).num_hours(), 23);
        // Fall back on 2026-11-01: midnight EDT = 04:00Z, next midnight EST = 05:00Z.
        let d = c.start_of(Interval::Day, utc("2026-11-01T12:00:00Z"));
        assert_eq!(d, utc("2026-11-01T04:00:00Z"));
        assert_eq!((c.next_start(Interval::Day, d) - d).num_hours(), 25);
        // The repeated hour 01:00–02:00 gives two distinct hourly intervals.
        assert_eq!(
            c.start_of(Interval::Min60, utc("2026-11-01T05:30:00Z")),
            utc("2026-11-01T05:00:00Z")
        );
        assert_eq!(
            c.start_of(Interval::Min60, utc("2026-11-01T06:30:00Z")),
            utc("2026-11-01T06:00:00Z")
        );
        assert_eq!(
            c.format(utc("2026-11-01T05:00:00Z")),
            "2026-11-01T01:00:00-04:00"
        );
        assert_eq!(
            c.format(utc("2026-11-01T06:00:00Z")),
            "2026-11-01T01:00:00-05:00"
        );
    }

    #[test]
    fn half_hour_offset_zone_aligns_hours_locally() {
        // India is UTC+5:30: local hours start at :30 UTC.
        let c = Calendar::new(chrono_tz::Asia::Kolkata);
        assert_eq!(
            c.start_of(Interval::Min60, utc("2026-01-05T10:10:00Z")),
            utc("2026-01-05T09:30:00Z")
        );
        assert_eq!(
            c.start_of(Interval::Min30, utc("2026-01-05T10:10:00Z")),
            utc("2026-01-05T10:00:00Z")
        );
    }

    #[test]
    fn bucket_grid_floors_negative_times() {
        assert_eq!(bucket_of_ms(-1), -900);
        assert_eq!(bucket_of_ms(899_999), 0);
        assert_eq!(bucket_of_ms(900_000), 900);
    }
}
