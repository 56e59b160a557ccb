//! The plugin framework (ADR-003, docs/adr/0008): plugins are compiled into
//! the binary, listed explicitly in `REGISTRY`, and each site switches on
//! the ones it wants with `plugins.enabled`. docs/PLUGINS.md is the
//! contract and a walkthrough.
//!
//! A plugin declares, in one `PluginInfo`: its id, version, description
//! and config keys, and how to start it from its `[plugins.<id>]` section.
//! The started plugin (`Plugin`) contributes a UI manifest, ordered asset
//! hooks and background jobs. Its migrations live in
//! `migrations/<id>/<backend>/` and its poem-openapi API is listed in
//! `Apis` below (wrapped in `PluginApi`, which hides it from the routes and
//! the served spec when the plugin is off).

pub mod api;
pub mod config;
pub mod hooks;
pub mod labels;
pub mod manifest;

use std::any::Any;
use std::sync::Arc;

use futures_util::future::BoxFuture;

pub use self::api::{PluginApi, PluginOpenApi};
pub use self::config::{PluginKey, Section};
pub use self::hooks::{AssetChange, AssetEvent};
pub use self::manifest::UiManifest;
use crate::config::Config;
use crate::db::Tx;
pub use crate::jobs::Job;
use crate::service::ServiceError;
use crate::state::AppState;

/// Starts a plugin from its config section (see `PluginInfo::start`).
pub type StartFn = fn(&Section) -> Result<Arc<dyn Plugin>, Vec<String>>;

/// What a plugin declares about itself: static data, known without
/// starting it (config loading, example files, `shopdb version`).
pub struct PluginInfo {
    /// Lower-case `[a-z][a-z0-9_]*`: config section, migration scope,
    /// table prefix, URL segment and tag suffix (`plugin:<id>`).
    pub id: &'static str,
    /// The plugin's own version (semver), shown in `GET /api/v1/plugins`.
    pub version: &'static str,
    /// One sentence for people.
    pub description: &'static str,
    /// The keys of its `[plugins.<id>]` section.
    pub config_keys: &'static [PluginKey],
    /// Builds the running plugin from its section. The section has already
    /// passed the key checks (no unknown keys, required ones present);
    /// typed parsing errors are returned as messages naming the key.
    pub start: StartFn,
}

impl std::fmt::Debug for PluginInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginInfo")
            .field("id", &self.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A started plugin. Every method has a do-nothing default, so a plugin
/// implements only what it contributes.
pub trait Plugin: Send + Sync + 'static {
    fn info(&self) -> &'static PluginInfo;

    /// Menu entries, routes, asset-page panels, dashboard widgets and bulk
    /// actions for the web UI (plain data; see `manifest`).
    fn ui(&self) -> UiManifest {
        UiManifest::default()
    }

    /// Called for every asset create, update and delete, inside the
    /// write's transaction, after the core rows are written and before the
    /// commit. An error rolls the whole write back. Keep it to database
    /// work on the plugin's own tables: no network calls while the
    /// transaction is open (queue them in a table for a job instead).
    fn on_asset<'a>(
        &'a self,
        _tx: &'a mut Tx,
        _event: &'a AssetEvent<'a>,
    ) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async { Ok(()) })
    }

    /// Background jobs, started with the server and stopped on shutdown.
    fn jobs(&self, _state: &AppState) -> Vec<Job> {
        Vec::new()
    }

    /// For `Plugins::get`: lets a plugin's API find its own typed runtime.
    fn as_any(&self) -> &dyn Any;
}

/// Every plugin in this build, in the order their migrations, hooks and
/// jobs run. Adding a plugin: one entry here, one in `Apis`, one in
/// `apis` (docs/PLUGINS.md).
pub static REGISTRY: &[&PluginInfo] = &[&labels::INFO];

/// Every plugin's API, each behind its `PluginApi` switch. A tuple (up to
/// 16; nest tuples beyond); `()` pads it while there is only one plugin,
/// since poem-openapi implements `OpenApi` for tuples of two or more.
pub type Apis = (PluginApi<labels::api::LabelsApi>, ());

/// The plugin APIs for a running instance (`Some(state)`: only the enabled
/// plugins get routes) or for the committed spec (`None`: no routes).
pub fn apis(state: Option<&AppState>) -> Apis {
    (PluginApi::new(state), ())
}

