//! The one error type of `kefu-sla`: every bad calendar, policy or history is reported here with
//! enough detail to fix the input.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SlaError {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("unknown time zone `{0}` (expected an IANA name such as Asia/Shanghai)")]
    BadTimeZone(String),
    #[error("unknown weekday `{0}` (expected mon, tue, wed, thu, fri, sat or sun)")]
    BadWeekday(String),
    #[error("bad time range `{range}` on {day}: {reason}")]
    BadRange {
        day: String,
        range: String,
        reason: String,
    },
    #[error("overlapping time ranges on {day}: `{first}` and `{second}`")]
    OverlappingRanges {
        day: String,
        first: String,
        second: String,
    },
    #[error("bad date `{0}` (expected YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD for a range)")]
    BadDate(String),
    #[error("bad date range `{0}`: {1}")]
    BadDateRange(String, String),
    #[error("{0} is both a holiday and an extra working day")]
    HolidayAndWorkday(String),
    #[error("extra working day {date} is worked like {weekday}, which has no working hours")]
    EmptyExtraWorkday { date: String, weekday: String },
    #[error("the calendar has no working hours in its week")]
    NoWorkingHours,
    #[error("instant {0} is outside the supported range (years 1900 to 2399)")]
    OutOfRange(String),
    #[error("no due time before the year 2400 (too many business minutes for this calendar)")]
    BeyondHorizon,
    #[error("business time must not be negative (got {0})")]
    Negative(i64),
    #[error("policy `{policy}` uses unknown calendar `{calendar}`")]
    UnknownCalendar { policy: String, calendar: String },
    #[error("policy `{0}` is defined twice")]
    DuplicatePolicy(String),
    #[error("policy `{policy}`: {reason}")]
    BadPolicy { policy: String, reason: String },
    #[error("the event history assigns unknown policy `{0}`")]
    UnknownPolicy(String),
    #[error("the event history has no `created` event before its other events")]
    NotCreated,
    #[error("the event history has more than one `created` event")]
    CreatedTwice,
}

pub type Result<T> = std::result::Result<T, SlaError>;
