//! Shared state handed to every request. Holds nothing another instance
//! would need: config, the database handle, the running plugins and this
//! process's metrics.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::plugins::{self, Plugins};
use crate::service::auth::AuthRuntime;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub auth: AuthRuntime,
    /// The enabled plugins, started, in registry order.
    pub plugins: Plugins,
}

impl AppState {
    pub fn new(config: Config, db: Db, auth: AuthRuntime, plugins: Plugins) -> Self {
        Self(Arc::new(Inner {
            config,
            db,
            metrics: Arc::new(Metrics::default()),
            auth,
            plugins,
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
