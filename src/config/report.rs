//! `shopdb config check`: the effective configuration, secrets redacted,
//! with the source of every value.

use std::fmt::Write as _;

use figment::Figment;

use super::{Config, KEYS, Loaded};

/// Redacts a value for display: secrets are hidden, and a database URL keeps
/// everything but its password so the operator can still see where it points.
pub fn redact(path: &str, value: &str) -> String {
    if path == "database.url" {
        return redact_url(value);
    }
    match super::keys::find(path) {
        Some(k) if k.secret && !value.is_empty() => "<redacted>".to_owned(),
        _ => value.to_owned(),
    }
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

fn source_of(figment: &Figment, path: &str) -> String {
    match figment.find_metadata(path) {
        Some(md) if md.name == "environment variable" => {
            let keys: Vec<&str> = path.split('.').collect();
            format!("env {}", md.interpolate(&figment::Profile::Default, &keys))
        }
        Some(md) => match md.source.as_ref().and_then(|s| s.file_path()) {
            Some(p) => format!("file {}", p.display()),
            None => "default".to_owned(),
        },
        None => "default".to_owned(),
    }
}

pub fn render(loaded: &Loaded) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Configuration is valid. Config file: {}",
        loaded
            .file
            .as_ref()
            .map_or("(none)".to_owned(), |p| p.display().to_string())
    );
    let _ = writeln!(out, "Effective values (secrets redacted):");
    let values = flat_values(&loaded.config);
    let width = KEYS.iter().map(|k| k.path.len()).max().unwrap_or(0);
    for k in KEYS {
        let shown = values
            .iter()
            .find(|(p, _)| p == k.path)
            .map_or(String::new(), |(_, v)| redact(k.path, v));
        let _ = writeln!(
            out,
            "  {:width$} = {:<40} ({})",
            k.path,
            shown,
            source_of(&loaded.figment, k.path)
        );
    }
    for p in crate::plugins::REGISTRY {
        let enabled = loaded.config.plugins.enabled.iter().any(|e| e == p.id);
        let section = loaded.config.plugins.section(p.id);
        if !enabled && section.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "Plugin {} ({}):",
            p.id,
            if enabled { "enabled" } else { "disabled" }
        );
        for k in p.config_keys {
            let path = k.path(p.id);
            let (shown, source) = match section.get(k.name) {
                Some(v) => {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    let text = if k.secret && !text.is_empty() {
                        "<redacted>".to_owned()
                    } else {
                        text
                    };
                    (text, source_of(&loaded.figment, &path))
                }
                None => (k.default.trim_matches('"').to_owned(), "default".to_owned()),
            };
            let _ = writeln!(out, "  {path:width$} = {shown:<40} ({source})");
        }
    }
    out
}

/// Every leaf of the config as (`path`, TOML-rendered value).
pub fn flat_values(config: &Config) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(toml::Value::Table(t)) = toml::Value::try_from(config) {
        flatten("", &t, &mut out);
    }
    out
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, String)>) {
    for (k, v) in t {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten(&p, inner, out),
            toml::Value::String(s) => out.push((p, s.clone())),
            other => out.push((p, other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        assert_eq!(
            redact("database.url", "mysql://shop:s3cret@db:3306/shopdb"),
            "mysql://shop:***@db:3306/shopdb"
        );
        assert_eq!(
            redact("database.url", "sqlite://./data/shopdb.sqlite"),
            "sqlite://./data/shopdb.sqlite"
        );
    }
}
