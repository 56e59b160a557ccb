//! Asset types and their custom field definitions. Any role reads them;
//! admins administer them. A definition change is checked against the
//! assets that exist (refused, with the violating assets, if any break it)
//! and every change is recorded in the change log in its transaction.

mod data;
mod spec;

use serde_json::{Map, Value, json};

pub use data::{LISTED_IN_DRY_RUN, LISTED_IN_REFUSAL, Violation};
pub use spec::FieldDraft;

use super::ExpectedVersion;
use super::history::{self, action, entity};
use crate::db::queries::asset_search::{self, SearchText};
use crate::db::queries::asset_types::{self as q, FieldData, FieldRow, TypeRow};
use crate::db::queries::assets::{self, AssetFields, AssetRow};
use crate::db::queries::changes::NewChange;
use crate::db::queries::field_defs;
use crate::db::{DbError, Exec, Tx};
use crate::domain::Role;
use crate::domain::inventory::fields::check_key;
use crate::domain::inventory::{AssetId, AssetTypeId, FieldId};
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_FIELDS: usize = 200;

/// A type as the API shows it.
#[derive(Debug, Clone)]
pub struct TypeView {
    pub row: TypeRow,
    pub fields: Vec<FieldRow>,
    pub asset_count: i64,
}

pub struct Page {
    pub items: Vec<TypeView>,
    pub total: i64,
}

/// Types with their fields and asset counts: four statements whatever the
/// page size.
pub async fn list(state: &AppState, who: &Principal, limit: u64, offset: u64) -> Result<Page, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let rows = q::list_types(&mut db, limit, offset).await?;
    let total = q::count_types(&mut db).await?;
    let items = assemble(&mut db, rows).await?;
    Ok(Page { items, total })
}

async fn assemble(e: &mut impl Exec, rows: Vec<TypeRow>) -> Result<Vec<TypeView>, ServiceError> {
    let ids: Vec<AssetTypeId> = rows.iter().map(|r| r.id).collect();
    let mut fields = q::fields_of_types(e, &ids).await?;
    let counts = q::asset_counts(e, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest): (Vec<FieldRow>, Vec<FieldRow>) = std::mem::take(&mut fields)
                .into_iter()
                .partition(|f| f.type_id == row.id);
            fields = rest;
            let asset_count = counts.iter().find(|c| c.0 == row.id).map_or(0, |c| c.1);
            TypeView {
                row,
                fields: mine,
                asset_count,
            }
        })
        .collect())
}

async fn view(e: &mut impl Exec, id: AssetTypeId) -> Result<TypeView, ServiceError> {
    let row = q::find_type(e, id).await?.ok_or_else(|| not_found(id))?;
    Ok(assemble(e, vec![row]).await?.remove(0))
}

fn not_found(id: AssetTypeId) -> ServiceError {
    ServiceError::NotFound(format!("asset type {id}"))
}

pub async fn get(state: &AppState, who: &Principal, id: AssetTypeId) -> Result<TypeView, ServiceError> {
    who.require(Role::Viewer)?;
    view(&mut state.db.clone(), id).await
}

pub struct CreateType {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<FieldDraft>,
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            format!("must be 1-{MAX_NAME} characters"),
        ));
    }
    name.to_owned()
}

fn check_description(d: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let d = d.map(str::trim).filter(|d| !d.is_empty())?;
    if d.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Some(d.to_owned())
}

fn type_map(key: &str, name: &str, description: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("key".into(), key.into());
    m.insert("name".into(), name.into());
    m.insert("description".into(), description.into());
    m
}

