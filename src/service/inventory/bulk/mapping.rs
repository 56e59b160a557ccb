//! Which CSV column feeds which asset field: the fields a column can map
//! to, the mapping suggested from header names, and checking a mapping a
//! client sent.

use std::collections::HashMap;

use crate::db::queries::asset_bulk::FieldName;
use crate::service::FieldError;

/// The plain text fields, by their JSON names.
pub const TEXT_FIELDS: [&str; 11] = [
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

/// What a column can feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Tag,
    Name,
    /// A type key (or a type id).
    Type,
    Status,
    /// A location path ("Plant 1 / Hall B") or a location id.
    Location,
    /// The tag of the asset it sits in.
    Parent,
    Text(&'static str),
    /// `custom_fields.<key>`.
    Custom(String),
}

impl Target {
    pub fn name(&self) -> String {
        match self {
            Self::Tag => "tag".into(),
            Self::Name => "name".into(),
            Self::Type => "type".into(),
            Self::Status => "status".into(),
            Self::Location => "location".into(),
            Self::Parent => "parent".into(),
            Self::Text(k) => (*k).into(),
            Self::Custom(k) => format!("custom_fields.{k}"),
        }
    }

    /// The asset property a validation error names for this target.
    pub fn error_field(&self) -> String {
        match self {
            Self::Location => "location_id".into(),
            Self::Parent => "parent_id".into(),
            other => other.name(),
        }
    }

    /// A field name as a client writes it in a mapping: the names above,
    /// `cf_<key>` for `custom_fields.<key>`, and `location_id` /
    /// `parent_tag` as their exports name them.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Some(match s {
            "tag" => Self::Tag,
            "name" => Self::Name,
            "type" | "type_key" | "type_id" => Self::Type,
            "status" => Self::Status,
            "location" | "location_id" | "location_path" => Self::Location,
            "parent" | "parent_tag" | "parent_id" => Self::Parent,
            other => {
                if let Some(k) = TEXT_FIELDS.iter().find(|k| **k == other) {
                    Self::Text(k)
                } else if let Some(k) = other
                    .strip_prefix("custom_fields.")
                    .or_else(|| other.strip_prefix("cf_"))
                {
                    Self::Custom(k.to_owned())
                } else {
                    return None;
                }
            }
        })
    }
}

/// Every field a column can map to, with a label for pickers.
pub fn targets(custom: &[FieldName]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("tag", "Asset tag"),
        ("name", "Name"),
        ("type", "Type (key, e.g. machine)"),
        ("status", "Status"),
        ("location", "Location (path or id)"),
        ("parent", "Inside asset (tag)"),
        ("manufacturer", "Manufacturer"),
        ("model", "Model"),
        ("serial", "Serial number"),
        ("hostname", "Host name"),
        ("ip", "IP address"),
        ("mac", "MAC address"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("purchase_date", "Purchase date"),
        ("warranty_end", "Warranty end"),
        ("notes", "Notes"),
    ]
    .iter()
    .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
    .collect();
    for f in custom {
        let name = format!("custom_fields.{}", f.key);
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, format!("{} ({})", f.label, f.type_key)));
        }
    }
    out
}

/// `Serial No.` → `serial_no`: lower case, runs of anything but letters
/// and digits as one `_`.
pub fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

const ALIASES: &[(&str, &[&str])] = &[
    (
        "tag",
        &[
            "tag",
            "asset_tag",
            "tag_no",
            "tag_number",
            "asset_no",
            "asset_number",
            "inventory_no",
            "inventory_number",
        ],
    ),
    ("name", &["name", "asset_name", "title"]),
    ("type", &["type", "asset_type", "type_key", "type_id", "category"]),
    ("status", &["status", "state"]),
    ("location", &["location", "location_path", "location_id", "place"]),
    (
        "parent",
        &["parent", "parent_tag", "parent_asset", "inside", "contained_in"],
    ),
    ("manufacturer", &["manufacturer", "vendor", "make", "brand"]),
    ("model", &["model", "model_name", "model_number"]),
    ("serial", &["serial", "serial_number", "serial_no", "sn", "s_n"]),
    (
        "hostname",
        &["hostname", "host", "host_name", "dns_name", "computer_name"],
    ),
    (
        "ip",
        &["ip", "ip_address", "ip_addr", "ipv4", "ipv4_address", "ipv6"],
    ),
    ("mac", &["mac", "mac_address", "mac_addr"]),
    ("owner", &["owner", "owned_by", "responsible"]),
    ("department", &["department", "dept", "division"]),
    (
        "purchase_date",
        &["purchase_date", "purchased", "purchased_on", "date_purchased"],
    ),
    (
        "warranty_end",
        &[
            "warranty_end",
            "warranty",
            "warranty_until",
            "warranty_expires",
            "warranty_end_date",
        ],
    ),
    (
        "notes",
        &["notes", "note", "comment", "comments", "remarks", "description"],
    ),
];

fn guess(header: &str, custom: &[FieldName]) -> Option<Target> {
    let n = normalise(header);
    if let Some((field, _)) = ALIASES.iter().find(|(_, names)| names.contains(&n.as_str())) {
        return Target::parse(field);
    }
    let key = n
        .strip_prefix("cf_")
        .or_else(|| n.strip_prefix("custom_fields_"))
        .unwrap_or(&n);
    custom
        .iter()
        .find(|f| f.key == key || normalise(&f.label) == n)
        .map(|f| Target::Custom(f.key.clone()))
}

