//! MySQL / MariaDB executor (mysql_async over rustls).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Params, Pool, PoolConstraints, PoolOpts, Value as MyValue};

use super::{DbError, DbValue, ExecResult, Row};

/// Every connection speaks utf8mb4 with an explicit collation, UTC, and
/// strict mode (so a too-long value is an error, never silently truncated).
/// `GROUP_CONCAT` builds the search blocks (ADR 0006): at most 64 texts of
/// 4,000 bytes, far below this limit (MySQL's default, 1,024 bytes, would
/// cut them short with only a warning).
const SESSION_SETUP: &[&str] = &[
    "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    "SET time_zone = '+00:00'",
    "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET SESSION group_concat_max_len = 16777216",
];

pub struct MysqlPool {
    pool: Pool,
    timeout: Duration,
    /// `host:port/db` for messages: never the password.
    target: String,
}

impl MysqlPool {
    pub fn new(url: &str, pool_size: u32, timeout: Duration) -> Result<Self, DbError> {
        let opts = Opts::from_url(url).map_err(|e| DbError::Other(format!("malformed mysql URL: {e}")))?;
        let target = format!(
            "{}:{}/{}",
            opts.ip_or_hostname(),
            opts.tcp_port(),
            opts.db_name().unwrap_or_default()
        );
        let max = usize::try_from(pool_size).unwrap_or(8).max(1);
        let constraints =
            PoolConstraints::new(0, max).ok_or_else(|| DbError::Other("invalid pool size".into()))?;
        let builder = OptsBuilder::from_opts(opts)
            .pool_opts(
                PoolOpts::default()
                    .with_constraints(constraints)
                    .with_inactive_connection_ttl(Duration::from_secs(60))
                    // A reset on every return to the pool dropped the
                    // prepared statements and the session setup: each
                    // statement cost a reset, three SETs and a prepare.
                    // Our session state is the setup above; transactions
                    // end (commit or rollback) before a connection returns.
                    .with_reset_connection(false),
            )
            .stmt_cache_size(256)
            .tcp_keepalive(Some(Duration::from_secs(30)))
            .setup(SESSION_SETUP.to_vec());
        Ok(Self {
            pool: Pool::new(builder),
            timeout,
            target,
        })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    /// (in use, idle) connections.
    pub fn stats(&self) -> (usize, usize) {
        let m = self.pool.metrics();
        (
            m.connections_in_use.load(Ordering::Relaxed),
            m.connections_in_pool.load(Ordering::Relaxed),
        )
    }

    /// A connection from the pool, within the connect timeout: a database
    /// that does not answer must not hang requests.
    pub async fn conn(&self) -> Result<Conn, DbError> {
        match tokio::time::timeout(self.timeout, self.pool.get_conn()).await {
            Ok(r) => r.map_err(|e| map_err(&e)),
            Err(_) => Err(DbError::Unavailable(format!(
                "no connection to {} within {:?}",
                self.target, self.timeout
            ))),
        }
    }

    pub async fn query(&self, sql: String, params: Vec<DbValue>) -> Result<Vec<Row>, DbError> {
        let mut conn = self.conn().await?;
        query(&mut conn, &sql, params).await
    }

    pub async fn execute(&self, sql: String, params: Vec<DbValue>) -> Result<ExecResult, DbError> {
        let mut conn = self.conn().await?;
        execute(&mut conn, &sql, params).await
    }

    pub async fn disconnect(&self) {
        if let Err(e) = self.pool.clone().disconnect().await {
            tracing::warn!(error = %e, "closing the MySQL pool");
        }
    }
}

fn params(values: Vec<DbValue>) -> Params {
    if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values.into_iter().map(to_mysql).collect())
    }
}

pub fn to_mysql(v: DbValue) -> MyValue {
    match v {
        DbValue::Null => MyValue::NULL,
        DbValue::Int(n) => MyValue::Int(n),
        DbValue::Float(f) => MyValue::Double(f),
        DbValue::Text(s) => MyValue::Bytes(s.into_bytes()),
        DbValue::Bytes(b) => MyValue::Bytes(b),
    }
}

