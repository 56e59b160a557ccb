//! What a new or changed field definition means for the assets that
//! already exist: which break it, and which must be rewritten (a default
//! filled in, a value put into the new kind's canonical form, a renamed
//! key).

use std::collections::HashMap;

use serde_json::Value;

use crate::db::queries::assets::AssetRow;
use crate::domain::inventory::AssetId;
use crate::domain::inventory::fields::{FieldDef, index_text};

/// How many violations a refusal names (the rest are counted).
pub const LISTED_IN_REFUSAL: usize = 50;
/// How many violations a dry run lists (the rest are counted).
pub const LISTED_IN_DRY_RUN: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub asset_id: AssetId,
    pub tag: String,
    pub message: String,
}

/// One asset whose stored value changes: `assets[asset]` gets `value`
/// under the (new) key.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    pub asset: usize,
    pub value: Value,
    pub index: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub violations: Vec<Violation>,
    pub rewrites: Vec<Rewrite>,
    /// Values kept as they are whose index row is (re)written: a new field
    /// over values already stored under its key, or a field whose `unique`
    /// rule changed (the unique keys come from the checked values).
    pub index_only: Vec<(usize, String)>,
}

/// What uniqueness compares: MySQL's unique index ignores case, SQLite's
/// does not, so we refuse what either would.
fn unique_form(index: &str) -> String {
    index.chars().take(700).collect::<String>().to_lowercase()
}