/// A field definition as the change log shows it.
fn field_map(d: &FieldData) -> Map<String, Value> {
    let v = json!({
        "key": d.key,
        "label": d.label,
        "kind": d.kind.as_str(),
        "required": d.required,
        "unique": d.unique,
        "pattern": d.pattern,
        "min": d.min,
        "max": d.max,
        "choices": if d.choices.is_empty() { Value::Null } else { json!(d.choices) },
        "default": d.default,
        "help": d.help,
        "position": d.position,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn key_taken(key: &str) -> ServiceError {
    ServiceError::Conflict(format!("an asset type with the key `{key}` already exists"))
}

/// Creates a type and its initial fields; every problem in the type and
/// in each field is reported at once (`fields[2].pattern`).
pub async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    c: CreateType,
) -> Result<TypeView, ServiceError> {
    who.require(Role::Admin)?;
    let mut errors = Vec::new();
    if let Err(m) = check_key(&c.key) {
        errors.push(FieldError::new("key", m));
    }
    let name = check_name(&c.name, &mut errors);
    let description = check_description(c.description.as_deref(), &mut errors);
    if c.fields.len() > MAX_FIELDS {
        errors.push(FieldError::new("fields", format!("at most {MAX_FIELDS} fields")));
    }
    let mut valid = Vec::new();
    for (i, d) in c.fields.iter().enumerate() {
        if let Some(j) = c.fields[..i].iter().position(|o| o.key == d.key) {
            errors.push(FieldError::new(
                format!("fields[{i}].key"),
                format!("duplicates fields[{j}].key"),
            ));
        }
        if let Some(mut v) = spec::check(d, &format!("fields[{i}]."), &mut errors) {
            if !v.position_given {
                v.data.position = i32::try_from(i).unwrap_or(i32::MAX);
            }
            valid.push(v);
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    if field_defs::type_by_key(&mut tx, &c.key).await?.is_some() {
        return Err(key_taken(&c.key));
    }
    let id = q::insert_type(&mut tx, &c.key, &name, description.as_deref())
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => key_taken(&c.key),
            other => other.into(),
        })?;
    let mut created = type_map(&c.key, &name, description.as_deref());
    created.insert("builtin".into(), false.into());
    history::record(
        &mut tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET_TYPE,
            entity_id: id.0,
            action: action::CREATE,
            summary: c.key.clone(),
            changes: history::snapshot(&created, true),
            ..NewChange::default()
        },
    )
    .await?;
    for v in &valid {
        let fid = q::insert_field(&mut tx, id, &v.data).await?;
        record_field(&mut tx, who, ctx, &c.key, fid, action::CREATE, &v.data, None).await?;
    }
    let out = view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn record_field(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    type_key: &str,
    id: FieldId,
    act: &'static str,
    after: &FieldData,
    before: Option<&FieldData>,
) -> Result<(), ServiceError> {
    let changes = match (act, before) {
        (action::DELETE, _) => history::snapshot(&field_map(after), false),
        (_, Some(b)) => history::diff(&field_map(b), &field_map(after)),
        (_, None) => history::snapshot(&field_map(after), true),
    };
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET_TYPE_FIELD,
            entity_id: id.0,
            action: act,
            summary: format!("{type_key}.{}", after.key),
            changes,
            ..NewChange::default()
        },
    )
    .await?;
    Ok(())
}

pub struct UpdateType {
    pub name: Option<String>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub if_match: Option<String>,
    pub version: Option<i64>,
}

