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
    pub auth: AuthConfig,
    pub admin: AdminConfig,
    pub history: HistoryConfig,
    pub import: ImportConfig,
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
    #[serde(deserialize_with = "types::lenient_list")]
    pub trusted_proxies: Vec<String>,
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
pub struct AuthConfig {
    /// HS256 key; empty: generated once and stored in the database.
    pub jwt_secret: String,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: HumanDuration,
    pub refresh_token_ttl: HumanDuration,
    pub max_failed_logins: u32,
    pub max_failed_logins_per_address: u32,
    pub failed_login_window: HumanDuration,
    pub ldap: LdapConfig,
}

/// Active Directory / LDAP sign-in. See docs/AUTHENTICATION.md.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LdapConfig {
    pub enabled: bool,
    /// `ldaps://host:636` or `ldap://host:389` (with `starttls`, or `allow_plaintext`).
    pub url: String,
    pub starttls: bool,
    /// PEM file of the CA that signed the directory's certificate.
    pub ca_file: String,
    /// Accept any certificate. Logged as a warning at every start.
    pub insecure_skip_verify: bool,
    /// Allow `ldap://` without StartTLS (passwords cross the network in clear).
    pub allow_plaintext: bool,
    pub bind_dn: String,
    pub bind_password: String,
    pub user_base: String,
    /// `{username}` is replaced by the escaped sign-in name.
    pub user_filter: String,
    pub username_attribute: String,
    pub display_name_attribute: String,
    pub email_attribute: String,
    /// Attribute on the user listing its groups (AD: memberOf). Empty: search groups instead.
    pub group_attribute: String,
    pub group_base: String,
    /// `{dn}` is replaced by the escaped user DN.
    pub group_filter: String,
    #[serde(deserialize_with = "types::dn_list")]
    pub admin_groups: Vec<String>,
    #[serde(deserialize_with = "types::dn_list")]
    pub editor_groups: Vec<String>,
    #[serde(deserialize_with = "types::dn_list")]
    pub viewer_groups: Vec<String>,
    /// Role for users in no mapped group; empty refuses them.
    pub default_role: String,
    pub timeout: HumanDuration,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdminConfig {
    /// Password of the `admin` user created on first start (empty: generated and printed once).
    pub password: String,
}

/// Bulk upserts and CSV imports (see docs/INVENTORY.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportConfig {
    /// Largest body of an import or bulk request (they may pass `server.body_limit`).
    pub max_bytes: ByteSize,
    /// Most data rows in one CSV import.
    pub max_rows: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryConfig {
    /// Days of inventory history to keep; 0 keeps everything.
    pub retention_days: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PluginsConfig {
    #[serde(deserialize_with = "types::lenient_list")]
    pub enabled: Vec<String>,
    /// Each plugin's `[plugins.<id>]` section, as written; the plugin
    /// declares and parses its keys (`plugins::config`).
    #[serde(flatten)]
    pub settings: std::collections::BTreeMap<String, toml::Value>,
}

impl PluginsConfig {
    /// The section of plugin `id` (empty when absent or not a table).
    pub fn section(&self, id: &str) -> plugins::Section {
        self.settings
            .get(id)
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default()
    }
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
                trusted_proxies: Vec::new(),
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
            auth: AuthConfig {
                jwt_secret: String::new(),
                issuer: "shopdb".into(),
                audience: "shopdb".into(),
                access_token_ttl: HumanDuration::secs(15 * 60),
                refresh_token_ttl: HumanDuration::secs(7 * 86_400),
                max_failed_logins: 5,
                max_failed_logins_per_address: 20,
                failed_login_window: HumanDuration::secs(15 * 60),
                ldap: LdapConfig {
                    enabled: false,
                    url: "ldaps://dc.example.com:636".into(),
                    starttls: false,
                    ca_file: String::new(),
                    insecure_skip_verify: false,
                    allow_plaintext: false,
                    bind_dn: String::new(),
                    bind_password: String::new(),
                    user_base: "dc=example,dc=com".into(),
                    user_filter: "(&(objectClass=user)(sAMAccountName={username}))".into(),
                    username_attribute: "sAMAccountName".into(),
                    display_name_attribute: "displayName".into(),
                    email_attribute: "mail".into(),
                    group_attribute: "memberOf".into(),
                    group_base: String::new(),
                    group_filter: "(&(objectClass=group)(member={dn}))".into(),
                    admin_groups: Vec::new(),
                    editor_groups: Vec::new(),
                    viewer_groups: Vec::new(),
                    default_role: String::new(),
                    timeout: HumanDuration::secs(5),
                },
            },
            admin: AdminConfig {
                password: String::new(),
            },
            history: HistoryConfig { retention_days: 0 },
            import: ImportConfig {
                max_bytes: ByteSize(64 * 1024 * 1024),
                max_rows: 200_000,
            },
            plugins: PluginsConfig::default(),
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
        if self.import.max_bytes.0 < self.server.body_limit.0 {
            problems.push("import.max_bytes must be at least server.body_limit".into());
        }
        if self.import.max_rows == 0 {
            problems.push("import.max_rows must be at least 1".into());
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
        problems.extend(self.validate_auth());
        for proxy in &self.server.trusted_proxies {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                problems.push(format!("server.trusted_proxies: `{proxy}` is not an IP address"));
            }
        }
        for id in &self.plugins.enabled {
            if !plugins::is_known(id) {
                problems.push(format!(
                    "plugins.enabled: unknown plugin `{id}`; known plugins: {}",
                    plugins::known_list()
                ));
            }
        }
        problems.extend(plugins::config::check_sections(&self.plugins));
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            problems.push(format!(
                "log.level `{}` is not a valid filter: {e}",
                self.log.level
            ));
        }
        problems
    }
}

