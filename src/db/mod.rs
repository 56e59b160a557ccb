//! Persistence. Statements are written once with sea-query and rendered for
//! the active backend; two small executors run them. Raw SQL lives only in
//! `migrations/`.

pub mod catalog;
mod error;
pub mod migrate;
pub mod mysql;
pub mod queries;
pub mod sqlite;
mod transfer;
mod url;
mod value;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_query::{MysqlQueryBuilder, QueryStatementWriter, SqliteQueryBuilder};

pub use error::DbError;
pub use url::{ACCEPTED as ACCEPTED_URLS, DbUrl};
pub use value::{DbValue, FromDbValue, Row, TIMESTAMP_FORMAT, timestamp};

use crate::config::DatabaseConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Mysql => "mysql",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecResult {
    pub rows_affected: u64,
    pub last_insert_id: i64,
}

/// Runs statements: the pool (`Db`) or a transaction (`Tx`). Repositories
/// are generic over it so the same statement serves both.
pub trait Exec: Send {
    fn fetch_all<S: QueryStatementWriter + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl std::future::Future<Output = Result<Vec<Row>, DbError>> + Send;
    fn execute<S: QueryStatementWriter + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl std::future::Future<Output = Result<ExecResult, DbError>> + Send;

    fn fetch_optional<S: QueryStatementWriter + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl std::future::Future<Output = Result<Option<Row>, DbError>> + Send {
        async move { Ok(self.fetch_all(stmt).await?.into_iter().next()) }
    }

    /// A lookup by primary or unique key: at most one row, answered from
    /// an index in microseconds. Outside a transaction SQLite runs it on
    /// the calling thread (see `SqlitePool::lookup`); use `fetch_optional`
    /// for anything that may scan.
    fn fetch_lookup<S: QueryStatementWriter + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl std::future::Future<Output = Result<Option<Row>, DbError>> + Send {
        self.fetch_optional(stmt)
    }
}

impl Exec for Db {
    async fn fetch_all<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<Vec<Row>, DbError> {
        Db::fetch_all(self, stmt).await
    }
    async fn fetch_lookup<S: QueryStatementWriter + Sync>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<Row>, DbError> {
        Db::fetch_lookup(self, stmt).await
    }
    async fn execute<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<ExecResult, DbError> {
        Db::execute(self, stmt).await
    }
}

impl Exec for Tx {
    async fn fetch_all<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<Vec<Row>, DbError> {
        Tx::fetch_all(self, stmt).await
    }
    async fn execute<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<ExecResult, DbError> {
        Tx::execute(self, stmt).await
    }
}

impl Exec for Conn {
    async fn fetch_all<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<Vec<Row>, DbError> {
        Conn::fetch_all(self, stmt).await
    }
    async fn execute<S: QueryStatementWriter + Sync>(&mut self, stmt: &S) -> Result<ExecResult, DbError> {
        Conn::execute(self, stmt).await
    }
}

/// A connected database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    /// Statements run through this handle and its transactions, for
    /// /metrics (and tests that check a request's statement count).
    statements: Arc<AtomicU64>,
}

enum Inner {
    Sqlite(sqlite::SqlitePool),
    Mysql(mysql::MysqlPool),
}

/// Oldest servers we support: JSON functions, window functions, CTEs.
const MIN_MYSQL: (u16, u16) = (8, 0);
const MIN_MARIADB: (u16, u16) = (10, 6);

