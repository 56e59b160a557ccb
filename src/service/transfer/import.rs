//! Loads a dump into the configured database: checks the file against
//! this binary, refuses a target that holds data (unless forced),
//! migrates the target to the dump's schema, loads every table in one
//! transaction with foreign-key checks off, rebuilds the search index,
//! checks foreign keys and reads every table back to compare its count
//! and checksum with the file's before committing. Newer migrations of
//! this binary run after the commit, as an upgrade would.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Query};

use super::export::count;
use super::format::{self, Descriptor, Header, Record, TableCheck, TableDigest, Trailer};
use super::reader::{TableShape, read_table};
use super::tables::{self, known};
use super::{Progress, TableSummary, TransferError};
use crate::db::catalog::{self, Table};
use crate::db::queries::{asset_bulk, asset_search};
use crate::db::{Db, DbValue, Tx, migrate};
use crate::plugins;

pub struct ImportOptions<'a> {
    /// Empty the target's tables first instead of refusing.
    pub force: bool,
    /// The configured plugins' migration scopes (core first).
    pub scopes: &'a [&'static str],
}

pub struct ImportReport {
    pub header: Header,
    pub tables: Vec<TableSummary>,
    /// Assets whose search text was rebuilt.
    pub indexed: u64,
    /// Migrations of this binary newer than the dump, applied after the load.
    pub migrated_after: Vec<String>,
}

/// The dump, line by line, gzip or not (told by its first bytes).
struct Source {
    reader: Box<dyn BufRead + Send>,
    line_no: u64,
    buf: String,
}

