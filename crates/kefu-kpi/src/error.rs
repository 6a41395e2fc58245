//! The crate's one error type: every way input can be rejected.

use thiserror::Error;

/// Why a record, an option or a request was rejected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KpiError {
    /// A record's timestamps are out of order (e.g. answered before offered).
    #[error("record {id}: {what}")]
    TimeOrder { id: String, what: String },
    /// A duration or count is negative, NaN or infinite.
    #[error("record {id}: field {field} must be a finite non-negative number, got {value}")]
    BadDuration {
        id: String,
        field: &'static str,
        value: f64,
    },
    /// A record contradicts itself (e.g. both answered and abandoned).
    #[error("record {id}: {what}")]
    Inconsistent { id: String, what: String },
    /// An option is out of range.
    #[error("option {name}: {what}")]
    BadOption { name: &'static str, what: String },
    /// A value given as text could not be parsed (interval, grouping, variant, …).
    #[error("cannot parse {what} from {text:?}")]
    Parse { what: &'static str, text: String },
}
