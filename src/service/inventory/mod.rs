//! The inventory's use cases: locations, asset types and their fields,
//! assets, relations, history, lists and search, bulk work.

pub mod asset_types;
pub mod assets;
pub mod bulk;
pub mod demo;
pub mod history;
pub mod listing;
pub mod locations;
pub mod relations;
pub mod revert;

use crate::service::{FieldError, ServiceError};

/// The version a write was based on, and how the client sent it (the
/// answer to a stale one differs: 412 for `If-Match`, 409 for a body field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedVersion {
    pub version: i64,
    pub if_match: bool,
}

impl ExpectedVersion {
    /// From an `If-Match` header (an ETag this server issued: `"7"`, or
    /// `W/"7"`) and/or a `version` body field. Neither is a 428; both must
    /// agree.
    pub fn from_request(if_match: Option<&str>, body: Option<i64>) -> Result<Self, ServiceError> {
        let header = match if_match {
            None => None,
            Some(h) => Some(parse_etag(h).ok_or_else(|| {
                ServiceError::Validation(vec![FieldError::new(
                    "If-Match",
                    format!("`{h}` is not an ETag from this server (e.g. \"3\")"),
                )])
            })?),
        };
        match (header, body) {
            (Some(h), Some(b)) if h != b => Err(ServiceError::Validation(vec![FieldError::new(
                "version",
                format!("the body says version {b} but If-Match says {h}"),
            )])),
            (Some(h), _) => Ok(Self {
                version: h,
                if_match: true,
            }),
            (None, Some(b)) => Ok(Self {
                version: b,
                if_match: false,
            }),
            (None, None) => Err(ServiceError::VersionRequired),
        }
    }

    /// Refuses the write if the record moved on.
    pub fn check(self, current: i64) -> Result<(), ServiceError> {
        if current == self.version {
            Ok(())
        } else {
            Err(self.stale(current))
        }
    }

    pub fn stale(self, current: i64) -> ServiceError {
        ServiceError::StaleVersion {
            current,
            if_match: self.if_match,
        }
    }
}

/// The ETag of a record version: `"7"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

fn parse_etag(h: &str) -> Option<i64> {
    let t = h.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_headers_and_bodies() {
        assert_eq!(
            ExpectedVersion::from_request(Some("\"3\""), None).unwrap(),
            ExpectedVersion {
                version: 3,
                if_match: true
            }
        );
        assert_eq!(
            ExpectedVersion::from_request(Some("W/\"3\""), Some(3))
                .unwrap()
                .version,
            3
        );
        assert_eq!(
            ExpectedVersion::from_request(None, Some(4)).unwrap(),
            ExpectedVersion {
                version: 4,
                if_match: false
            }
        );
        assert!(matches!(
            ExpectedVersion::from_request(None, None),
            Err(ServiceError::VersionRequired)
        ));
        assert!(ExpectedVersion::from_request(Some("3"), None).is_err());
        assert!(ExpectedVersion::from_request(Some("\"3\""), Some(4)).is_err());
        assert_eq!(etag(7), "\"7\"");
    }
}
