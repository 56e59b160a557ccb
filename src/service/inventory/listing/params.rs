//! Query parameters of lists and exports → a checked request. Pure: no
//! database, no HTTP. Every problem is reported at once, each naming its
//! parameter. Columns and fields come only from closed sets; values are
//! returned as data, for the repository to bind.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::db::queries::asset_list::SortColumn;
use crate::domain::inventory::fields::{MAX_TEXT, check_key};
use crate::domain::inventory::{AssetId, AssetStatus, AssetTag, LocationId, parse_ip};
use crate::service::FieldError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 1000;
/// Longest `q`.
pub const MAX_Q: usize = 200;
/// Longest exact-match filter value (longer than any column holds).
const MAX_VALUE: usize = 500;
/// Longest comma list (`status`, `type`, `sort`, `fields`), in characters.
const MAX_LIST: usize = 2000;
/// Prefix of custom field filters: `cf_<field key>=value`.
pub const CUSTOM_PREFIX: &str = "cf_";

/// The parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawParams {
    pub status: Option<String>,
    pub types: Option<String>,
    pub location: Option<i64>,
    pub include_descendants: Option<bool>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub tag: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub parent_id: Option<i64>,
    pub updated_since: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub fields: Option<String>,
    /// Every `cf_…` parameter: (name with the prefix, value).
    pub custom: Vec<(String, String)>,
}

/// A checked filter; type keys, the location and custom field keys are
/// still to be looked up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub statuses: Vec<AssetStatus>,
    pub types: Vec<String>,
    /// (location, include descendants).
    pub location: Option<(LocationId, bool)>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub tag: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub parent_id: Option<AssetId>,
    pub updated_since: Option<DateTime<Utc>>,
    /// (field key, value text) per `cf_` parameter.
    pub custom: Vec<(String, String)>,
    /// Lower case.
    pub q: Option<String>,
}

/// A property of a list item, for `fields=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListField {
    Id,
    Tag,
    Name,
    Type,
    TypeId,
    TypeName,
    Status,
    LocationId,
    LocationPath,
    ParentId,
    Manufacturer,
    Model,
    Serial,
    Hostname,
    Ip,
    Mac,
    Owner,
    Department,
    PurchaseDate,
    WarrantyEnd,
    Notes,
    CustomFields,
    Version,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
    UpdatedBy,
}

impl ListField {
    pub const ALL: &'static [ListField] = &[
        Self::Id,
        Self::Tag,
        Self::Name,
        Self::Type,
        Self::TypeId,
        Self::TypeName,
        Self::Status,
        Self::LocationId,
        Self::LocationPath,
        Self::ParentId,
        Self::Manufacturer,
        Self::Model,
        Self::Serial,
        Self::Hostname,
        Self::Ip,
        Self::Mac,
        Self::Owner,
        Self::Department,
        Self::PurchaseDate,
        Self::WarrantyEnd,
        Self::Notes,
        Self::CustomFields,
        Self::Version,
        Self::CreatedAt,
        Self::CreatedBy,
        Self::UpdatedAt,
        Self::UpdatedBy,
    ];

    /// The JSON property name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Tag => "tag",
            Self::Name => "name",
            Self::Type => "type",
            Self::TypeId => "type_id",
            Self::TypeName => "type_name",
            Self::Status => "status",
            Self::LocationId => "location_id",
            Self::LocationPath => "location_path",
            Self::ParentId => "parent_id",
            Self::Manufacturer => "manufacturer",
            Self::Model => "model",
            Self::Serial => "serial",
            Self::Hostname => "hostname",
            Self::Ip => "ip",
            Self::Mac => "mac",
            Self::Owner => "owner",
            Self::Department => "department",
            Self::PurchaseDate => "purchase_date",
            Self::WarrantyEnd => "warranty_end",
            Self::Notes => "notes",
            Self::CustomFields => "custom_fields",
            Self::Version => "version",
            Self::CreatedAt => "created_at",
            Self::CreatedBy => "created_by",
            Self::UpdatedAt => "updated_at",
            Self::UpdatedBy => "updated_by",
        }
    }
}

/// Which properties list items carry: `None` = all of them.
pub type FieldSet = Option<BTreeSet<ListField>>;

