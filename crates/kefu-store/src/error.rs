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
    #[error("stored {column}: {value}")]
    Corrupt { column: &'static str, value: String },
    /// The database failed; internal.
    #[error("database error: {0}")]
    Db(sea_orm::DbErr),
}

/// A stored enumerated value that does not parse (entity fields typed with `kefu_model`'s
/// enums) is [`StoreError::Corrupt`], with the type it should have been.
impl From<sea_orm::DbErr> for StoreError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err {
            sea_orm::DbErr::TryIntoErr {
                from: "String",
                into,
                source,
            } => StoreError::Corrupt {
                column: into,
                value: source.to_string(),
            },
            err => StoreError::Db(err),
        }
    }
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
