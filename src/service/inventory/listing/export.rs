//! Exports: every matching asset, read in keyset chunks by id so memory
//! stays flat whatever the size, and the CSV form of a chunk.

use std::borrow::Cow;

use futures_util::Stream;
use futures_util::stream;

use super::params::Filter;
use super::{ListError, resolve};
use crate::db::Db;
use crate::db::queries::asset_list::{self, Criteria, ExportRow};
use crate::domain::Role;
use crate::domain::inventory::AssetId;
use crate::domain::inventory::fields::index_text;
use crate::service::ServiceError;
use crate::service::auth::principal::Principal;
use crate::state::AppState;

/// Rows per statement.
pub const CHUNK: u64 = 1000;

/// The CSV columns every export has, in order; `cf_<key>` columns follow.
pub const STANDARD_COLUMNS: [&str; 18] = [
    "tag",
    "name",
    "type",
    "status",
    "location",
    "location_id",
    "parent_tag",
    "manufacturer",
    "model",
    "serial",
    "hostname",
    "ip",
    "mac",
    "owner",
    "department",
    "purchase_date",
    "warranty_end",
    "notes",
];

/// A checked, resolved export.
pub struct ExportPlan {
    criteria: Criteria,
    /// The custom field keys of the exported types (all types when the
    /// filter names none), sorted: one `cf_<key>` column each.
    pub custom_keys: Vec<String>,
}

/// Checks the caller and resolves the filter before any byte is sent, so
/// bad parameters are still a 400.
pub async fn plan(state: &AppState, who: &Principal, filter: &Filter) -> Result<ExportPlan, ListError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let criteria = resolve(&mut db, filter).await?;
    let custom_keys = asset_list::field_keys(&mut db, criteria.type_ids.as_deref()).await?;
    Ok(ExportPlan {
        criteria,
        custom_keys,
    })
}

/// The matching assets in id order, `CHUNK` per statement. No connection
/// or snapshot is held between chunks: rows written meanwhile may or may
/// not appear, none appears twice.
pub fn chunks(
    db: Db,
    plan: &ExportPlan,
) -> impl Stream<Item = Result<Vec<ExportRow>, ServiceError>> + Send + 'static {
    let start: Option<(Db, Criteria, Option<AssetId>)> = Some((db, plan.criteria.clone(), None));
    stream::unfold(start, |state| async move {
        let (mut db, criteria, after) = state?;
        let backend = db.backend();
        match asset_list::chunk_after(&mut db, backend, &criteria, after, CHUNK).await {
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                let full = rows.len() as u64 == CHUNK;
                let last = rows.last().map(|r| r.asset.id);
                let next = full.then_some((db, criteria, last));
                Some((Ok(rows), next))
            }
            Err(e) => Some((Err(e.into()), None)),
        }
    })
}

/// Spreadsheets run cells starting with `=`, `+`, `-` or `@` (and tab or
/// CR) as formulas; a leading `'` makes them text. An import should drop
/// it again.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ServiceError> {
    w.into_inner()
        .map_err(|e| ServiceError::Internal(format!("csv: {e}")))
}

fn csv_err(e: csv::Error) -> ServiceError {
    ServiceError::Internal(format!("csv: {e}"))
}

/// The header line.
pub fn csv_header(custom_keys: &[String]) -> Result<Vec<u8>, ServiceError> {
    let mut w = writer();
    let custom = custom_keys.iter().map(|k| format!("cf_{k}"));
    let names: Vec<String> = STANDARD_COLUMNS
        .iter()
        .map(|s| (*s).to_owned())
        .chain(custom)
        .collect();
    w.write_record(&names).map_err(csv_err)?;
    finish(w)
}

/// One line per asset, columns as in `csv_header`.
pub fn csv_rows(rows: &[ExportRow], custom_keys: &[String]) -> Result<Vec<u8>, ServiceError> {
    let mut w = writer();
    let mut record: Vec<String> = Vec::with_capacity(STANDARD_COLUMNS.len() + custom_keys.len());
    for r in rows {
        let a = &r.asset;
        let f = &a.fields;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        record.clear();
        record.extend([
            f.tag.clone(),
            f.name.clone(),
            a.type_key.clone(),
            f.status.as_str().to_owned(),
            opt(&a.location_path),
            f.location_id.map(|l| l.0.to_string()).unwrap_or_default(),
            opt(&r.parent_tag),
            opt(&f.manufacturer),
            opt(&f.model),
            opt(&f.serial),
            opt(&f.hostname),
            opt(&f.ip),
            opt(&f.mac),
            opt(&f.owner),
            opt(&f.department),
            opt(&f.purchase_date),
            opt(&f.warranty_end),
            opt(&f.notes),
        ]);
        for k in custom_keys {
            record.push(f.custom_fields.get(k).map(index_text).unwrap_or_default());
        }
        w.write_record(record.iter().map(|c| guard_formula(c).into_owned()))
            .map_err(csv_err)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("+1"), "'+1");
        assert_eq!(guard_formula("-5"), "'-5");
        assert_eq!(guard_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_formula("Lathe = good"), "Lathe = good");
        assert_eq!(guard_formula(""), "");
    }

    #[test]
    fn header_names_custom_columns() {
        let h = csv_header(&["rpm".into(), "os".into()]).unwrap();
        let text = String::from_utf8(h).unwrap();
        assert!(text.starts_with("tag,name,type,status,location,location_id,parent_tag,"));
        assert!(text.ends_with(",notes,cf_rpm,cf_os\n"), "{text}");
    }
}