/// A checked list request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListSpec {
    pub filter: Filter,
    /// (column, descending), in order; empty = by tag.
    pub sort: Vec<(SortColumn, bool)>,
    pub fields: FieldSet,
}

/// The `cf_…` pairs of a raw query string (`a=1&cf_rpm=12000`), decoded.
pub fn custom_params(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k.starts_with(CUSTOM_PREFIX))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A parameter's value for messages: at most 60 characters.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Items of a comma list, trimmed, empty ones dropped.
fn items(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|i| !i.is_empty())
}

/// A text value: trimmed; empty means "not given".
fn text(name: &str, v: &Option<String>, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let t = v.as_deref()?.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > max {
        errors.push(FieldError::new(name, format!("must be at most {max} characters")));
        return None;
    }
    if t.chars().any(char::is_control) {
        errors.push(FieldError::new(name, "must not contain control characters"));
        return None;
    }
    Some(t.to_owned())
}

/// Checks the filter parameters (shared by lists and exports).
pub fn parse_filter(raw: &RawParams) -> Result<Filter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Filter::default();

    if let Some(s) = text("status", &raw.status, MAX_LIST, &mut errors) {
        for item in items(&s) {
            match item.parse::<AssetStatus>() {
                Ok(st) if !f.statuses.contains(&st) => f.statuses.push(st),
                Ok(_) => {}
                Err(_) => errors.push(FieldError::new(
                    "status",
                    format!("`{}` is not a status ({})", shown(item), AssetStatus::accepted()),
                )),
            }
        }
    }
    if let Some(s) = text("type", &raw.types, MAX_LIST, &mut errors) {
        for item in items(&s) {
            match check_key(item) {
                Ok(()) if !f.types.iter().any(|t| t == item) => f.types.push(item.to_owned()),
                Ok(()) => {}
                Err(_) => errors.push(FieldError::new(
                    "type",
                    format!("`{}` is not an asset type key", shown(item)),
                )),
            }
        }
    }
    if let Some(id) = raw.location {
        f.location = Some((LocationId(id), raw.include_descendants.unwrap_or(true)));
    } else if raw.include_descendants.is_some() {
        errors.push(FieldError::new(
            "include_descendants",
            "only applies together with `location`",
        ));
    }
    f.manufacturer = text("manufacturer", &raw.manufacturer, MAX_VALUE, &mut errors);
    f.model = text("model", &raw.model, MAX_VALUE, &mut errors);
    // Host names are stored lower case.
    f.hostname = text("hostname", &raw.hostname, MAX_VALUE, &mut errors).map(|h| h.to_ascii_lowercase());
    if let Some(t) = text("tag", &raw.tag, MAX_VALUE, &mut errors) {
        match AssetTag::parse(&t) {
            Ok(tag) => f.tag = Some(tag.into_string()),
            Err(m) => errors.push(FieldError::new("tag", m)),
        }
    }
    if let Some(t) = text("ip", &raw.ip, MAX_VALUE, &mut errors) {
        match parse_ip(&t) {
            Ok(ip) => f.ip = Some(ip),
            Err(_) => errors.push(FieldError::new(
                "ip",
                format!("`{}` is not an IPv4 or IPv6 address", shown(&t)),
            )),
        }
    }
    f.parent_id = raw.parent_id.map(AssetId);
    if let Some(t) = text("updated_since", &raw.updated_since, 100, &mut errors) {
        match DateTime::parse_from_rfc3339(&t) {
            Ok(d) => f.updated_since = Some(d.with_timezone(&Utc)),
            Err(_) => errors.push(FieldError::new(
                "updated_since",
                format!(
                    "`{}` is not an RFC 3339 timestamp (e.g. 2026-03-01T08:00:00Z)",
                    shown(&t)
                ),
            )),
        }
    }
    f.q = text("q", &raw.q, MAX_Q, &mut errors).map(|q| q.to_lowercase());
    for (name, value) in &raw.custom {
        let key = name.strip_prefix(CUSTOM_PREFIX).unwrap_or(name);
        let param = format!("{CUSTOM_PREFIX}{}", shown(key));
        if check_key(key).is_err() {
            errors.push(FieldError::new(
                param,
                "is not a custom field filter: cf_ must be followed by a field key",
            ));
            continue;
        }
        let v = value.trim();
        if v.chars().count() > MAX_TEXT {
            errors.push(FieldError::new(
                param,
                format!("must be at most {MAX_TEXT} characters"),
            ));
        } else if v.is_empty() {
            errors.push(FieldError::new(param, "needs a value"));
        } else {
            f.custom.push((key.to_owned(), v.to_owned()));
        }
    }
    if errors.is_empty() { Ok(f) } else { Err(errors) }
}

