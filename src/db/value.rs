//! One value and row representation shared by both executors, so
//! repositories decode rows the same way whatever the backend.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::DbError;

#[derive(Debug, Clone, PartialEq)]
pub enum DbValue {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// The text form both backends store timestamps in (UTC, microseconds):
/// MySQL `DATETIME(6)` accepts and returns it, SQLite stores it as TEXT and
/// it sorts correctly as a string.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

impl DbValue {
    /// sea-query's bound values → ours. Only the variants the enabled
    /// sea-query features can produce exist here.
    pub fn from_sea(v: sea_query::Value) -> Result<Self, DbError> {
        use sea_query::Value as V;
        fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> DbValue) -> DbValue {
            v.map_or(DbValue::Null, f)
        }
        Ok(match v {
            V::Bool(b) => opt(b, |b| DbValue::Int(i64::from(b))),
            V::TinyInt(n) => opt(n, |n| DbValue::Int(n.into())),
            V::SmallInt(n) => opt(n, |n| DbValue::Int(n.into())),
            V::Int(n) => opt(n, |n| DbValue::Int(n.into())),
            V::BigInt(n) => opt(n, DbValue::Int),
            V::TinyUnsigned(n) => opt(n, |n| DbValue::Int(n.into())),
            V::SmallUnsigned(n) => opt(n, |n| DbValue::Int(n.into())),
            V::Unsigned(n) => opt(n, |n| DbValue::Int(n.into())),
            V::BigUnsigned(Some(n)) => DbValue::Int(
                i64::try_from(n)
                    .map_err(|_| DbError::Other(format!("value {n} exceeds the 64-bit signed range")))?,
            ),
            V::BigUnsigned(None) => DbValue::Null,
            V::Float(f) => opt(f, |f| DbValue::Float(f.into())),
            V::Double(f) => opt(f, DbValue::Float),
            V::String(s) => opt(s, DbValue::Text),
            V::Char(c) => opt(c, |c| DbValue::Text(c.to_string())),
            V::Enum(e) => match e {
                sea_query::OptionEnum::Some(e) => DbValue::Text(e.value.into_owned()),
                sea_query::OptionEnum::None(_) => DbValue::Null,
            },
            V::Bytes(b) => opt(b, DbValue::Bytes),
        })
    }
}

/// A result row: column names shared by every row of a result.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<DbValue>,
}

impl Row {
    pub fn new(columns: Arc<[String]>, values: Vec<DbValue>) -> Self {
        Self { columns, values }
    }

    pub fn values(&self) -> &[DbValue] {
        &self.values
    }

    pub fn raw(&self, column: &str) -> Result<&DbValue, DbError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| DbError::Other(format!("result has no column `{column}`")))
    }

    pub fn get<T: FromDbValue>(&self, column: &str) -> Result<T, DbError> {
        T::from_db(self.raw(column)?).map_err(|e| DbError::Other(format!("column `{column}`: {e}")))
    }
}

pub trait FromDbValue: Sized {
    fn from_db(v: &DbValue) -> Result<Self, String>;
}

fn text(v: &DbValue) -> Option<&str> {
    match v {
        DbValue::Text(s) => Some(s),
        DbValue::Bytes(b) => std::str::from_utf8(b).ok(),
        _ => None,
    }
}

impl FromDbValue for i64 {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        match v {
            DbValue::Int(n) => Ok(*n),
            // MySQL returns DECIMAL and some aggregates as text.
            other => text(other)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("expected an integer, got {other:?}")),
        }
    }
}

impl FromDbValue for i32 {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        i64::from_db(v).and_then(|n| i32::try_from(n).map_err(|_| format!("{n} out of range")))
    }
}

impl FromDbValue for u32 {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        i64::from_db(v).and_then(|n| u32::try_from(n).map_err(|_| format!("{n} out of range")))
    }
}

impl FromDbValue for bool {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        i64::from_db(v).map(|n| n != 0)
    }
}

impl FromDbValue for f64 {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        match v {
            DbValue::Float(f) => Ok(*f),
            #[allow(clippy::cast_precision_loss)]
            DbValue::Int(n) => Ok(*n as f64),
            other => text(other)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("expected a number, got {other:?}")),
        }
    }
}

