//! The store's error type. User-facing cases are separate from internal database failures.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record in this workspace (ids of other workspaces land here too).
    #[error("not found")]
    NotFound,
    /// The change conflicts with existing data; `code` is a stable snake_case reason.
    #[error("{detail} ({code})")]
    Conflict { code: &'static str, detail: String },
    /// A referenced record (customer, user, team…) does not exist in this workspace.
    #[error("field `{field}` refers to a record that does not exist")]
    UnknownReference { field: &'static str },
    /// A pagination cursor that this store did not make.
    #[error("invalid cursor")]
    BadCursor,
    /// A domain rule was broken (invalid transition, bad field).
    #[error(transparent)]
    Model(#[from] kefu_model::ModelError),
    /// Misconfiguration (bad database URL…).
    #[error("{0}")]
    Config(String),
    /// A stored value that the domain does not know (e.g. a ticket state no version of kefu
    /// wrote); internal: never read as some default.
    #[error("stored {column} `{value}` is not a known value")]
    Corrupt { column: &'static str, value: String },
    /// The database failed; internal.
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Parses a stored enumerated value; an unknown one is [`StoreError::Corrupt`].
pub(crate) fn stored<T>(
    column: &'static str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(raw).ok_or_else(|| StoreError::Corrupt {
        column,
        value: raw.to_owned(),
    })
}

impl StoreError {
    pub(crate) fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        StoreError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// Maps a unique-constraint violation to a conflict with `code`; other errors pass.
    pub(crate) fn unique_as(err: sea_orm::DbErr, code: &'static str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(d)) => StoreError::conflict(code, d),
            _ => StoreError::Db(err),
        }
    }
}
