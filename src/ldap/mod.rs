//! LDAP / Active Directory sign-in (see docs/AUTHENTICATION.md).
//!
//! One sign-in = one short connection: bind with the service account, find
//! the user's entry with `user_filter` (the sign-in name escaped), read the
//! groups (an attribute such as AD's `memberOf`, or a group search), then
//! bind as the entry's DN with the user's password. Every step is bounded by
//! `auth.ldap.timeout`; the connection is always unbound or dropped.

mod tls;

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, ResultEntry, Scope, SearchEntry, SearchOptions,
};
use rustls::ClientConfig;
use tokio::task::JoinHandle;

use crate::config::{HumanDuration, LdapConfig};

/// LDAP result code `invalidCredentials`.
const RC_INVALID_CREDENTIALS: u32 = 49;
/// LDAP result code `sizeLimitExceeded`.
const RC_SIZE_LIMIT_EXCEEDED: u32 = 4;
/// LDAP result code `noSuchObject`.
const RC_NO_SUCH_OBJECT: u32 = 32;

/// A configured directory. Cheap to share (`Arc` it); each call opens its own connection.
pub struct Directory {
    cfg: LdapConfig,
    /// Set for `ldaps://` and StartTLS.
    tls: Option<Arc<ClientConfig>>,
    timeout: Duration,
    admin_groups: Vec<String>,
    editor_groups: Vec<String>,
    viewer_groups: Vec<String>,
    default_role: Option<DirectoryRole>,
}

impl fmt::Debug for Directory {
    // Hand-written: the configuration holds the service account's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Directory")
            .field("url", &self.cfg.url)
            .field("starttls", &self.cfg.starttls)
            .field("tls", &self.tls.is_some())
            .field("bind_dn", &self.cfg.bind_dn)
            .field("user_base", &self.cfg.user_base)
            .field("timeout", &self.cfg.timeout)
            .finish_non_exhaustive()
    }
}

/// A user as the directory describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub dn: String,
    /// Lowercased value of `username_attribute`, or the sign-in name (lowercased) when absent.
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Group DNs as the directory returned them.
    pub groups: Vec<String>,
    /// None: in no mapped group and no `default_role`.
    pub role: Option<DirectoryRole>,
}

/// ShopDB role granted by directory group membership (ordered: Viewer < Editor < Admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DirectoryRole {
    Viewer,
    Editor,
    Admin,
}