impl Db {
    /// Opens the database named by the config. One attempt: startup wraps
    /// this in its retry loop.
    pub async fn connect(cfg: &DatabaseConfig) -> Result<Self, DbError> {
        let url = DbUrl::parse(&cfg.url).map_err(DbError::Other)?;
        let inner = match url {
            DbUrl::Sqlite { path } => Inner::Sqlite(
                sqlite::SqlitePool::connect(&path, cfg.pool_size.min(8), Duration::from_secs(5)).await?,
            ),
            DbUrl::Mysql { url } => {
                let pool = mysql::MysqlPool::new(&url, cfg.pool_size, cfg.connect_timeout.0)?;
                let mut conn = pool.conn().await?;
                check_mysql_version(&mut conn).await?;
                drop(conn);
                Inner::Mysql(pool)
            }
        };
        Ok(Self {
            inner: Arc::new(inner),
            statements: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Mysql(_) => Backend::Mysql,
        }
    }

    /// Where the data lives, for logs (never with a password).
    pub fn describe(&self) -> String {
        match &*self.inner {
            Inner::Sqlite(p) => format!("SQLite database {}", p.path().display()),
            Inner::Mysql(p) => format!("MySQL database {}", p.target()),
        }
    }

    /// (in use, idle) connections, for /metrics.
    pub fn pool_stats(&self) -> (usize, usize) {
        match &*self.inner {
            Inner::Sqlite(p) => p.stats(),
            Inner::Mysql(p) => p.stats(),
        }
    }

    fn render<S: QueryStatementWriter>(&self, stmt: &S) -> Result<(String, Vec<DbValue>), DbError> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        render(self.backend(), stmt)
    }

    /// Statements run so far through this handle and its transactions.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn fetch_all<S: QueryStatementWriter>(&self, stmt: &S) -> Result<Vec<Row>, DbError> {
        let (sql, params) = self.render(stmt)?;
        match &*self.inner {
            Inner::Sqlite(p) => p.query(sql, params).await,
            Inner::Mysql(p) => p.query(sql, params).await,
        }
    }

    pub async fn fetch_optional<S: QueryStatementWriter>(&self, stmt: &S) -> Result<Option<Row>, DbError> {
        Ok(self.fetch_all(stmt).await?.into_iter().next())
    }

    /// See `Exec::fetch_lookup`.
    pub async fn fetch_lookup<S: QueryStatementWriter>(&self, stmt: &S) -> Result<Option<Row>, DbError> {
        let (sql, params) = self.render(stmt)?;
        match &*self.inner {
            Inner::Sqlite(p) => p.lookup(sql, params).await,
            Inner::Mysql(p) => Ok(p.query(sql, params).await?.into_iter().next()),
        }
    }

    pub async fn execute<S: QueryStatementWriter>(&self, stmt: &S) -> Result<ExecResult, DbError> {
        let (sql, params) = self.render(stmt)?;
        match &*self.inner {
            Inner::Sqlite(p) => p.execute(sql, params).await,
            Inner::Mysql(p) => p.execute(sql, params).await,
        }
    }

    /// A round trip to the database (readiness).
    pub async fn ping(&self) -> Result<(), DbError> {
        let stmt = sea_query::Query::select()
            .expr(sea_query::Expr::val(1))
            .to_owned();
        self.fetch_all(&stmt).await.map(|_| ())
    }

    /// A dedicated connection: the SQLite writer, or one pooled MySQL
    /// connection. Migrations and transactions run on one.
    pub async fn acquire(&self) -> Result<Conn, DbError> {
        Ok(match &*self.inner {
            Inner::Sqlite(p) => Conn::Sqlite(Some(p.writer().await), self.clone()),
            Inner::Mysql(p) => Conn::Mysql(p.conn().await?),
        })
    }

    /// A connection for reads only (an SQLite reader, or a pooled MySQL one).
    pub async fn acquire_reader(&self) -> Result<Conn, DbError> {
        Ok(match &*self.inner {
            Inner::Sqlite(p) => Conn::Sqlite(Some(p.reader().await), self.clone()),
            Inner::Mysql(p) => Conn::Mysql(p.conn().await?),
        })
    }

    /// Starts a transaction. Dropping the `Tx` without `commit` rolls back.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        let mut conn = self.acquire().await?;
        let begin = match self.backend() {
            // IMMEDIATE takes the write lock now, so two writers queue
            // instead of failing with SQLITE_BUSY at their first write.
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Mysql => "START TRANSACTION",
        };
        conn.execute_raw(begin).await?;
        Ok(Tx::new(conn, self.statements.clone(), true))
    }

    /// Refreshes the query planner's statistics, so it can tell a
    /// selective index from an unselective one: at startup and after bulk
    /// writes. Without them SQLite 3.54 planned a three-filter list page
    /// from the (type, status) index, 8 ms instead of 0.5 ms. SQLite
    /// analyses only tables whose size changed a lot, with a row limit per
    /// index (milliseconds); MySQL samples its pages.
    pub async fn refresh_statistics(&self) -> Result<(), DbError> {
        let sql = match self.backend() {
            Backend::Sqlite => "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;",
            Backend::Mysql => {
                "ANALYZE TABLE assets, asset_field_values, asset_relations, change_log, locations"
            }
        };
        self.acquire().await?.execute_raw(sql).await
    }

    /// Closes pooled connections (graceful shutdown).
    pub async fn close(&self) {
        if let Inner::Mysql(p) = &*self.inner {
            p.disconnect().await;
        }
    }

    fn sqlite(&self) -> Option<&sqlite::SqlitePool> {
        match &*self.inner {
            Inner::Sqlite(p) => Some(p),
            Inner::Mysql(_) => None,
        }
    }
}