impl Config {
    fn validate_auth(&self) -> Vec<String> {
        let mut p = Vec::new();
        let a = &self.auth;
        if !a.jwt_secret.is_empty() && a.jwt_secret.len() < 32 {
            p.push(format!(
                "auth.jwt_secret is {} bytes; it must be at least 32 (or empty to have one generated)",
                a.jwt_secret.len()
            ));
        }
        if a.issuer.trim().is_empty() || a.audience.trim().is_empty() {
            p.push("auth.issuer and auth.audience must not be empty".into());
        }
        if a.access_token_ttl.0.as_secs() < 30 || a.access_token_ttl.0.as_secs() > 86_400 {
            p.push("auth.access_token_ttl must be between 30s and 24h".into());
        }
        if a.refresh_token_ttl.0 < a.access_token_ttl.0 {
            p.push("auth.refresh_token_ttl must be at least auth.access_token_ttl".into());
        }
        if a.max_failed_logins == 0 || a.max_failed_logins_per_address == 0 {
            p.push("auth.max_failed_logins and auth.max_failed_logins_per_address must be at least 1".into());
        }
        if a.failed_login_window.0.is_zero() {
            p.push("auth.failed_login_window must be greater than 0".into());
        }
        let l = &a.ldap;
        if l.enabled {
            let scheme = l.url.split("://").next().unwrap_or_default();
            match scheme {
                "ldaps" => {
                    if l.starttls {
                        p.push("auth.ldap.starttls cannot be combined with an ldaps:// URL".into());
                    }
                }
                "ldap" => {
                    if !l.starttls && !l.allow_plaintext {
                        p.push(
                            "auth.ldap.url is plain ldap://: set auth.ldap.starttls = true, use ldaps://, \
                             or (not recommended) auth.ldap.allow_plaintext = true"
                                .into(),
                        );
                    }
                }
                _ => p.push(format!(
                    "auth.ldap.url `{}` must start with ldap:// or ldaps://",
                    l.url
                )),
            }
            if l.user_base.trim().is_empty() {
                p.push("auth.ldap.user_base must be set when auth.ldap.enabled = true".into());
            }
            if !l.user_filter.contains("{username}") {
                p.push("auth.ldap.user_filter must contain {username}".into());
            }
            if l.group_attribute.trim().is_empty() && !l.group_filter.contains("{dn}") {
                p.push(
                    "auth.ldap.group_filter must contain {dn} when auth.ldap.group_attribute is empty".into(),
                );
            }
            if !l.default_role.is_empty() && !matches!(l.default_role.as_str(), "viewer" | "editor" | "admin")
            {
                p.push(format!(
                    "auth.ldap.default_role `{}` must be viewer, editor, admin or empty (refuse)",
                    l.default_role
                ));
            }
            if !l.ca_file.is_empty() && !std::path::Path::new(&l.ca_file).is_file() {
                p.push(format!("auth.ldap.ca_file {} does not exist", l.ca_file));
            }
            if l.timeout.0.is_zero() {
                p.push("auth.ldap.timeout must be greater than 0".into());
            }
        }
        p
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
