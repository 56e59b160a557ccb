//! The dump format, `shopdb-dump` version 1 (docs/BACKUP.md): JSON Lines.
//!
//! 1. a header object (format, version, ShopDB version, time, source
//!    backend, migrations applied per scope, the tables with row counts and
//!    auto-increment counters);
//! 2. per table, a descriptor object (`table`, `columns`, `types`, `key`)
//!    followed by its rows as JSON arrays, in primary-key order;
//! 3. a trailer object with each table's row count and SHA-256.
//!
//! Values are written in one canonical form whatever the backend, so the
//! same data gives the same bytes (and checksum) from SQLite and MySQL:
//! integers (booleans are 0/1) as JSON integers, floating point as the
//! shortest JSON number that reads back to the same double, text as JSON
//! strings, timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), binary as
//! base64 strings, NULL as null.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::db::{DbValue, TIMESTAMP_FORMAT};

pub const FORMAT_NAME: &str = "shopdb-dump";
pub const FORMAT_VERSION: u32 = 1;

/// How a column's values are written: decided per column by the exporter
/// (`tables::KNOWN`) and carried in each table's descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 64-bit integers, booleans (0/1).
    Int,
    /// Double precision floating point.
    Real,
    /// UTF-8 text, JSON documents included (kept byte for byte).
    Text,
    /// UTC date and time with microseconds.
    Timestamp,
    /// Bytes, base64 in the file.
    Blob,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    /// The id the source would have handed out next (auto-increment
    /// tables), so ids of deleted rows are never reused on the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    pub shopdb_version: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `sqlite` or `mysql`.
    pub source_backend: String,
    /// The highest applied migration per scope (`core`, plugin ids).
    pub migrations: BTreeMap<String, u32>,
    /// In the order their data follows.
    pub tables: Vec<TableEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    pub table: String,
    pub columns: Vec<String>,
    pub types: Vec<Kind>,
    /// Primary-key columns: rows are written in this order.
    pub key: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCheck {
    pub name: String,
    pub rows: u64,
    /// Hex SHA-256 over the table's row lines (`row_line`), in key order.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub tables: Vec<TableCheck>,
}

/// One line of a dump after the header.
#[derive(Debug)]
pub enum Record {
    Table(Descriptor),
    Row(Vec<Value>),
    Trailer(Trailer),
}

#[derive(Serialize, Deserialize)]
struct TrailerLine {
    trailer: Trailer,
}

pub fn trailer_line(t: &Trailer) -> Result<String, String> {
    serde_json::to_string(&TrailerLine { trailer: t.clone() }).map_err(|e| e.to_string())
}

/// Parses the first line. The format name and version are checked before
/// the rest, so a newer format is named as such rather than as garbage.
pub fn parse_header(line: &str) -> Result<Header, String> {
    let v: Value = serde_json::from_str(line)
        .map_err(|_| "the file does not start with a ShopDB dump header (not a JSON object)".to_owned())?;
    if v.get("format").and_then(Value::as_str) != Some(FORMAT_NAME) {
        return Err(format!(
            "not a ShopDB dump: the header has no `\"format\": \"{FORMAT_NAME}\"`"
        ));
    }
    match v.get("format_version").and_then(Value::as_u64) {
        Some(n) if n == u64::from(FORMAT_VERSION) => {}
        Some(n) => {
            return Err(format!(
                "dump format version {n} is not supported by this ShopDB (it reads version {FORMAT_VERSION}); \
                 import it with the ShopDB release that wrote it, or a newer one"
            ));
        }
        None => return Err("the dump header has no format_version".into()),
    }
    serde_json::from_value(v).map_err(|e| format!("bad dump header: {e}"))
}

pub fn parse_record(line: &str) -> Result<Record, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not a JSON line ({e})"))?;
    match v {
        Value::Array(values) => Ok(Record::Row(values)),
        Value::Object(ref m) if m.contains_key("trailer") => serde_json::from_value::<TrailerLine>(v)
            .map(|t| Record::Trailer(t.trailer))
            .map_err(|e| format!("bad trailer: {e}")),
        Value::Object(ref m) if m.contains_key("table") => serde_json::from_value::<Descriptor>(v)
            .map(Record::Table)
            .map_err(|e| format!("bad table descriptor: {e}")),
        _ => Err("neither a row, a table descriptor nor the trailer".into()),
    }
}

/// The canonical text of one row: what the file holds and what the
/// checksum covers (plus a newline).
pub fn row_line(values: &[Value]) -> String {
    // Serializing a Vec<Value> cannot fail (keys are strings, floats finite).
    Value::Array(values.to_vec()).to_string()
}