/// Renames a type or changes its description (built-in types too).
pub async fn update(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: AssetTypeId,
    u: UpdateType,
) -> Result<TypeView, ServiceError> {
    who.require(Role::Admin)?;
    let expected = ExpectedVersion::from_request(u.if_match.as_deref(), u.version)?;
    let mut errors = Vec::new();
    let name = u.name.as_deref().map(|n| check_name(n, &mut errors));
    let description = u
        .description
        .as_ref()
        .map(|d| check_description(d.as_deref(), &mut errors));
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let row = q::find_type(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    expected.check(row.version)?;
    let name = name.unwrap_or_else(|| row.name.clone());
    let description = description.unwrap_or_else(|| row.description.clone());
    let before = type_map(&row.key, &row.name, row.description.as_deref());
    let after = type_map(&row.key, &name, description.as_deref());
    let changes = history::diff(&before, &after);
    if changes.is_empty() {
        return view(&mut tx, id).await;
    }
    if !q::update_type(&mut tx, id, row.version, &name, description.as_deref()).await? {
        return Err(stale(&mut tx, id, expected).await);
    }
    history::record(
        &mut tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET_TYPE,
            entity_id: id.0,
            action: action::UPDATE,
            summary: row.key.clone(),
            changes,
            ..NewChange::default()
        },
    )
    .await?;
    let out = view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// The answer to a versioned write that lost a race.
async fn stale(tx: &mut Tx, id: AssetTypeId, expected: ExpectedVersion) -> ServiceError {
    match q::find_type(tx, id).await {
        Ok(Some(row)) => expected.stale(row.version),
        Ok(None) => not_found(id),
        Err(e) => e.into(),
    }
}

fn optional_version(if_match: Option<&str>) -> Result<Option<ExpectedVersion>, ServiceError> {
    if_match
        .map(|h| ExpectedVersion::from_request(Some(h), None))
        .transpose()
}

/// Deletes a type nobody uses. Built-in types stay (they can be renamed).
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    id: AssetTypeId,
    if_match: Option<&str>,
) -> Result<(), ServiceError> {
    who.require(Role::Admin)?;
    let expected = optional_version(if_match)?;
    let mut tx = state.db.begin().await?;
    let row = q::find_type(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    if let Some(e) = expected {
        e.check(row.version)?;
    }
    if row.builtin {
        return Err(ServiceError::Conflict(format!(
            "`{}` is a built-in type and cannot be deleted; it can be renamed",
            row.key
        )));
    }
    let used = q::asset_count(&mut tx, id).await?;
    if used > 0 {
        return Err(ServiceError::Conflict(format!(
            "{used} asset{} of type `{}` exist; move them to another type or delete them first",
            if used == 1 { "" } else { "s" },
            row.key
        )));
    }
    let fields = q::fields_of(&mut tx, id).await?;
    let deleted = q::delete_type(&mut tx, id).await.map_err(|e| match e {
        DbError::Conflict(_) => ServiceError::Conflict(format!(
            "assets of type `{}` were added meanwhile; it cannot be deleted",
            row.key
        )),
        other => other.into(),
    })?;
    if !deleted {
        return Err(not_found(id));
    }
    let mut gone = type_map(&row.key, &row.name, row.description.as_deref());
    gone.insert("builtin".into(), false.into());
    if !fields.is_empty() {
        let defs: Vec<Value> = fields.iter().map(|f| Value::Object(field_map(&f.data))).collect();
        gone.insert("fields".into(), Value::Array(defs));
    }
    history::record(
        &mut tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET_TYPE,
            entity_id: id.0,
            action: action::DELETE,
            summary: row.key.clone(),
            changes: history::snapshot(&gone, false),
            ..NewChange::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- fields -------------------------------------------------------------

/// A field and the version of its type after the read or write (field
/// changes are versioned with their type).
#[derive(Debug, Clone)]
pub struct FieldView {
    pub field: FieldRow,
    pub type_version: i64,
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub ok: bool,
    pub assets_checked: usize,
    /// Assets whose stored values the change would rewrite (a default
    /// filled in, a value in the new kind's form, a renamed key).
    pub assets_to_update: usize,
    pub violation_count: usize,
    /// The first `LISTED_IN_DRY_RUN` violations.
    pub violations: Vec<Violation>,
}

pub enum FieldOutcome {
    Saved(FieldView),
    /// The report, and the type's (unchanged) version.
    DryRun(CheckReport, i64),
}

/// Options of a field write.
#[derive(Debug, Clone, Default)]
pub struct FieldWrite {
    /// Check the assets and report, change nothing.
    pub dry_run: bool,
    /// The type's ETag, if the client wants the write refused when the
    /// type changed since it read it.
    pub if_match: Option<String>,
}

pub async fn get_field(
    state: &AppState,
    who: &Principal,
    type_id: AssetTypeId,
    field_id: FieldId,
) -> Result<FieldView, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    let (ty, field, _) = load_field(&mut db, type_id, field_id).await?;
    Ok(FieldView {
        field,
        type_version: ty.version,
    })
}

async fn load_field(
    e: &mut impl Exec,
    type_id: AssetTypeId,
    field_id: FieldId,
) -> Result<(TypeRow, FieldRow, Vec<FieldRow>), ServiceError> {
    let ty = q::find_type(e, type_id)
        .await?
        .ok_or_else(|| not_found(type_id))?;
    let fields = q::fields_of(e, type_id).await?;
    let field = fields
        .iter()
        .find(|f| f.id == field_id)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound(format!("field {field_id} of asset type `{}`", ty.key)))?;
    Ok((ty, field, fields))
}

fn field_key_taken(type_key: &str, key: &str) -> ServiceError {
    ServiceError::Conflict(format!("asset type `{type_key}` already has a field `{key}`"))
}

fn report(plan: &data::Plan, assets: usize) -> CheckReport {
    CheckReport {
        ok: plan.violations.is_empty(),
        assets_checked: assets,
        assets_to_update: plan.rewrites.len(),
        violation_count: plan.violations.len(),
        violations: plan.violations.iter().take(LISTED_IN_DRY_RUN).cloned().collect(),
    }
}

/// 409 naming the assets (by tag) that break the new definition.
fn refuse(key: &str, violations: &[Violation]) -> ServiceError {
    let n = violations.len();
    let more = n.saturating_sub(LISTED_IN_REFUSAL);
    let tail = if more > 0 {
        format!("; the first {LISTED_IN_REFUSAL} are listed, and {more} more")
    } else {
        String::new()
    };
    ServiceError::ConflictWith(
        format!(
            "{n} existing asset{} would break the new definition of `{key}`, so nothing was changed \
             (fix the assets first, or use ?dry_run=true to check){tail}",
            if n == 1 { "" } else { "s" }
        ),
        violations
            .iter()
            .take(LISTED_IN_REFUSAL)
            .map(|v| FieldError::new(v.tag.clone(), v.message.clone()))
            .collect(),
    )
}

/// Writes an asset's new custom fields as its next version, with its
/// search text and a change record.
async fn rewrite_asset(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    asset: &AssetRow,
    after: &AssetFields,
) -> Result<(), ServiceError> {
    if !assets::update(tx, asset.id, asset.version, after, &who.username).await? {
        return Err(ServiceError::Conflict(format!(
            "asset {} changed while the field definition was being applied; try again",
            asset.fields.tag
        )));
    }
    asset_search::put(tx, &[SearchText::of(asset.id, after)], true).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET,
            entity_id: asset.id.0,
            asset_id: Some(asset.id.0),
            action: action::UPDATE,
            summary: asset.fields.tag.clone(),
            changes: history::diff(&asset.fields.to_flat(), &after.to_flat()),
            ..NewChange::default()
        },
    )
    .await?;
    Ok(())
}