/// `sort=location,-updated_at`: allow-listed columns, `-` for descending.
pub fn parse_sort(s: &str) -> Result<Vec<(SortColumn, bool)>, String> {
    if s.chars().count() > MAX_LIST {
        return Err(format!("must be at most {MAX_LIST} characters"));
    }
    let mut out: Vec<(SortColumn, bool)> = Vec::new();
    for item in items(s) {
        let (name, desc) = match item.strip_prefix('-') {
            Some(rest) => (rest.trim(), true),
            None => (item, false),
        };
        let col = SortColumn::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| {
                let allowed: Vec<&str> = SortColumn::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "cannot sort by `{}`; sortable columns are: {} (prefix `-` for descending)",
                    shown(name),
                    allowed.join(", ")
                )
            })?;
        if !out.iter().any(|(c, _)| *c == col) {
            out.push((col, desc));
        }
    }
    Ok(out)
}

/// `fields=tag,name,status`: the properties list items carry (`id`
/// always).
pub fn parse_fields(s: &str) -> Result<BTreeSet<ListField>, String> {
    if s.chars().count() > MAX_LIST {
        return Err(format!("must be at most {MAX_LIST} characters"));
    }
    let mut out = BTreeSet::from([ListField::Id]);
    for item in items(s) {
        let f = ListField::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == item)
            .ok_or_else(|| {
                let allowed: Vec<&str> = ListField::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "`{}` is not a field; fields are: {}",
                    shown(item),
                    allowed.join(", ")
                )
            })?;
        out.insert(f);
    }
    Ok(out)
}

