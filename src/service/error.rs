//! What a use case can fail with. `api::problem` maps each variant to HTTP
//! in one exhaustive match.

use crate::db::DbError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input broke one or more rules; every broken rule is listed.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A write named a version that is no longer current: `If-Match`
    /// (412) or a `version` in the body (409).
    #[error("stale version: current is {current}")]
    StaleVersion { current: i64, if_match: bool },
    /// A write to a versioned record named no version at all (428).
    #[error("version required")]
    VersionRequired,
    /// A conflict with a list of what stands in the way (e.g. a revert
    /// whose fields were changed since).
    #[error("conflict: {0}")]
    ConflictWith(String, Vec<FieldError>),
    #[error("authentication required")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Signed in with a password that must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("account disabled")]
    AccountDisabled,
    /// The LDAP / AD directory cannot be reached (local sign-in still works).
    #[error("directory unavailable: {0}")]
    DirectoryUnavailable(String),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// The database (or another dependency) is unreachable right now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure: logged with its cause, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => Self::NotFound("record".into()),
            DbError::Conflict(m) => Self::Conflict(m),
            DbError::Unavailable(m) | DbError::AuthFailed(m) => Self::Unavailable(m),
            DbError::Other(m) => Self::Internal(m),
        }
    }
}
