//! Versioned schema migrations, embedded in the binary.
//!
//! Layout: `migrations/<scope>/<backend>/NNNN_name.sql`, scope `core` or a
//! plugin id. `schema_migrations` records each step (scope, version, name,
//! checksum, state). Steps are recorded `in_progress` before they run: MySQL
//! commits DDL implicitly, so a crash mid-step must be visible afterwards.
//! On MySQL a named lock makes concurrent starts apply each step once.

use std::collections::BTreeMap;

use rust_embed::RustEmbed;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use sha2::{Digest, Sha256};

use super::{Backend, Conn, Db, DbError, timestamp};

#[derive(RustEmbed)]
#[folder = "migrations/"]
struct Files;

#[derive(Iden)]
enum SchemaMigrations {
    Table,
    Scope,
    Version,
    Name,
    Checksum,
    State,
    StartedAt,
    AppliedAt,
}

const LOCK_NAME: &str = "shopdb_schema_migrations";
const LOCK_WAIT_SECS: u32 = 300;

#[derive(Debug, Clone)]
pub struct Migration {
    pub scope: String,
    pub version: u32,
    pub name: String,
    pub sql: String,
    pub checksum: String,
}

impl Migration {
    pub fn id(&self) -> String {
        format!("{}/{:04}_{}", self.scope, self.version, self.name)
    }
}

#[derive(Debug, Clone)]
pub struct AppliedRow {
    pub scope: String,
    pub version: u32,
    pub name: String,
    pub checksum: String,
    pub state: String,
    pub started_at: String,
    pub applied_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("bad migration file {0}")]
    BadFile(String),
    #[error(
        "migration {id} was changed after it was applied (checksum in the database {db}, in this binary {file}). \
         Applied migrations must never change: run the ShopDB release that applied it, or restore the database \
         from a backup taken before it was applied"
    )]
    Changed { id: String, db: String, file: String },
    #[error(
        "the database holds migration {scope}/{version:04}_{name}, which this ShopDB does not know: it was migrated \
         by a newer release. Run that release (or newer), or restore a backup taken before the upgrade; downgrades \
         are not supported"
    )]
    Unknown {
        scope: String,
        version: u32,
        name: String,
    },
    #[error(
        "migration {id} was left in progress (started {started_at}): an earlier start stopped while applying it. \
         Check which of its statements took effect, then run `shopdb migrate up --retry-in-progress` \
         (every step is written to be safe to run again)"
    )]
    InProgress { id: String, started_at: String },
    #[error("migration {id} failed at statement {statement}: {cause}")]
    Failed {
        id: String,
        statement: usize,
        cause: DbError,
    },
    #[error(
        "could not take the migration lock within {0} s: another ShopDB instance is migrating this database"
    )]
    Locked(u32),
}

/// The embedded migrations for `backend`, core first, then each scope in
/// the order given (plugins in registry order), each by version.
pub fn embedded(backend: Backend, scopes: &[&str]) -> Result<Vec<Migration>, MigrateError> {
    let mut by_scope: BTreeMap<&str, Vec<Migration>> = BTreeMap::new();
    for path in Files::iter() {
        let parts: Vec<&str> = path.split('/').collect();
        let [scope, be, file] = parts[..] else {
            if parts.first() == Some(&"bootstrap") {
                continue;
            }
            return Err(MigrateError::BadFile(format!(
                "{path}: expected <scope>/<backend>/NNNN_name.sql"
            )));
        };
        if be != backend.as_str() {
            continue;
        }
        let Some(scope) = scopes.iter().find(|s| **s == scope) else {
            continue;
        };
        let (version, name) = parse_file_name(file).ok_or_else(|| {
            MigrateError::BadFile(format!("{path}: the name must look like 0001_short_name.sql"))
        })?;
        let data = Files::get(&path).ok_or_else(|| MigrateError::BadFile(path.to_string()))?;
        let sql = String::from_utf8(data.data.into_owned())
            .map_err(|_| MigrateError::BadFile(format!("{path}: not UTF-8")))?;
        by_scope.entry(scope).or_default().push(Migration {
            scope: (*scope).to_owned(),
            version,
            name,
            checksum: hex::encode(Sha256::digest(sql.as_bytes())),
            sql,
        });
    }
    let mut out = Vec::new();
    for scope in scopes {
        let mut list = by_scope.remove(scope).unwrap_or_default();
        list.sort_by_key(|m| m.version);
        for pair in list.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(MigrateError::BadFile(format!("two files for {}", pair[0].id())));
            }
        }
        out.extend(list);
    }
    Ok(out)
}

fn parse_file_name(file: &str) -> Option<(u32, String)> {
    let stem = file.strip_suffix(".sql")?;
    let (num, name) = stem.split_once('_')?;
    if num.len() != 4 || name.is_empty() {
        return None;
    }
    let ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then(|| num.parse().ok().map(|v| (v, name.to_owned())))?
}

