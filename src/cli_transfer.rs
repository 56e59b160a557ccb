//! `shopdb export --out FILE` and `shopdb import --from FILE [--force]`:
//! the command-line side of `service::transfer` (progress on stderr, the
//! summary on stdout, exit codes).

use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::fail;
use crate::config::Config;
use crate::db::Db;
use crate::plugins;
use crate::service::transfer::export::{self, ExportReport};
use crate::service::transfer::import::{self, ImportOptions};
use crate::service::transfer::{Progress, TableSummary, TransferError};
use crate::startup::connect_with_retry;

/// A bar per table on a terminal; otherwise one line per finished table.
pub struct Reporter {
    bar: Option<ProgressBar>,
    terminal: bool,
}

impl Reporter {
    pub fn new() -> Self {
        Self {
            bar: None,
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Reporter {
    fn table_started(&mut self, table: &str, rows: u64) {
        if self.terminal {
            let bar = ProgressBar::new(rows);
            if let Ok(style) =
                ProgressStyle::with_template("{prefix:>20} [{bar:40}] {pos:>9}/{len:9} {elapsed:>4}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(table.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            self.bar = Some(bar);
        }
    }

    fn rows_done(&mut self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    fn table_finished(&mut self, table: &str, rows: u64) {
        match self.bar.take() {
            Some(bar) => bar.finish(),
            None => eprintln!("{table}: {rows} rows"),
        }
    }

    fn step(&mut self, message: &str) {
        eprintln!("{message} …");
    }
}

fn print_summary(tables: &[TableSummary], verified: bool) {
    println!("{:<20} {:>10}  checksum", "table", "rows");
    for t in tables {
        let check = match (verified, t.checksum_ok) {
            (false, _) => t.sha256.chars().take(16).collect::<String>(),
            (true, true) => "ok".to_owned(),
            (true, false) => "MISMATCH".to_owned(),
        };
        println!("{:<20} {:>10}  {check}", t.table, t.rows);
    }
}

fn failed(e: &TransferError) -> ExitCode {
    eprintln!("shopdb: {e}");
    ExitCode::FAILURE
}

async fn connect(config: &Config) -> Result<Db, ExitCode> {
    connect_with_retry(config).await.map_err(|e| fail(&e))
}

/// Writes the dump and prints what it holds. Shared with `shopdb backup`
/// on MySQL.
pub async fn export_to(config: &Config, out: &Path) -> ExitCode {
    if out.exists() {
        eprintln!("shopdb: {} already exists; choose a new file name", out.display());
        return ExitCode::FAILURE;
    }
    let db = match connect(config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    eprintln!("exporting {} to {} …", db.describe(), out.display());
    let result = export::export(&db, out, &mut Reporter::new()).await;
    db.close().await;
    match result {
        Ok(ExportReport {
            path,
            bytes,
            header,
            tables,
        }) => {
            print_summary(&tables, false);
            let rows: u64 = tables.iter().map(|t| t.rows).sum();
            let schema: Vec<String> = header
                .migrations
                .iter()
                .map(|(s, v)| format!("{s} {v:04}"))
                .collect();
            println!(
                "export written: {} ({bytes} bytes; {} tables, {rows} rows; schema {}; consistent as of {})",
                path.display(),
                tables.len(),
                schema.join(", "),
                header.created_at
            );
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

pub async fn import_from(config: &Config, from: &Path, force: bool) -> ExitCode {
    let db = match connect(config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    eprintln!("importing {} into {} …", from.display(), db.describe());
    let scopes = plugins::migration_scopes(&config.plugins.enabled);
    let result = import::import(
        &db,
        from,
        ImportOptions {
            force,
            scopes: &scopes,
        },
        &mut Reporter::new(),
    )
    .await;
    db.close().await;
    match result {
        Ok(report) => {
            print_summary(&report.tables, true);
            let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
            println!(
                "import done: {} tables, {rows} rows from {} (ShopDB {}, {}, {}); every count and checksum matches; \
                 search index rebuilt for {} assets",
                report.tables.len(),
                from.display(),
                report.header.shopdb_version,
                report.header.source_backend,
                report.header.created_at,
                report.indexed
            );
            for m in &report.migrated_after {
                println!("applied newer migration {m}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}
