//! Session control for `shopdb export` / `shopdb import`: a read snapshot
//! on one connection, a bulk-load transaction with foreign-key checks off,
//! and the auto-increment counters. The statements here have no sea-query
//! form (transaction modes, pragmas, `ALTER TABLE … AUTO_INCREMENT`).

use sea_query::{Alias, Expr, ExprTrait, Query};

use super::{Backend, Conn, Db, DbError, Tx};

pub(super) const SQLITE_FOREIGN_KEYS_ON: &str = "PRAGMA foreign_keys = ON";

/// Table names come from the catalog; anything that is not a plain
/// identifier is refused before it is spliced into a statement.
fn identifier(name: &str) -> Result<&str, DbError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(DbError::Other(format!("unexpected table name `{name}`")))
    }
}

pub(super) async fn foreign_key_checks(conn: &mut Conn, on: bool) -> Result<(), DbError> {
    let sql = match (conn.backend(), on) {
        (Backend::Sqlite, true) => SQLITE_FOREIGN_KEYS_ON,
        (Backend::Sqlite, false) => "PRAGMA foreign_keys = OFF",
        (Backend::Mysql, true) => "SET FOREIGN_KEY_CHECKS = 1",
        (Backend::Mysql, false) => "SET FOREIGN_KEY_CHECKS = 0",
    };
    conn.execute_raw(sql).await
}

impl Db {
    /// A read-only transaction that sees one consistent state of the whole
    /// database however long it runs, while others keep writing: an SQLite
    /// read transaction (WAL) on one reader connection, or an InnoDB
    /// consistent snapshot. End it with `Tx::commit`.
    pub async fn begin_snapshot(&self) -> Result<Tx, DbError> {
        let mut conn = self.acquire_reader().await?;
        match self.backend() {
            Backend::Sqlite => conn.execute_raw("BEGIN DEFERRED").await?,
            Backend::Mysql => {
                // MySQL 8 caches table statistics (AUTO_INCREMENT among
                // them) for a day by default; MariaDB has no such variable.
                let _ = conn
                    .execute_raw("SET SESSION information_schema_stats_expiry = 0")
                    .await;
                conn.execute_raw("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    .await?;
                conn.execute_raw("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                    .await?;
            }
        }
        let mut tx = Tx::new(conn, self.statements.clone(), true);
        if self.backend() == Backend::Sqlite {
            // A deferred transaction takes its snapshot at the first read.
            let first = Query::select().expr(Expr::val(1)).to_owned();
            tx.fetch_all(&first).await?;
        }
        Ok(tx)
    }

    /// A write transaction for loading whole tables: foreign-key checks are
    /// off until it ends (rows of a self-referencing table need not come
    /// parents first); the loader checks the keys itself before commit.
    pub async fn begin_bulk_load(&self) -> Result<Tx, DbError> {
        let mut conn = self.acquire().await?;
        // SQLite ignores the pragma inside a transaction: it goes first.
        foreign_key_checks(&mut conn, false).await?;
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Mysql => "START TRANSACTION",
        };
        if let Err(e) = conn.execute_raw(begin).await {
            let _ = foreign_key_checks(&mut conn, true).await;
            return Err(e);
        }
        Ok(Tx::new(conn, self.statements.clone(), false))
    }

    /// MySQL only: makes `table`'s auto-increment counter at least `next`.
    /// InnoDB never sets it below the highest stored id + 1, and inserting
    /// explicit ids raises it too, so this only matters for ids that the
    /// source handed out and then deleted. DDL commits on its own: call it
    /// outside any transaction.
    pub async fn raise_auto_increment(&self, table: &str, next: i64) -> Result<(), DbError> {
        if self.backend() != Backend::Mysql {
            return Ok(());
        }
        let mut conn = self.acquire().await?;
        conn.execute_raw(&format!(
            "ALTER TABLE `{}` AUTO_INCREMENT = {next}",
            identifier(table)?
        ))
        .await
    }
}

impl Tx {
    /// SQLite only: forgets `table`'s auto-increment counter (it restarts
    /// after the highest id inserted from now on).
    pub async fn reset_sqlite_sequence(&mut self, table: &str) -> Result<(), DbError> {
        if self.backend() != Some(Backend::Sqlite) {
            return Ok(());
        }
        let del = Query::delete()
            .from_table(Alias::new("sqlite_sequence"))
            .and_where(Expr::col(Alias::new("name")).eq(identifier(table)?))
            .to_owned();
        self.execute(&del).await.map(|_| ())
    }

    /// SQLite only: makes `table`'s auto-increment counter hand out at
    /// least `next` (inside the load transaction).
    pub async fn raise_sqlite_sequence(&mut self, table: &str, next: i64) -> Result<(), DbError> {
        if self.backend() != Some(Backend::Sqlite) {
            return Ok(());
        }
        let name = Alias::new("name");
        let seq = Alias::new("seq");
        let current = Query::select()
            .column(seq.clone())
            .from(Alias::new("sqlite_sequence"))
            .and_where(Expr::col(name.clone()).eq(identifier(table)?))
            .to_owned();
        let row = self.fetch_all(&current).await?.into_iter().next();
        match row.map(|r| r.get::<i64>("seq")).transpose()? {
            Some(s) if s >= next - 1 => Ok(()),
            Some(_) => {
                let up = Query::update()
                    .table(Alias::new("sqlite_sequence"))
                    .value(seq, next - 1)
                    .and_where(Expr::col(name).eq(table))
                    .to_owned();
                self.execute(&up).await.map(|_| ())
            }
            None => {
                let ins = Query::insert()
                    .into_table(Alias::new("sqlite_sequence"))
                    .columns([name, seq])
                    .values_panic([table.into(), (next - 1).into()])
                    .to_owned();
                self.execute(&ins).await.map(|_| ())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_pass() {
        assert!(identifier("labels_queue").is_ok());
        assert!(identifier("a`; DROP TABLE users; --").is_err());
        assert!(identifier("").is_err());
        assert!(identifier("Users").is_err());
    }
}