pub fn find(id: &str) -> Option<&'static PluginInfo> {
    REGISTRY.iter().copied().find(|p| p.id == id)
}

pub fn is_known(id: &str) -> bool {
    find(id).is_some()
}

/// "labels, zabbix" — or a plain statement when there are none.
pub fn known_list() -> String {
    if REGISTRY.is_empty() {
        "(none: this build has no plugins)".to_owned()
    } else {
        REGISTRY.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
    }
}

/// `plugins.<id>.<key>`: any key inside a plugin's section. The loader
/// lets these through and `config::check_sections` judges them, so the
/// message can name the plugin and its known keys.
pub fn is_plugin_config_key(path: &str) -> bool {
    let mut parts = path.splitn(3, '.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("plugins"), Some(id), Some(key)) if id != "enabled" && !id.is_empty() && !key.is_empty()
    )
}

/// Migration scopes for a set of enabled plugins: core first, then each
/// enabled plugin in registry order.
pub fn migration_scopes(enabled: &[String]) -> Vec<&'static str> {
    std::iter::once("core")
        .chain(
            REGISTRY
                .iter()
                .filter(|p| enabled.iter().any(|e| e == p.id))
                .map(|p| p.id),
        )
        .collect()
}

/// The running plugins of this instance, in registry order. Cheap to clone.
#[derive(Clone, Default)]
pub struct Plugins {
    enabled: Arc<Vec<Arc<dyn Plugin>>>,
}

impl std::fmt::Debug for Plugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl Plugins {
    /// Starts every enabled plugin from its section. The config has been
    /// validated (`Config::validate`), so errors here are unexpected; they
    /// are still reported as config problems naming the plugin.
    pub fn start(config: &Config) -> Result<Self, Vec<String>> {
        let mut enabled = Vec::new();
        let mut problems = Vec::new();
        for info in REGISTRY {
            if !config.plugins.enabled.iter().any(|e| e == info.id) {
                continue;
            }
            let section = config.plugins.section(info.id);
            match (info.start)(&section) {
                Ok(p) => enabled.push(p),
                Err(e) => problems.extend(e),
            }
        }
        if problems.is_empty() {
            Ok(Self::from_instances(enabled))
        } else {
            Err(problems)
        }
    }

    /// Exactly these plugins, in this order (tests use it for fakes).
    pub fn from_instances(enabled: Vec<Arc<dyn Plugin>>) -> Self {
        Self {
            enabled: Arc::new(enabled),
        }
    }

    pub fn ids(&self) -> Vec<&'static str> {
        self.enabled.iter().map(|p| p.info().id).collect()
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.iter().any(|p| p.info().id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Plugin>> {
        self.enabled.iter()
    }

    /// The running plugin of type `T`, when it is enabled.
    pub fn get<T: Plugin>(&self) -> Option<&T> {
        self.enabled.iter().find_map(|p| p.as_any().downcast_ref::<T>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_plugins_are_refused_by_name() {
        assert!(!is_known("nope"));
        assert!(is_known("labels"));
        assert_eq!(migration_scopes(&["nope".into()]), vec!["core"]);
        assert_eq!(migration_scopes(&["labels".into()]), vec!["core", "labels"]);
        assert_eq!(known_list(), "labels");
    }

    #[test]
    fn plugin_sections_are_left_to_the_plugin_check() {
        assert!(is_plugin_config_key("plugins.labels.default_template"));
        assert!(is_plugin_config_key("plugins.nope.url"));
        assert!(!is_plugin_config_key("plugins.enabled"));
        assert!(!is_plugin_config_key("plugins.labels"));
        assert!(!is_plugin_config_key("server.bind"));
    }

    #[test]
    fn registry_ids_are_usable_as_scope_prefix_and_path() {
        for p in REGISTRY {
            let mut chars = p.id.chars();
            assert!(chars.next().is_some_and(|c| c.is_ascii_lowercase()), "{}", p.id);
            assert!(
                chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                p.id
            );
            assert!(p.id != "core" && p.id != "enabled", "{}", p.id);
            assert_eq!(REGISTRY.iter().filter(|q| q.id == p.id).count(), 1);
        }
    }
}
