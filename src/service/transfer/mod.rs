//! `shopdb export` / `shopdb import`: a versioned logical dump of every
//! table (core and plugins), read from one consistent snapshot and loaded
//! in one transaction, with a per-table row count and SHA-256 checked on
//! both ends. It moves a site between SQLite and MySQL/MariaDB and is the
//! consistent logical backup `shopdb backup` writes on MySQL.
//! docs/BACKUP.md describes the format and the guarantees.

pub mod export;
pub mod format;
pub mod import;
mod reader;
pub mod tables;

use crate::db::DbError;
use crate::db::migrate::MigrateError;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The request cannot be carried out as asked (existing output file,
    /// non-empty target, incompatible dump); nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The dump is not readable: damaged, cut short or not a dump.
    #[error("{0}")]
    BadFile(String),
    /// Data read back does not match what was written.
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// The schema has tables or columns the exporter does not know.
    #[error("the database has tables or columns the exporter does not know:\n  {}", .0.join("\n  "))]
    UnknownSchema(Vec<String>),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("schema migration: {0}")]
    Migrate(#[from] MigrateError),
    #[error("{0}")]
    Io(String),
}

/// Per-table progress, reported by the engine as it goes; the command
/// line draws bars on a terminal and prints lines otherwise.
pub trait Progress: Send {
    fn table_started(&mut self, table: &str, rows: u64);
    fn rows_done(&mut self, rows: u64);
    fn table_finished(&mut self, table: &str, rows: u64);
    /// A step that is not a table (rebuilding the search index, checking).
    fn step(&mut self, message: &str);
}

/// One line of the closing summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
    /// Import: the target's recomputed count and checksum matched the
    /// file's. Export: always true (the checksum was just computed).
    pub checksum_ok: bool,
}