/// A stored value in its canonical form.
pub fn canonical(kind: Kind, v: &DbValue) -> Result<Value, String> {
    Ok(match (kind, v) {
        (_, DbValue::Null) => Value::Null,
        (Kind::Int, DbValue::Int(n)) => Value::from(*n),
        (Kind::Int, DbValue::Text(s)) => s
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{s}` is not an integer"))?,
        (Kind::Real, DbValue::Float(f)) => finite(*f)?,
        #[allow(clippy::cast_precision_loss)]
        (Kind::Real, DbValue::Int(n)) => finite(*n as f64)?,
        (Kind::Text, DbValue::Text(s)) => Value::from(s.as_str()),
        (Kind::Timestamp, DbValue::Text(s)) => Value::from(timestamp(s)?),
        (Kind::Blob, DbValue::Bytes(b)) => Value::from(base64::engine::general_purpose::STANDARD.encode(b)),
        (Kind::Blob, DbValue::Text(s)) => {
            Value::from(base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))
        }
        (kind, other) => return Err(format!("a {kind:?} column holds {other:?}")),
    })
}

fn finite(f: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| format!("{f} cannot be written (not a finite number)"))
}

fn timestamp(s: &str) -> Result<String, String> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .map(|t| t.format(TIMESTAMP_FORMAT).to_string())
        .map_err(|_| format!("`{s}` is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])"))
}

/// A value from the file, checked against its column's kind, as bound to
/// an insert.
pub fn to_db(kind: Kind, v: &Value) -> Result<DbValue, String> {
    Ok(match (kind, v) {
        (_, Value::Null) => DbValue::Null,
        (Kind::Int, Value::Number(n)) => {
            DbValue::Int(n.as_i64().ok_or_else(|| format!("{n} is not a 64-bit integer"))?)
        }
        (Kind::Real, Value::Number(n)) => {
            DbValue::Float(n.as_f64().ok_or_else(|| format!("{n} is not a number"))?)
        }
        (Kind::Text, Value::String(s)) => DbValue::Text(s.clone()),
        (Kind::Timestamp, Value::String(s)) => DbValue::Text(timestamp(s)?),
        (Kind::Blob, Value::String(s)) => DbValue::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| "a blob value is not base64".to_owned())?,
        ),
        (kind, other) => return Err(format!("{other} is not a valid {kind:?} value")),
    })
}

/// Row count and SHA-256 of a table's canonical rows, in key order.
#[derive(Clone, Default)]
pub struct TableDigest {
    rows: u64,
    hash: Sha256,
}

impl TableDigest {
    pub fn add(&mut self, line: &str) {
        self.rows += 1;
        self.hash.update(line.as_bytes());
        self.hash.update(b"\n");
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(self, name: &str) -> TableCheck {
        TableCheck {
            name: name.to_owned(),
            rows: self.rows,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_one_form_whatever_the_backend_returned() {
        // SQLite returns stored text; MySQL formats DATETIME(6) with six digits.
        let a = canonical(Kind::Timestamp, &DbValue::Text("2026-03-01 08:00:00".into())).unwrap();
        let b = canonical(
            Kind::Timestamp,
            &DbValue::Text("2026-03-01 08:00:00.000000".into()),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, "2026-03-01 08:00:00.000000");
        // SQLite REAL columns may hand back integers.
        assert_eq!(
            canonical(Kind::Real, &DbValue::Int(50)).unwrap(),
            canonical(Kind::Real, &DbValue::Float(50.0)).unwrap()
        );
        assert_eq!(canonical(Kind::Int, &DbValue::Int(1)).unwrap(), Value::from(1));
        assert_eq!(canonical(Kind::Text, &DbValue::Null).unwrap(), Value::Null);
        assert!(canonical(Kind::Int, &DbValue::Float(1.5)).is_err());
        assert!(canonical(Kind::Timestamp, &DbValue::Text("yesterday".into())).is_err());
        assert!(canonical(Kind::Real, &DbValue::Float(f64::NAN)).is_err());
    }

    #[test]
    fn values_round_trip_through_a_line() {
        let kinds = [
            Kind::Int,
            Kind::Real,
            Kind::Text,
            Kind::Timestamp,
            Kind::Blob,
            Kind::Text,
        ];
        let stored = [
            DbValue::Int(i64::MIN),
            DbValue::Float(42.3),
            DbValue::Text("ünï \"code\" ✓\n{\"json\": [1]}".into()),
            DbValue::Text("2026-11-28 04:42:06.123456".into()),
            DbValue::Bytes(vec![0, 255, 10]),
            DbValue::Null,
        ];
        let values: Vec<Value> = kinds
            .iter()
            .zip(&stored)
            .map(|(k, v)| canonical(*k, v).unwrap())
            .collect();
        let line = row_line(&values);
        let Record::Row(back) = parse_record(&line).unwrap() else {
            panic!("not a row")
        };
        let again: Vec<DbValue> = kinds
            .iter()
            .zip(&back)
            .map(|(k, v)| to_db(*k, v).unwrap())
            .collect();
        assert_eq!(again, stored);
    }

    #[test]
    fn floats_read_back_to_the_same_double() {
        for f in [
            0.1,
            1.0 / 3.0,
            101.6,
            42.3,
            1e-300,
            f64::MAX,
            -0.000_123_456_789_012_345_67,
        ] {
            let line = row_line(&[canonical(Kind::Real, &DbValue::Float(f)).unwrap()]);
            let Record::Row(v) = parse_record(&line).unwrap() else {
                panic!()
            };
            assert_eq!(to_db(Kind::Real, &v[0]).unwrap(), DbValue::Float(f), "{line}");
        }
    }

    #[test]
    fn headers_name_the_problem() {
        let e = parse_header("garbage").unwrap_err();
        assert!(e.contains("header"), "{e}");
        let e = parse_header(r#"{"format":"something-else"}"#).unwrap_err();
        assert!(e.contains("not a ShopDB dump"), "{e}");
        let e = parse_header(r#"{"format":"shopdb-dump","format_version":99}"#).unwrap_err();
        assert!(e.contains("format version 99"), "{e}");
        let h = Header {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            shopdb_version: "0.1.0".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            source_backend: "sqlite".into(),
            migrations: BTreeMap::from([("core".to_owned(), 3)]),
            tables: vec![TableEntry {
                name: "users".into(),
                rows: 2,
                next_id: Some(3),
            }],
        };
        let line = serde_json::to_string(&h).unwrap();
        assert_eq!(parse_header(&line).unwrap(), h);
    }

    #[test]
    fn the_digest_covers_order_and_content() {
        let mut a = TableDigest::default();
        a.add("[1]");
        a.add("[2]");
        let mut b = TableDigest::default();
        b.add("[2]");
        b.add("[1]");
        assert_ne!(a.clone().finish("t").sha256, b.finish("t").sha256);
        assert_eq!(a.rows(), 2);
    }
}