/// Who writes, for the change records of a definition change.
#[derive(Clone, Copy)]
struct Actor<'a> {
    who: &'a Principal,
    ctx: &'a RequestCtx,
}

/// Carries out a checked plan for field `id` (stored under `old_key`).
async fn apply(
    tx: &mut Tx,
    by: Actor<'_>,
    id: FieldId,
    old_key: &str,
    data: &FieldData,
    plan: &data::Plan,
    assets: &[AssetRow],
) -> Result<(), ServiceError> {
    for r in &plan.rewrites {
        let asset = &assets[r.asset];
        let mut after = asset.fields.clone();
        after.custom_fields.remove(old_key);
        after.custom_fields.insert(data.key.clone(), r.value.clone());
        rewrite_asset(tx, by.who, by.ctx, asset, &after).await?;
        put_index(tx, asset.id, id, &r.index, data).await?;
    }
    for (i, index) in &plan.index_only {
        put_index(tx, assets[*i].id, id, index, data).await?;
    }
    Ok(())
}

/// The write bumps the type's version; a lost race is a stale version.
async fn bump(tx: &mut Tx, ty: &TypeRow, expected: Option<ExpectedVersion>) -> Result<i64, ServiceError> {
    if q::bump_version(tx, ty.id, ty.version).await? {
        return Ok(ty.version + 1);
    }
    let e = expected.unwrap_or(ExpectedVersion {
        version: ty.version,
        if_match: false,
    });
    Err(stale(tx, ty.id, e).await)
}

