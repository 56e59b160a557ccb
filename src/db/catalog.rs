//! What the database itself says about its tables: names, columns with
//! their declared types, primary keys, foreign keys and auto-increment
//! counters. `shopdb export` discovers tables here instead of trusting a
//! list, so a table a future migration adds cannot be left out silently.

use std::collections::BTreeMap;

use sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};

use super::{Backend, DbError, Exec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The declared type, lower case: `integer`, `text`, `real` on SQLite;
    /// `bigint`, `varchar`, `datetime`, `double`… on MySQL.
    pub decl_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    /// In declaration order.
    pub columns: Vec<Column>,
    /// In key order; empty when the table has none.
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// An SQLite virtual table (FTS5) or one of its shadow tables.
    pub fts: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn a(s: &str) -> Alias {
    Alias::new(s)
}

/// Every base table of the current database (SQLite-internal `sqlite_*`
/// tables excluded), sorted by name.
pub async fn tables(e: &mut impl Exec, backend: Backend) -> Result<Vec<Table>, DbError> {
    match backend {
        Backend::Sqlite => sqlite_tables(e).await,
        Backend::Mysql => mysql_tables(e).await,
    }
}

/// FTS5 keeps its index in these shadow tables beside the virtual table.
const FTS5_SHADOWS: &[&str] = &["data", "idx", "content", "docsize", "config"];

async fn sqlite_tables(e: &mut impl Exec) -> Result<Vec<Table>, DbError> {
    let stmt = Query::select()
        .columns([a("name"), a("sql")])
        .from(a("sqlite_master"))
        .and_where(Expr::col(a("type")).eq("table"))
        .order_by(a("name"), Order::Asc)
        .to_owned();
    let rows = e.fetch_all(&stmt).await?;
    let mut found: Vec<(String, bool)> = Vec::new();
    for r in &rows {
        let name: String = r.get("name")?;
        let sql: String = r.get::<Option<String>>("sql")?.unwrap_or_default();
        found.push((
            name,
            sql.trim_start()
                .to_ascii_uppercase()
                .starts_with("CREATE VIRTUAL TABLE"),
        ));
    }
    let virtuals: Vec<String> = found.iter().filter(|(_, v)| *v).map(|(n, _)| n.clone()).collect();
    let is_shadow = |name: &str| {
        virtuals.iter().any(|v| {
            name.strip_prefix(v.as_str())
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|suffix| FTS5_SHADOWS.contains(&suffix))
        })
    };
    let mut out = Vec::new();
    for (name, is_virtual) in found {
        if name.starts_with("sqlite_") {
            continue;
        }
        let fts = is_virtual || is_shadow(&name);
        let info = Query::select()
            .columns([a("name"), a("type"), a("pk")])
            .from_function(Func::cust(a("pragma_table_info")).arg(name.clone()), a("p"))
            .order_by(a("cid"), Order::Asc)
            .to_owned();
        let mut columns = Vec::new();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in e.fetch_all(&info).await? {
            let col: String = r.get("name")?;
            let position: i64 = r.get("pk")?;
            if position > 0 {
                pk.push((position, col.clone()));
            }
            columns.push(Column {
                name: col,
                decl_type: r.get::<String>("type")?.to_ascii_lowercase(),
            });
        }
        pk.sort();
        let fk = Query::select()
            .columns([a("id"), a("seq"), a("table"), a("from"), a("to")])
            .from_function(Func::cust(a("pragma_foreign_key_list")).arg(name.clone()), a("f"))
            .order_by(a("id"), Order::Asc)
            .order_by(a("seq"), Order::Asc)
            .to_owned();
        let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
        for r in e.fetch_all(&fk).await? {
            let entry = by_id.entry(r.get("id")?).or_insert_with(|| ForeignKey {
                columns: Vec::new(),
                parent: String::new(),
                parent_columns: Vec::new(),
            });
            entry.parent = r.get("table")?;
            entry.columns.push(r.get("from")?);
            // NULL when the key names the parent's primary key implicitly.
            entry
                .parent_columns
                .push(r.get::<Option<String>>("to")?.unwrap_or_else(|| "id".to_owned()));
        }
        out.push(Table {
            name,
            columns,
            primary_key: pk.into_iter().map(|(_, c)| c).collect(),
            foreign_keys: by_id.into_values().collect(),
            fts,
        });
    }
    Ok(out)
}

fn schema_is_current() -> Expr {
    Expr::col(a("TABLE_SCHEMA")).eq(Expr::cust("DATABASE()"))
}

