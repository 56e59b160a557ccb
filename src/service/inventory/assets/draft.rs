//! An asset as a client sent it (raw text), and the one validation every
//! write goes through: create, update, bulk rows, CSV rows and reverts.
//! Every broken rule is collected, so a 422 lists them all at once.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::db::queries::asset_bulk;
use crate::db::queries::assets::{self, AssetFields};
use crate::db::queries::field_defs::{self, TypeRef};
use crate::db::{DbError, Exec};
use crate::domain::inventory::fields::{self, CheckedFields, FieldDef};
use crate::domain::inventory::{
    AssetId, AssetStatus, AssetTag, AssetTypeId, LocationId, parse_date, parse_ip, parse_mac,
};
use crate::service::{FieldError, ServiceError};

/// Which type: by key (`machine`) or by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSel {
    Key(String),
    Id(i64),
}

/// Raw input for one asset: what the API, a bulk item or a CSV row carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetDraft {
    pub tag: String,
    pub name: String,
    pub type_sel: Option<TypeSel>,
    /// Defaults to `in_service`.
    pub status: Option<String>,
    pub location_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub mac: Option<String>,
    pub owner: Option<String>,
    pub department: Option<String>,
    pub purchase_date: Option<String>,
    pub warranty_end: Option<String>,
    pub notes: Option<String>,
    pub custom_fields: Map<String, Value>,
}

impl AssetDraft {
    /// The stored asset as a draft (the base a patch or a revert applies to).
    pub fn from_fields(f: &AssetFields) -> Self {
        Self {
            tag: f.tag.clone(),
            name: f.name.clone(),
            type_sel: Some(TypeSel::Id(f.type_id.0)),
            status: Some(f.status.as_str().to_owned()),
            location_id: f.location_id.map(|l| l.0),
            parent_id: f.parent_id.map(|p| p.0),
            manufacturer: f.manufacturer.clone(),
            model: f.model.clone(),
            serial: f.serial.clone(),
            hostname: f.hostname.clone(),
            ip: f.ip.clone(),
            mac: f.mac.clone(),
            owner: f.owner.clone(),
            department: f.department.clone(),
            purchase_date: f.purchase_date.clone(),
            warranty_end: f.warranty_end.clone(),
            notes: f.notes.clone(),
            custom_fields: f.custom_fields.clone(),
        }
    }

    /// Sets one field by its change-log name (`name`, `location_id`,
    /// `custom_fields.rpm` …): how a revert puts old values back.
    pub fn set_flat(&mut self, key: &str, v: &Value) -> Result<(), String> {
        let text = || match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(format!("{key}: unexpected value {other}")),
        };
        let id = || match v {
            Value::Null => Ok(None),
            other => other
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{key}: unexpected value {other}")),
        };
        match key {
            "tag" => self.tag = text()?.unwrap_or_default(),
            "name" => self.name = text()?.unwrap_or_default(),
            "type_id" => self.type_sel = id()?.map(TypeSel::Id),
            "status" => self.status = text()?,
            "location_id" => self.location_id = id()?,
            "parent_id" => self.parent_id = id()?,
            other if self.text_field(other).is_some() => {
                let v = text()?;
                if let Some(slot) = self.text_field(other) {
                    *slot = v;
                }
            }
            other => match other.strip_prefix("custom_fields.") {
                Some(k) if v.is_null() => {
                    self.custom_fields.remove(k);
                }
                Some(k) => {
                    self.custom_fields.insert(k.to_owned(), v.clone());
                }
                None => return Err(format!("unknown field {other}")),
            },
        }
        Ok(())
    }

    /// The optional text column called `key` (`manufacturer`, `ip`,
    /// `notes` …), or None for any other name.
    pub fn text_field(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "manufacturer" => &mut self.manufacturer,
            "model" => &mut self.model,
            "serial" => &mut self.serial,
            "hostname" => &mut self.hostname,
            "ip" => &mut self.ip,
            "mac" => &mut self.mac,
            "owner" => &mut self.owner,
            "department" => &mut self.department,
            "purchase_date" => &mut self.purchase_date,
            "warranty_end" => &mut self.warranty_end,
            "notes" => &mut self.notes,
            _ => return None,
        })
    }
}

/// A validated asset, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidAsset {
    pub fields: AssetFields,
    pub index: CheckedFields,
    pub type_ref: TypeRef,
}

/// Caches what validation looks up, so a bulk run of 10,000 rows asks the
/// database once per type and location, not once per row. Bulk work also
/// preloads per chunk the tags and parents it is about to check, so a row
/// validates without a round trip.
#[derive(Default)]
pub struct Lookups {
    types_by_key: HashMap<String, Option<TypeRef>>,
    types_by_id: HashMap<i64, Option<TypeRef>>,
    all_types: Option<Vec<String>>,
    defs: HashMap<AssetTypeId, Vec<FieldDef>>,
    locations: HashMap<i64, bool>,
    /// Preloaded tag → asset; when set, a tag not in it is free.
    tags: Option<HashMap<String, AssetId>>,
    /// Known assets → their parent (for parent checks and cycle walks).
    parents: HashMap<AssetId, Option<AssetId>>,
    /// Unique custom fields are checked by the caller, in batches.
    defer_unique: bool,
}

