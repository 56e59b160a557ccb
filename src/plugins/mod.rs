//! The plugin registry: an explicit list of plugins compiled into the binary
//! (ADR-003). Each site enables the ones it wants in `plugins.enabled`.
//! The registry is empty until the first plugin lands; everything that
//! depends on it (config validation, migration scopes, `/api/v1/meta`)
//! already goes through here.

/// What every plugin declares about itself.
#[derive(Debug, Clone, Copy)]
pub struct PluginInfo {
    pub id: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    /// Keys of its `[plugins.<id>]` section.
    pub config_keys: &'static [&'static str],
}

/// In the order their migrations and hooks run.
pub const REGISTRY: &[PluginInfo] = &[];

pub fn find(id: &str) -> Option<&'static PluginInfo> {
    REGISTRY.iter().find(|p| p.id == id)
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

/// `plugins.<id>.<key>` for a known plugin and a key it declares.
pub fn is_plugin_config_key(path: &str) -> bool {
    let mut parts = path.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("plugins"), Some(id), Some(key)) => find(id).is_some_and(|p| p.config_keys.contains(&key)),
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_plugins_are_refused_by_name() {
        assert!(!is_known("nope"));
        assert!(!is_plugin_config_key("plugins.nope.url"));
        assert_eq!(migration_scopes(&["nope".into()]), vec!["core"]);
        assert!(!known_list().is_empty());
    }
}
