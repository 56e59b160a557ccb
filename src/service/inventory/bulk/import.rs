//! CSV imports: a preview with a suggested column mapping, and the import
//! itself, which turns rows into bulk items and runs them through the
//! same path as the JSON bulk endpoint.
//!
//! Cells: an empty cell leaves `name`, `type` and `status` as they are
//! (they cannot be empty) and clears any other mapped field. A leading `'`
//! before `=`, `+`, `-` or `@` (how exports keep spreadsheets from running
//! cells as formulas) is dropped.

use std::collections::HashMap;

use super::mapping::{self, Target};
use super::table::{self, Table};
use super::{BulkInput, BulkOutcome, ItemError, Naming};
use crate::db::queries::asset_bulk;
use crate::domain::Role;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::inventory::assets::AssetPatch;
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// Rows shown in a preview.
pub const SAMPLE_ROWS: usize = 5;

pub struct Preview {
    pub delimiter: char,
    pub columns: Vec<String>,
    pub suggested: Vec<(String, Option<Target>)>,
    pub row_count: usize,
    pub sample: Vec<Vec<String>>,
    /// Every field a column can map to: (name, label).
    pub targets: Vec<(String, String)>,
}

fn read(state: &AppState, bytes: &[u8]) -> Result<Table, ServiceError> {
    let max_rows = usize::try_from(state.config.import.max_rows).unwrap_or(usize::MAX);
    table::parse(bytes, max_rows)
}

pub async fn preview(state: &AppState, who: &Principal, bytes: &[u8]) -> Result<Preview, ServiceError> {
    who.require(Role::Editor)?;
    let t = read(state, bytes)?;
    let custom = asset_bulk::all_fields(&mut state.db.clone()).await?;
    Ok(Preview {
        delimiter: char::from(t.delimiter),
        suggested: mapping::suggest(&t.columns, &custom),
        row_count: t.rows.len(),
        sample: t.rows.iter().take(SAMPLE_ROWS).cloned().collect(),
        targets: mapping::targets(&custom),
        columns: t.columns,
    })
}

/// One row's error, placed in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub error: ItemError,
    /// 1-based data row (the first row under the header is 1).
    pub row: usize,
    /// The line it starts on (the header is line 1).
    pub line: u64,
    /// The column the field came from, when one did.
    pub column: Option<String>,
}

pub struct ImportOutcome {
    pub outcome: BulkOutcome,
    pub errors: Vec<RowError>,
    pub rows: usize,
    /// Column → field, as used.
    pub mapping: Vec<(String, String)>,
    /// Columns that fed nothing.
    pub ignored: Vec<String>,
}

/// Imports a CSV file. `mapping` (column → field or None) replaces the
/// suggested one when given.
pub async fn import(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    bytes: &[u8],
    mapping: Option<Vec<(String, Option<String>)>>,
    dry_run: bool,
) -> Result<ImportOutcome, ServiceError> {
    who.require(Role::Editor)?;
    let t = read(state, bytes)?;
    let mut db = state.db.clone();
    let custom = asset_bulk::all_fields(&mut db).await?;
    let used = match mapping {
        Some(m) => mapping::check(&t.columns, &m, &custom).map_err(ServiceError::Validation)?,
        None => {
            let s = mapping::suggest(&t.columns, &custom);
            if !s.iter().any(|(_, t)| *t == Some(Target::Tag)) {
                return Err(ServiceError::Validation(vec![FieldError::new(
                    "mapping",
                    format!(
                        "no column looks like the asset tag (columns: {}); send a mapping",
                        t.columns.join(", ")
                    ),
                )]));
            }
            s
        }
    };
    let locations = Locations::load(&mut db).await?;
    let items: Vec<BulkInput> = t.rows.iter().map(|r| row_input(r, &used, &locations)).collect();
    let outcome = super::run(state, who, ctx, items, dry_run, Naming::Rows).await?;

    let column_of: HashMap<String, &String> = used
        .iter()
        .filter_map(|(c, t)| t.as_ref().map(|t| (t.error_field(), c)))
        .collect();
    let errors = outcome
        .errors
        .iter()
        .map(|e| RowError {
            row: e.index + 1,
            line: t.lines.get(e.index).copied().unwrap_or(0),
            column: column_of.get(&e.field).map(|c| (*c).clone()),
            error: e.clone(),
        })
        .collect();
    Ok(ImportOutcome {
        outcome,
        errors,
        rows: t.rows.len(),
        mapping: used
            .iter()
            .filter_map(|(c, t)| t.as_ref().map(|t| (c.clone(), t.name())))
            .collect(),
        ignored: used
            .iter()
            .filter(|(_, t)| t.is_none())
            .map(|(c, _)| c.clone())
            .collect(),
    })
}