impl Lookups {
    pub(crate) async fn type_ref(
        &mut self,
        e: &mut impl Exec,
        sel: &TypeSel,
    ) -> Result<Option<TypeRef>, DbError> {
        let t = match sel {
            TypeSel::Key(k) => {
                let k = k.trim().to_ascii_lowercase();
                if let Some(t) = self.types_by_key.get(&k) {
                    return Ok(t.clone());
                }
                let t = field_defs::type_by_key(e, &k).await?;
                self.types_by_key.insert(k, t.clone());
                t
            }
            TypeSel::Id(id) => {
                if let Some(t) = self.types_by_id.get(id) {
                    return Ok(t.clone());
                }
                let t = field_defs::type_by_id(e, AssetTypeId(*id)).await?;
                self.types_by_id.insert(*id, t.clone());
                t
            }
        };
        Ok(t)
    }

    async fn type_keys(&mut self, e: &mut impl Exec) -> Result<String, DbError> {
        if self.all_types.is_none() {
            let keys = field_defs::all_types(e)
                .await?
                .into_iter()
                .map(|t| t.key)
                .collect();
            self.all_types = Some(keys);
        }
        Ok(self.all_types.as_deref().unwrap_or_default().join(", "))
    }

    pub async fn defs(&mut self, e: &mut impl Exec, t: AssetTypeId) -> Result<&[FieldDef], DbError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.defs.entry(t) {
            slot.insert(field_defs::load_defs(e, t).await?);
        }
        Ok(self.defs.get(&t).map(Vec::as_slice).unwrap_or_default())
    }

    async fn location_exists(&mut self, e: &mut impl Exec, id: i64) -> Result<bool, DbError> {
        if let Some(x) = self.locations.get(&id) {
            return Ok(*x);
        }
        let x = assets::location_exists(e, LocationId(id)).await?;
        self.locations.insert(id, x);
        Ok(x)
    }

    /// Looks up in one statement the locations not seen yet.
    pub async fn preload_locations(&mut self, e: &mut impl Exec, ids: &[i64]) -> Result<(), DbError> {
        let mut missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.locations.contains_key(i))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let found = asset_bulk::existing_locations(e, &missing).await?;
        for id in missing {
            self.locations.insert(id, found.contains(&id));
        }
        Ok(())
    }

    /// From now on tags are checked against `tags` only: the caller has
    /// loaded every stored tag it is about to validate.
    pub fn set_known_tags(&mut self, tags: HashMap<String, AssetId>) {
        self.tags = Some(tags);
    }

    /// Records assets known to exist, with their parents.
    pub fn note_assets(&mut self, known: impl IntoIterator<Item = (AssetId, Option<AssetId>)>) {
        self.parents.extend(known);
    }

    /// Unique custom fields are left to the caller (bulk work checks a
    /// whole chunk, and the request itself, in one go).
    pub fn defer_unique(&mut self) {
        self.defer_unique = true;
    }

    async fn tag_holder(&mut self, e: &mut impl Exec, tag: &str) -> Result<Option<AssetId>, DbError> {
        match &self.tags {
            Some(m) => Ok(m.get(tag).copied()),
            None => assets::find_id_by_tag(e, tag).await,
        }
    }

    /// `None`: no such asset; `Some(parent)` otherwise.
    async fn parent_of(
        &mut self,
        e: &mut impl Exec,
        id: AssetId,
    ) -> Result<Option<Option<AssetId>>, DbError> {
        if let Some(p) = self.parents.get(&id) {
            return Ok(Some(*p));
        }
        let found = asset_bulk::parent_ids(e, &[id]).await?;
        Ok(found.into_iter().next().map(|(_, p)| p))
    }
}

const TEXT_LIMITS: [(&str, usize); 6] = [
    ("manufacturer", 200),
    ("model", 200),
    ("serial", 200),
    ("owner", 200),
    ("department", 200),
    ("notes", 10_000),
];