fn render<S: QueryStatementWriter>(backend: Backend, stmt: &S) -> Result<(String, Vec<DbValue>), DbError> {
    let (sql, values) = match backend {
        Backend::Sqlite => stmt.build(SqliteQueryBuilder),
        Backend::Mysql => stmt.build(MysqlQueryBuilder),
    };
    let params = values
        .0
        .into_iter()
        .map(DbValue::from_sea)
        .collect::<Result<_, _>>()?;
    Ok((sql, params))
}

async fn check_mysql_version(conn: &mut mysql_async::Conn) -> Result<(), DbError> {
    let rows = mysql::query(conn, "SELECT VERSION() AS v", Vec::new()).await?;
    let version: String = rows.first().map(|r| r.get("v")).transpose()?.unwrap_or_default();
    check_server_version(&version).map_err(DbError::Other)
}

/// `8.0.36` / `10.11.19-MariaDB-0+deb12u1` → ok or a refusal naming the minimum.
pub fn check_server_version(version: &str) -> Result<(), String> {
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let mut nums = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u16>().unwrap_or(0));
    let found = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    let (min, name) = if mariadb {
        (MIN_MARIADB, "MariaDB")
    } else {
        (MIN_MYSQL, "MySQL")
    };
    if found < min {
        return Err(format!(
            "{name} {version} is too old: ShopDB needs {name} {}.{} or newer",
            min.0, min.1
        ));
    }
    Ok(())
}

/// One dedicated connection.
pub enum Conn {
    /// The writer guard (taken while a blocking call runs) and the pool.
    Sqlite(Option<sqlite::SqliteConn>, Db),
    Mysql(mysql_async::Conn),
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Mysql(_) => Backend::Mysql,
        }
    }

    async fn on_sqlite<T: Send + 'static>(
        slot: &mut Option<sqlite::SqliteConn>,
        db: &Db,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let pool = db
            .sqlite()
            .ok_or_else(|| DbError::Other("backend mismatch".into()))?;
        let guard = slot
            .take()
            .ok_or_else(|| DbError::Other("connection lost by an earlier failure".into()))?;
        let (guard, result) = pool.run(guard, f).await;
        *slot = guard;
        result
    }

    /// Statements without parameters: migrations and transaction control.
    pub async fn execute_raw(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Self::Sqlite(slot, db) => {
                let sql = sql.to_owned();
                Self::on_sqlite(slot, db, move |c| c.execute_batch(&sql).map_err(sqlite::map_err)).await
            }
            Self::Mysql(c) => mysql::execute_raw(c, sql).await,
        }
    }

    pub async fn fetch_all<S: QueryStatementWriter>(&mut self, stmt: &S) -> Result<Vec<Row>, DbError> {
        let (sql, params) = render(self.backend(), stmt)?;
        match self {
            Self::Sqlite(slot, db) => {
                Self::on_sqlite(slot, db, move |c| sqlite::query(c, &sql, params)).await
            }
            Self::Mysql(c) => mysql::query(c, &sql, params).await,
        }
    }

    pub async fn execute<S: QueryStatementWriter>(&mut self, stmt: &S) -> Result<ExecResult, DbError> {
        let (sql, params) = render(self.backend(), stmt)?;
        match self {
            Self::Sqlite(slot, db) => {
                Self::on_sqlite(slot, db, move |c| sqlite::execute(c, &sql, params)).await
            }
            Self::Mysql(c) => mysql::execute(c, &sql, params).await,
        }
    }
}