/// Checks every asset's value for `def` (stored under `old_key`, or
/// `def.key` for a new field) against `def`. `reindex`: every value gets
/// its index row rewritten, changed or not.
pub fn plan(old_key: Option<&str>, def: &FieldDef, assets: &[AssetRow], reindex: bool) -> Plan {
    let stored_key = old_key.unwrap_or(&def.key);
    let renamed = stored_key != def.key;
    let mut out = Plan::default();
    // unique form → (assets holding it, the value as shown)
    let mut holders: HashMap<String, Vec<usize>> = HashMap::new();
    let mut shown: HashMap<String, String> = HashMap::new();
    for (i, a) in assets.iter().enumerate() {
        let current = a.fields.custom_fields.get(stored_key).filter(|v| !v.is_null());
        let violate = |message: String| Violation {
            asset_id: a.id,
            tag: a.fields.tag.clone(),
            message,
        };
        let index = match current {
            None => match (&def.default, def.required) {
                (Some(d), true) => {
                    let index = index_text(d);
                    out.rewrites.push(Rewrite {
                        asset: i,
                        value: d.clone(),
                        index: index.clone(),
                    });
                    index
                }
                (None, true) => {
                    out.violations.push(violate(format!(
                        "has no value for `{}`, which would be required (give the field a default to fill it in)",
                        def.key
                    )));
                    continue;
                }
                (_, false) => continue,
            },
            Some(v) => match def.check(v) {
                Err(m) => {
                    out.violations.push(violate(format!("`{}` = {v}: {m}", def.key)));
                    continue;
                }
                Ok(c) => {
                    if renamed || c.value != *v {
                        out.rewrites.push(Rewrite {
                            asset: i,
                            value: c.value,
                            index: c.index.clone(),
                        });
                    } else if reindex {
                        out.index_only.push((i, c.index.clone()));
                    }
                    c.index
                }
            },
        };
        if def.unique {
            let form = unique_form(&index);
            shown.entry(form.clone()).or_insert(index);
            holders.entry(form).or_default().push(i);
        }
    }
    let mut dupes: Vec<Violation> = Vec::new();
    for (form, group) in &holders {
        if group.len() < 2 {
            continue;
        }
        for &i in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| assets[j].fields.tag.as_str())
                .collect();
            let more = if others.len() > 5 {
                format!(" and {} more", others.len() - 5)
            } else {
                String::new()
            };
            dupes.push(Violation {
                asset_id: assets[i].id,
                tag: assets[i].fields.tag.clone(),
                message: format!(
                    "`{}` = {} is not unique: also on {}{more}",
                    def.key,
                    shown.get(form).map_or("", String::as_str),
                    others[..others.len().min(5)].join(", ")
                ),
            });
        }
    }
    dupes.sort_by(|a, b| a.tag.cmp(&b.tag));
    out.violations.extend(dupes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::queries::assets::AssetFields;
    use crate::domain::inventory::fields::FieldKind;
    use crate::domain::inventory::{AssetStatus, AssetTypeId, FieldId};
    use chrono::Utc;
    use serde_json::{Map, json};

    fn asset(id: i64, tag: &str, custom: Value) -> AssetRow {
        let Value::Object(custom_fields) = custom else {
            panic!("object")
        };
        AssetRow {
            id: AssetId(id),
            fields: AssetFields {
                tag: tag.into(),
                name: tag.into(),
                type_id: AssetTypeId(1),
                status: AssetStatus::InService,
                location_id: None,
                parent_id: None,
                manufacturer: None,
                model: None,
                serial: None,
                hostname: None,
                ip: None,
                mac: None,
                owner: None,
                department: None,
                purchase_date: None,
                warranty_end: None,
                notes: None,
                custom_fields,
            },
            type_key: "machine".into(),
            type_name: "Machine".into(),
            location_path: None,
            version: 1,
            created_at: Utc::now(),
            created_by: None,
            updated_at: Utc::now(),
            updated_by: None,
        }
    }

    fn def(key: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            id: FieldId(1),
            key: key.into(),
            label: key.into(),
            kind,
            required: false,
            unique: false,
            pattern: None,
            min: None,
            max: None,
            choices: vec![],
            default: None,
        }
    }

    #[test]
    fn violations_name_the_asset_and_the_reason() {
        let assets = vec![
            asset(1, "M-1", json!({"rpm": 5})),
            asset(2, "M-2", json!({"rpm": 50})),
            asset(3, "M-3", json!({})),
        ];
        let mut d = def("rpm", FieldKind::Integer);
        d.max = Some(10.0);
        d.required = true;
        let p = plan(Some("rpm"), &d, &assets, false);
        let tags: Vec<&str> = p.violations.iter().map(|v| v.tag.as_str()).collect();
        assert_eq!(tags, ["M-2", "M-3"]);
        assert!(p.violations[0].message.contains("at most 10"));
        assert!(p.violations[1].message.contains("required"));
        assert!(p.rewrites.is_empty());

        d.default = Some(json!(7));
        let p = plan(
            Some("rpm"),
            &d,
            &assets[..1]
                .iter()
                .chain(&assets[2..])
                .cloned()
                .collect::<Vec<_>>(),
            false,
        );
        assert!(p.violations.is_empty());
        assert_eq!(
            p.rewrites,
            [Rewrite {
                asset: 1,
                value: json!(7),
                index: "7".into()
            }]
        );
    }

    #[test]
    fn duplicates_break_uniqueness_whatever_the_case() {
        let assets = vec![
            asset(1, "M-1", json!({"sn": "ABC"})),
            asset(2, "M-2", json!({"sn": "abc"})),
            asset(3, "M-3", json!({"sn": "xyz"})),
        ];
        let mut d = def("sn", FieldKind::Text);
        d.unique = true;
        let p = plan(None, &d, &assets, true);
        let tags: Vec<&str> = p.violations.iter().map(|v| v.tag.as_str()).collect();
        assert_eq!(tags, ["M-1", "M-2"]);
        assert!(p.violations[0].message.contains("also on M-2"));
    }

    #[test]
    fn renames_and_new_canonical_forms_are_rewritten() {
        let assets = vec![
            asset(1, "M-1", json!({"addr": "FE80::1"})),
            asset(2, "M-2", Value::Object(Map::new())),
        ];
        let p = plan(Some("addr"), &def("plc_ip", FieldKind::Ip), &assets, false);
        assert!(p.violations.is_empty());
        assert_eq!(p.rewrites[0].value, json!("fe80::1"));
        assert_eq!(p.rewrites.len(), 1);
    }
}
