//! Asset tags: the human key printed on labels and typed by scanners.

use std::fmt;

/// 1-64 characters: letters, digits, `-`, `_`, `.`, `/`. Stored in upper
/// case so that uniqueness and lookups ignore case on every backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssetTag(String);

pub const TAG_RULE: &str = "1-64 characters: letters, digits, `-`, `_`, `.`, `/`";

impl AssetTag {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 64 {
            return Err(format!("must be {TAG_RULE}"));
        }
        if let Some(c) = t
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
        {
            return Err(format!("`{c}` is not allowed; a tag is {TAG_RULE}"));
        }
        Ok(Self(t.to_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for AssetTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(AssetTag::parse(" cnc-0042 ").unwrap().as_str(), "CNC-0042");
        assert_eq!(
            AssetTag::parse("PLANT1/PC.7_a").unwrap().as_str(),
            "PLANT1/PC.7_A"
        );
        assert!(AssetTag::parse("").is_err());
        assert!(AssetTag::parse("a b").unwrap_err().contains("` `"));
        assert!(AssetTag::parse(&"x".repeat(65)).is_err());
    }
}
