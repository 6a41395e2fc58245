//! Workforce management math for kefu (SPEC C15, "Workforce formulas").
//!
//! Pure and deterministic: no I/O, no clock, no randomness.
//! - [`erlang`]: Erlang B, Erlang C and Erlang A (M/M/N+M) queue metrics.
//! - [`exact`]: exact decimal/rational arithmetic for the roundings that must not drift.
//! - [`staffing`]: the least number of agents meeting every target, then shrinkage.
//! - [`forecast`]: interval volume/AHT forecasts (trend, weekly and intraday seasonality,
//!   holidays and make-up workdays) with a backtest against seasonal-naive.
//! - [`reqcsv`]: the requirement CSV (per interval, optionally per queue).
//! - [`schedule`]: shift selection covering a requirement (LP/MIP) and assignment to agents.
//! - [`svg`]: small hand-written SVG charts for forecasts and schedule coverage.

pub mod erlang;
pub mod exact;
pub mod forecast;
pub mod reqcsv;
pub mod schedule;
pub mod staffing;
pub mod svg;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WfmError {
    /// An input number is out of its domain (negative, NaN, infinite, zero where not allowed).
    #[error("invalid {name}: {value} ({why})")]
    InvalidInput {
        name: &'static str,
        value: f64,
        why: &'static str,
    },
    /// A combination of options that makes no sense.
    #[error("{0}")]
    Conflict(String),
    /// No staffing level up to the search limit meets the targets.
    #[error("no staffing level up to {limit} agents meets the targets")]
    Unreachable { limit: u32 },
    /// Bad forecasting or scheduling data.
    #[error("{0}")]
    Data(String),
    /// The optimisation backend failed.
    #[error("solver: {0}")]
    Solver(String),
}

pub type Result<T> = std::result::Result<T, WfmError>;

/// Checks that `value` is finite and ≥ 0 (or > 0 when `positive`).
pub(crate) fn check(name: &'static str, value: f64, positive: bool) -> Result<f64> {
    if !value.is_finite() {
        return Err(WfmError::InvalidInput {
            name,
            value,
            why: "must be a finite number",
        });
    }
    if value < 0.0 || (positive && value == 0.0) {
        return Err(WfmError::InvalidInput {
            name,
            value,
            why: if positive {
                "must be > 0"
            } else {
                "must be ≥ 0"
            },
        });
    }
    Ok(value)
}
