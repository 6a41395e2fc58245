//! The model's error type: rule violations a caller can show to a user.

/// A domain rule was broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A lifecycle transition that the state machine does not allow.
    #[error("cannot go from `{from}` to `{to}`")]
    InvalidTransition { from: String, to: String },
    /// A field value is out of its allowed range or shape.
    #[error("field `{field}`: {reason}")]
    InvalidField { field: String, reason: FieldProblem },
    /// Text that names no value of an enumerated type (e.g. a stored ticket state).
    #[error("`{value}` is not a known {kind}")]
    UnknownValue { kind: &'static str, value: String },
}

/// Why a field was rejected; stable codes for API clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    #[error("must not be empty")]
    Empty,
    #[error("is too long")]
    TooLong,
    #[error("has an invalid format")]
    Format,
    #[error("has too many items")]
    TooMany,
}

impl FieldProblem {
    /// The snake_case code used in API problem details.
    pub fn code(self) -> &'static str {
        match self {
            FieldProblem::Empty => "empty",
            FieldProblem::TooLong => "too_long",
            FieldProblem::Format => "invalid_format",
            FieldProblem::TooMany => "too_many",
        }
    }
}
