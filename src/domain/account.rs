//! Accounts: roles, user ids, usernames and password rules.

use std::fmt;
use std::str::FromStr;

/// What a user may do. Ordered: each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Read the inventory.
    Viewer,
    /// Read and change the inventory.
    Editor,
    /// Everything, including users, tokens, types and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Self::Viewer),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(format!("`{other}` is not a role (viewer, editor, admin)")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0.to_string())
    }
}

/// Where an account's password lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSource {
    Local,
    /// Signed in through LDAP / Active Directory; no local password.
    Ldap,
}

impl UserSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Ldap => "ldap",
        }
    }
}

impl FromStr for UserSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "local" => Ok(Self::Local),
            "ldap" => Ok(Self::Ldap),
            other => Err(format!("unknown user source `{other}`")),
        }
    }
}

/// A sign-in name: 1-100 characters of a-z, 0-9, `.`, `_`, `-`, `@`,
/// compared case-insensitively (stored lowercase), like directory names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err("may only contain letters, digits, '.', '_', '-' and '@'".into());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Passwords that appear at the top of every breach list; refused outright.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "qwerty123456",
    "qwertyuiop123",
    "111111111111",
    "000000000000",
    "123123123123",
    "abcdefghijkl",
    "abc123abc123",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "admin1234567",
    "adminadmin12",
    "changeme1234",
    "changemenow1",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "football1234",
    "baseball1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "trustno1trustno1",
    "shopdbshopdb",
    "shopdb123456",
    "summer2024!!",
    "winter2024!!",
    "spring2025!!",
    "autumn2025!!",
    "aaaaaaaaaaaa",
    "1q2w3e4r5t6y",
    "zaq12wsxcde3",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("must be at least 12 characters")]
    TooShort,
    #[error("must be at most 256 characters")]
    TooLong,
    #[error("must not be the username")]
    SameAsUsername,
    #[error("is too common; choose another")]
    Common,
}

/// A password that passed the policy. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Policy: 12-256 characters, not the username (in any case, or
    /// reversed), not in the built-in list of common passwords.
    pub fn new(raw: &str, username: &Username) -> Result<Self, PasswordPolicyError> {
        let n = raw.chars().count();
        if n < 12 {
            return Err(PasswordPolicyError::TooShort);
        }
        if n > 256 {
            return Err(PasswordPolicyError::TooLong);
        }
        let lower = raw.to_lowercase();
        let reversed: String = lower.chars().rev().collect();
        if lower == username.as_str() || reversed == username.as_str() {
            return Err(PasswordPolicyError::SameAsUsername);
        }
        if COMMON.contains(&lower.as_str()) {
            return Err(PasswordPolicyError::Common);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(Username::parse("  Alice.Smith ").unwrap().as_str(), "alice.smith");
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("x)(uid=*").is_err());
        assert!(Username::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn password_policy() {
        let u = Username::parse("operator").unwrap();
        assert_eq!(Password::new("short", &u), Err(PasswordPolicyError::TooShort));
        assert_eq!(Password::new("operatoroperator", &u).map(|_| ()), Ok(()));
        let long_name = Username::parse("maintenance01").unwrap();
        assert_eq!(
            Password::new("Maintenance01", &long_name),
            Err(PasswordPolicyError::SameAsUsername)
        );
        assert_eq!(
            Password::new("10ecnanetniam", &long_name),
            Err(PasswordPolicyError::SameAsUsername)
        );
        assert_eq!(
            Password::new("Password1234", &u),
            Err(PasswordPolicyError::Common)
        );
        assert!(Password::new("correct horse battery", &u).is_ok());
        assert!(!format!("{:?}", Password::new("correct horse battery", &u).unwrap()).contains("horse"));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Viewer);
        assert_eq!("editor".parse::<Role>().unwrap(), Role::Editor);
        assert!("root".parse::<Role>().is_err());
    }
}