/// Location paths, matched ignoring case and the spacing around `/`.
struct Locations(HashMap<String, Vec<i64>>);

impl Locations {
    async fn load(db: &mut crate::db::Db) -> Result<Self, ServiceError> {
        let mut m: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, path) in asset_bulk::location_paths(db).await? {
            m.entry(path_key(&path)).or_default().push(id);
        }
        Ok(Self(m))
    }

    fn find(&self, text: &str) -> Result<i64, String> {
        if let Ok(id) = text.parse::<i64>() {
            return Ok(id);
        }
        match self.0.get(&path_key(text)).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(many) if !many.is_empty() => Err(format!(
                "`{text}` matches {} locations; give the location id instead",
                many.len()
            )),
            _ => Err(format!(
                "there is no location `{text}` (write its path, e.g. `Plant 1 / Hall B`, or its id)"
            )),
        }
    }
}

fn path_key(p: &str) -> String {
    p.split('/')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Drops the `'` an export put before a formula-like cell.
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn row_input(row: &[String], used: &[(String, Option<Target>)], locations: &Locations) -> BulkInput {
    let mut item = BulkInput::default();
    let mut patch = AssetPatch::default();
    for (cell, (_, target)) in row.iter().zip(used) {
        let Some(target) = target else { continue };
        let v = unguard(cell.trim()).trim();
        let value = (!v.is_empty()).then(|| v.to_owned());
        match target {
            Target::Tag => item.tag = v.to_owned(),
            Target::Name => patch.name = value,
            Target::Type => match v.parse::<i64>() {
                Ok(id) => item.type_id = Some(id),
                Err(_) => patch.type_key = value,
            },
            Target::Status => patch.status = value,
            Target::Location => {
                patch.location_id = Some(match value {
                    None => None,
                    Some(text) => match locations.find(&text) {
                        Ok(id) => Some(id),
                        Err(m) => {
                            item.errors.push(FieldError::new("location_id", m));
                            continue;
                        }
                    },
                });
            }
            Target::Parent => item.parent_tag = Some(value),
            Target::Text(k) => patch.text.push((k, value)),
            Target::Custom(k) => item.custom_text.push((k.clone(), v.to_owned())),
        }
    }
    item.patch = patch;
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_items() {
        let locations = Locations(HashMap::from([("plant 1/hall b".to_owned(), vec![7])]));
        let used = vec![
            ("Tag".to_owned(), Some(Target::Tag)),
            ("Where".to_owned(), Some(Target::Location)),
            ("IP".to_owned(), Some(Target::Text("ip"))),
            ("Name".to_owned(), Some(Target::Name)),
            ("Junk".to_owned(), None),
            ("Formula".to_owned(), Some(Target::Text("notes"))),
        ];
        let row: Vec<String> = ["a-1", " PLANT 1/ Hall B ", "", "", "x", "'=1+1"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let item = row_input(&row, &used, &locations);
        assert_eq!(item.tag, "a-1");
        assert_eq!(item.patch.location_id, Some(Some(7)));
        assert_eq!(item.patch.name, None);
        assert_eq!(
            item.patch.text,
            vec![("ip", None), ("notes", Some("=1+1".to_owned()))]
        );
        let row: Vec<String> = ["a-2", "Nowhere", "", "", "", ""]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let item = row_input(&row, &used, &locations);
        assert_eq!(item.errors[0].field, "location_id");
        assert_eq!(locations.find("12"), Ok(12));
    }
}
