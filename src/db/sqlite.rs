//! SQLite executor (rusqlite). One writer connection and a few readers, all
//! in WAL mode. rusqlite is blocking, so every call runs on tokio's blocking
//! pool; the connection's async mutex guard travels with the closure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{DbError, DbValue, ExecResult, Row};

pub struct SqlitePool {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    in_use: Arc<AtomicUsize>,
}

pub type SqliteConn = OwnedMutexGuard<Connection>;

fn open(path: &Path, busy: Duration) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    conn.busy_timeout(busy).map_err(map_err)?;
    // WAL lets readers work while the writer writes; NORMAL is durable
    // across application crashes in WAL mode; foreign keys are per connection.
    // Memory-mapped reads share the operating system's page cache between
    // connections: without it each connection copies pages into its own
    // small cache (measured on GET by id; see docs/PERFORMANCE.md).
    // (Switching to WAL is the first write: a read-only file fails here.)
    let setup = || {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA mmap_size = 1073741824;",
        )
    };
    // Switching a new file to WAL while another process does the same can
    // fail with SQLITE_BUSY at once, without the busy handler: wait for it
    // here as the busy timeout would.
    let started = std::time::Instant::now();
    let mut result = setup();
    while let Err(rusqlite::Error::SqliteFailure(f, _)) = &result
        && f.code == rusqlite::ErrorCode::DatabaseBusy
        && started.elapsed() < busy
    {
        std::thread::sleep(Duration::from_millis(10));
        result = setup();
    }
    result.map_err(|e| open_error(path, e))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// Opening fails with "unable to open" or "readonly" when the user running
/// ShopDB may not write the file or its folder (or the path is a folder).
/// Waiting does not change that, so it is not `Unavailable` (retried at
/// startup) but an error that says what to check.
fn open_error(path: &Path, e: rusqlite::Error) -> DbError {
    use rusqlite::ErrorCode as C;
    let permanent = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, C::CannotOpen | C::ReadOnly | C::PermissionDenied)
    );
    if !permanent {
        return DbError::Unavailable(format!("cannot open SQLite database {}: {e}", path.display()));
    }
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    DbError::Other(format!(
        "cannot open SQLite database {} for writing: {e}. The user running ShopDB must be able to write \
         that file and its folder {} (as installed by docs/DEPLOY.md: chown -R shopdb:shopdb {})",
        path.display(),
        folder.display(),
        folder.display()
    ))
}

impl SqlitePool {
    pub async fn connect(path: &Path, readers: u32, busy: Duration) -> Result<Self, DbError> {
        let path = path.to_path_buf();
        let p = path.clone();
        let (writer, readers) = tokio::task::spawn_blocking(move || {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    let msg = format!("cannot create folder {}: {e}", dir.display());
                    if e.kind() == std::io::ErrorKind::PermissionDenied {
                        DbError::Other(msg)
                    } else {
                        DbError::Unavailable(msg)
                    }
                })?;
            }
            let writer = open(&p, busy)?;
            let readers = (0..readers.max(1))
                .map(|_| open(&p, busy))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, DbError>((writer, readers))
        })
        .await
        .map_err(DbError::other)??;
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        Ok(Self {
            path,
            writer: Arc::new(Mutex::new(writer)),
            readers: readers.into_iter().map(|c| Arc::new(Mutex::new(c))).collect(),
            next_reader: AtomicUsize::new(0),
            in_use: Arc::new(AtomicUsize::new(0)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// (in use, idle) connections.
    pub fn stats(&self) -> (usize, usize) {
        let total = self.readers.len() + 1;
        let used = self.in_use.load(Ordering::Relaxed).min(total);
        (used, total - used)
    }

    /// The writer connection, held exclusively until the guard is dropped.
    pub async fn writer(&self) -> SqliteConn {
        self.writer.clone().lock_owned().await
    }

    pub async fn reader(&self) -> SqliteConn {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(g) = self.readers[(start + i) % n].clone().try_lock_owned() {
                return g;
            }
        }
        self.readers[start % n].clone().lock_owned().await
    }

    pub async fn query(&self, sql: String, params: Vec<DbValue>) -> Result<Vec<Row>, DbError> {
        let conn = self.reader().await;
        self.run(conn, move |c| query(c, &sql, params)).await.1
    }

    /// A lookup by key (a row or none, microseconds) run on the calling
    /// thread. `block_in_place` hands the worker's other tasks to another
    /// thread first; under load that churned dozens of threads, and the
    /// context switches cost more than the lookups (GET by id: a third of
    /// its CPU in the kernel).
    pub async fn lookup(&self, sql: String, params: Vec<DbValue>) -> Result<Option<Row>, DbError> {
        let conn = self.reader().await;
        self.in_use.fetch_add(1, Ordering::Relaxed);
        let r = query(&conn, &sql, params);
        self.in_use.fetch_sub(1, Ordering::Relaxed);
        Ok(r?.into_iter().next())
    }

    pub async fn execute(&self, sql: String, params: Vec<DbValue>) -> Result<ExecResult, DbError> {
        let conn = self.writer().await;
        self.run(conn, move |c| execute(c, &sql, params)).await.1
    }

    /// Runs `f` with `conn` off the async scheduler and hands the guard back.
    ///
    /// On the multi-threaded runtime (the server's) this is `block_in_place`:
    /// the worker hands its other tasks to another thread and runs the
    /// query itself, which avoids two cross-thread wake-ups per query (most
    /// queries take microseconds; the hand-off cost more than the query).
    /// Elsewhere (single-threaded test runtimes) it uses the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        mut conn: SqliteConn,
        f: impl FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    ) -> (Option<SqliteConn>, Result<T, DbError>) {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let counter = self.in_use.clone();
        counter.fetch_add(1, Ordering::Relaxed);
        let multi_thread = Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread;
        let result = if multi_thread {
            let r = tokio::task::block_in_place(|| f(&mut conn));
            (Some(conn), r)
        } else {
            match tokio::task::spawn_blocking(move || {
                let r = f(&mut conn);
                (conn, r)
            })
            .await
            {
                Ok((conn, r)) => (Some(conn), r),
                Err(e) => (None, Err(DbError::Other(format!("database task failed: {e}")))),
            }
        };
        counter.fetch_sub(1, Ordering::Relaxed);
        result
    }
}