fn bootstrap_sql(backend: Backend) -> Result<String, MigrateError> {
    let path = format!("bootstrap/{}.sql", backend.as_str());
    let f = Files::get(&path).ok_or_else(|| MigrateError::BadFile(path.clone()))?;
    String::from_utf8(f.data.into_owned()).map_err(|_| MigrateError::BadFile(path))
}

/// Splits a migration into statements: each ends with `;` at the end of a
/// line. Comment-only lines are dropped.
pub fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || (trimmed.is_empty() && cur.is_empty()) {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if trimmed.ends_with(';') {
            let stmt = cur.trim().trim_end_matches(';').trim().to_owned();
            if !stmt.is_empty() {
                out.push(stmt);
            }
            cur.clear();
        }
    }
    let rest = cur.trim();
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

pub(crate) async fn read_applied(conn: &mut impl super::Exec) -> Result<Vec<AppliedRow>, DbError> {
    use SchemaMigrations as S;
    let stmt = Query::select()
        .columns([
            S::Scope,
            S::Version,
            S::Name,
            S::Checksum,
            S::State,
            S::StartedAt,
            S::AppliedAt,
        ])
        .from(S::Table)
        .order_by(S::Scope, Order::Asc)
        .order_by(S::Version, Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(AppliedRow {
                scope: r.get("scope")?,
                version: r.get("version")?,
                name: r.get("name")?,
                checksum: r.get("checksum")?,
                state: r.get("state")?,
                started_at: r.get("started_at")?,
                applied_at: r.get("applied_at")?,
            })
        })
        .collect()
}

/// Problems that stop startup, checked before anything is applied.
fn verify(
    known: &[Migration],
    applied: &[AppliedRow],
    scopes: &[&str],
    retry: bool,
) -> Result<(), MigrateError> {
    for row in applied {
        // Tables of disabled plugins are left alone, and so are their rows.
        if !scopes.contains(&row.scope.as_str()) {
            continue;
        }
        let Some(m) = known
            .iter()
            .find(|m| m.scope == row.scope && m.version == row.version)
        else {
            return Err(MigrateError::Unknown {
                scope: row.scope.clone(),
                version: row.version,
                name: row.name.clone(),
            });
        };
        if m.checksum != row.checksum {
            return Err(MigrateError::Changed {
                id: m.id(),
                db: row.checksum.clone(),
                file: m.checksum.clone(),
            });
        }
        if row.state != "applied" && !retry {
            return Err(MigrateError::InProgress {
                id: m.id(),
                started_at: row.started_at.clone(),
            });
        }
    }
    Ok(())
}

async fn lock(conn: &mut Conn) -> Result<(), MigrateError> {
    if conn.backend() != Backend::Mysql {
        // The SQLite writer connection is exclusive in this process, and each
        // step runs in a BEGIN IMMEDIATE transaction that re-checks its row.
        return Ok(());
    }
    let stmt = Query::select()
        .expr_as(
            Expr::cust_with_values(
                "GET_LOCK(?, ?)",
                [LOCK_NAME.into(), sea_query::Value::from(LOCK_WAIT_SECS)],
            ),
            "got",
        )
        .to_owned();
    let rows = conn.fetch_all(&stmt).await?;
    let got: Option<i64> = rows.first().map(|r| r.get("got")).transpose()?.flatten();
    if got == Some(1) {
        Ok(())
    } else {
        Err(MigrateError::Locked(LOCK_WAIT_SECS))
    }
}

async fn unlock(conn: &mut Conn) {
    if conn.backend() == Backend::Mysql {
        let stmt = Query::select()
            .expr(Expr::cust_with_values("RELEASE_LOCK(?)", [LOCK_NAME]))
            .to_owned();
        if let Err(e) = conn.fetch_all(&stmt).await {
            tracing::warn!(error = %e, "releasing the migration lock");
        }
    }
}

/// Applies every pending step of `scopes`. Returns what was applied.
pub async fn up(db: &Db, scopes: &[&str], retry_in_progress: bool) -> Result<Vec<Migration>, MigrateError> {
    let known = embedded(db.backend(), scopes)?;
    run(db, &known, scopes, retry_in_progress).await
}

/// Like `up`, but in each scope named in `limits` only up to that version:
/// `shopdb import` loads a dump into the schema it was taken from, then
/// applies the newer steps to the loaded data as an upgrade would.
pub async fn up_to(
    db: &Db,
    scopes: &[&str],
    limits: &BTreeMap<String, u32>,
) -> Result<Vec<Migration>, MigrateError> {
    let known: Vec<Migration> = embedded(db.backend(), scopes)?
        .into_iter()
        .filter(|m| limits.get(&m.scope).is_none_or(|max| m.version <= *max))
        .collect();
    run(db, &known, scopes, false).await
}

