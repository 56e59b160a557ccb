//! Small value types used by the config: human durations and byte sizes,
//! plus a lenient list deserializer for values that arrive from the
//! environment as one string.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A duration written as `250ms`, `30s`, `5m`, `2h`, `7d` or a bare number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn secs(s: u64) -> Self {
        Self(Duration::from_secs(s))
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a duration (examples: 250ms, 30s, 5m, 2h, 7d)"))?;
        let ms = match unit.trim() {
            "ms" => Some(n),
            "" | "s" => n.checked_mul(1000),
            "m" => n.checked_mul(60_000),
            "h" => n.checked_mul(3_600_000),
            "d" => n.checked_mul(86_400_000),
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{s}` (use ms, s, m, h or d)"
                ));
            }
        };
        ms.map(|ms| Self(Duration::from_millis(ms)))
            .ok_or_else(|| format!("duration `{s}` is too large"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms == 0 {
            write!(f, "0s")
        } else if ms.is_multiple_of(86_400_000) {
            write!(f, "{}d", ms / 86_400_000)
        } else if ms.is_multiple_of(3_600_000) {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) {
            write!(f, "{}m", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"30s\", \"5m\" or a number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(HumanDuration::secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(HumanDuration::secs)
                    .map_err(|_| E::custom("a duration cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                HumanDuration::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A size in bytes written as `1048576`, `512KiB`, `1MiB`, `10MB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a size (examples: 1048576, 512KiB, 2MiB)"))?;
        let mult: u64 = match unit.trim() {
            "" | "B" => 1,
            "KB" | "kB" => 1000,
            "KiB" => 1024,
            "MB" => 1_000_000,
            "MiB" => 1024 * 1024,
            "GB" => 1_000_000_000,
            "GiB" => 1024 * 1024 * 1024,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` in `{s}` (use B, KiB, MiB, GiB, KB, MB or GB)"
                ));
            }
        };
        n.checked_mul(mult)
            .map(Self)
            .ok_or_else(|| format!("size `{s}` is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: u64 = 1024 * 1024;
        if self.0 >= MIB && self.0.is_multiple_of(MIB) {
            write!(f, "{}MiB", self.0 / MIB)
        } else if self.0 >= 1024 && self.0.is_multiple_of(1024) {
            write!(f, "{}KiB", self.0 / 1024)
        } else {
            write!(f, "{}B", self.0)
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"1MiB\" or a number of bytes")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A list, or one string that `split` turns into a list (the env layer
/// keeps values as raw text). Items are trimmed; empty ones dropped.
fn list_or_text<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
    split: impl Fn(&str) -> Vec<String>,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        One(String),
    }
    let items = match Raw::deserialize(d).map_err(|_| de::Error::custom(expecting))? {
        Raw::List(v) => v,
        Raw::One(s) => split(&s),
    };
    Ok(items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

/// Accepts a list, or one string holding a comma-separated list
/// (`SHOPDB_PLUGINS__ENABLED=labels,zabbix` or `'[labels, zabbix]'`).
pub fn lenient_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    list_or_text(d, "expected a list of strings or a comma-separated string", |s| {
        s.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|item| item.trim().trim_matches(|c| c == '"' || c == '\'').to_owned())
            .collect()
    })
}

/// A list of LDAP DNs, or one string of DNs separated by `;` (DNs contain
/// commas, so the env form cannot split on them).
pub fn dn_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    list_or_text(d, "expected a list of DNs or a ';'-separated string", |s| {
        s.split(';').map(str::to_owned).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(HumanDuration::parse("30s").unwrap().0, Duration::from_secs(30));
        assert_eq!(
            HumanDuration::parse("250ms").unwrap().0,
            Duration::from_millis(250)
        );
        assert_eq!(HumanDuration::parse("5m").unwrap().0, Duration::from_secs(300));
        assert_eq!(HumanDuration::parse("12").unwrap().0, Duration::from_secs(12));
        assert!(HumanDuration::parse("5 parsecs").is_err());
        assert!(HumanDuration::parse("-3s").is_err());
        assert_eq!(HumanDuration::secs(7200).to_string(), "2h");
        assert_eq!(HumanDuration(Duration::from_millis(1500)).to_string(), "1500ms");
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(ByteSize::parse("1MiB").unwrap().0, 1_048_576);
        assert_eq!(ByteSize::parse("512KiB").unwrap().0, 524_288);
        assert_eq!(ByteSize::parse("10MB").unwrap().0, 10_000_000);
        assert!(ByteSize::parse("1 XB").is_err());
        assert!(ByteSize::parse("99999999999999999999GiB").is_err());
        assert_eq!(ByteSize(2 * 1_048_576).to_string(), "2MiB");
    }
}

#[cfg(test)]
mod list_tests {
    use super::lenient_list;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct L(#[serde(deserialize_with = "lenient_list")] Vec<String>);

    fn parse(json: &str) -> Vec<String> {
        serde_json::from_str::<L>(json).unwrap().0
    }

    #[derive(Deserialize)]
    struct Dns(#[serde(deserialize_with = "super::dn_list")] Vec<String>);

    #[test]
    fn dn_lists_split_on_semicolons_only() {
        let v = serde_json::from_str::<Dns>(r#""cn=a,dc=x; cn=b,dc=x;""#)
            .unwrap()
            .0;
        assert_eq!(v, ["cn=a,dc=x", "cn=b,dc=x"]);
        let v = serde_json::from_str::<Dns>(r#"["cn=a,dc=x"]"#).unwrap().0;
        assert_eq!(v, ["cn=a,dc=x"]);
    }

    #[test]
    fn lists_from_env_text() {
        assert_eq!(parse(r#""labels,zabbix""#), ["labels", "zabbix"]);
        assert_eq!(parse(r#""[labels, \"zabbix\"]""#), ["labels", "zabbix"]);
        assert_eq!(parse(r#"["labels"]"#), ["labels"]);
        assert!(parse(r#""""#).is_empty());
        assert!(parse(r#"" , ""#).is_empty());
    }
}