async fn mysql_tables(e: &mut impl Exec) -> Result<Vec<Table>, DbError> {
    let is = a("information_schema");
    let stmt = Query::select()
        .expr_as(Expr::col(a("TABLE_NAME")), a("name"))
        .from((is.clone(), a("TABLES")))
        .and_where(schema_is_current())
        .and_where(Expr::col(a("TABLE_TYPE")).eq("BASE TABLE"))
        .to_owned();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in e.fetch_all(&stmt).await? {
        let name: String = r.get("name")?;
        tables.insert(
            name.clone(),
            Table {
                name,
                columns: Vec::new(),
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                fts: false,
            },
        );
    }
    let cols = Query::select()
        .expr_as(Expr::col(a("TABLE_NAME")), a("t"))
        .expr_as(Expr::col(a("COLUMN_NAME")), a("name"))
        .expr_as(Expr::col(a("DATA_TYPE")), a("type"))
        .from((is.clone(), a("COLUMNS")))
        .and_where(schema_is_current())
        .order_by(a("TABLE_NAME"), Order::Asc)
        .order_by(a("ORDINAL_POSITION"), Order::Asc)
        .to_owned();
    for r in e.fetch_all(&cols).await? {
        let t: String = r.get("t")?;
        if let Some(table) = tables.get_mut(&t) {
            table.columns.push(Column {
                name: r.get("name")?,
                decl_type: r.get::<String>("type")?.to_ascii_lowercase(),
            });
        }
    }
    let keys = Query::select()
        .expr_as(Expr::col(a("TABLE_NAME")), a("t"))
        .expr_as(Expr::col(a("CONSTRAINT_NAME")), a("c"))
        .expr_as(Expr::col(a("COLUMN_NAME")), a("col"))
        .expr_as(Expr::col(a("REFERENCED_TABLE_NAME")), a("parent"))
        .expr_as(Expr::col(a("REFERENCED_COLUMN_NAME")), a("parent_col"))
        .from((is, a("KEY_COLUMN_USAGE")))
        .and_where(schema_is_current())
        .order_by(a("TABLE_NAME"), Order::Asc)
        .order_by(a("CONSTRAINT_NAME"), Order::Asc)
        .order_by(a("ORDINAL_POSITION"), Order::Asc)
        .to_owned();
    let mut fks: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for r in e.fetch_all(&keys).await? {
        let t: String = r.get("t")?;
        let constraint: String = r.get("c")?;
        let col: String = r.get("col")?;
        let Some(table) = tables.get_mut(&t) else { continue };
        if constraint == "PRIMARY" {
            table.primary_key.push(col);
        } else if let Some(parent) = r.get::<Option<String>>("parent")? {
            let fk = fks.entry((t, constraint)).or_insert_with(|| ForeignKey {
                columns: Vec::new(),
                parent,
                parent_columns: Vec::new(),
            });
            fk.columns.push(col);
            fk.parent_columns.push(r.get("parent_col")?);
        }
    }
    for ((t, _), fk) in fks {
        if let Some(table) = tables.get_mut(&t) {
            table.foreign_keys.push(fk);
        }
    }
    Ok(tables.into_values().collect())
}

/// The id each table with an auto-increment key would hand out next.
/// SQLite: from `sqlite_sequence`, which is transactional (so read inside
/// a snapshot it belongs to that snapshot). MySQL: from the data
/// dictionary, which is not, but only ever grows, so a value read after a
/// snapshot started is at least the snapshot's.
pub async fn next_ids(e: &mut impl Exec, backend: Backend) -> Result<BTreeMap<String, i64>, DbError> {
    let mut out = BTreeMap::new();
    match backend {
        Backend::Sqlite => {
            let exists = Query::select()
                .column(a("name"))
                .from(a("sqlite_master"))
                .and_where(Expr::col(a("name")).eq("sqlite_sequence"))
                .to_owned();
            if e.fetch_optional(&exists).await?.is_none() {
                return Ok(out);
            }
            let stmt = Query::select()
                .columns([a("name"), a("seq")])
                .from(a("sqlite_sequence"))
                .to_owned();
            for r in e.fetch_all(&stmt).await? {
                out.insert(r.get::<String>("name")?, r.get::<i64>("seq")? + 1);
            }
        }
        Backend::Mysql => {
            let stmt = Query::select()
                .expr_as(Expr::col(a("TABLE_NAME")), a("name"))
                .expr_as(Expr::col(a("AUTO_INCREMENT")), a("next_id"))
                .from((a("information_schema"), a("TABLES")))
                .and_where(schema_is_current())
                .and_where(Expr::col(a("AUTO_INCREMENT")).is_not_null())
                .to_owned();
            for r in e.fetch_all(&stmt).await? {
                out.insert(r.get::<String>("name")?, r.get::<i64>("next_id")?);
            }
        }
    }
    Ok(out)
}
