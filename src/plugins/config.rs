//! Plugin config sections: `[plugins.<id>]` in TOML, or
//! `SHOPDB_PLUGINS__<ID>__<KEY>` in the environment.
//!
//! Each plugin declares its keys (`PluginKey`: name, doc, default, required,
//! secret) and parses its section into its own typed struct with `typed`.
//! `check_sections` runs at startup and in `shopdb config check`: an unknown
//! section or key, a missing required key or a value of the wrong type is a
//! config error naming the plugin and the key.

use figment::Figment;
use figment::providers::Serialized;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{REGISTRY, find, known_list};
use crate::config::PluginsConfig;

/// The raw `[plugins.<id>]` table (env values arrive as text).
pub type Section = toml::Table;

/// One key of a plugin's section.
#[derive(Debug, Clone, Copy)]
pub struct PluginKey {
    pub name: &'static str,
    pub doc: &'static str,
    /// A TOML literal shown in the example files: the default, or for a
    /// required key an example value.
    pub default: &'static str,
    pub required: bool,
    /// Redacted in `config check` output.
    pub secret: bool,
}

impl PluginKey {
    pub const fn optional(name: &'static str, doc: &'static str, default: &'static str) -> Self {
        Self {
            name,
            doc,
            default,
            required: false,
            secret: false,
        }
    }

    pub const fn required(name: &'static str, doc: &'static str, example: &'static str) -> Self {
        Self {
            name,
            doc,
            default: example,
            required: true,
            secret: false,
        }
    }

    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// `plugins.<id>.<name>`.
    pub fn path(&self, id: &str) -> String {
        format!("plugins.{id}.{}", self.name)
    }

    /// `SHOPDB_PLUGINS__<ID>__<NAME>`.
    pub fn env_var(&self, id: &str) -> String {
        format!(
            "SHOPDB_PLUGINS__{}__{}",
            id.to_ascii_uppercase(),
            self.name.to_ascii_uppercase()
        )
    }
}

/// Every problem with the plugin sections, each naming the plugin and the
/// key. Sections of disabled plugins are checked for unknown keys (typos
/// show up before the plugin is switched on); enabled plugins are also
/// started, which parses their typed settings.
pub fn check_sections(cfg: &PluginsConfig) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, value) in &cfg.settings {
        let Some(info) = find(id) else {
            problems.push(format!(
                "plugins.{id}: there is no plugin `{id}` in this build; known plugins: {}",
                known_list()
            ));
            continue;
        };
        let Some(section) = value.as_table() else {
            problems.push(format!(
                "plugins.{id} must be a table of the plugin's settings ([plugins.{id}] in TOML)"
            ));
            continue;
        };
        problems.extend(unknown_keys(info.id, info.config_keys, section));
    }
    for info in REGISTRY {
        if !cfg.enabled.iter().any(|e| e == info.id) {
            continue;
        }
        let section = cfg.section(info.id);
        let missing = missing_keys(info.id, info.config_keys, &section);
        if !missing.is_empty() {
            problems.extend(missing);
            continue;
        }
        // Unknown keys are reported above; judge the rest as typed values.
        let known: Section = section
            .into_iter()
            .filter(|(k, _)| info.config_keys.iter().any(|d| d.name == k))
            .collect();
        if let Err(e) = (info.start)(&known) {
            problems.extend(e);
        }
    }
    problems
}

fn unknown_keys(id: &str, keys: &[PluginKey], section: &Section) -> Vec<String> {
    let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
    section
        .keys()
        .filter(|k| !names.contains(&k.as_str()))
        .map(|k| {
            let hint = names
                .iter()
                .map(|n| (strsim::jaro_winkler(&k.to_ascii_lowercase(), n), *n))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            let known = if names.is_empty() {
                "it has no settings".to_owned()
            } else {
                format!("its keys are {}", names.join(", "))
            };
            format!(
                "plugins.{id}: unknown key `{k}` (plugins.{id}.{k} / SHOPDB_PLUGINS__{}__{}){hint} — plugin {id}: {known}",
                id.to_ascii_uppercase(),
                k.to_ascii_uppercase()
            )
        })
        .collect()
}

fn missing_keys(id: &str, keys: &[PluginKey], section: &Section) -> Vec<String> {
    keys.iter()
        .filter(|k| k.required && !section.contains_key(k.name))
        .map(|k| {
            format!(
                "plugins.{id}: missing required key `{}` (plugin {id} is enabled; set `{}` under [plugins.{id}] or {})",
                k.name,
                k.name,
                k.env_var(id)
            )
        })
        .collect()
}

/// The typed settings of plugin `id`: `T::default()` overlaid with the
/// section. Text where a number or a boolean is expected is converted (the
/// environment gives text). Errors name `plugins.<id>.<key>`.
pub fn typed<T: Serialize + DeserializeOwned + Default>(
    id: &str,
    section: &Section,
) -> Result<T, Vec<String>> {
    Figment::from(Serialized::defaults(T::default()))
        .merge(Serialized::defaults(section))
        .extract_lossy::<T>()
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let key = e.path.join(".");
                    if key.is_empty() {
                        format!("plugins.{id}: {}", e.kind)
                    } else {
                        format!("plugins.{id}.{key}: {}", e.kind)
                    }
                })
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        url: String,
        retries: u32,
        verbose: bool,
    }

    const KEYS: &[PluginKey] = &[
        PluginKey::required("url", "Where.", "\"https://x\""),
        PluginKey::optional("retries", "How often.", "0"),
        PluginKey::optional("verbose", "Chatty.", "false"),
    ];

    fn section(toml_text: &str) -> Section {
        toml_text.parse().unwrap()
    }

    #[test]
    fn text_from_the_environment_becomes_typed() {
        let s: Settings = typed(
            "demo",
            &section("url = \"https://x\"\nretries = \"3\"\nverbose = \"true\""),
        )
        .unwrap();
        assert_eq!(
            s,
            Settings {
                url: "https://x".into(),
                retries: 3,
                verbose: true
            }
        );
    }

    #[test]
    fn wrong_types_name_plugin_and_key() {
        let e = typed::<Settings>("demo", &section("url = \"u\"\nretries = \"many\"")).unwrap_err();
        assert!(e.iter().any(|m| m.starts_with("plugins.demo.retries:")), "{e:?}");
    }

    #[test]
    fn unknown_and_missing_keys_name_plugin_and_key() {
        let u = unknown_keys("demo", KEYS, &section("url = \"u\"\nretires = 3"));
        assert_eq!(u.len(), 1);
        assert!(u[0].contains("unknown key `retires`"), "{u:?}");
        assert!(u[0].contains("did you mean `retries`?"), "{u:?}");
        assert!(u[0].contains("SHOPDB_PLUGINS__DEMO__RETIRES"), "{u:?}");
        let m = missing_keys("demo", KEYS, &section("retries = 1"));
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("missing required key `url`"), "{m:?}");
        assert!(m[0].contains("SHOPDB_PLUGINS__DEMO__URL"), "{m:?}");
    }

    #[test]
    fn sections_of_unknown_plugins_and_non_tables_are_refused() {
        let mut cfg = PluginsConfig::default();
        cfg.settings
            .insert("nope".into(), toml::Value::Table(Section::new()));
        cfg.settings.insert("labels".into(), toml::Value::Integer(3));
        let p = check_sections(&cfg);
        assert!(
            p.iter()
                .any(|m| m.contains("no plugin `nope`") && m.contains("known plugins: labels")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.contains("plugins.labels must be a table")),
            "{p:?}"
        );
    }
}