fn to_sql(v: DbValue) -> SqlValue {
    match v {
        DbValue::Null => SqlValue::Null,
        DbValue::Int(n) => SqlValue::Integer(n),
        DbValue::Float(f) => SqlValue::Real(f),
        DbValue::Text(s) => SqlValue::Text(s),
        DbValue::Bytes(b) => SqlValue::Blob(b),
    }
}

fn from_sql(v: ValueRef<'_>) -> DbValue {
    match v {
        ValueRef::Null => DbValue::Null,
        ValueRef::Integer(n) => DbValue::Int(n),
        ValueRef::Real(f) => DbValue::Float(f),
        ValueRef::Text(t) => DbValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => DbValue::Bytes(b.to_vec()),
    }
}

pub fn query(conn: &Connection, sql: &str, params: Vec<DbValue>) -> Result<Vec<Row>, DbError> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let columns: Arc<[String]> = stmt.column_names().map(str::to_owned).collect();
    let n = columns.len();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.into_iter().map(to_sql)))
        .map_err(map_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(map_err)? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(from_sql(r.get_ref(i).map_err(map_err)?));
        }
        out.push(Row::new(columns.clone(), values));
    }
    Ok(out)
}

pub fn execute(conn: &Connection, sql: &str, params: Vec<DbValue>) -> Result<ExecResult, DbError> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let rows_affected = stmt
        .execute(rusqlite::params_from_iter(params.into_iter().map(to_sql)))
        .map_err(map_err)?;
    Ok(ExecResult {
        rows_affected: rows_affected as u64,
        last_insert_id: conn.last_insert_rowid(),
    })
}

pub fn map_err(e: rusqlite::Error) -> DbError {
    use rusqlite::ErrorCode as C;
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let detail = msg.clone().unwrap_or_else(|| f.to_string());
            match f.code {
                C::ConstraintViolation => DbError::Conflict(detail),
                C::DatabaseBusy | C::DatabaseLocked => DbError::Unavailable(detail),
                C::CannotOpen | C::DiskFull | C::ReadOnly | C::SystemIoFailure => {
                    DbError::Unavailable(detail)
                }
                _ => DbError::Other(detail),
            }
        }
        rusqlite::Error::QueryReturnedNoRows => DbError::NotFound,
        _ => DbError::Other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_and_reads_every_value_type() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            .unwrap();
        execute(
            &conn,
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            vec![
                DbValue::Int(i64::MAX),
                DbValue::Float(2.5),
                DbValue::Text("ünïcode ✓".into()),
                DbValue::Bytes(vec![0, 1, 254]),
                DbValue::Null,
            ],
        )
        .unwrap();
        let rows = query(&conn, "SELECT * FROM t", vec![]).unwrap();
        assert_eq!(
            rows[0].values(),
            &[
                DbValue::Int(i64::MAX),
                DbValue::Float(2.5),
                DbValue::Text("ünïcode ✓".into()),
                DbValue::Bytes(vec![0, 1, 254]),
                DbValue::Null,
            ]
        );
    }

    #[test]
    fn unique_violation_is_a_conflict() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY)").unwrap();
        execute(&conn, "INSERT INTO t VALUES (?)", vec![DbValue::Text("a".into())]).unwrap();
        let e = execute(&conn, "INSERT INTO t VALUES (?)", vec![DbValue::Text("a".into())]).unwrap_err();
        assert!(matches!(e, DbError::Conflict(_)), "{e:?}");
    }
}
