//! Administrative operations used by the command line.

use crate::auth::{hash_password, verify_password};
use kefu_model::validate;
use kefu_store::Store;
use kefu_store::identity::workspaces::Bootstrap;

/// The error of an administrative operation, with a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    Store(#[from] kefu_store::StoreError),
}

/// Creates workspace `slug` and its first admin on the database at `url`.
pub async fn bootstrap(
    url: &str,
    slug: &str,
    email: &str,
    password: &str,
) -> Result<Bootstrap, AdminError> {
    let slug = validate::slug("workspace", slug).map_err(|e| AdminError::Invalid {
        field: "workspace",
        reason: e.to_string(),
    })?;
    let email = validate::email("email", email).map_err(|e| AdminError::Invalid {
        field: "email",
        reason: e.to_string(),
    })?;
    if password.chars().count() < 8 {
        return Err(AdminError::Invalid {
            field: "password",
            reason: "at least 8 characters".into(),
        });
    }
    let store = Store::connect(url).await?;
    let hash = hash_password(password).map_err(|e| AdminError::Invalid {
        field: "password",
        reason: e.to_string(),
    })?;
    let (outcome, _) = store
        .bootstrap(&slug, &email, hash, |h| verify_password(h, password))
        .await?;
    store.close().await?;
    Ok(outcome)
}