impl FromDbValue for String {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        match v {
            DbValue::Int(n) => Ok(n.to_string()),
            other => text(other)
                .map(str::to_owned)
                .ok_or_else(|| format!("expected text, got {other:?}")),
        }
    }
}

impl FromDbValue for Vec<u8> {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        match v {
            DbValue::Bytes(b) => Ok(b.clone()),
            DbValue::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected bytes, got {other:?}")),
        }
    }
}

impl FromDbValue for DateTime<Utc> {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        let s = text(v).ok_or_else(|| format!("expected a timestamp, got {v:?}"))?;
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
            .map(|n| n.and_utc())
            .map_err(|e| format!("bad timestamp `{s}`: {e}"))
    }
}

impl<T: FromDbValue> FromDbValue for Option<T> {
    fn from_db(v: &DbValue) -> Result<Self, String> {
        match v {
            DbValue::Null => Ok(None),
            other => T::from_db(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::Value as V;

    #[test]
    fn every_sea_value_kind_converts() {
        assert_eq!(DbValue::from_sea(V::Bool(Some(true))).unwrap(), DbValue::Int(1));
        assert_eq!(DbValue::from_sea(V::Bool(None)).unwrap(), DbValue::Null);
        assert_eq!(DbValue::from_sea(V::TinyInt(Some(-3))).unwrap(), DbValue::Int(-3));
        assert_eq!(
            DbValue::from_sea(V::SmallInt(Some(300))).unwrap(),
            DbValue::Int(300)
        );
        assert_eq!(
            DbValue::from_sea(V::Int(Some(-70000))).unwrap(),
            DbValue::Int(-70000)
        );
        assert_eq!(
            DbValue::from_sea(V::BigInt(Some(i64::MIN))).unwrap(),
            DbValue::Int(i64::MIN)
        );
        assert_eq!(
            DbValue::from_sea(V::Unsigned(Some(u32::MAX))).unwrap(),
            DbValue::Int(4_294_967_295)
        );
        assert_eq!(
            DbValue::from_sea(V::BigUnsigned(Some(7))).unwrap(),
            DbValue::Int(7)
        );
        assert!(DbValue::from_sea(V::BigUnsigned(Some(u64::MAX))).is_err());
        assert_eq!(
            DbValue::from_sea(V::Double(Some(1.5))).unwrap(),
            DbValue::Float(1.5)
        );
        assert_eq!(
            DbValue::from_sea(V::Float(Some(0.25))).unwrap(),
            DbValue::Float(0.25)
        );
        assert_eq!(
            DbValue::from_sea(V::String(Some("héllo".into()))).unwrap(),
            DbValue::Text("héllo".into())
        );
        assert_eq!(
            DbValue::from_sea(V::Char(Some('x'))).unwrap(),
            DbValue::Text("x".into())
        );
        assert_eq!(
            DbValue::from_sea(V::Bytes(Some(vec![0, 255]))).unwrap(),
            DbValue::Bytes(vec![0, 255])
        );
        assert_eq!(DbValue::from_sea(V::String(None)).unwrap(), DbValue::Null);
    }

    #[test]
    fn rows_decode() {
        let cols: Arc<[String]> =
            vec!["n".to_owned(), "t".to_owned(), "at".to_owned(), "z".to_owned()].into();
        let row = Row::new(
            cols,
            vec![
                DbValue::Int(5),
                DbValue::Bytes(b"abc".to_vec()),
                DbValue::Text("2026-11-28 04:42:06.123456".into()),
                DbValue::Null,
            ],
        );
        assert_eq!(row.get::<i64>("n").unwrap(), 5);
        assert!(row.get::<bool>("n").unwrap());
        assert_eq!(row.get::<String>("t").unwrap(), "abc");
        let at: DateTime<Utc> = row.get("at").unwrap();
        assert_eq!(timestamp(at), "2026-11-28 04:42:06.123456");
        assert_eq!(row.get::<Option<String>>("z").unwrap(), None);
        assert!(row.get::<i64>("missing").is_err());
        assert!(row.get::<i64>("t").is_err());
    }
}