pub fn from_mysql(v: MyValue) -> DbValue {
    match v {
        MyValue::NULL => DbValue::Null,
        MyValue::Int(n) => DbValue::Int(n),
        MyValue::UInt(n) => i64::try_from(n).map_or_else(|_| DbValue::Text(n.to_string()), DbValue::Int),
        MyValue::Float(f) => DbValue::Float(f.into()),
        MyValue::Double(f) => DbValue::Float(f),
        MyValue::Bytes(b) => match String::from_utf8(b) {
            Ok(s) => DbValue::Text(s),
            Err(e) => DbValue::Bytes(e.into_bytes()),
        },
        // DATETIME: the same text form SQLite stores (see value::TIMESTAMP_FORMAT).
        MyValue::Date(y, mo, d, h, mi, s, us) => {
            DbValue::Text(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"))
        }
        MyValue::Time(neg, days, h, mi, s, us) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let sign = if neg { "-" } else { "" };
            DbValue::Text(format!("{sign}{hours:02}:{mi:02}:{s:02}.{us:06}"))
        }
    }
}

pub async fn query(conn: &mut Conn, sql: &str, values: Vec<DbValue>) -> Result<Vec<Row>, DbError> {
    let rows: Vec<mysql_async::Row> = conn.exec(sql, params(values)).await.map_err(|e| map_err(&e))?;
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns: Arc<[String]> = first
        .columns_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| Row::new(columns.clone(), r.unwrap().into_iter().map(from_mysql).collect()))
        .collect())
}

pub async fn execute(conn: &mut Conn, sql: &str, values: Vec<DbValue>) -> Result<ExecResult, DbError> {
    conn.exec_drop(sql, params(values))
        .await
        .map_err(|e| map_err(&e))?;
    Ok(ExecResult {
        rows_affected: conn.affected_rows(),
        last_insert_id: conn
            .last_insert_id()
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or(0),
    })
}

/// Runs statements without parameters (migrations, transaction control).
pub async fn execute_raw(conn: &mut Conn, sql: &str) -> Result<(), DbError> {
    conn.query_drop(sql).await.map_err(|e| map_err(&e))
}

pub fn map_err(e: &mysql_async::Error) -> DbError {
    match e {
        mysql_async::Error::Server(s) => match s.code {
            // Duplicate key, FK refusals.
            1062 | 1451 | 1452 | 1216 | 1217 => DbError::Conflict(s.message.clone()),
            // Access denied: never retried, never echoes the password.
            1044 | 1045 | 1698 => DbError::AuthFailed(s.message.clone()),
            // Too many connections, server shutting down, lock wait timeout.
            1040 | 1053 | 1205 | 1213 | 2006 | 2013 => DbError::Unavailable(s.message.clone()),
            _ => DbError::Other(format!("MySQL error {}: {}", s.code, s.message)),
        },
        mysql_async::Error::Io(io) => DbError::Unavailable(io.to_string()),
        mysql_async::Error::Driver(d) => DbError::Unavailable(d.to_string()),
        mysql_async::Error::Url(u) => DbError::Other(format!("malformed mysql URL: {u}")),
        mysql_async::Error::Other(o) => DbError::Other(o.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_driver_types() {
        for v in [
            DbValue::Null,
            DbValue::Int(-42),
            DbValue::Int(i64::MAX),
            DbValue::Float(3.25),
            DbValue::Text("ünïcode ✓".into()),
            DbValue::Bytes(vec![0xff, 0x00, 0xfe]),
        ] {
            assert_eq!(from_mysql(to_mysql(v.clone())), v);
        }
    }

    #[test]
    fn dates_become_the_shared_timestamp_text() {
        assert_eq!(
            from_mysql(MyValue::Date(2026, 11, 28, 4, 42, 6, 123_456)),
            DbValue::Text("2026-11-28 04:42:06.123456".into())
        );
        assert_eq!(from_mysql(MyValue::UInt(7)), DbValue::Int(7));
        assert_eq!(
            from_mysql(MyValue::UInt(u64::MAX)),
            DbValue::Text(u64::MAX.to_string())
        );
    }
}