/// A transaction on a dedicated connection.
pub struct Tx {
    conn: Option<Conn>,
    statements: Arc<AtomicU64>,
    /// False for a bulk load (`Db::begin_bulk_load`), which turns the
    /// connection's foreign-key checks off; they are turned back on when
    /// it ends, committed or not.
    checks_foreign_keys: bool,
    /// MySQL search blocks (ADR 0006) whose assets' search texts this
    /// transaction wrote: rebuilt once each, just before commit.
    search_blocks: BTreeSet<i64>,
}

impl Tx {
    fn new(conn: Conn, statements: Arc<AtomicU64>, checks_foreign_keys: bool) -> Self {
        Self {
            conn: Some(conn),
            statements,
            checks_foreign_keys,
            search_blocks: BTreeSet::new(),
        }
    }

    /// Notes search blocks to rebuild at commit.
    pub(crate) fn touch_search_blocks(&mut self, blocks: impl IntoIterator<Item = i64>) {
        self.search_blocks.extend(blocks);
    }

    fn conn(&mut self) -> Result<&mut Conn, DbError> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbError::Other("transaction already finished".into()))
    }

    pub async fn fetch_all<S: QueryStatementWriter>(&mut self, stmt: &S) -> Result<Vec<Row>, DbError> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.conn()?.fetch_all(stmt).await
    }

    pub async fn execute<S: QueryStatementWriter>(&mut self, stmt: &S) -> Result<ExecResult, DbError> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.conn()?.execute(stmt).await
    }

    pub fn backend(&self) -> Option<Backend> {
        self.conn.as_ref().map(Conn::backend)
    }

    pub async fn commit(mut self) -> Result<(), DbError> {
        let blocks = std::mem::take(&mut self.search_blocks);
        if !blocks.is_empty() {
            queries::asset_search::rebuild_blocks(&mut self, &blocks).await?;
        }
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| DbError::Other("transaction already finished".into()))?;
        conn.execute_raw("COMMIT").await?;
        if !self.checks_foreign_keys {
            transfer::foreign_key_checks(&mut conn, true).await?;
        }
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        match self.conn.take() {
            // The SQLite writer must never return to the pool mid-transaction.
            // A rollback is local and takes microseconds, so doing it here is fine.
            Some(Conn::Sqlite(Some(guard), _)) => {
                if !guard.is_autocommit() {
                    let _ = guard.execute_batch("ROLLBACK");
                }
                if !self.checks_foreign_keys {
                    let _ = guard.execute_batch(transfer::SQLITE_FOREIGN_KEYS_ON);
                }
            }
            // Pooled MySQL connections are not reset on return (see
            // mysql::MysqlPool::new), except this one: the reset on its
            // way back to the pool rolls the transaction back.
            Some(Conn::Mysql(mut c)) => c.reset_connection(true),
            Some(Conn::Sqlite(None, _)) | None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_versions() {
        assert!(check_server_version("8.0.36").is_ok());
        assert!(check_server_version("8.4.2").is_ok());
        assert!(check_server_version("10.11.19-MariaDB-0+deb12u1").is_ok());
        assert!(check_server_version("11.4.2-MariaDB").is_ok());
        let e = check_server_version("5.7.44").unwrap_err();
        assert!(e.contains("MySQL 8.0 or newer"), "{e}");
        let e = check_server_version("10.5.2-MariaDB").unwrap_err();
        assert!(e.contains("MariaDB 10.6 or newer"), "{e}");
    }
}
