//! Shared state handed to every request. Holds nothing another instance
//! would need: config, the database handle and this process's metrics.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::plugins;
use crate::service::auth::AuthRuntime;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub metrics: Metrics,
    pub auth: AuthRuntime,
}

impl AppState {
    pub fn new(config: Config, db: Db, auth: AuthRuntime) -> Self {
        Self(Arc::new(Inner {
            config,
            db,
            metrics: Metrics::default(),
            auth,
        }))
    }

    /// Core plus the enabled plugins, in the order migrations run.
    pub fn migration_scopes(&self) -> Vec<&'static str> {
        plugins::migration_scopes(&self.config.plugins.enabled)
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
