//! Writes a dump of the whole database from one consistent snapshot, to a
//! temporary file beside the target that becomes the target only once it
//! is complete and synced: a failed or interrupted export never leaves a
//! file that looks like a dump.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use sea_query::{Alias, Expr, Query};

use super::format::{
    self, Descriptor, FORMAT_NAME, FORMAT_VERSION, Header, TableCheck, TableDigest, TableEntry, Trailer,
};
use super::reader::{TableShape, read_table};
use super::tables::{self, Planned};
use super::{Progress, TableSummary, TransferError};
use crate::build_info;
use crate::db::{Db, DbError, Tx, catalog, migrate};

pub struct ExportReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub header: Header,
    pub tables: Vec<TableSummary>,
}

/// A plain or gzip-compressed output file.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(w) => w.write(buf),
            Self::Gzip(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(w) => w.flush(),
            Self::Gzip(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> std::io::Result<File> {
        let buffered = match self {
            Self::Plain(w) => w,
            Self::Gzip(w) => w.finish()?,
        };
        buffered.into_inner().map_err(std::io::IntoInnerError::into_error)
    }
}

fn io(what: &str, path: &Path, e: &std::io::Error) -> TransferError {
    TransferError::Io(format!("{what} {}: {e}", path.display()))
}

/// Writes the dump of `db` to `out` (gzip when it ends in `.gz`). Refuses
/// an existing `out`.
pub async fn export(db: &Db, out: &Path, progress: &mut dyn Progress) -> Result<ExportReport, TransferError> {
    if out.exists() {
        return Err(TransferError::Refused(format!(
            "{} already exists; choose a new file name",
            out.display()
        )));
    }
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| TransferError::Refused(format!("{} is not a file name", out.display())))?;
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(|e| io("cannot create", &partial, &e))?;
    let mut sink = if name.ends_with(".gz") {
        Sink::Gzip(GzEncoder::new(BufWriter::new(file), Compression::default()))
    } else {
        Sink::Plain(BufWriter::new(file))
    };
    let written = match write_dump(db, &mut sink, progress).await {
        Ok(done) => seal(sink, &partial, out).map(|()| done),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&partial);
    let (header, tables) = written?;
    Ok(ExportReport {
        path: out.to_path_buf(),
        bytes: std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        header,
        tables,
    })
}

/// Completes the temporary file, syncs it and gives it its final name.
fn seal(sink: Sink, partial: &Path, out: &Path) -> Result<(), TransferError> {
    let file = sink.finish().map_err(|e| io("cannot write", partial, &e))?;
    file.sync_all().map_err(|e| io("cannot sync", partial, &e))?;
    // A hard link never replaces an existing file, unlike a rename.
    std::fs::hard_link(partial, out).map_err(|e| io("cannot create", out, &e))
}

fn line(sink: &mut impl Write, text: &str) -> Result<(), TransferError> {
    sink.write_all(text.as_bytes())
        .and_then(|()| sink.write_all(b"\n"))
        .map_err(|e| TransferError::Io(format!("writing the dump: {e}")))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, TransferError> {
    serde_json::to_string(v).map_err(|e| TransferError::Io(e.to_string()))
}

async fn write_dump(
    db: &Db,
    sink: &mut impl Write,
    progress: &mut dyn Progress,
) -> Result<(Header, Vec<TableSummary>), TransferError> {
    let backend = db.backend();
    let mut tx = db.begin_snapshot().await?;
    let catalog = catalog::tables(&mut tx, backend).await?;
    let plan = tables::plan(&catalog, backend).map_err(TransferError::UnknownSchema)?;
    let migrations = applied_migrations(&mut tx).await?;
    let next_ids = catalog::next_ids(&mut tx, backend).await?;
    let mut entries = Vec::new();
    for p in &plan {
        entries.push(TableEntry {
            name: p.name.clone(),
            rows: count(&mut tx, &p.name).await?,
            next_id: next_ids.get(&p.name).copied(),
        });
    }
    let header = Header {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        shopdb_version: build_info::VERSION.into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        source_backend: backend.as_str().into(),
        migrations,
        tables: entries,
    };
    line(sink, &json(&header)?)?;
    let mut checks = Vec::new();
    for (p, entry) in plan.iter().zip(&header.tables) {
        checks.push(write_table(&mut tx, sink, p, entry.rows, progress).await?);
    }
    line(
        sink,
        &format::trailer_line(&Trailer {
            tables: checks.clone(),
        })
        .map_err(TransferError::Io)?,
    )?;
    tx.commit().await?;
    let summary = checks
        .into_iter()
        .map(|c| TableSummary {
            table: c.name,
            rows: c.rows,
            sha256: c.sha256,
            checksum_ok: true,
        })
        .collect();
    Ok((header, summary))
}

async fn write_table(
    tx: &mut Tx,
    sink: &mut impl Write,
    p: &Planned,
    expected: u64,
    progress: &mut dyn Progress,
) -> Result<TableCheck, TransferError> {
    let descriptor = Descriptor {
        table: p.name.clone(),
        columns: p.columns.iter().map(|(c, _)| c.clone()).collect(),
        types: p.columns.iter().map(|(_, k)| *k).collect(),
        key: p.key.clone(),
    };
    line(sink, &json(&descriptor)?)?;
    progress.table_started(&p.name, expected);
    let mut digest = TableDigest::default();
    let shape = TableShape {
        name: &p.name,
        columns: &p.columns,
        key: &p.key,
    };
    read_table(tx, &shape, |rows| {
        let n = rows.len() as u64;
        for row in rows {
            let text = format::row_line(&row);
            digest.add(&text);
            line(sink, &text)?;
        }
        progress.rows_done(n);
        Ok::<_, TransferError>(())
    })
    .await?;
    progress.table_finished(&p.name, digest.rows());
    if digest.rows() != expected {
        // Cannot happen inside one snapshot; if it does, the dump is wrong.
        return Err(TransferError::Integrity(format!(
            "table {}: counted {expected} rows but read {}: the snapshot was not consistent",
            p.name,
            digest.rows()
        )));
    }
    Ok(digest.finish(&p.name))
}

/// The highest applied step per scope. A step left in progress means the
/// schema is between two versions: no dump of that.
async fn applied_migrations(tx: &mut Tx) -> Result<BTreeMap<String, u32>, TransferError> {
    let rows = migrate::read_applied(tx).await?;
    if rows.is_empty() {
        return Err(TransferError::Refused(
            "the database has no ShopDB schema (no applied migrations): nothing to export".into(),
        ));
    }
    let mut out = BTreeMap::new();
    for r in rows {
        if r.state != "applied" {
            return Err(TransferError::Refused(format!(
                "migration {}/{:04}_{} is {}: finish it first (`shopdb migrate up --retry-in-progress`)",
                r.scope, r.version, r.name, r.state
            )));
        }
        let v = out.entry(r.scope).or_insert(0);
        *v = (*v).max(r.version);
    }
    Ok(out)
}

pub(super) async fn count(e: &mut impl crate::db::Exec, table: &str) -> Result<u64, DbError> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Alias::new(table))
        .to_owned();
    let n: i64 = e
        .fetch_optional(&stmt)
        .await?
        .map(|r| r.get("n"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