/// Checks a whole list request.
pub fn parse_list(raw: &RawParams) -> Result<ListSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let filter = parse_filter(raw).map_err(|e| errors.extend(e)).ok();
    let sort = match raw.sort.as_deref() {
        None => Vec::new(),
        Some(s) => parse_sort(s)
            .map_err(|m| errors.push(FieldError::new("sort", m)))
            .unwrap_or_default(),
    };
    let fields = match raw.fields.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => parse_fields(s)
            .map_err(|m| errors.push(FieldError::new("fields", m)))
            .ok(),
    };
    match filter {
        Some(filter) if errors.is_empty() => Ok(ListSpec {
            filter,
            sort: if sort.is_empty() {
                vec![(SortColumn::Tag, false)]
            } else {
                sort
            },
            fields,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields_of(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn filters() {
        let raw = RawParams {
            status: Some("in_service, spare,in_service".into()),
            types: Some("machine,computer".into()),
            location: Some(9),
            tag: Some(" cnc-0001 ".into()),
            ip: Some("FE80::0001".into()),
            manufacturer: Some("  ".into()),
            updated_since: Some("2026-03-01T09:00:00+01:00".into()),
            q: Some("  Lathe ".into()),
            custom: vec![("cf_rpm".into(), " 12000 ".into())],
            ..RawParams::default()
        };
        let f = parse_filter(&raw).unwrap();
        assert_eq!(f.statuses, [AssetStatus::InService, AssetStatus::Spare]);
        assert_eq!(f.types, ["machine", "computer"]);
        assert_eq!(f.location, Some((LocationId(9), true)));
        assert_eq!(f.tag.as_deref(), Some("CNC-0001"));
        assert_eq!(f.ip.as_deref(), Some("fe80::1"));
        assert_eq!(f.manufacturer, None);
        assert_eq!(f.updated_since.unwrap().to_rfc3339(), "2026-03-01T08:00:00+00:00");
        assert_eq!(f.q.as_deref(), Some("lathe"));
        assert_eq!(f.custom, [("rpm".to_owned(), "12000".to_owned())]);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let raw = RawParams {
            status: Some("broken".into()),
            types: Some("Machine!".into()),
            include_descendants: Some(false),
            ip: Some("10.0.0.256".into()),
            updated_since: Some("yesterday".into()),
            q: Some("x".repeat(201)),
            sort: Some("-colour".into()),
            fields: Some("tag,secret".into()),
            custom: vec![("cf_Bad Key".into(), "1".into()), ("cf_rpm".into(), "".into())],
            ..RawParams::default()
        };
        let e = parse_list(&raw).unwrap_err();
        assert_eq!(
            fields_of(&e),
            [
                "status",
                "type",
                "include_descendants",
                "ip",
                "updated_since",
                "q",
                "cf_Bad Key",
                "cf_rpm",
                "sort",
                "fields"
            ]
        );
        assert!(e[0].message.contains("planned, in_service"), "{e:?}");
        assert!(e[8].message.contains("tag, name, type"), "{e:?}");
        assert!(e[9].message.contains("custom_fields"), "{e:?}");
    }

    #[test]
    fn sorts() {
        assert_eq!(
            parse_sort("location, -updated_at,tag,location").unwrap(),
            [
                (SortColumn::Location, false),
                (SortColumn::UpdatedAt, true),
                (SortColumn::Tag, false)
            ]
        );
        assert!(parse_sort("name;drop table assets").is_err());
        assert!(parse_sort("--tag").is_err());
        let spec = parse_list(&RawParams::default()).unwrap();
        assert_eq!(spec.sort, [(SortColumn::Tag, false)]);
        assert_eq!(spec.fields, None);
    }

    #[test]
    fn fields() {
        let f = parse_fields("tag, status").unwrap();
        assert_eq!(
            f.into_iter().collect::<Vec<_>>(),
            [ListField::Id, ListField::Tag, ListField::Status]
        );
        let spec = parse_list(&RawParams {
            fields: Some(" ".into()),
            ..RawParams::default()
        })
        .unwrap();
        assert_eq!(spec.fields, None);
    }

    #[test]
    fn custom_params_come_from_the_raw_query() {
        assert_eq!(
            custom_params("limit=5&cf_rpm=12%20000&cf_os=Win+11&cfx=1&q=a"),
            [
                ("cf_rpm".to_owned(), "12 000".to_owned()),
                ("cf_os".to_owned(), "Win 11".to_owned())
            ]
        );
    }

    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[-,'\"%_\\\\;\\x00 a-z]{0,40}",
            Just("'; DROP TABLE assets; --".to_owned()),
            Just("tag) OR 1=1 --".to_owned()),
            Just("x".repeat(5000)),
            Just("é🦀\u{0}\u{202e}".to_owned()),
            prop::sample::select(
                SortColumn::ALL
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect::<Vec<_>>()
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Hostile input never panics; only allow-listed columns and
        /// fields get through; values come back as data only.
        #[test]
        fn hostile_strings(
            status in hostile(),
            types in hostile(),
            text in hostile(),
            sort in hostile(),
            fields in hostile(),
            key in hostile(),
        ) {
            let raw = RawParams {
                status: Some(status),
                types: Some(types.clone()),
                manufacturer: Some(text.clone()),
                hostname: Some(text.clone()),
                tag: Some(text.clone()),
                ip: Some(text.clone()),
                updated_since: Some(text.clone()),
                q: Some(text.clone()),
                sort: Some(sort.clone()),
                fields: Some(fields.clone()),
                custom: vec![(format!("cf_{key}"), text.clone())],
                ..RawParams::default()
            };
            match parse_list(&raw) {
                Ok(spec) => {
                    for (col, _) in &spec.sort {
                        prop_assert!(SortColumn::ALL.contains(col));
                    }
                    for f in spec.fields.iter().flatten() {
                        prop_assert!(ListField::ALL.contains(f));
                    }
                    for t in &spec.filter.types {
                        prop_assert!(check_key(t).is_ok());
                    }
                    for (k, _) in &spec.filter.custom {
                        prop_assert!(check_key(k).is_ok());
                    }
                    if let Some(q) = &spec.filter.q {
                        prop_assert!(q.chars().count() <= MAX_Q);
                        prop_assert!(!q.contains('\0'));
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in &errors {
                        // Messages echo at most a short excerpt of the input.
                        prop_assert!(e.message.chars().count() < 1000, "{}", e.message);
                    }
                }
            }
            // The parts alone: sort and fields only ever yield known names.
            if let Ok(cols) = parse_sort(&sort) {
                for (c, _) in cols {
                    prop_assert!(sort.contains(c.as_str()));
                }
            }
            let _ = parse_fields(&fields);
            let _ = custom_params(&text);
        }
    }
}