impl DirectoryRole {
    /// `viewer`, `editor` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// Parses `viewer`, `editor` or `admin` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Self::Viewer),
            "editor" => Some(Self::Editor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

impl fmt::Display for DirectoryRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Unknown user or wrong password — callers show the same message for both.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The user authenticated but maps to no role and default_role is empty.
    /// Holds the user's DN.
    #[error("no role: {0}")]
    NoRole(String),
    /// Directory unreachable, timed out, TLS failure, or the service bind failed.
    #[error("directory unavailable: {0}")]
    Unavailable(String),
    /// Bad configuration discovered at run time (e.g. unreadable CA file).
    #[error("directory configuration: {0}")]
    Config(String),
}

/// An open connection: the handle and the task driving it. Dropping it
/// aborts the task, which closes the socket.
struct Conn {
    ldap: Ldap,
    driver: JoinHandle<()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// What the search found, before any password check.
struct Found {
    dn: String,
    username: String,
    display_name: Option<String>,
    email: Option<String>,
    groups: Vec<String>,
}

impl Directory {
    /// Checks the settings, loads the CA file and builds the TLS configuration.
    /// Call once at startup: errors here are configuration errors.
    pub fn new(cfg: &LdapConfig) -> Result<Self, DirectoryError> {
        let url = url::Url::parse(&cfg.url)
            .map_err(|e| DirectoryError::Config(format!("auth.ldap.url `{}`: {e}", cfg.url)))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(DirectoryError::Config(format!(
                "auth.ldap.url `{}` has no host",
                cfg.url
            )));
        }
        let needs_tls = match url.scheme() {
            "ldaps" if cfg.starttls => {
                return Err(DirectoryError::Config(
                    "auth.ldap.starttls cannot be combined with an ldaps:// URL".into(),
                ));
            }
            "ldaps" => true,
            "ldap" if cfg.starttls => true,
            "ldap" if cfg.allow_plaintext => {
                tracing::warn!(
                    url = %cfg.url,
                    "auth.ldap uses plain ldap:// without StartTLS: passwords cross the network in clear"
                );
                false
            }
            "ldap" => {
                return Err(DirectoryError::Config(
                    "auth.ldap.url is plain ldap://: set auth.ldap.starttls = true, use ldaps://, \
                     or (not recommended) auth.ldap.allow_plaintext = true"
                        .into(),
                ));
            }
            other => {
                return Err(DirectoryError::Config(format!(
                    "auth.ldap.url scheme `{other}` must be ldap or ldaps"
                )));
            }
        };
        if cfg.timeout.0.is_zero() {
            return Err(DirectoryError::Config(
                "auth.ldap.timeout must be greater than 0".into(),
            ));
        }
        if cfg.user_base.trim().is_empty() {
            return Err(DirectoryError::Config("auth.ldap.user_base must be set".into()));
        }
        if !cfg.user_filter.contains("{username}") {
            return Err(DirectoryError::Config(
                "auth.ldap.user_filter must contain {username}".into(),
            ));
        }
        check_filter(
            "auth.ldap.user_filter",
            &cfg.user_filter.replace("{username}", "x"),
        )?;
        if cfg.group_attribute.trim().is_empty() {
            if !cfg.group_filter.contains("{dn}") {
                return Err(DirectoryError::Config(
                    "auth.ldap.group_filter must contain {dn} when auth.ldap.group_attribute is empty".into(),
                ));
            }
            check_filter("auth.ldap.group_filter", &cfg.group_filter.replace("{dn}", "x"))?;
        }
        let default_role = match cfg.default_role.trim() {
            "" => None,
            s => Some(DirectoryRole::parse(s).ok_or_else(|| {
                DirectoryError::Config(format!(
                    "auth.ldap.default_role `{s}` must be viewer, editor, admin or empty (refuse)"
                ))
            })?),
        };
        // Load the CA file even when it is not used (plaintext, or
        // insecure_skip_verify), so a wrong path surfaces at startup.
        if !cfg.ca_file.is_empty() {
            tls::load_pem_certs(Path::new(&cfg.ca_file))?;
        }
        if cfg.insecure_skip_verify {
            tracing::warn!(
                url = %cfg.url,
                "auth.ldap.insecure_skip_verify = true: the directory's TLS certificate is NOT verified; \
                 anyone on the network path can impersonate it and read passwords"
            );
        }
        let tls = if needs_tls {
            Some(tls::client_config(&cfg.ca_file, cfg.insecure_skip_verify)?)
        } else {
            None
        };
        let groups = |list: &[String]| list.iter().map(|g| normalize_dn(g)).collect::<Vec<_>>();
        Ok(Self {
            tls,
            timeout: cfg.timeout.0,
            admin_groups: groups(&cfg.admin_groups),
            editor_groups: groups(&cfg.editor_groups),
            viewer_groups: groups(&cfg.viewer_groups),
            default_role,
            cfg: cfg.clone(),
        })
    }

    /// Search with the service account, then bind as the found DN with `password`, read groups, map role.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        check_username(username)?;
        // An empty password makes a simple bind "unauthenticated", which many
        // servers accept as success: never send one.
        if password.is_empty() {
            return Err(DirectoryError::InvalidCredentials);
        }
        let mut conn = self.connect().await?;
        let result = self.authenticate_on(&mut conn.ldap, username, password).await;
        self.close(conn, &result).await;
        let user = result?;
        if user.role.is_none() {
            tracing::info!(user = %user.dn, "LDAP sign-in refused: no group maps to a ShopDB role");
            return Err(DirectoryError::NoRole(user.dn));
        }
        Ok(user)
    }

