//! Readiness: the database answers and the schema is current.

use std::time::Duration;

use crate::db::migrate;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub database: Result<(), String>,
    pub schema_current: Result<bool, String>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.database.is_ok() && self.schema_current == Ok(true)
    }
}

/// Bounded in time so a hung database makes the probe fail, not hang.
pub async fn readiness(state: &AppState) -> Readiness {
    let timeout = state
        .config
        .database
        .connect_timeout
        .0
        .min(Duration::from_secs(5));
    let database = match tokio::time::timeout(timeout, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    };
    let schema_current = if database.is_ok() {
        match tokio::time::timeout(timeout, migrate::is_current(&state.db, &state.migration_scopes())).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        }
    } else {
        Err("database unreachable".into())
    };
    Readiness {
        database,
        schema_current,
    }
}