fn unique_clash(key: &str) -> ServiceError {
    ServiceError::Conflict(format!(
        "`{key}` cannot be unique: the database considers two stored values equal \
         (they differ only in letter case, accents or trailing spaces)"
    ))
}

/// One asset's index row for the field; the database's unique index has
/// the last word on uniqueness.
async fn put_index(
    tx: &mut Tx,
    asset: AssetId,
    field: FieldId,
    index: &str,
    data: &FieldData,
) -> Result<(), ServiceError> {
    q::put_field_value(tx, asset, field, index, data.unique)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => unique_clash(&data.key),
            other => other.into(),
        })
}

/// Adds a field to a type. Existing assets are checked against it: a
/// required field needs a default (which is written into them), a unique
/// field needs distinct values.
pub async fn create_field(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    type_id: AssetTypeId,
    draft: FieldDraft,
    w: FieldWrite,
) -> Result<FieldOutcome, ServiceError> {
    who.require(Role::Admin)?;
    let expected = optional_version(w.if_match.as_deref())?;
    let mut errors = Vec::new();
    let valid = spec::check(&draft, "", &mut errors);
    let Some(mut valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let mut tx = state.db.begin().await?;
    let ty = q::find_type(&mut tx, type_id)
        .await?
        .ok_or_else(|| not_found(type_id))?;
    if let Some(e) = expected {
        e.check(ty.version)?;
    }
    let fields = q::fields_of(&mut tx, type_id).await?;
    if fields.iter().any(|f| f.data.key == valid.data.key) {
        return Err(field_key_taken(&ty.key, &valid.data.key));
    }
    if fields.len() >= MAX_FIELDS {
        return Err(ServiceError::Conflict(format!(
            "asset type `{}` already has the maximum of {MAX_FIELDS} fields",
            ty.key
        )));
    }
    if !valid.position_given {
        valid.data.position = fields.iter().map(|f| f.data.position + 1).max().unwrap_or(0);
    }
    let assets = q::assets_of_type(&mut tx, type_id).await?;
    let plan = data::plan(None, &valid.def, &assets, true);
    if w.dry_run {
        return Ok(FieldOutcome::DryRun(report(&plan, assets.len()), ty.version));
    }
    if !plan.violations.is_empty() {
        return Err(refuse(&valid.data.key, &plan.violations));
    }
    let id = q::insert_field(&mut tx, type_id, &valid.data)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => field_key_taken(&ty.key, &valid.data.key),
            other => other.into(),
        })?;
    apply(
        &mut tx,
        Actor { who, ctx },
        id,
        &valid.data.key,
        &valid.data,
        &plan,
        &assets,
    )
    .await?;
    let type_version = bump(&mut tx, &ty, expected).await?;
    record_field(&mut tx, who, ctx, &ty.key, id, action::CREATE, &valid.data, None).await?;
    let (_, field, _) = load_field(&mut tx, type_id, id).await?;
    tx.commit().await?;
    Ok(FieldOutcome::Saved(FieldView { field, type_version }))
}

/// A partial change of a field definition: `None` keeps a property,
/// `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct FieldPatch {
    pub key: Option<String>,
    pub label: Option<String>,
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub unique: Option<bool>,
    pub pattern: Option<Option<String>>,
    pub min: Option<Option<f64>>,
    pub max: Option<Option<f64>>,
    pub choices: Option<Option<Vec<String>>>,
    pub default: Option<Option<Value>>,
    pub help: Option<Option<String>>,
    pub position: Option<i32>,
}

impl FieldPatch {
    fn over(self, stored: &FieldData) -> FieldDraft {
        let mut d = FieldDraft::from_data(stored);
        fn set<T>(slot: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *slot = v;
            }
        }
        set(&mut d.key, self.key);
        set(&mut d.label, self.label.map(Some));
        set(&mut d.kind, self.kind);
        set(&mut d.required, self.required);
        set(&mut d.unique, self.unique);
        set(&mut d.pattern, self.pattern);
        set(&mut d.min, self.min);
        set(&mut d.max, self.max);
        set(&mut d.choices, self.choices);
        set(&mut d.default, self.default);
        set(&mut d.help, self.help);
        set(&mut d.position, self.position.map(Some));
        d
    }
}

