//! Reads a whole table in primary-key order as canonical rows, a page at a
//! time: the export writes what it reads, and the import reads the target
//! back the same way to recompute each checksum.

use sea_query::{Alias, Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde_json::Value;

use super::format::{Kind, canonical};
use crate::db::{DbError, DbValue, Exec};

const PAGE: u64 = 2000;

/// What to read: the columns in the order to write them, with kinds, and
/// the primary key.
pub struct TableShape<'a> {
    pub name: &'a str,
    pub columns: &'a [(String, Kind)],
    pub key: &'a [String],
}

impl TableShape<'_> {
    fn key_positions(&self) -> Result<Vec<(usize, Kind)>, DbError> {
        self.key
            .iter()
            .map(|k| {
                self.columns
                    .iter()
                    .position(|(c, _)| c == k)
                    .map(|i| (i, self.columns[i].1))
                    .ok_or_else(|| {
                        DbError::Other(format!("key column `{}.{k}` is not among its columns", self.name))
                    })
            })
            .collect()
    }

    fn select(&self) -> SelectStatement {
        Query::select()
            .columns(self.columns.iter().map(|(c, _)| Alias::new(c)))
            .from(Alias::new(self.name))
            .to_owned()
    }
}

/// Calls `page` with each page of canonical rows, in key order. Integer
/// keys are read page by page (keyset paging); a table with a text key is
/// read at once and sorted by code point here, since MySQL's collations
/// and SQLite's binary order would sort it differently.
pub async fn read_table<E: From<DbError>>(
    e: &mut impl Exec,
    shape: &TableShape<'_>,
    mut page: impl FnMut(Vec<Vec<Value>>) -> Result<(), E>,
) -> Result<(), E> {
    let keys = shape.key_positions()?;
    if keys.iter().any(|(_, k)| *k != Kind::Int) {
        let rows = e.fetch_all(&shape.select()).await?;
        let mut all = canonical_rows(shape, &rows)?;
        all.sort_by(|a, b| {
            keys.iter()
                .map(|(i, _)| compare(&a[*i], &b[*i]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        return page(all);
    }
    let mut after: Option<Vec<i64>> = None;
    loop {
        let mut stmt = shape.select();
        for k in shape.key {
            stmt.order_by(Alias::new(k), Order::Asc);
        }
        stmt.limit(PAGE);
        if let Some(last) = &after {
            stmt.cond_where(after_key(shape.key, last));
        }
        let rows = e.fetch_all(&stmt).await?;
        let n = rows.len();
        let out = canonical_rows(shape, &rows)?;
        let Some(tail) = out.last() else { break };
        after = Some(
            keys.iter()
                .map(|(i, _)| tail[*i].as_i64().unwrap_or_default())
                .collect(),
        );
        page(out)?;
        if (n as u64) < PAGE {
            break;
        }
    }
    Ok(())
}

/// `(k1, k2, …) > (v1, v2, …)` spelled out, which both backends plan as a
/// range on the primary key.
fn after_key(key: &[String], last: &[i64]) -> Cond {
    let mut any = Cond::any();
    for i in 0..key.len() {
        let mut all = Cond::all();
        for j in 0..i {
            all = all.add(Expr::col(Alias::new(&key[j])).eq(last[j]));
        }
        all = all.add(Expr::col(Alias::new(&key[i])).gt(last[i]));
        any = any.add(all);
    }
    any
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()).then_with(|| {
            x.as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Less,
        (_, Value::Null) => std::cmp::Ordering::Greater,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn canonical_rows(shape: &TableShape<'_>, rows: &[crate::db::Row]) -> Result<Vec<Vec<Value>>, DbError> {
    rows.iter()
        .map(|r| {
            shape
                .columns
                .iter()
                .zip(r.values())
                .map(|((c, kind), v)| {
                    canonical(*kind, v).map_err(|e| {
                        DbError::Other(format!(
                            "{}.{c}: {e} (row {})",
                            shape.name,
                            describe_key(shape, r)
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

fn describe_key(shape: &TableShape<'_>, r: &crate::db::Row) -> String {
    shape
        .key
        .iter()
        .map(|k| {
            let v = r.raw(k).unwrap_or(&DbValue::Null);
            format!("{k}={v:?}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