    /// Same lookup without the user's password (for `shopdb ldap test USER`): DN, groups, role.
    /// An unknown or ambiguous name is `InvalidCredentials`; no role is `Ok` with `role: None`.
    pub async fn lookup(&self, username: &str) -> Result<DirectoryUser, DirectoryError> {
        check_username(username)?;
        let mut conn = self.connect().await?;
        let result = self.lookup_on(&mut conn.ldap, username).await;
        self.close(conn, &result).await;
        result
    }

    async fn authenticate_on(
        &self,
        ldap: &mut Ldap,
        username: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        let user = self.lookup_on(ldap, username).await?;
        let res = self
            .bounded("bind as the user", ldap.simple_bind(&user.dn, password))
            .await?;
        match res.rc {
            0 => Ok(user),
            RC_INVALID_CREDENTIALS => {
                tracing::debug!(user = %user.dn, "LDAP bind as the user: invalid credentials");
                Err(DirectoryError::InvalidCredentials)
            }
            rc => Err(DirectoryError::Unavailable(format!(
                "bind as {} failed: {}",
                user.dn,
                describe(rc, &res.text)
            ))),
        }
    }

    /// Service bind, user search, groups, role: everything but the user's bind.
    async fn lookup_on(&self, ldap: &mut Ldap, username: &str) -> Result<DirectoryUser, DirectoryError> {
        self.service_bind(ldap).await?;
        let found = self.find_user(ldap, username).await?;
        let groups = if self.cfg.group_attribute.trim().is_empty() {
            self.search_groups(ldap, &found.dn).await?
        } else {
            found.groups
        };
        let role = self.map_role(&groups);
        Ok(DirectoryUser {
            dn: found.dn,
            username: found.username,
            display_name: found.display_name,
            email: found.email,
            groups,
            role,
        })
    }