/// Changes a field definition after checking every asset of the type
/// against the new one. Renaming the key moves the values; a new kind puts
/// values into its form; a new default fills assets that lack a value of a
/// required field.
pub async fn update_field(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    type_id: AssetTypeId,
    field_id: FieldId,
    patch: FieldPatch,
    w: FieldWrite,
) -> Result<FieldOutcome, ServiceError> {
    who.require(Role::Admin)?;
    let expected = optional_version(w.if_match.as_deref())?;
    let mut tx = state.db.begin().await?;
    let (ty, old, fields) = load_field(&mut tx, type_id, field_id).await?;
    if let Some(e) = expected {
        e.check(ty.version)?;
    }
    let draft = patch.over(&old.data);
    let mut errors = Vec::new();
    let valid = spec::check(&draft, "", &mut errors);
    let Some(mut valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    valid.def.id = field_id;
    if fields
        .iter()
        .any(|f| f.id != field_id && f.data.key == valid.data.key)
    {
        return Err(field_key_taken(&ty.key, &valid.data.key));
    }
    if valid.data == old.data && !w.dry_run {
        return Ok(FieldOutcome::Saved(FieldView {
            field: old,
            type_version: ty.version,
        }));
    }
    let assets = q::assets_of_type(&mut tx, type_id).await?;
    let unique_changed = valid.data.unique != old.data.unique;
    let plan = data::plan(Some(&old.data.key), &valid.def, &assets, unique_changed);
    if w.dry_run {
        return Ok(FieldOutcome::DryRun(report(&plan, assets.len()), ty.version));
    }
    if !plan.violations.is_empty() {
        return Err(refuse(&valid.data.key, &plan.violations));
    }
    q::update_field(&mut tx, field_id, &valid.data)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => field_key_taken(&ty.key, &valid.data.key),
            other => other.into(),
        })?;
    apply(
        &mut tx,
        Actor { who, ctx },
        field_id,
        &old.data.key,
        &valid.data,
        &plan,
        &assets,
    )
    .await?;
    if unique_changed && !valid.data.unique {
        q::clear_unique_keys(&mut tx, field_id).await?;
    }
    let type_version = bump(&mut tx, &ty, expected).await?;
    record_field(
        &mut tx,
        who,
        ctx,
        &ty.key,
        field_id,
        action::UPDATE,
        &valid.data,
        Some(&old.data),
    )
    .await?;
    let (_, field, _) = load_field(&mut tx, type_id, field_id).await?;
    tx.commit().await?;
    Ok(FieldOutcome::Saved(FieldView { field, type_version }))
}

/// Deletes a field: its values leave every asset of the type (each such
/// asset gets a new version and a change `custom_fields.<key>` → null, so
/// its history still shows what the value was).
pub async fn delete_field(
    state: &AppState,
    ctx: &RequestCtx,
    who: &Principal,
    type_id: AssetTypeId,
    field_id: FieldId,
    if_match: Option<&str>,
) -> Result<(), ServiceError> {
    who.require(Role::Admin)?;
    let expected = optional_version(if_match)?;
    let mut tx = state.db.begin().await?;
    let (ty, field, _) = load_field(&mut tx, type_id, field_id).await?;
    if let Some(e) = expected {
        e.check(ty.version)?;
    }
    let key = &field.data.key;
    for asset in q::assets_of_type(&mut tx, type_id).await? {
        if asset.fields.custom_fields.contains_key(key) {
            let mut after = asset.fields.clone();
            after.custom_fields.remove(key);
            rewrite_asset(&mut tx, who, ctx, &asset, &after).await?;
        }
    }
    q::delete_field(&mut tx, field_id).await?;
    bump(&mut tx, &ty, expected).await?;
    record_field(
        &mut tx,
        who,
        ctx,
        &ty.key,
        field_id,
        action::DELETE,
        &field.data,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
