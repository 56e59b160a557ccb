//! `shopdb backup --out FILE`: a consistent copy of a live SQLite database,
//! taken while the server keeps serving. On MySQL it writes a logical dump
//! from one consistent snapshot, in the `shopdb export` format (restore
//! with `shopdb import`; docs/BACKUP.md).

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::db::{Backend, Db, DbUrl};

pub async fn backup(config: &Config, out: &Path) -> ExitCode {
    if let Ok(DbUrl::Mysql { .. }) = DbUrl::parse(&config.database.url) {
        // One InnoDB snapshot, written in the export format; mysqldump
        // --single-transaction remains a fine alternative (docs/BACKUP.md).
        return crate::cli_transfer::export_to(config, out).await;
    }
    if out.exists() {
        eprintln!("shopdb: {} already exists; choose a new file name", out.display());
        return ExitCode::FAILURE;
    }
    match snapshot(config, out).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shopdb: backup failed: {e}");
            // Never leave a half-written file that looks like a backup.
            let _ = std::fs::remove_file(out);
            ExitCode::FAILURE
        }
    }
}

async fn snapshot(config: &Config, out: &Path) -> Result<String, String> {
    let db = Db::connect(&config.database).await.map_err(|e| e.to_string())?;
    if db.backend() != Backend::Sqlite {
        return Err("not an SQLite database".into());
    }
    let target = out
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", out.display()))?;
    // VACUUM INTO reads one consistent snapshot (WAL keeps writers going)
    // and writes a compact copy; it takes no parameters, so quote the path.
    let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
    let mut conn = db.acquire_reader().await.map_err(|e| e.to_string())?;
    conn.execute_raw(&sql).await.map_err(|e| e.to_string())?;
    drop(conn);
    db.close().await;
    verify(out)
}

/// Opens the copy and checks it before calling it a backup.
fn verify(out: &Path) -> Result<String, String> {
    let c = rusqlite::Connection::open_with_flags(out, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("the copy cannot be opened: {e}"))?;
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("the copy failed its integrity check: {check}"));
    }
    let count = |table: &str| -> i64 {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap_or(0)
    };
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "backup written: {} ({bytes} bytes; integrity ok; {} assets, {} locations, {} users, {} changes)",
        out.display(),
        count("assets"),
        count("locations"),
        count("users"),
        count("change_log"),
    ))
}