    async fn connect(&self) -> Result<Conn, DirectoryError> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(self.timeout);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(Arc::clone(tls));
        }
        if self.cfg.starttls {
            settings = settings.set_starttls(true);
        }
        let what = format!("connecting to {}", self.cfg.url);
        let (conn, ldap) = self
            .bounded(&what, LdapConnAsync::with_settings(settings, &self.cfg.url))
            .await?;
        // Like `ldap3::drive!`, but keeping the handle so the task (and socket) end with `Conn`.
        let driver = tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "LDAP connection ended with an error");
            }
        });
        Ok(Conn { ldap, driver })
    }

    /// Unbinds politely unless the connection already failed; then drops it.
    async fn close<T>(&self, mut conn: Conn, result: &Result<T, DirectoryError>) {
        if !matches!(result, Err(DirectoryError::Unavailable(_))) {
            let _ = tokio::time::timeout(self.timeout, conn.ldap.unbind()).await;
        }
        drop(conn);
    }

    async fn service_bind(&self, ldap: &mut Ldap) -> Result<(), DirectoryError> {
        if self.cfg.bind_dn.is_empty() {
            // Anonymous search (directories that allow it).
            return Ok(());
        }
        let res = self
            .bounded(
                "service account bind",
                ldap.simple_bind(&self.cfg.bind_dn, &self.cfg.bind_password),
            )
            .await?;
        if res.rc != 0 {
            return Err(DirectoryError::Unavailable(format!(
                "service account bind as {} failed: {} (check auth.ldap.bind_dn and auth.ldap.bind_password)",
                self.cfg.bind_dn,
                describe(res.rc, &res.text)
            )));
        }
        Ok(())
    }

    async fn find_user(&self, ldap: &mut Ldap, username: &str) -> Result<Found, DirectoryError> {
        let filter = self
            .cfg
            .user_filter
            .replace("{username}", &ldap3::ldap_escape(username));
        let attrs: Vec<&str> = [
            &self.cfg.username_attribute,
            &self.cfg.display_name_attribute,
            &self.cfg.email_attribute,
            &self.cfg.group_attribute,
        ]
        .into_iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
        let attrs = if attrs.is_empty() { vec!["1.1"] } else { attrs };
        // Two are enough to know the name is ambiguous.
        let search = ldap
            .with_search_options(SearchOptions::new().sizelimit(2))
            .search(&self.cfg.user_base, Scope::Subtree, &filter, attrs);
        let result = self.bounded("user search", search).await?;
        let rc = result.1.rc;
        let mut entries = entries(result.0);
        match rc {
            0 | RC_SIZE_LIMIT_EXCEEDED => {}
            RC_NO_SUCH_OBJECT => {
                return Err(DirectoryError::Config(format!(
                    "auth.ldap.user_base `{}` does not exist, or the service account (auth.ldap.bind_dn) \
                     may not read it",
                    self.cfg.user_base
                )));
            }
            rc => {
                return Err(DirectoryError::Unavailable(format!(
                    "user search under {} failed: {}",
                    self.cfg.user_base,
                    describe(rc, &result.1.text)
                )));
            }
        }
        if entries.len() > 1 || rc == RC_SIZE_LIMIT_EXCEEDED {
            tracing::warn!(
                filter = %filter,
                base = %self.cfg.user_base,
                "LDAP sign-in refused: the name matches more than one directory entry"
            );
            return Err(DirectoryError::InvalidCredentials);
        }
        let Some(entry) = entries.pop() else {
            tracing::debug!(filter = %filter, "LDAP user not found");
            return Err(DirectoryError::InvalidCredentials);
        };
        let first = |attr: &str| first_value(&entry, attr);
        let username = first(&self.cfg.username_attribute)
            .unwrap_or_else(|| username.to_owned())
            .to_lowercase();
        Ok(Found {
            username,
            display_name: first(&self.cfg.display_name_attribute),
            email: first(&self.cfg.email_attribute),
            groups: values(&entry, &self.cfg.group_attribute),
            dn: entry.dn,
        })
    }

    async fn search_groups(&self, ldap: &mut Ldap, user_dn: &str) -> Result<Vec<String>, DirectoryError> {
        let base = if self.cfg.group_base.trim().is_empty() {
            &self.cfg.user_base
        } else {
            &self.cfg.group_base
        };
        let filter = self
            .cfg
            .group_filter
            .replace("{dn}", &ldap3::ldap_escape(user_dn));
        let search = ldap.search(base, Scope::Subtree, &filter, vec!["1.1"]);
        let result = self.bounded("group search", search).await?;
        match result.1.rc {
            0 => {}
            RC_SIZE_LIMIT_EXCEEDED => {
                tracing::warn!(user = %user_dn, base = %base, "LDAP group search hit the server's size limit");
            }
            RC_NO_SUCH_OBJECT => {
                return Err(DirectoryError::Config(format!(
                    "auth.ldap.group_base `{base}` does not exist, or the service account \
                     (auth.ldap.bind_dn) may not read it"
                )));
            }
            rc => {
                return Err(DirectoryError::Unavailable(format!(
                    "group search under {base} failed: {}",
                    describe(rc, &result.1.text)
                )));
            }
        }
        Ok(entries(result.0).into_iter().map(|e| e.dn).collect())
    }

    /// Highest role among the mapped groups, else `default_role`.
    fn map_role(&self, groups: &[String]) -> Option<DirectoryRole> {
        let mut role = None;
        for group in groups {
            let g = normalize_dn(group);
            let this = if self.admin_groups.contains(&g) {
                Some(DirectoryRole::Admin)
            } else if self.editor_groups.contains(&g) {
                Some(DirectoryRole::Editor)
            } else if self.viewer_groups.contains(&g) {
                Some(DirectoryRole::Viewer)
            } else {
                None
            };
            role = role.max(this);
        }
        role.or(self.default_role)
    }

    /// Runs one LDAP operation within `timeout`; any failure is `Unavailable`.
    async fn bounded<T>(
        &self,
        what: &str,
        op: impl Future<Output = Result<T, LdapError>>,
    ) -> Result<T, DirectoryError> {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(DirectoryError::Unavailable(format!("{what}: {e}"))),
            Err(_) => Err(DirectoryError::Unavailable(format!(
                "{what}: no answer within {}",
                HumanDuration(self.timeout)
            ))),
        }
    }
}

