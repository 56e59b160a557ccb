//! The database URL decides the backend: `sqlite://` or `mysql://`.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite { path: PathBuf },
    Mysql { url: String },
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            Self::Mysql { url } => f.write_str(&crate::config::report::redact_url(url)),
        }
    }
}

pub const ACCEPTED: &str = "sqlite://PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE";

impl DbUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("sqlite://") {
            let rest = rest.split('?').next().unwrap_or_default();
            if rest.is_empty() {
                return Err(format!("`sqlite://` needs a file path; accepted: {ACCEPTED}"));
            }
            return Ok(Self::Sqlite {
                path: PathBuf::from(rest),
            });
        }
        if s.starts_with("mysql://") {
            let u = url::Url::parse(s).map_err(|e| format!("malformed mysql URL: {e}"))?;
            if u.host_str().is_none_or(str::is_empty) {
                return Err("mysql URL needs a host".into());
            }
            let db = u.path().trim_start_matches('/');
            if db.is_empty() {
                return Err(
                    "mysql URL needs a database name: mysql://USER:PASSWORD@HOST:PORT/DATABASE".into(),
                );
            }
            return Ok(Self::Mysql { url: s.to_owned() });
        }
        let scheme = s.split("://").next().filter(|_| s.contains("://"));
        Err(match scheme {
            Some(scheme) => format!("unsupported scheme `{scheme}://`; accepted: {ACCEPTED}"),
            None => format!("not a database URL; accepted: {ACCEPTED}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            DbUrl::parse("sqlite://./data/x.sqlite").unwrap(),
            DbUrl::Sqlite {
                path: "./data/x.sqlite".into()
            }
        );
        assert_eq!(
            DbUrl::parse("sqlite:///var/lib/shopdb/x.sqlite").unwrap(),
            DbUrl::Sqlite {
                path: "/var/lib/shopdb/x.sqlite".into()
            }
        );
        assert!(matches!(
            DbUrl::parse("mysql://u:p@h:3306/db"),
            Ok(DbUrl::Mysql { .. })
        ));
        let e = DbUrl::parse("postgres://h/db").unwrap_err();
        assert!(
            e.contains("postgres://") && e.contains("sqlite://") && e.contains("mysql://"),
            "{e}"
        );
        assert!(
            DbUrl::parse("mysql://u:p@h:3306/")
                .unwrap_err()
                .contains("database name")
        );
        assert!(DbUrl::parse("just-a-path").is_err());
    }

    #[test]
    fn debug_hides_password() {
        let u = DbUrl::parse("mysql://u:hunter2@h:3306/db").unwrap();
        assert!(!format!("{u:?}").contains("hunter2"));
    }
}