impl Source {
    fn open(path: &Path) -> Result<Self, TransferError> {
        let file = File::open(path)
            .map_err(|e| TransferError::Refused(format!("cannot open {}: {e}", path.display())))?;
        let mut peek = BufReader::new(file);
        let gzip = peek
            .fill_buf()
            .map(|b| b.starts_with(&[0x1f, 0x8b]))
            .map_err(|e| TransferError::BadFile(format!("cannot read {}: {e}", path.display())))?;
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(peek)))
        } else {
            Box::new(peek)
        };
        Ok(Self {
            reader,
            line_no: 0,
            buf: String::new(),
        })
    }

    /// The next non-empty line, without its newline; None at the end.
    fn next_line(&mut self) -> Result<Option<&str>, TransferError> {
        loop {
            self.buf.clear();
            let n = self.reader.read_line(&mut self.buf).map_err(|e| {
                TransferError::BadFile(format!(
                    "reading line {}: {e} (the file is damaged or cut short)",
                    self.line_no + 1
                ))
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if !self.buf.trim().is_empty() {
                return Ok(Some(self.buf.trim_end_matches(['\n', '\r'])));
            }
        }
    }

    fn bad(&self, what: impl std::fmt::Display) -> TransferError {
        TransferError::BadFile(format!("line {}: {what}", self.line_no))
    }

    fn drain_check(&mut self) -> Result<(), TransferError> {
        if self.next_line()?.is_some() {
            return Err(self.bad("data after the trailer"));
        }
        // Reach the real end, so a damaged gzip stream is noticed.
        let mut rest = Vec::new();
        self.reader
            .read_to_end(&mut rest)
            .map_err(|e| TransferError::BadFile(format!("after the trailer: {e}")))?;
        Ok(())
    }
}

pub async fn import(
    db: &Db,
    from: &Path,
    opts: ImportOptions<'_>,
    progress: &mut dyn Progress,
) -> Result<ImportReport, TransferError> {
    let mut src = Source::open(from)?;
    let first = src
        .next_line()?
        .ok_or_else(|| TransferError::BadFile(format!("{} is empty", from.display())))?
        .to_owned();
    let header = format::parse_header(&first).map_err(TransferError::BadFile)?;
    let scopes = scopes_for(&header, db, opts.scopes)?;
    check_target_schema(db, &header).await?;

    let mut pool = db.clone();
    let before = catalog::tables(&mut pool, db.backend()).await?;
    let occupied = occupied(db, &before).await?;
    if !occupied.is_empty() && !opts.force {
        let list: Vec<String> = occupied.iter().map(|(t, n)| format!("{t} ({n} rows)")).collect();
        return Err(TransferError::Refused(format!(
            "the target database already holds data in: {}. Import into an empty database, \
             or pass --force to empty these tables first",
            list.join(", ")
        )));
    }

    migrate::up_to(db, &scopes, &header.migrations).await?;
    let catalog = catalog::tables(&mut pool, db.backend()).await?;
    let missing: Vec<&str> = header
        .tables
        .iter()
        .filter(|e| {
            !catalog
                .iter()
                .any(|t| t.name == e.name && tables::skip_reason(t).is_none())
        })
        .map(|e| e.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(TransferError::Refused(format!(
            "the dump has tables the target database does not have after migrating: {} \
             (nothing was imported)",
            missing.join(", ")
        )));
    }
    for entry in &header.tables {
        if let Some(next) = entry.next_id {
            db.raise_auto_increment(&entry.name, next).await?;
        }
    }

    let mut tx = db.begin_bulk_load().await?;
    let (tables, indexed) = load(&mut tx, &mut src, &header, &catalog, progress).await?;
    tx.commit().await?;

    let migrated_after = migrate::up(db, &scopes, false)
        .await?
        .iter()
        .map(migrate::Migration::id)
        .collect();
    Ok(ImportReport {
        header,
        tables,
        indexed,
        migrated_after,
    })
}

/// Checks the dump's migration scopes against this binary; returns the
/// scopes to migrate: core, and each plugin the dump or the config has.
fn scopes_for(
    header: &Header,
    db: &Db,
    configured: &[&'static str],
) -> Result<Vec<&'static str>, TransferError> {
    if !header.migrations.contains_key("core") {
        return Err(TransferError::BadFile(
            "the dump header lists no core migrations".into(),
        ));
    }
    for (scope, version) in &header.migrations {
        if scope != "core" && !plugins::is_known(scope) {
            return Err(TransferError::Refused(format!(
                "the dump holds tables of the plugin `{scope}`, which this ShopDB build does not have \
                 (it has: {})",
                plugins::known_list()
            )));
        }
        let newest = migrate::embedded(db.backend(), &[scope.as_str()])?
            .last()
            .map_or(0, |m| m.version);
        if *version > newest {
            return Err(TransferError::Refused(format!(
                "the dump's schema is newer than this ShopDB: its `{scope}` schema is at migration {version:04}, \
                 this release knows up to {newest:04}. Import it with ShopDB {} or newer",
                header.shopdb_version
            )));
        }
    }
    let mut scopes = vec!["core"];
    for p in plugins::REGISTRY {
        if header.migrations.contains_key(p.id) || configured.contains(&p.id) {
            scopes.push(p.id);
        }
    }
    Ok(scopes)
}

/// The data is loaded into the schema it was taken from: a target that is
/// already further along cannot take it.
async fn check_target_schema(db: &Db, header: &Header) -> Result<(), TransferError> {
    for row in migrate::applied(db).await? {
        if let Some(v) = header.migrations.get(&row.scope)
            && row.version > *v
        {
            return Err(TransferError::Refused(format!(
                "the target database's `{}` schema is at migration {:04}, newer than the dump's {v:04}: \
                 import into a new, empty database",
                row.scope, row.version
            )));
        }
    }
    Ok(())
}

/// Tables holding rows other than the ones migrations insert.
async fn occupied(db: &Db, catalog: &[Table]) -> Result<Vec<(String, u64)>, TransferError> {
    let mut pool = db.clone();
    let mut out = Vec::new();
    for t in catalog.iter().filter(|t| tables::skip_reason(t).is_none()) {
        let n = match known(&t.name)
            .and_then(|k| k.seeded_when)
            .filter(|c| t.column(c).is_some())
        {
            Some(col) => {
                let stmt = Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                    .from(Alias::new(&t.name))
                    .and_where(Expr::col(Alias::new(col)).ne(1))
                    .to_owned();
                let row = crate::db::Exec::fetch_optional(&mut pool, &stmt).await?;
                u64::try_from(row.map(|r| r.get::<i64>("n")).transpose()?.unwrap_or(0)).unwrap_or(0)
            }
            None => count(&mut pool, &t.name).await?,
        };
        if n > 0 {
            out.push((t.name.clone(), n));
        }
    }
    Ok(out)
}

/// A table being loaded.
struct Loading {
    desc: Descriptor,
    digest: TableDigest,
    batch: Vec<Vec<DbValue>>,
    batch_size: usize,
}

fn to_sea(v: DbValue) -> sea_query::Value {
    match v {
        DbValue::Null => sea_query::Value::String(None),
        DbValue::Int(n) => n.into(),
        DbValue::Float(f) => f.into(),
        DbValue::Text(s) => s.into(),
        DbValue::Bytes(b) => b.into(),
    }
}

async fn flush(tx: &mut Tx, l: &mut Loading, progress: &mut dyn Progress) -> Result<(), TransferError> {
    if l.batch.is_empty() {
        return Ok(());
    }
    let n = l.batch.len() as u64;
    let mut ins = Query::insert();
    ins.into_table(Alias::new(&l.desc.table))
        .columns(l.desc.columns.iter().map(Alias::new));
    for row in l.batch.drain(..) {
        ins.values(row.into_iter().map(|v| to_sea(v).into()))
            .map_err(|e| TransferError::BadFile(format!("table {}: {e}", l.desc.table)))?;
    }
    tx.execute(&ins).await.map_err(|e| {
        TransferError::Refused(format!(
            "loading table {}: {e} (nothing was imported)",
            l.desc.table
        ))
    })?;
    progress.rows_done(n);
    Ok(())
}

async fn load(
    tx: &mut Tx,
    src: &mut Source,
    header: &Header,
    catalog: &[Table],
    progress: &mut dyn Progress,
) -> Result<(Vec<TableSummary>, u64), TransferError> {
    let in_file: BTreeSet<&str> = header.tables.iter().map(|t| t.name.as_str()).collect();
    empty_target(tx, catalog, &in_file).await?;

    let mut seen: Vec<(Descriptor, TableCheck)> = Vec::new();
    let mut current: Option<Loading> = None;
    let trailer: Trailer = loop {
        let Some(text) = src.next_line()? else {
            return Err(TransferError::BadFile(
                "the file ends before its trailer: it was cut short".into(),
            ));
        };
        match format::parse_record(text).map_err(|e| src.bad(e))? {
            Record::Row(values) => {
                let Some(l) = current.as_mut() else {
                    return Err(src.bad("a row before any table descriptor"));
                };
                if values.len() != l.desc.columns.len() {
                    return Err(src.bad(format!(
                        "table {}: {} values for {} columns",
                        l.desc.table,
                        values.len(),
                        l.desc.columns.len()
                    )));
                }
                let mut row = Vec::with_capacity(values.len());
                let mut canonical = Vec::with_capacity(values.len());
                for ((kind, v), col) in l.desc.types.iter().zip(&values).zip(&l.desc.columns) {
                    let db = format::to_db(*kind, v)
                        .map_err(|e| src.bad(format!("{}.{col}: {e}", l.desc.table)))?;
                    canonical.push(
                        format::canonical(*kind, &db)
                            .map_err(|e| src.bad(format!("{}.{col}: {e}", l.desc.table)))?,
                    );
                    row.push(db);
                }
                l.digest.add(&format::row_line(&canonical));
                l.batch.push(row);
                if l.batch.len() >= l.batch_size {
                    flush(tx, l, progress).await?;
                }
            }
            Record::Table(desc) => {
                let expected = header.tables.get(seen.len() + usize::from(current.is_some()));
                if expected.map(|e| e.name.as_str()) != Some(desc.table.as_str()) {
                    return Err(src.bad(format!(
                        "table {} where the header announced {}",
                        desc.table,
                        expected.map_or("no more tables", |e| e.name.as_str())
                    )));
                }
                check_descriptor(&desc, catalog).map_err(|e| src.bad(e))?;
                if let Some(mut l) = current.take() {
                    flush(tx, &mut l, progress).await?;
                    progress.table_finished(&l.desc.table, l.digest.rows());
                    let check = l.digest.finish(&l.desc.table);
                    seen.push((l.desc, check));
                }
                progress.table_started(&desc.table, expected.map_or(0, |e| e.rows));
                current = Some(Loading {
                    batch_size: asset_bulk::rows_per_statement(desc.columns.len()),
                    desc,
                    digest: TableDigest::default(),
                    batch: Vec::new(),
                });
            }
            Record::Trailer(t) => {
                if let Some(mut l) = current.take() {
                    flush(tx, &mut l, progress).await?;
                    progress.table_finished(&l.desc.table, l.digest.rows());
                    let check = l.digest.finish(&l.desc.table);
                    seen.push((l.desc, check));
                }
                break t;
            }
        }
    };
    src.drain_check()?;
    compare_with_trailer(header, &seen, &trailer)?;

    progress.step("rebuilding the asset search index");
    let indexed = asset_search::rebuild(tx).await?;
    for entry in &header.tables {
        if let Some(next) = entry.next_id {
            tx.raise_sqlite_sequence(&entry.name, next).await?;
        }
    }
    progress.step("checking foreign keys");
    check_foreign_keys(tx, catalog).await?;
    progress.step("reading every table back to compare counts and checksums");
    let tables = verify_target(tx, &seen, &trailer).await?;
    Ok((tables, indexed))
}

/// Every table the dump fills is emptied; the others keep only their
/// migration-inserted rows (so nothing can point at replaced rows).
async fn empty_target(tx: &mut Tx, catalog: &[Table], in_file: &BTreeSet<&str>) -> Result<(), TransferError> {
    for t in catalog.iter().filter(|t| tables::skip_reason(t).is_none()) {
        let mut del = Query::delete();
        del.from_table(Alias::new(&t.name));
        if !in_file.contains(t.name.as_str()) {
            let Some(col) = known(&t.name).and_then(|k| k.seeded_when) else {
                tx.execute(&del).await?;
                continue;
            };
            del.and_where(Expr::col(Alias::new(col)).ne(1));
        }
        tx.execute(&del).await?;
        if in_file.contains(t.name.as_str()) {
            tx.reset_sqlite_sequence(&t.name).await?;
        }
    }
    Ok(())
}

/// The target table must have exactly the dump's columns.
fn check_descriptor(desc: &Descriptor, catalog: &[Table]) -> Result<(), String> {
    if desc.columns.len() != desc.types.len() || desc.key.iter().any(|k| !desc.columns.contains(k)) {
        return Err(format!("table {}: malformed descriptor", desc.table));
    }
    let Some(t) = catalog.iter().find(|t| t.name == desc.table) else {
        return Err(format!(
            "the dump has table {}, which the target database does not have",
            desc.table
        ));
    };
    if tables::skip_reason(t).is_some() {
        return Err(format!(
            "table {} is derived and never part of a dump",
            desc.table
        ));
    }
    let file: BTreeSet<&str> = desc.columns.iter().map(String::as_str).collect();
    let target: BTreeSet<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    if file != target {
        return Err(format!(
            "table {} has columns [{}] in the dump but [{}] in the target database",
            desc.table,
            desc.columns.join(", "),
            t.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// The rows as read from the file against the trailer: catches a file
/// changed or damaged after it was written.
fn compare_with_trailer(
    header: &Header,
    seen: &[(Descriptor, TableCheck)],
    trailer: &Trailer,
) -> Result<(), TransferError> {
    if seen.len() != header.tables.len() {
        return Err(TransferError::BadFile(format!(
            "the header announces {} tables, the file holds {}",
            header.tables.len(),
            seen.len()
        )));
    }
    let mut bad = Vec::new();
    for (desc, check) in seen {
        match trailer.tables.iter().find(|t| t.name == desc.table) {
            Some(t) if t == check => {}
            Some(t) => bad.push(format!(
                "{}: the file holds {} rows with checksum {}, its trailer records {} rows with checksum {}",
                desc.table, check.rows, check.sha256, t.rows, t.sha256
            )),
            None => bad.push(format!("{}: missing from the trailer", desc.table)),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(TransferError::Integrity(format!(
            "the file was changed or damaged after it was written (nothing was imported):\n  {}",
            bad.join("\n  ")
        )))
    }
}

/// Rows whose foreign key points at no row: checks off during the load,
/// so they are checked here, per key, before commit.
async fn check_foreign_keys(tx: &mut Tx, catalog: &[Table]) -> Result<(), TransferError> {
    let c = Alias::new("c");
    let p = Alias::new("p");
    let mut bad = Vec::new();
    for t in catalog.iter().filter(|t| tables::skip_reason(t).is_none()) {
        for fk in &t.foreign_keys {
            let mut on = Cond::all();
            for (col, pcol) in fk.columns.iter().zip(&fk.parent_columns) {
                on = on.add(Expr::col((p.clone(), Alias::new(pcol))).equals((c.clone(), Alias::new(col))));
            }
            let mut stmt = Query::select();
            stmt.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .from_as(Alias::new(&t.name), c.clone())
                .join_as(JoinType::LeftJoin, Alias::new(&fk.parent), p.clone(), on)
                .and_where(Expr::col((p.clone(), Alias::new(&fk.parent_columns[0]))).is_null());
            for col in &fk.columns {
                stmt.and_where(Expr::col((c.clone(), Alias::new(col))).is_not_null());
            }
            let n: i64 = tx
                .fetch_all(&stmt)
                .await?
                .first()
                .map(|r| r.get("n"))
                .transpose()?
                .unwrap_or(0);
            if n > 0 {
                bad.push(format!(
                    "{n} rows of {} ({}) point at no row of {}",
                    t.name,
                    fk.columns.join(", "),
                    fk.parent
                ));
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(TransferError::Integrity(format!(
            "foreign keys do not hold (nothing was imported):\n  {}",
            bad.join("\n  ")
        )))
    }
}

/// Reads each loaded table back from the target and compares count and
/// checksum with the trailer: proves every value survived the load (types,
/// precision, character set) before anything is committed.
async fn verify_target(
    tx: &mut Tx,
    seen: &[(Descriptor, TableCheck)],
    trailer: &Trailer,
) -> Result<Vec<TableSummary>, TransferError> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (desc, _) in seen {
        let columns: Vec<_> = desc
            .columns
            .iter()
            .cloned()
            .zip(desc.types.iter().copied())
            .collect();
        let shape = TableShape {
            name: &desc.table,
            columns: &columns,
            key: &desc.key,
        };
        let mut digest = TableDigest::default();
        read_table(tx, &shape, |rows| {
            for row in rows {
                digest.add(&format::row_line(&row));
            }
            Ok::<_, TransferError>(())
        })
        .await?;
        let got = digest.finish(&desc.table);
        let want = trailer.tables.iter().find(|t| t.name == desc.table);
        let ok = want == Some(&got);
        if !ok {
            bad.push(format!(
                "{}: the target holds {} rows with checksum {}, the dump {} rows with checksum {}",
                desc.table,
                got.rows,
                got.sha256,
                want.map_or(0, |w| w.rows),
                want.map_or("-", |w| w.sha256.as_str())
            ));
        }
        out.push(TableSummary {
            table: desc.table.clone(),
            rows: got.rows,
            sha256: got.sha256,
            checksum_ok: ok,
        });
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(TransferError::Integrity(format!(
            "values changed on the way into the target (nothing was imported):\n  {}",
            bad.join("\n  ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn extra_columns_on_either_side_are_named() {
        let t = Table {
            name: "settings".into(),
            columns: ["setting_key", "value", "updated_at"]
                .iter()
                .map(|n| catalog::Column {
                    name: (*n).into(),
                    decl_type: "text".into(),
                })
                .collect(),
            primary_key: vec!["setting_key".into()],
            foreign_keys: vec![],
            fts: false,
        };
        let desc = |cols: &[&str]| Descriptor {
            table: "settings".into(),
            columns: cols.iter().map(|c| (*c).to_owned()).collect(),
            types: cols.iter().map(|_| format::Kind::Text).collect(),
            key: vec!["setting_key".into()],
        };
        assert!(
            check_descriptor(
                &desc(&["value", "setting_key", "updated_at"]),
                std::slice::from_ref(&t)
            )
            .is_ok()
        );
        let e = check_descriptor(&desc(&["setting_key", "value"]), std::slice::from_ref(&t)).unwrap_err();
        assert!(e.contains("in the target database"), "{e}");
        let mut other = desc(&["setting_key"]);
        other.table = "gizmos".into();
        assert!(check_descriptor(&other, &[t]).unwrap_err().contains("gizmos"));
    }

    #[test]
    fn a_changed_row_breaks_the_trailer_check() {
        let mut a = TableDigest::default();
        a.add("[1,\"x\"]");
        let header = Header {
            format: format::FORMAT_NAME.into(),
            format_version: 1,
            shopdb_version: "0".into(),
            created_at: String::new(),
            source_backend: "sqlite".into(),
            migrations: BTreeMap::new(),
            tables: vec![format::TableEntry {
                name: "t".into(),
                rows: 1,
                next_id: None,
            }],
        };
        let desc = Descriptor {
            table: "t".into(),
            columns: vec![],
            types: vec![],
            key: vec![],
        };
        let trailer = Trailer {
            tables: vec![a.clone().finish("t")],
        };
        assert!(compare_with_trailer(&header, &[(desc.clone(), a.finish("t"))], &trailer).is_ok());
        let mut b = TableDigest::default();
        b.add("[1,\"y\"]");
        let e = compare_with_trailer(&header, &[(desc, b.finish("t"))], &trailer).unwrap_err();
        assert!(e.to_string().contains("t: the file holds"), "{e}");
    }

    #[test]
    fn values_bind_as_their_sea_query_kind() {
        for v in [
            DbValue::Null,
            DbValue::Int(7),
            DbValue::Float(0.5),
            DbValue::Text("x".into()),
            DbValue::Bytes(vec![1]),
        ] {
            assert_eq!(DbValue::from_sea(to_sea(v.clone())).unwrap(), v);
        }
    }
}