fn check_username(username: &str) -> Result<(), DirectoryError> {
    if username.is_empty() || username.contains('\0') {
        return Err(DirectoryError::InvalidCredentials);
    }
    Ok(())
}

fn check_filter(key: &str, filter: &str) -> Result<(), DirectoryError> {
    ldap3::parse_filter(filter)
        .map(|_| ())
        .map_err(|()| DirectoryError::Config(format!("{key} `{filter}` is not a valid LDAP filter")))
}

/// Search entries, without continuation references (AD returns some for other partitions).
fn entries(raw: Vec<ResultEntry>) -> Vec<SearchEntry> {
    raw.into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(SearchEntry::construct)
        .collect()
}

/// All values of `attr` (attribute names compare case-insensitively).
fn values(entry: &SearchEntry, attr: &str) -> Vec<String> {
    let attr = attr.trim();
    if attr.is_empty() {
        return Vec::new();
    }
    entry
        .attrs
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(attr))
        .flat_map(|(_, v)| v.iter().cloned())
        .collect()
}

fn first_value(entry: &SearchEntry, attr: &str) -> Option<String> {
    values(entry, attr).into_iter().find(|v| !v.trim().is_empty())
}

fn describe(rc: u32, text: &str) -> String {
    if text.is_empty() {
        format!("rc={rc}")
    } else {
        format!("rc={rc} ({text})")
    }
}

