//! Repository-level errors: what a caller can act on, not driver details.

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or foreign-key rule refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached right now; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The server refused our credentials: retrying will not help.
    #[error("database authentication failed: {0}")]
    AuthFailed(String),
    #[error("{0}")]
    Other(String),
}

impl DbError {
    pub fn other(e: impl std::fmt::Display) -> Self {
        Self::Other(e.to_string())
    }
}
