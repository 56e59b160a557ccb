//! Every table the exporter knows, with how each column is written, and
//! the tables it deliberately leaves out. The catalog is checked against
//! this list on every export: a table or column that a migration adds
//! without an entry here stops the export with a message naming it, so
//! nothing is ever left out silently.

use std::collections::{BTreeMap, BTreeSet};

use super::format::Kind::{self, Int, Real, Text, Timestamp};
use crate::db::Backend;
use crate::db::catalog::Table;

pub struct KnownTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// A column that is 1 on rows the migrations themselves insert (the
    /// built-in asset types and label presets): a database holding only
    /// those counts as empty.
    pub seeded_when: Option<&'static str>,
}

const fn t(name: &'static str, columns: &'static [(&'static str, Kind)]) -> KnownTable {
    KnownTable {
        name,
        columns,
        seeded_when: None,
    }
}

/// Core tables, then each plugin's. The export order comes from the
/// foreign keys; this order breaks ties.
pub static KNOWN: &[KnownTable] = &[
    t(
        "settings",
        &[("setting_key", Text), ("value", Text), ("updated_at", Timestamp)],
    ),
    t(
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("display_name", Text),
            ("email", Text),
            ("role", Text),
            ("source", Text),
            ("password_hash", Text),
            ("must_change_password", Int),
            ("disabled", Int),
            ("token_version", Int),
            ("directory_dn", Text),
            ("last_login_at", Timestamp),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    ),
    t(
        "refresh_tokens",
        &[
            ("id", Int),
            ("user_id", Int),
            ("family", Text),
            ("token_hash", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("rotated_at", Timestamp),
            ("revoked_at", Timestamp),
        ],
    ),
    t(
        "api_tokens",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("prefix", Text),
            ("token_hash", Text),
            ("role", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("last_used_at", Timestamp),
            ("revoked_at", Timestamp),
        ],
    ),
    t(
        "audit_events",
        &[
            ("id", Int),
            ("at", Timestamp),
            ("actor_id", Int),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("client_addr", Text),
            ("request_id", Text),
            ("detail", Text),
        ],
    ),
    t(
        "auth_failures",
        &[
            ("id", Int),
            ("kind", Text),
            ("subject", Text),
            ("failed_at", Timestamp),
        ],
    ),
    t(
        "locations",
        &[
            ("id", Int),
            ("parent_id", Int),
            ("name", Text),
            ("kind", Text),
            ("lineage", Text),
            ("path", Text),
            ("depth", Int),
            ("floor_x", Real),
            ("floor_y", Real),
            ("notes", Text),
            ("version", Int),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    ),
    KnownTable {
        seeded_when: Some("builtin"),
        ..t(
            "asset_types",
            &[
                ("id", Int),
                ("key", Text),
                ("name", Text),
                ("description", Text),
                ("builtin", Int),
                ("version", Int),
                ("created_at", Timestamp),
                ("updated_at", Timestamp),
            ],
        )
    },
    t(
        "asset_type_fields",
        &[
            ("id", Int),
            ("type_id", Int),
            ("key", Text),
            ("label", Text),
            ("kind", Text),
            ("required", Int),
            ("unique_values", Int),
            ("pattern", Text),
            ("min_value", Real),
            ("max_value", Real),
            ("choices", Text),
            ("default_value", Text),
            ("help", Text),
            ("position", Int),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
    ),
    t(
        "assets",
        &[
            ("id", Int),
            ("tag", Text),
            ("name", Text),
            ("type_id", Int),
            ("status", Text),
            ("location_id", Int),
            ("parent_id", Int),
            ("manufacturer", Text),
            ("model", Text),
            ("serial", Text),
            ("hostname", Text),
            ("ip", Text),
            ("mac", Text),
            ("owner", Text),
            ("department", Text),
            // Dates without time: plain text on both backends.
            ("purchase_date", Text),
            ("warranty_end", Text),
            ("notes", Text),
            ("custom_fields", Text),
            ("version", Int),
            ("created_at", Timestamp),
            ("created_by", Text),
            ("updated_at", Timestamp),
            ("updated_by", Text),
        ],
    ),
    t(
        "asset_field_values",
        &[
            ("asset_id", Int),
            ("field_id", Int),
            ("value", Text),
            ("unique_key", Text),
        ],
    ),
    t(
        "asset_relations",
        &[
            ("id", Int),
            ("kind", Text),
            ("source_id", Int),
            ("target_id", Int),
            ("note", Text),
            ("created_at", Timestamp),
            ("created_by", Text),
        ],
    ),
    t(
        "change_log",
        &[
            ("id", Int),
            ("at", Timestamp),
            ("actor_id", Int),
            ("actor", Text),
            ("request_id", Text),
            ("entity", Text),
            ("entity_id", Int),
            ("asset_id", Int),
            ("related_asset_id", Int),
            ("action", Text),
            ("summary", Text),
            ("changes", Text),
            ("reverts_id", Int),
        ],
    ),
    KnownTable {
        seeded_when: Some("builtin"),
        ..t(
            "labels_templates",
            &[
                ("id", Int),
                ("key", Text),
                ("name", Text),
                ("builtin", Int),
                ("width_mm", Real),
                ("height_mm", Real),
                ("page_width_mm", Real),
                ("page_height_mm", Real),
                ("sheet_columns", Int),
                ("sheet_rows", Int),
                ("margin_top_mm", Real),
                ("margin_left_mm", Real),
                ("gap_x_mm", Real),
                ("gap_y_mm", Real),
                ("show_tag", Int),
                ("show_name", Int),
                ("show_location", Int),
                ("show_qr", Int),
                ("version", Int),
                ("created_at", Timestamp),
                ("updated_at", Timestamp),
            ],
        )
    },
    t(
        "labels_queue",
        &[
            ("asset_id", Int),
            ("reason", Text),
            ("queued_at", Timestamp),
            ("queued_by", Text),
        ],
    ),
    t(
        "labels_printed",
        &[
            ("asset_id", Int),
            ("template_key", Text),
            ("tag", Text),
            ("name", Text),
            ("location_path", Text),
            ("printed_at", Timestamp),
            ("printed_by", Text),
        ],
    ),
];

/// Tables left out on purpose, and why.
pub const SKIPPED: &[(&str, &str)] = &[
    (
        "schema_migrations",
        "migration bookkeeping: the target records its own when it migrates",
    ),
    (
        "asset_search",
        "derived search index (FTS5 on SQLite, a table of texts on MySQL): rebuilt on import",
    ),
    (
        "asset_search_blocks",
        "derived search index (MySQL: the texts packed 64 assets to a row): rebuilt on import",
    ),
];

pub fn known(name: &str) -> Option<&'static KnownTable> {
    KNOWN.iter().find(|k| k.name == name)
}

/// Why `table` is not exported, or None when it is.
pub fn skip_reason(table: &Table) -> Option<&'static str> {
    if table.fts {
        return Some("SQLite full-text index (derived)");
    }
    SKIPPED
        .iter()
        .find(|(n, _)| *n == table.name)
        .map(|(_, why)| *why)
}

/// A table to export: its columns in catalog order with their kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
    pub key: Vec<String>,
}

fn kind_fits(kind: Kind, decl: &str, backend: Backend) -> bool {
    let decl = decl.split('(').next().unwrap_or_default().trim();
    match backend {
        Backend::Sqlite => matches!(
            (kind, decl),
            (Int, "integer") | (Real, "real") | (Text | Timestamp, "text") | (Kind::Blob, "blob")
        ),
        Backend::Mysql => match kind {
            Int => matches!(decl, "tinyint" | "smallint" | "mediumint" | "int" | "bigint"),
            Real => matches!(decl, "double" | "float"),
            Text => matches!(
                decl,
                "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext"
            ),
            Timestamp => decl == "datetime",
            Kind::Blob => matches!(
                decl,
                "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob"
            ),
        },
    }
}

/// Checks every table of the catalog against `KNOWN` and returns what to
/// export, parents before children. Each problem is one message naming
/// the table and column; any problem stops the export.
pub fn plan(catalog: &[Table], backend: Backend) -> Result<Vec<Planned>, Vec<String>> {
    let mut problems = Vec::new();
    let mut planned = Vec::new();
    for table in catalog {
        if skip_reason(table).is_some() {
            continue;
        }
        let Some(known) = known(&table.name) else {
            problems.push(format!(
                "table `{}` is not known to the exporter: add it to src/service/transfer/tables.rs \
                 (KNOWN, or SKIPPED with the reason it needs no copy)",
                table.name
            ));
            continue;
        };
        let mut columns = Vec::new();
        for c in &table.columns {
            match known.columns.iter().find(|(n, _)| *n == c.name) {
                None => problems.push(format!(
                    "column `{}.{}` ({}) is not known to the exporter: add it to src/service/transfer/tables.rs",
                    table.name, c.name, c.decl_type
                )),
                Some((_, kind)) if !kind_fits(*kind, &c.decl_type, backend) => problems.push(format!(
                    "column `{}.{}` is declared {} but the exporter writes it as {kind:?}: update src/service/transfer/tables.rs",
                    table.name, c.name, c.decl_type
                )),
                Some((_, kind)) => columns.push((c.name.clone(), *kind)),
            }
        }
        for (n, _) in known.columns {
            if table.column(n).is_none() {
                problems.push(format!(
                    "column `{}.{n}` is listed in src/service/transfer/tables.rs but the database has no such column",
                    table.name
                ));
            }
        }
        if table.primary_key.is_empty() {
            problems.push(format!(
                "table `{}` has no primary key: rows could not be written in a stable order",
                table.name
            ));
        }
        planned.push(Planned {
            name: table.name.clone(),
            columns,
            key: table.primary_key.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(dependency_order(planned, catalog))
}

/// Parents before children (self-references aside); ties in `KNOWN` order.
fn dependency_order(mut todo: Vec<Planned>, catalog: &[Table]) -> Vec<Planned> {
    let rank = |name: &str| KNOWN.iter().position(|k| k.name == name).unwrap_or(usize::MAX);
    todo.sort_by_key(|p| rank(&p.name));
    let names: BTreeSet<String> = todo.iter().map(|p| p.name.clone()).collect();
    let parents: BTreeMap<String, BTreeSet<String>> = catalog
        .iter()
        .filter(|t| names.contains(&t.name))
        .map(|t| {
            let ps = t
                .foreign_keys
                .iter()
                .map(|fk| fk.parent.clone())
                .filter(|p| *p != t.name && names.contains(p))
                .collect();
            (t.name.clone(), ps)
        })
        .collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while !todo.is_empty() {
        let ready = todo
            .iter()
            .position(|p| parents.get(&p.name).is_none_or(|ps| ps.is_subset(&done)))
            // A cycle between tables: keep the rest in KNOWN order (the
            // load runs with foreign-key checks off and checks them after).
            .unwrap_or(0);
        let p = todo.remove(ready);
        done.insert(p.name.clone());
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::catalog::{Column, ForeignKey};

    fn table(name: &str, cols: &[(&str, &str)], parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: cols
                .iter()
                .map(|(n, t)| Column {
                    name: (*n).into(),
                    decl_type: (*t).into(),
                })
                .collect(),
            primary_key: vec![cols[0].0.into()],
            foreign_keys: parents
                .iter()
                .map(|p| ForeignKey {
                    columns: vec!["x".into()],
                    parent: (*p).into(),
                    parent_columns: vec!["id".into()],
                })
                .collect(),
            fts: false,
        }
    }

    #[test]
    fn names_in_known_are_unique() {
        let names: BTreeSet<_> = KNOWN.iter().map(|k| k.name).collect();
        assert_eq!(names.len(), KNOWN.len());
    }

    #[test]
    fn unknown_tables_and_columns_stop_the_plan() {
        let catalog = vec![
            table("settings", &[("setting_key", "text"), ("value", "text")], &[]),
            table("gizmos", &[("id", "integer")], &[]),
        ];
        let problems = plan(&catalog, Backend::Sqlite).unwrap_err();
        let all = problems.join("\n");
        assert!(all.contains("table `gizmos` is not known"), "{all}");
        assert!(all.contains("`settings.updated_at` is listed"), "{all}");
    }

    #[test]
    fn a_changed_type_stops_the_plan() {
        let catalog = vec![table(
            "settings",
            &[
                ("setting_key", "varchar"),
                ("value", "text"),
                ("updated_at", "varchar"),
            ],
            &[],
        )];
        let all = plan(&catalog, Backend::Mysql).unwrap_err().join("\n");
        assert!(all.contains("`settings.updated_at` is declared varchar"), "{all}");
    }

    #[test]
    fn parents_come_first() {
        let order = dependency_order(
            vec![
                Planned {
                    name: "labels_queue".into(),
                    columns: vec![],
                    key: vec![],
                },
                Planned {
                    name: "assets".into(),
                    columns: vec![],
                    key: vec![],
                },
                Planned {
                    name: "locations".into(),
                    columns: vec![],
                    key: vec![],
                },
            ],
            &[
                table("labels_queue", &[("asset_id", "integer")], &["assets"]),
                table("assets", &[("id", "integer")], &["locations", "assets"]),
                table("locations", &[("id", "integer")], &["locations"]),
            ],
        );
        let names: Vec<_> = order.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["locations", "assets", "labels_queue"]);
    }
}
