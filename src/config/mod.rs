//! Configuration: built-in defaults → TOML file → `SHOPDB_*` environment.
//!
//! The struct below is the single source of truth: `keys.rs` documents each
//! leaf key (a test checks the two agree), and the example TOML and
//! `.env.example` are generated from both.

mod env;
pub mod example;
mod keys;
mod load;
pub mod report;
pub mod types;

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

pub use keys::{KEYS, KeyDoc, SECTIONS};
pub use load::{ConfigError, LoadOptions, Loaded, load};
pub use types::{ByteSize, HumanDuration};

use crate::plugins;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub site: SiteConfig,
    pub plugins: PluginsConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerConfig {
    pub bind: String,
    pub public_url: String,
    #[serde(deserialize_with = "types::lenient_list")]
    pub cors_allowed_origins: Vec<String>,
    pub body_limit: ByteSize,
    pub shutdown_grace: HumanDuration,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: HumanDuration,
    pub startup_retry_for: HumanDuration,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SiteConfig {
    pub code: String,
    pub name: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PluginsConfig {
    #[serde(deserialize_with = "types::lenient_list")]
    pub enabled: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogConfig {
    pub level: String,
    pub json: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig {
                bind: "127.0.0.1:8080".into(),
                public_url: "http://127.0.0.1:8080".into(),
                cors_allowed_origins: Vec::new(),
                body_limit: ByteSize(2 * 1024 * 1024),
                shutdown_grace: HumanDuration::secs(30),
            },
            database: DatabaseConfig {
                url: "sqlite://./data/shopdb.sqlite".into(),
                pool_size: 8,
                connect_timeout: HumanDuration::secs(5),
                startup_retry_for: HumanDuration::secs(60),
                migrate_on_start: true,
            },
            site: SiteConfig {
                code: "SITE".into(),
                name: "My site".into(),
                timezone: "UTC".into(),
            },
            plugins: PluginsConfig { enabled: Vec::new() },
            log: LogConfig {
                level: "info".into(),
                json: false,
            },
        }
    }
}

impl Config {
    /// The bind address, parsed (validated at load time).
    pub fn bind_addr(&self) -> Result<SocketAddr, String> {
        self.server.bind.parse().map_err(|_| {
            format!(
                "server.bind `{}` is not an address like 127.0.0.1:8080",
                self.server.bind
            )
        })
    }

    /// Semantic checks that types alone cannot express. Each problem names
    /// its key and the rule, so `config check` can list them all at once.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = self.bind_addr() {
            problems.push(e);
        }
        match url::Url::parse(&self.server.public_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => problems.push(format!(
                "server.public_url `{}` must be an absolute http:// or https:// URL",
                self.server.public_url
            )),
        }
        for origin in &self.server.cors_allowed_origins {
            if !is_origin(origin) {
                problems.push(format!(
                    "server.cors_allowed_origins: `{origin}` is not an origin (scheme://host[:port], no path)"
                ));
            }
        }
        if self.server.body_limit.0 < 1024 {
            problems.push("server.body_limit must be at least 1KiB".into());
        }
        if self.database.pool_size == 0 || self.database.pool_size > 512 {
            problems.push("database.pool_size must be between 1 and 512".into());
        }
        if self.database.connect_timeout.0.is_zero() {
            problems.push("database.connect_timeout must be greater than 0".into());
        }
        if let Err(e) = crate::db::DbUrl::parse(&self.database.url) {
            problems.push(format!("database.url: {e}"));
        }
        let code_ok = !self.site.code.is_empty()
            && self.site.code.len() <= 32
            && self
                .site
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !code_ok {
            problems.push(format!(
                "site.code `{}` must be 1-32 characters of A-Z, a-z, 0-9, '-' or '_'",
                self.site.code
            ));
        }
        if self.site.name.trim().is_empty() || self.site.name.chars().count() > 200 {
            problems.push("site.name must be 1-200 characters".into());
        }
        if !is_timezone_name(&self.site.timezone) {
            problems.push(format!(
                "site.timezone `{}` must be an IANA time zone name such as UTC or Europe/Berlin",
                self.site.timezone
            ));
        }
        for id in &self.plugins.enabled {
            if !plugins::is_known(id) {
                problems.push(format!(
                    "plugins.enabled: unknown plugin `{id}`; known plugins: {}",
                    plugins::known_list()
                ));
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            problems.push(format!(
                "log.level `{}` is not a valid filter: {e}",
                self.log.level
            ));
        }
        problems
    }
}

fn is_origin(s: &str) -> bool {
    match url::Url::parse(s) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.path() == "/"
                && !s.ends_with('/')
                && u.query().is_none()
                && u.username().is_empty()
        }
        Err(_) => false,
    }
}

/// IANA names are `UTC` or `Area/Location[/Sub]` of ASCII letters, digits,
/// `_`, `-` and `+`. The binary carries no tz database, so this checks form.
fn is_timezone_name(s: &str) -> bool {
    if s == "UTC" {
        return true;
    }
    let parts: Vec<&str> = s.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
        && parts[0].chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Config::default().validate(), Vec::<String>::new());
    }

    #[test]
    fn origins_and_timezones() {
        assert!(is_origin("https://ui.example.com"));
        assert!(is_origin("http://10.0.0.5:8080"));
        assert!(!is_origin("https://ui.example.com/"));
        assert!(!is_origin("https://ui.example.com/path"));
        assert!(!is_origin("*"));
        assert!(is_timezone_name("Europe/Berlin"));
        assert!(is_timezone_name("America/Argentina/Cordoba"));
        assert!(!is_timezone_name("Berlin"));
        assert!(!is_timezone_name("Europe/../etc"));
    }
}
