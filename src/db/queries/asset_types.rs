//! Administering `asset_types` and `asset_type_fields`, and the few asset
//! statements a definition change needs (per-field index rows, counts).
//! Asset writes read definitions through `field_defs`.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};
use serde_json::Value;

use super::assets::{self, AssetFieldValues, AssetRow, Assets};
use super::now_ts;
use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::fields::FieldKind;
use crate::domain::inventory::{AssetId, AssetTypeId, FieldId};

#[derive(Iden, Clone, Copy)]
pub enum AssetTypes {
    Table,
    Id,
    Key,
    Name,
    Description,
    Builtin,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AssetTypeFields {
    Table,
    Id,
    TypeId,
    Key,
    Label,
    Kind,
    Required,
    UniqueValues,
    Pattern,
    MinValue,
    MaxValue,
    Choices,
    DefaultValue,
    Help,
    Position,
    CreatedAt,
    UpdatedAt,
}

/// Longest index value, as `assets::replace_field_values` stores it.
const VALUE_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct TypeRow {
    pub id: AssetTypeId,
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub builtin: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A field definition's writable columns, as the administrator wrote them
/// (the pattern as text, not compiled).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldData {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub unique: bool,
    pub pattern: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Empty unless `kind` is select.
    pub choices: Vec<String>,
    pub default: Option<Value>,
    pub help: Option<String>,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub id: FieldId,
    pub type_id: AssetTypeId,
    pub data: FieldData,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn type_select() -> SelectStatement {
    use AssetTypes as T;
    Query::select()
        .columns([
            T::Id,
            T::Key,
            T::Name,
            T::Description,
            T::Builtin,
            T::Version,
            T::CreatedAt,
            T::UpdatedAt,
        ])
        .from(T::Table)
        .to_owned()
}

fn decode_type(r: &Row) -> Result<TypeRow, DbError> {
    Ok(TypeRow {
        id: AssetTypeId(r.get("id")?),
        key: r.get("key")?,
        name: r.get("name")?,
        description: r.get("description")?,
        builtin: r.get("builtin")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

fn field_select() -> SelectStatement {
    use AssetTypeFields as F;
    Query::select()
        .columns([
            F::Id,
            F::TypeId,
            F::Key,
            F::Label,
            F::Kind,
            F::Required,
            F::UniqueValues,
            F::Pattern,
            F::MinValue,
            F::MaxValue,
            F::Choices,
            F::DefaultValue,
            F::Help,
            F::Position,
            F::CreatedAt,
            F::UpdatedAt,
        ])
        .from(F::Table)
        .order_by(F::TypeId, Order::Asc)
        .order_by(F::Position, Order::Asc)
        .order_by(F::Id, Order::Asc)
        .to_owned()
}

fn decode_field(r: &Row) -> Result<FieldRow, DbError> {
    let bad = |what: &str| DbError::Other(format!("asset_type_fields.{what} is malformed"));
    let choices = match r.get::<Option<String>>("choices")? {
        None => Vec::new(),
        Some(text) => serde_json::from_str(&text).map_err(|_| bad("choices"))?,
    };
    let default = r
        .get::<Option<String>>("default_value")?
        .map(|text| serde_json::from_str::<Value>(&text).map_err(|_| bad("default_value")))
        .transpose()?;
    Ok(FieldRow {
        id: FieldId(r.get("id")?),
        type_id: AssetTypeId(r.get("type_id")?),
        data: FieldData {
            key: r.get("key")?,
            label: r.get("label")?,
            kind: r.get::<String>("kind")?.parse().map_err(DbError::Other)?,
            required: r.get("required")?,
            unique: r.get("unique_values")?,
            pattern: r.get("pattern")?,
            min: r.get("min_value")?,
            max: r.get("max_value")?,
            choices,
            default,
            help: r.get("help")?,
            position: r.get("position")?,
        },
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// A page of types, by key.
pub async fn list_types(e: &mut impl Exec, limit: u64, offset: u64) -> Result<Vec<TypeRow>, DbError> {
    let stmt = type_select()
        .order_by(AssetTypes::Key, Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_type).collect()
}

pub async fn count_types(e: &mut impl Exec) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr_as(Expr::col(AssetTypes::Id).count(), "n")
        .from(AssetTypes::Table)
        .to_owned();
    e.fetch_optional(&stmt).await?.map_or(Ok(0), |r| r.get("n"))
}

pub async fn find_type(e: &mut impl Exec, id: AssetTypeId) -> Result<Option<TypeRow>, DbError> {
    let stmt = type_select()
        .and_where(Expr::col(AssetTypes::Id).eq(id.0))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_type)
        .transpose()
}

/// The fields of these types, by type, position and id.
pub async fn fields_of_types(e: &mut impl Exec, ids: &[AssetTypeId]) -> Result<Vec<FieldRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = field_select()
        .and_where(Expr::col(AssetTypeFields::TypeId).is_in(ids.iter().map(|i| i.0)))
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_field).collect()
}

pub async fn fields_of(e: &mut impl Exec, id: AssetTypeId) -> Result<Vec<FieldRow>, DbError> {
    fields_of_types(e, &[id]).await
}

/// How many assets each of these types has (types without assets are absent).
pub async fn asset_counts(
    e: &mut impl Exec,
    ids: &[AssetTypeId],
) -> Result<Vec<(AssetTypeId, i64)>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .column(Assets::TypeId)
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .and_where(Expr::col(Assets::TypeId).is_in(ids.iter().map(|i| i.0)))
        .group_by_col(Assets::TypeId)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((AssetTypeId(r.get("type_id")?), r.get("n")?)))
        .collect()
}

pub async fn asset_count(e: &mut impl Exec, id: AssetTypeId) -> Result<i64, DbError> {
    Ok(asset_counts(e, &[id]).await?.first().map_or(0, |c| c.1))
}

/// Every asset of a type, by tag: what a definition change is checked
/// against.
pub async fn assets_of_type(e: &mut impl Exec, id: AssetTypeId) -> Result<Vec<AssetRow>, DbError> {
    let stmt = assets::select()
        .and_where(Expr::col((Assets::Table, Assets::TypeId)).eq(id.0))
        .order_by((Assets::Table, Assets::Tag), Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(assets::decode).collect()
}

/// Inserts a type (version 1, not builtin); a taken key is a `Conflict`.
pub async fn insert_type(
    e: &mut impl Exec,
    key: &str,
    name: &str,
    description: Option<&str>,
) -> Result<AssetTypeId, DbError> {
    use AssetTypes as T;
    let now = now_ts();
    let stmt = Query::insert()
        .into_table(T::Table)
        .columns([
            T::Key,
            T::Name,
            T::Description,
            T::Builtin,
            T::Version,
            T::CreatedAt,
            T::UpdatedAt,
        ])
        .values_panic([
            key.into(),
            name.into(),
            description.into(),
            false.into(),
            1i64.into(),
            now.clone().into(),
            now.into(),
        ])
        .to_owned();
    Ok(AssetTypeId(e.execute(&stmt).await?.last_insert_id))
}

/// Sets name and description and bumps the version if it is still
/// `version`; false when someone else wrote first.
pub async fn update_type(
    e: &mut impl Exec,
    id: AssetTypeId,
    version: i64,
    name: &str,
    description: Option<&str>,
) -> Result<bool, DbError> {
    use AssetTypes as T;
    let stmt = Query::update()
        .table(T::Table)
        .value(T::Name, name)
        .value(T::Description, description)
        .value(T::Version, version + 1)
        .value(T::UpdatedAt, now_ts())
        .and_where(Expr::col(T::Id).eq(id.0))
        .and_where(Expr::col(T::Version).eq(version))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Bumps the version (a field changed) if it is still `version`.
pub async fn bump_version(e: &mut impl Exec, id: AssetTypeId, version: i64) -> Result<bool, DbError> {
    use AssetTypes as T;
    let stmt = Query::update()
        .table(T::Table)
        .value(T::Version, version + 1)
        .value(T::UpdatedAt, now_ts())
        .and_where(Expr::col(T::Id).eq(id.0))
        .and_where(Expr::col(T::Version).eq(version))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Deletes a type and (by cascade) its field definitions.
pub async fn delete_type(e: &mut impl Exec, id: AssetTypeId) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(AssetTypes::Table)
        .and_where(Expr::col(AssetTypes::Id).eq(id.0))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

fn json_text(v: Option<Value>) -> Option<String> {
    v.map(|v| v.to_string())
}

fn field_values(f: &FieldData) -> Vec<sea_query::SimpleExpr> {
    let choices = (!f.choices.is_empty()).then(|| Value::from(f.choices.clone()));
    vec![
        f.key.clone().into(),
        f.label.clone().into(),
        f.kind.as_str().into(),
        f.required.into(),
        f.unique.into(),
        f.pattern.clone().into(),
        f.min.into(),
        f.max.into(),
        json_text(choices).into(),
        json_text(f.default.clone()).into(),
        f.help.clone().into(),
        f.position.into(),
    ]
}

const FIELD_WRITE_COLUMNS: [AssetTypeFields; 12] = [
    AssetTypeFields::Key,
    AssetTypeFields::Label,
    AssetTypeFields::Kind,
    AssetTypeFields::Required,
    AssetTypeFields::UniqueValues,
    AssetTypeFields::Pattern,
    AssetTypeFields::MinValue,
    AssetTypeFields::MaxValue,
    AssetTypeFields::Choices,
    AssetTypeFields::DefaultValue,
    AssetTypeFields::Help,
    AssetTypeFields::Position,
];

/// Inserts a field definition; a key taken within the type is a `Conflict`.
pub async fn insert_field(
    e: &mut impl Exec,
    type_id: AssetTypeId,
    f: &FieldData,
) -> Result<FieldId, DbError> {
    use AssetTypeFields as F;
    let now = now_ts();
    let mut cols = vec![F::TypeId];
    cols.extend(FIELD_WRITE_COLUMNS);
    cols.extend([F::CreatedAt, F::UpdatedAt]);
    let mut vals: Vec<sea_query::SimpleExpr> = vec![type_id.0.into()];
    vals.extend(field_values(f));
    vals.extend([now.clone().into(), now.into()]);
    let stmt = Query::insert()
        .into_table(F::Table)
        .columns(cols)
        .values_panic(vals)
        .to_owned();
    Ok(FieldId(e.execute(&stmt).await?.last_insert_id))
}

pub async fn update_field(e: &mut impl Exec, id: FieldId, f: &FieldData) -> Result<bool, DbError> {
    use AssetTypeFields as F;
    let mut stmt = Query::update();
    stmt.table(F::Table);
    for (c, v) in FIELD_WRITE_COLUMNS.into_iter().zip(field_values(f)) {
        stmt.value(c, v);
    }
    stmt.value(F::UpdatedAt, now_ts())
        .and_where(Expr::col(F::Id).eq(id.0));
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Deletes a field definition; its index rows cascade.
pub async fn delete_field(e: &mut impl Exec, id: FieldId) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(AssetTypeFields::Table)
        .and_where(Expr::col(AssetTypeFields::Id).eq(id.0))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Writes one asset's index row for one field (value and, for unique
/// fields, the unique key), replacing what was there.
pub async fn put_field_value(
    e: &mut impl Exec,
    asset: AssetId,
    field: FieldId,
    index: &str,
    unique: bool,
) -> Result<(), DbError> {
    use AssetFieldValues as V;
    let value: String = index.chars().take(VALUE_CHARS).collect();
    let unique_key: Option<String> = unique.then(|| super::assets::unique_key(&value));
    let stmt = Query::insert()
        .into_table(V::Table)
        .columns([V::AssetId, V::FieldId, V::Value, V::UniqueKey])
        .values_panic([asset.0.into(), field.0.into(), value.into(), unique_key.into()])
        .on_conflict(
            OnConflict::columns([V::AssetId, V::FieldId])
                .update_columns([V::Value, V::UniqueKey])
                .to_owned(),
        )
        .to_owned();
    e.execute(&stmt).await?;
    Ok(())
}

/// Clears the unique keys of a field's index rows (it is no longer unique).
pub async fn clear_unique_keys(e: &mut impl Exec, field: FieldId) -> Result<(), DbError> {
    use AssetFieldValues as V;
    let stmt = Query::update()
        .table(V::Table)
        .value(V::UniqueKey, Option::<String>::None)
        .and_where(Expr::col(V::FieldId).eq(field.0))
        .to_owned();
    e.execute(&stmt).await?;
    Ok(())
}