/// The mapping suggested by the header names: each column's field, or
/// None. When two columns suggest the same field the first keeps it, but
/// an exact `location_id` beats a location path.
pub fn suggest(columns: &[String], custom: &[FieldName]) -> Vec<(String, Option<Target>)> {
    let mut out: Vec<(String, Option<Target>)> = Vec::with_capacity(columns.len());
    for c in columns {
        let mut t = guess(c, custom);
        if let Some(target) = &t
            && let Some(prev) = out.iter_mut().find(|(_, p)| p.as_ref() == Some(target))
        {
            if *target == Target::Location && normalise(c) == "location_id" {
                prev.1 = None;
            } else {
                t = None;
            }
        }
        out.push((c.clone(), t));
    }
    out
}

/// Checks a client's mapping (column → field name, or null / "" to
/// ignore) against the file's columns and the known custom fields.
pub fn check(
    columns: &[String],
    mapping: &[(String, Option<String>)],
    custom: &[FieldName],
) -> Result<Vec<(String, Option<Target>)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut chosen: HashMap<String, Option<Target>> = HashMap::new();
    let mut used: HashMap<Target, String> = HashMap::new();
    for (column, field) in mapping {
        let at = format!("mapping.{column}");
        let Some(real) = columns
            .iter()
            .find(|c| *c == column || c.eq_ignore_ascii_case(column))
        else {
            errors.push(FieldError::new(
                at,
                format!(
                    "the file has no column `{column}`; its columns are: {}",
                    columns.join(", ")
                ),
            ));
            continue;
        };
        let field = field.as_deref().map(str::trim).filter(|f| !f.is_empty());
        let Some(field) = field else {
            chosen.insert(real.clone(), None);
            continue;
        };
        let Some(target) = Target::parse(field) else {
            let names: Vec<String> = targets(custom).into_iter().map(|(n, _)| n).collect();
            errors.push(FieldError::new(
                at,
                format!(
                    "`{field}` is not an asset field; fields are: {}",
                    names.join(", ")
                ),
            ));
            continue;
        };
        if let Target::Custom(k) = &target
            && !custom.iter().any(|f| f.key == *k)
        {
            errors.push(FieldError::new(
                at,
                format!("no asset type has a custom field `{k}`"),
            ));
            continue;
        }
        if let Some(other) = used.get(&target) {
            errors.push(FieldError::new(
                at,
                format!(
                    "`{other}` is already mapped to {}; map one column per field",
                    target.name()
                ),
            ));
            continue;
        }
        used.insert(target.clone(), real.clone());
        chosen.insert(real.clone(), Some(target));
    }
    if !used.contains_key(&Target::Tag) && errors.is_empty() {
        errors.push(FieldError::new(
            "mapping",
            "no column is mapped to `tag`; the tag says which asset a row creates or updates",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(columns
        .iter()
        .map(|c| (c.clone(), chosen.remove(c).flatten()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpm() -> Vec<FieldName> {
        vec![FieldName {
            key: "spindle_rpm".into(),
            label: "Spindle speed".into(),
            type_key: "machine".into(),
        }]
    }

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn suggests_by_normalised_names_labels_and_cf_keys() {
        let s = suggest(
            &cols(&[
                "Asset Tag",
                "Name",
                "IP-Address",
                "Serial No.",
                "cf_spindle_rpm",
                "Colour",
            ]),
            &rpm(),
        );
        let names: Vec<Option<String>> = s.iter().map(|(_, t)| t.as_ref().map(Target::name)).collect();
        assert_eq!(
            names,
            [
                Some("tag".into()),
                Some("name".into()),
                Some("ip".into()),
                Some("serial".into()),
                Some("custom_fields.spindle_rpm".into()),
                None
            ]
        );
        let s = suggest(&cols(&["tag", "Spindle speed"]), &rpm());
        assert_eq!(s[1].1, Some(Target::Custom("spindle_rpm".into())));
        // An export has both; the id wins.
        let s = suggest(&cols(&["tag", "location", "location_id", "parent_tag"]), &[]);
        assert_eq!(s[1].1, None);
        assert_eq!(s[2].1, Some(Target::Location));
        assert_eq!(s[3].1, Some(Target::Parent));
    }

    #[test]
    fn checks_a_mapping() {
        let c = cols(&["A", "B", "C"]);
        let m = |pairs: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), b.map(str::to_owned)))
                .collect()
        };
        let ok = check(
            &c,
            &m(&[("a", Some("tag")), ("B", Some("cf_spindle_rpm"))]),
            &rpm(),
        )
        .unwrap();
        assert_eq!(ok[0].1, Some(Target::Tag));
        assert_eq!(ok[1].1, Some(Target::Custom("spindle_rpm".into())));
        assert_eq!(ok[2].1, None);
        let errs = check(
            &c,
            &m(&[
                ("A", Some("tag")),
                ("B", Some("tag")),
                ("Z", Some("name")),
                ("C", Some("colour")),
            ]),
            &rpm(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["mapping.B", "mapping.Z", "mapping.C"]);
        let errs = check(&c, &m(&[("A", Some("name"))]), &rpm()).unwrap_err();
        assert_eq!(errs[0].field, "mapping");
        let errs = check(&c, &m(&[("A", Some("tag")), ("B", Some("cf_nope"))]), &rpm()).unwrap_err();
        assert!(errs[0].message.contains("no asset type"));
    }
}