fn clean(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn check_hostname(h: &str) -> Result<String, String> {
    let ok = h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(h.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{h}` is not a host name (letters, digits, `-`, dots between labels)"
        ))
    }
}

/// Checks a draft: every rule, every field, all errors at once.
/// `self_id` is the asset being updated (None on create); `creating`
/// applies custom field defaults.
pub async fn validate(
    e: &mut impl Exec,
    lookups: &mut Lookups,
    draft: &AssetDraft,
    self_id: Option<AssetId>,
    creating: bool,
) -> Result<ValidAsset, ServiceError> {
    let mut errors = Vec::new();
    let mut err = |f: &str, m: String| errors.push(FieldError::new(f, m));

    let tag = match AssetTag::parse(&draft.tag) {
        Ok(t) => {
            if let Some(other) = lookups.tag_holder(e, t.as_str()).await?
                && Some(other) != self_id
            {
                err("tag", format!("{t} is already used by asset {other}"));
            }
            t.into_string()
        }
        Err(m) => {
            err("tag", m);
            String::new()
        }
    };
    let name = draft.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        err("name", "must be 1-200 characters".into());
    }
    let type_ref = match &draft.type_sel {
        None => {
            err("type", "is required (an asset type key such as `machine`)".into());
            None
        }
        Some(sel) => {
            let t = lookups.type_ref(e, sel).await?;
            if t.is_none() {
                let what = match sel {
                    TypeSel::Key(k) => format!("`{k}`"),
                    TypeSel::Id(i) => format!("id {i}"),
                };
                let known = lookups.type_keys(e).await?;
                err("type", format!("no asset type {what}; known types: {known}"));
            }
            t
        }
    };
    let status = match &draft.status {
        None => AssetStatus::InService,
        Some(s) => s.trim().parse().unwrap_or_else(|m: String| {
            err("status", m);
            AssetStatus::InService
        }),
    };
    if let Some(l) = draft.location_id
        && !lookups.location_exists(e, l).await?
    {
        err("location_id", format!("there is no location {l}"));
    }
    if let Some(p) = draft.parent_id {
        match check_parent(e, lookups, AssetId(p), self_id).await? {
            Ok(()) => {}
            Err(m) => err("parent_id", m),
        }
    }
    let mut text = |key: &str, v: &Option<String>, max: usize| {
        let v = clean(v);
        if v.as_ref().is_some_and(|s| s.chars().count() > max) {
            err(key, format!("must be at most {max} characters"));
        }
        v
    };
    let [manufacturer, model, serial, owner, department, notes] =
        TEXT_LIMITS.map(|(k, max)| text(k, field_ref(draft, k), max));
    let mut parsed = |key: &str, v: &Option<String>, f: fn(&str) -> Result<String, String>| {
        clean(v).and_then(|s| match f(&s) {
            Ok(x) => Some(x),
            Err(m) => {
                err(key, m);
                None
            }
        })
    };
    let hostname = parsed("hostname", &draft.hostname, check_hostname);
    let ip = parsed("ip", &draft.ip, parse_ip);
    let mac = parsed("mac", &draft.mac, parse_mac);
    let purchase_date = parsed("purchase_date", &draft.purchase_date, parse_date);
    let warranty_end = parsed("warranty_end", &draft.warranty_end, parse_date);

    let mut index = CheckedFields::default();
    if let Some(t) = &type_ref {
        let defs = lookups.defs(e, t.id).await?.to_vec();
        let mut input = draft.custom_fields.clone();
        if creating {
            fields::apply_defaults(&defs, &mut input);
        }
        match fields::check_all(&defs, &input) {
            Ok(c) => index = c,
            Err(list) => {
                for (f, m) in list {
                    err(&f, m);
                }
            }
        }
        for (field, value, unique) in &index.index {
            if !unique || lookups.defer_unique {
                continue;
            }
            if let Some(holder) = assets::find_unique_holder(e, *field, value, self_id).await? {
                let key = defs
                    .iter()
                    .find(|d| d.id == *field)
                    .map_or("?", |d| d.key.as_str());
                err(
                    &format!("custom_fields.{key}"),
                    format!("`{value}` is already used by asset {holder}; it must be unique within the type"),
                );
            }
        }
    }

    match (errors.is_empty(), type_ref) {
        (true, Some(type_ref)) => Ok(ValidAsset {
            fields: AssetFields {
                tag,
                name,
                type_id: type_ref.id,
                status,
                location_id: draft.location_id.map(LocationId),
                parent_id: draft.parent_id.map(AssetId),
                manufacturer,
                model,
                serial,
                hostname,
                ip,
                mac,
                owner,
                department,
                purchase_date,
                warranty_end,
                notes,
                custom_fields: index.values.clone(),
            },
            index,
            type_ref,
        }),
        _ => Err(ServiceError::Validation(errors)),
    }
}

fn field_ref<'a>(d: &'a AssetDraft, key: &str) -> &'a Option<String> {
    match key {
        "manufacturer" => &d.manufacturer,
        "model" => &d.model,
        "serial" => &d.serial,
        "owner" => &d.owner,
        "department" => &d.department,
        _ => &d.notes,
    }
}

/// A parent must exist, and must not be the asset itself or inside it.
async fn check_parent(
    e: &mut impl Exec,
    lookups: &mut Lookups,
    parent: AssetId,
    self_id: Option<AssetId>,
) -> Result<Result<(), String>, DbError> {
    if Some(parent) == self_id {
        return Ok(Err("an asset cannot contain itself".into()));
    }
    let Some(mut cur) = lookups.parent_of(e, parent).await? else {
        return Ok(Err(format!("there is no asset {parent}")));
    };
    let Some(me) = self_id else { return Ok(Ok(())) };
    // Walk up from the new parent; meeting ourselves means a cycle.
    for _ in 0..64 {
        let Some(c) = cur else { return Ok(Ok(())) };
        if c == me {
            return Ok(Err(format!(
                "asset {parent} is inside this asset; containment cannot form a cycle"
            )));
        }
        cur = lookups.parent_of(e, c).await?.flatten();
    }
    Ok(Err("containment is nested more than 64 levels deep".into()))
}