/// The bookkeeping rows as they are (none when the table does not exist
/// yet). Read-only.
pub async fn applied(db: &Db) -> Result<Vec<AppliedRow>, MigrateError> {
    let mut conn = db.acquire_reader().await?;
    match read_applied(&mut conn).await {
        Ok(rows) => Ok(rows),
        Err(DbError::Other(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

async fn run(
    db: &Db,
    known: &[Migration],
    scopes: &[&str],
    retry_in_progress: bool,
) -> Result<Vec<Migration>, MigrateError> {
    let mut conn = db.acquire().await?;
    lock(&mut conn).await?;
    let result = up_locked(&mut conn, known, scopes, retry_in_progress).await;
    unlock(&mut conn).await;
    result
}

async fn up_locked(
    conn: &mut Conn,
    known: &[Migration],
    scopes: &[&str],
    retry: bool,
) -> Result<Vec<Migration>, MigrateError> {
    let backend = conn.backend();
    conn.execute_raw(&bootstrap_sql(backend)?).await?;
    let applied = read_applied(conn).await?;
    verify(known, &applied, scopes, retry)?;
    let mut done = Vec::new();
    for m in known {
        let row = applied
            .iter()
            .find(|r| r.scope == m.scope && r.version == m.version);
        if row.is_some_and(|r| r.state == "applied") {
            continue;
        }
        tracing::info!(migration = %m.id(), "applying migration");
        let applied_now = match backend {
            Backend::Sqlite => apply_sqlite(conn, m).await?,
            Backend::Mysql => {
                apply_mysql(conn, m).await?;
                true
            }
        };
        if applied_now {
            done.push(m.clone());
        }
    }
    Ok(done)
}

fn mark_started(m: &Migration) -> sea_query::InsertStatement {
    use SchemaMigrations as S;
    let now = timestamp(chrono::Utc::now());
    Query::insert()
        .into_table(S::Table)
        .columns([S::Scope, S::Version, S::Name, S::Checksum, S::State, S::StartedAt])
        .values_panic([
            m.scope.clone().into(),
            m.version.into(),
            m.name.clone().into(),
            m.checksum.clone().into(),
            "in_progress".into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([S::Scope, S::Version])
                .update_columns([S::Name, S::Checksum, S::State, S::StartedAt])
                .to_owned(),
        )
        .to_owned()
}

fn mark_applied(m: &Migration) -> sea_query::UpdateStatement {
    use SchemaMigrations as S;
    Query::update()
        .table(S::Table)
        .values([
            (S::State, "applied".into()),
            (S::AppliedAt, timestamp(chrono::Utc::now()).into()),
        ])
        .and_where(Expr::col(S::Scope).eq(m.scope.clone()))
        .and_where(Expr::col(S::Version).eq(m.version))
        .to_owned()
}

/// SQLite DDL is transactional: the step and its bookkeeping commit together.
async fn apply_sqlite(conn: &mut Conn, m: &Migration) -> Result<bool, MigrateError> {
    use SchemaMigrations as S;
    conn.execute_raw("BEGIN IMMEDIATE").await?;
    let result = async {
        // Another process may have applied it while we waited for the lock.
        let existing = Query::select()
            .column(S::State)
            .from(S::Table)
            .and_where(Expr::col(S::Scope).eq(m.scope.clone()))
            .and_where(Expr::col(S::Version).eq(m.version))
            .to_owned();
        let rows = conn.fetch_all(&existing).await?;
        if rows
            .first()
            .map(|r| r.get::<String>("state"))
            .transpose()?
            .as_deref()
            == Some("applied")
        {
            return Ok(false);
        }
        conn.execute(&mark_started(m)).await?;
        run_statements(conn, m).await?;
        conn.execute(&mark_applied(m)).await?;
        Ok(true)
    }
    .await;
    match result {
        Ok(applied) => {
            conn.execute_raw("COMMIT").await?;
            Ok(applied)
        }
        Err(e) => {
            let _ = conn.execute_raw("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn apply_mysql(conn: &mut Conn, m: &Migration) -> Result<(), MigrateError> {
    conn.execute(&mark_started(m)).await?;
    run_statements(conn, m).await?;
    conn.execute(&mark_applied(m)).await?;
    Ok(())
}

async fn run_statements(conn: &mut Conn, m: &Migration) -> Result<(), MigrateError> {
    for (i, stmt) in statements(&m.sql).iter().enumerate() {
        conn.execute_raw(stmt)
            .await
            .map_err(|cause| MigrateError::Failed {
                id: m.id(),
                statement: i + 1,
                cause,
            })?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusLine {
    pub scope: String,
    pub version: u32,
    pub name: String,
    /// `applied`, `pending`, `in_progress`, `changed` or `unknown`.
    pub state: String,
    pub applied_at: Option<String>,
}

/// Applied and pending steps per scope, including rows this binary does not
/// know (a newer database) and files changed since they were applied.
pub async fn status(db: &Db, scopes: &[&str]) -> Result<Vec<StatusLine>, MigrateError> {
    let known = embedded(db.backend(), scopes)?;
    let mut conn = db.acquire().await?;
    conn.execute_raw(&bootstrap_sql(db.backend())?).await?;
    let applied = read_applied(&mut conn).await?;
    let mut out: Vec<StatusLine> = known
        .iter()
        .map(|m| {
            let row = applied
                .iter()
                .find(|r| r.scope == m.scope && r.version == m.version);
            let state = match row {
                None => "pending".to_owned(),
                Some(r) if r.checksum != m.checksum => "changed".to_owned(),
                Some(r) => r.state.clone(),
            };
            StatusLine {
                scope: m.scope.clone(),
                version: m.version,
                name: m.name.clone(),
                state,
                applied_at: row.and_then(|r| r.applied_at.clone()),
            }
        })
        .collect();
    for r in &applied {
        let is_known = known.iter().any(|m| m.scope == r.scope && m.version == r.version);
        if !is_known && scopes.contains(&r.scope.as_str()) {
            out.push(StatusLine {
                scope: r.scope.clone(),
                version: r.version,
                name: r.name.clone(),
                state: "unknown".into(),
                applied_at: r.applied_at.clone(),
            });
        }
    }
    Ok(out)
}

/// True when every known step of `scopes` is applied and nothing is amiss.
/// Read-only: used by /readyz on every probe.
pub async fn is_current(db: &Db, scopes: &[&str]) -> Result<bool, MigrateError> {
    let known = embedded(db.backend(), scopes)?;
    let mut conn = db.acquire_reader().await?;
    let applied = match read_applied(&mut conn).await {
        Ok(a) => a,
        // No bookkeeping table yet: nothing applied.
        Err(DbError::Other(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    if verify(&known, &applied, scopes, false).is_err() {
        return Ok(false);
    }
    Ok(known.iter().all(|m| {
        applied
            .iter()
            .any(|r| r.scope == m.scope && r.version == m.version && r.state == "applied")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(parse_file_name("0001_settings.sql"), Some((1, "settings".into())));
        assert_eq!(
            parse_file_name("0012_asset_types_2.sql"),
            Some((12, "asset_types_2".into()))
        );
        assert_eq!(parse_file_name("1_x.sql"), None);
        assert_eq!(parse_file_name("0001_Bad-Name.sql"), None);
        assert_eq!(parse_file_name("0001_x.txt"), None);
    }

    #[test]
    fn statement_splitting() {
        let sql = "-- comment\nCREATE TABLE a (\n  x INT\n);\n\nCREATE INDEX i ON a (x);\n-- end\n";
        assert_eq!(
            statements(sql),
            vec!["CREATE TABLE a (\n  x INT\n)", "CREATE INDEX i ON a (x)"]
        );
    }

    #[test]
    fn both_backends_have_the_same_versions() {
        let names = |b| {
            embedded(b, &["core"])
                .unwrap()
                .into_iter()
                .map(|m| (m.scope, m.version, m.name))
                .collect::<Vec<_>>()
        };
        let sqlite = names(Backend::Sqlite);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names(Backend::Mysql));
    }

    #[test]
    fn verify_catches_changed_unknown_and_in_progress() {
        let known = embedded(Backend::Sqlite, &["core"]).unwrap();
        let row = |version, checksum: &str, state: &str| AppliedRow {
            scope: "core".into(),
            version,
            name: "x".into(),
            checksum: checksum.into(),
            state: state.into(),
            started_at: "2026-01-01 00:00:00".into(),
            applied_at: None,
        };
        let good = known[0].checksum.clone();
        assert!(verify(&known, &[row(1, &good, "applied")], &["core"], false).is_ok());
        assert!(matches!(
            verify(&known, &[row(1, "beef", "applied")], &["core"], false),
            Err(MigrateError::Changed { .. })
        ));
        assert!(matches!(
            verify(&known, &[row(9999, &good, "applied")], &["core"], false),
            Err(MigrateError::Unknown { .. })
        ));
        assert!(matches!(
            verify(&known, &[row(1, &good, "in_progress")], &["core"], false),
            Err(MigrateError::InProgress { .. })
        ));
        assert!(verify(&known, &[row(1, &good, "in_progress")], &["core"], true).is_ok());
        // Rows of a disabled plugin are ignored.
        let mut other = row(1, "beef", "applied");
        other.scope = "labels".into();
        assert!(verify(&known, &[other], &["core"], false).is_ok());
    }
}
