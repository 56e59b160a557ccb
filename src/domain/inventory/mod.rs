//! The inventory's vocabulary: ids, statuses, relation kinds, location
//! kinds, tags and network addresses, and custom field rules.

use std::fmt;
use std::str::FromStr;

pub use net::{parse_ip, parse_mac};
pub use tag::{AssetTag, TAG_RULE};

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0.to_string())
            }
        }
    )*};
}

id_type!(AssetId, LocationId, AssetTypeId, FieldId, RelationId, ChangeId);

/// Generates a closed set of snake_case words with parsing that names the
/// accepted ones.
macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// The accepted words, for error messages.
            pub fn accepted() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!(
                        "`{other}` is not a {} ({})", $what, Self::accepted()
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

// Declared after the macros so they can use them.
pub mod fields;
mod net;
mod tag;

word_enum!(
    /// Where an asset is in its life.
    AssetStatus, "status" {
        Planned => "planned",
        InService => "in_service",
        Maintenance => "maintenance",
        Spare => "spare",
        Retired => "retired",
        Disposed => "disposed",
    }
);

word_enum!(
    /// A level of the location tree.
    LocationKind, "location kind" {
        Site => "site",
        Building => "building",
        Area => "area",
        Hall => "hall",
        Line => "line",
        Cell => "cell",
        Station => "station",
        Room => "room",
        Rack => "rack",
        Other => "other",
    }
);

word_enum!(
    /// A typed, directed link between two assets.
    RelationKind, "relation kind" {
        Controls => "controls",
        ConnectedTo => "connected_to",
        Feeds => "feeds",
        DependsOn => "depends_on",
    }
);

impl RelationKind {
    /// How the relation reads from its source: "controls".
    pub fn label(self) -> &'static str {
        match self {
            Self::Controls => "controls",
            Self::ConnectedTo => "connected to",
            Self::Feeds => "feeds",
            Self::DependsOn => "depends on",
        }
    }

    /// How it reads from its target: "controlled by".
    pub fn inverse_label(self) -> &'static str {
        match self {
            Self::Controls => "controlled by",
            Self::ConnectedTo => "connected to",
            Self::Feeds => "fed by",
            Self::DependsOn => "required by",
        }
    }
}

/// A calendar date as stored: `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_name_the_accepted_ones() {
        for s in AssetStatus::ALL {
            assert_eq!(s.as_str().parse::<AssetStatus>().unwrap(), *s);
        }
        let e = "broken".parse::<AssetStatus>().unwrap_err();
        assert!(e.contains("planned, in_service, maintenance"), "{e}");
        assert_eq!(RelationKind::Controls.inverse_label(), "controlled by");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-02-28").unwrap(), "2026-02-28");
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("28.02.2026").is_err());
    }
}
