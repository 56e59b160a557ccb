//! One line of documentation per config key. Defaults are not repeated here:
//! they come from `Config::default()`. A unit test fails when a field of the
//! struct has no entry here or an entry names no field.

pub struct KeyDoc {
    /// Dotted path, e.g. `database.url`.
    pub path: &'static str,
    pub doc: &'static str,
    /// Redacted in `config check` output and logs.
    pub secret: bool,
}

impl KeyDoc {
    /// The table the key lives in: everything before the last dot.
    pub fn section(&self) -> &'static str {
        self.path.rsplit_once('.').map_or("", |(s, _)| s)
    }

    /// The key's name inside its section.
    pub fn name(&self) -> &'static str {
        self.path.rsplit_once('.').map_or(self.path, |(_, n)| n)
    }

    /// The environment variable that sets this key.
    pub fn env_var(&self) -> String {
        format!("SHOPDB_{}", self.path.replace('.', "__").to_uppercase())
    }
}

const fn key(path: &'static str, doc: &'static str) -> KeyDoc {
    KeyDoc {
        path,
        doc,
        secret: false,
    }
}

const fn secret(path: &'static str, doc: &'static str) -> KeyDoc {
    KeyDoc {
        path,
        doc,
        secret: true,
    }
}

/// Sections in the order the example files show them.
pub const SECTIONS: &[(&str, &str)] = &[
    ("server", "HTTP server"),
    (
        "database",
        "Database: SQLite (default) or MySQL 8.0+ / MariaDB 10.6+",
    ),
    (
        "site",
        "This site's identity (one ShopDB instance per site, see docs/adr/0001)",
    ),
    ("auth", "Sign-in: sessions (JWT) and failed sign-in limits"),
    (
        "auth.ldap",
        "Active Directory / LDAP sign-in (see docs/AUTHENTICATION.md)",
    ),
    ("admin", "First start: the `admin` account"),
    ("history", "Inventory change history (see docs/INVENTORY.md)"),
    (
        "import",
        "Bulk upserts and CSV imports of assets (see docs/INVENTORY.md)",
    ),
    (
        "plugins",
        "Plugins compiled into the binary, switched on per site",
    ),
    ("log", "Logging"),
];