/// A DN for comparison: lowercase, without spaces around the separators
/// `,` `+` `=` (escaped characters are kept as they are, lowercased).
fn normalize_dn(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut chars = dn.trim().chars();
    let mut skip_spaces = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                if let Some(next) = chars.next() {
                    out.extend(next.to_lowercase());
                }
                skip_spaces = false;
            }
            ',' | '+' | '=' => {
                while out.ends_with(' ') && !out.ends_with("\\ ") {
                    out.pop();
                }
                out.push(c);
                skip_spaces = true;
            }
            ' ' if skip_spaces => {}
            c => {
                out.extend(c.to_lowercase());
                skip_spaces = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn cfg() -> LdapConfig {
        LdapConfig {
            enabled: true,
            url: "ldap://127.0.0.1:1".into(),
            allow_plaintext: true,
            user_base: "ou=people,dc=example,dc=org".into(),
            admin_groups: vec!["CN=Admins, OU=Groups,DC=example,DC=org".into()],
            editor_groups: vec!["cn=editors,ou=groups,dc=example,dc=org".into()],
            viewer_groups: vec!["cn=viewers,ou=groups,dc=example,dc=org".into()],
            ..Config::default().auth.ldap
        }
    }

    #[test]
    fn dn_normalization() {
        assert_eq!(
            normalize_dn(" CN=Admins, OU=Groups ,DC=Example,DC=org "),
            "cn=admins,ou=groups,dc=example,dc=org"
        );
        assert_eq!(normalize_dn("cn = a + uid = b, dc=x"), "cn=a+uid=b,dc=x");
        assert_eq!(normalize_dn("cn=Smith\\, John,dc=x"), "cn=smith\\, john,dc=x");
    }

    #[test]
    fn highest_mapped_role_wins() {
        let d = Directory::new(&cfg()).unwrap();
        let g = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            d.map_role(&g(&["cn=viewers,ou=groups,dc=example,dc=org"])),
            Some(DirectoryRole::Viewer)
        );
        assert_eq!(
            d.map_role(&g(&[
                "cn=viewers,ou=groups,dc=example,dc=org",
                "cn=admins,ou=groups,dc=example,dc=org"
            ])),
            Some(DirectoryRole::Admin)
        );
        assert_eq!(
            d.map_role(&g(&[
                "CN=Editors, OU=Groups, DC=Example, DC=Org",
                "cn=other,dc=x"
            ])),
            Some(DirectoryRole::Editor)
        );
        assert_eq!(d.map_role(&g(&["cn=other,dc=x"])), None);
        assert_eq!(d.map_role(&[]), None);
    }

    #[test]
    fn default_role_applies_only_without_a_mapped_group() {
        let d = Directory::new(&LdapConfig {
            default_role: "viewer".into(),
            ..cfg()
        })
        .unwrap();
        assert_eq!(d.map_role(&[]), Some(DirectoryRole::Viewer));
        let d = Directory::new(&LdapConfig {
            default_role: "editor".into(),
            ..cfg()
        })
        .unwrap();
        assert_eq!(
            d.map_role(&["cn=admins,ou=groups,dc=example,dc=org".to_owned()]),
            Some(DirectoryRole::Admin)
        );
        assert_eq!(
            d.map_role(&["cn=viewers,ou=groups,dc=example,dc=org".to_owned()]),
            Some(DirectoryRole::Viewer)
        );
    }

    #[test]
    fn new_rejects_bad_settings() {
        let bad = [
            LdapConfig {
                allow_plaintext: false,
                ..cfg()
            },
            LdapConfig {
                url: "ldaps://h".into(),
                starttls: true,
                ..cfg()
            },
            LdapConfig {
                url: "http://h".into(),
                ..cfg()
            },
            LdapConfig {
                url: "not a url".into(),
                ..cfg()
            },
            LdapConfig {
                default_role: "root".into(),
                ..cfg()
            },
            LdapConfig {
                user_filter: "(uid=alice)".into(),
                ..cfg()
            },
            LdapConfig {
                user_filter: "(uid={username}".into(),
                ..cfg()
            },
            LdapConfig {
                group_attribute: String::new(),
                group_filter: "(member=x)".into(),
                ..cfg()
            },
            LdapConfig {
                timeout: HumanDuration::secs(0),
                ..cfg()
            },
            LdapConfig {
                ca_file: "/nonexistent/ca.pem".into(),
                ..cfg()
            },
        ];
        for c in bad {
            assert!(
                matches!(Directory::new(&c), Err(DirectoryError::Config(_))),
                "{c:?}"
            );
        }
        assert!(
            Directory::new(&LdapConfig {
                allow_plaintext: false,
                starttls: true,
                insecure_skip_verify: true,
                ..cfg()
            })
            .is_ok()
        );
    }

    #[test]
    fn roles_parse_and_order() {
        assert!(
            DirectoryRole::Admin > DirectoryRole::Editor && DirectoryRole::Editor > DirectoryRole::Viewer
        );
        for r in [DirectoryRole::Viewer, DirectoryRole::Editor, DirectoryRole::Admin] {
            assert_eq!(DirectoryRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(DirectoryRole::parse("Admin"), Some(DirectoryRole::Admin));
        assert_eq!(DirectoryRole::parse(""), None);
    }

    #[test]
    fn debug_hides_the_service_password() {
        let d = Directory::new(&LdapConfig {
            bind_password: "s3cret".into(),
            ..cfg()
        })
        .unwrap();
        assert!(!format!("{d:?}").contains("s3cret"));
    }

    #[test]
    fn futures_are_send_and_directory_is_shareable() {
        fn send<T: Send>(_: &T) {}
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Directory>();
        let d = Directory::new(&cfg()).unwrap();
        send(&d.authenticate("alice", "pw"));
        send(&d.lookup("alice"));
    }

    #[tokio::test]
    async fn refused_before_connecting() {
        // Port 1 on localhost: nothing listens, yet these never reach the network.
        let d = Directory::new(&cfg()).unwrap();
        for (user, pass) in [("alice", ""), ("", "pw"), ("al\0ice", "pw")] {
            assert!(matches!(
                d.authenticate(user, pass).await,
                Err(DirectoryError::InvalidCredentials)
            ));
        }
        assert!(matches!(
            d.lookup("").await,
            Err(DirectoryError::InvalidCredentials)
        ));
        assert!(matches!(
            d.authenticate("alice", "pw").await,
            Err(DirectoryError::Unavailable(_))
        ));
    }
}