#[rustfmt::skip]
pub const KEYS: &[KeyDoc] = &[
    key("server.bind", "Address and port the HTTP server listens on. Use 0.0.0.0:8080 to listen on every interface."),
    key("server.public_url", "The URL people and scanners reach ShopDB at (behind a reverse proxy: the proxy's URL). Used in links and QR labels."),
    key("server.cors_allowed_origins", "Browser origins allowed to call the API from other sites (CORS), e.g. [\"https://dash.example.com\"]. Empty: none. In env: comma-separated."),
    key("server.body_limit", "Largest request body accepted (e.g. 2MiB); larger requests get 413."),
    key("server.shutdown_grace", "On SIGTERM/SIGINT, how long in-flight requests may take to finish."),
    key("server.trusted_proxies", "IP addresses of reverse proxies whose X-Forwarded-For is trusted for the client address (sign-in limits, audit). Empty: use the connection's address."),
    secret("database.url", "sqlite://PATH (relative to the working directory, or sqlite:///absolute/path) or mysql://USER:PASSWORD@HOST:PORT/DATABASE. The password is never logged."),
    key("database.pool_size", "Maximum open database connections (MySQL pool size; SQLite reader connections)."),
    key("database.connect_timeout", "How long one connection attempt may take."),
    key("database.startup_retry_for", "At startup, how long to keep retrying an unreachable database (with backoff) before exiting. 0s: fail at once."),
    key("database.migrate_on_start", "Apply pending schema migrations at startup. When false, run `shopdb migrate up` yourself; /readyz stays 503 until the schema is current."),
    key("site.code", "Short site code shown in the UI and reported to a fleet roll-up (A-Z, 0-9, '-', '_')."),
    key("site.name", "Human name of the site."),
    key("site.timezone", "IANA time zone of the site, e.g. Europe/Berlin. Timestamps in the API are always UTC."),
    secret("auth.jwt_secret", "HS256 signing key for sessions, at least 32 bytes. Empty: a random key is generated once and stored in the database, so restarts and several instances agree. Changing it invalidates every access token at once; refresh tokens survive (see docs/AUTHENTICATION.md)."),
    key("auth.issuer", "JWT `iss` claim issued and required."),
    key("auth.audience", "JWT `aud` claim issued and required."),
    key("auth.access_token_ttl", "Lifetime of an access token (the web UI refreshes it silently)."),
    key("auth.refresh_token_ttl", "Lifetime of a refresh token; each use rotates it."),
    key("auth.max_failed_logins", "Failed sign-ins per username within the window before further attempts get 429."),
    key("auth.max_failed_logins_per_address", "Failed sign-ins per client address within the window before further attempts get 429."),
    key("auth.failed_login_window", "The window failed sign-ins are counted in."),
    key("auth.ldap.enabled", "Sign in directory users through LDAP / Active Directory. Local users keep working either way."),
    key("auth.ldap.url", "Directory URL: ldaps://host:636, or ldap://host:389 with starttls."),
    key("auth.ldap.starttls", "Upgrade an ldap:// connection with StartTLS."),
    key("auth.ldap.ca_file", "PEM file of the CA that signed the directory's certificate (empty: the system CA bundle, SSL_CERT_FILE or the usual distribution paths)."),
    key("auth.ldap.insecure_skip_verify", "Accept any directory certificate. Only for testing; logged as a warning at every start."),
    key("auth.ldap.allow_plaintext", "Allow ldap:// without StartTLS: passwords cross the network in clear. Not recommended."),
    key("auth.ldap.bind_dn", "Service account that searches for users, e.g. CN=svc-shopdb,OU=Service,DC=corp,DC=example."),
    secret("auth.ldap.bind_password", "Password of the service account."),
    key("auth.ldap.user_base", "Where users are searched, e.g. OU=Staff,DC=corp,DC=example."),
    key("auth.ldap.user_filter", "User search filter; {username} is replaced by the escaped sign-in name. OpenLDAP: (uid={username})."),
    key("auth.ldap.username_attribute", "Attribute holding the sign-in name (AD: sAMAccountName; OpenLDAP: uid)."),
    key("auth.ldap.display_name_attribute", "Attribute with the person's display name."),
    key("auth.ldap.email_attribute", "Attribute with the e-mail address."),
    key("auth.ldap.group_attribute", "Attribute on the user that lists its group DNs (AD, and OpenLDAP with the memberof overlay: memberOf). Empty: search groups with group_filter."),
    key("auth.ldap.group_base", "Where groups are searched when group_attribute is empty (empty: user_base)."),
    key("auth.ldap.group_filter", "Group search filter when group_attribute is empty; {dn} is replaced by the escaped user DN."),
    key("auth.ldap.admin_groups", "Group DNs whose members get the admin role. In env: separate DNs with ';'."),
    key("auth.ldap.editor_groups", "Group DNs whose members get the editor role. In env: separate DNs with ';'."),
    key("auth.ldap.viewer_groups", "Group DNs whose members get the viewer role. In env: separate DNs with ';'."),
    key("auth.ldap.default_role", "Role for directory users in no mapped group: viewer, editor or admin. Empty: refuse them."),
    key("auth.ldap.timeout", "Time limit for each directory operation (connect, bind, search)."),
    secret("admin.password", "Password for the `admin` user created on the first start (empty database). Empty: a random one is printed once and must be changed at the first sign-in."),
    key("history.retention_days", "Days of inventory change history to keep (older changes are purged hourly); 0 keeps everything."),
    key("import.max_bytes", "Largest request body of a CSV import or a bulk upsert (POST /api/v1/assets/import, /import/preview, /bulk), e.g. 64MiB. These routes alone may exceed server.body_limit; larger bodies get 413."),
    key("import.max_rows", "Most data rows one CSV import may have; larger files are refused (422): split them."),
    key("plugins.enabled", "Plugins to enable, e.g. [\"labels\"]. In env: comma-separated (SHOPDB_PLUGINS__ENABLED=labels,zabbix)."),
    key("log.level", "Log filter: error, warn, info, debug, trace, or directives like info,shopdb=debug."),
    key("log.json", "Write logs as JSON lines (for log shippers) instead of human-readable text."),
];

pub fn find(path: &str) -> Option<&'static KeyDoc> {
    KEYS.iter().find(|k| k.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::collections::BTreeSet;

    fn leaf_paths(prefix: &str, v: &toml::Value, out: &mut BTreeSet<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaf_paths(&p, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_owned());
            }
        }
    }

    #[test]
    fn every_struct_field_is_documented_and_vice_versa() {
        let v = toml::Value::try_from(Config::default()).unwrap();
        let mut fields = BTreeSet::new();
        leaf_paths("", &v, &mut fields);
        let documented: BTreeSet<String> = KEYS.iter().map(|k| k.path.to_owned()).collect();
        assert_eq!(fields, documented);
        for k in KEYS {
            let section = k.path.split('.').next().unwrap();
            assert!(
                SECTIONS.iter().any(|(s, _)| *s == section),
                "{} has no section",
                k.path
            );
        }
    }

    #[test]
    fn env_var_names() {
        assert_eq!(find("database.url").unwrap().env_var(), "SHOPDB_DATABASE__URL");
        assert_eq!(
            find("server.cors_allowed_origins").unwrap().env_var(),
            "SHOPDB_SERVER__CORS_ALLOWED_ORIGINS"
        );
    }
}
