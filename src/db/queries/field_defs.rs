//! What an asset write needs to know about its type: the type's identity
//! and its custom field definitions, compiled for validation. (Type and
//! field administration lives in `asset_types`.)

use sea_query::{Alias, Expr, ExprTrait, Order, Query};
use serde_json::Value;

use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::fields::{FieldDef, compile_pattern};
use crate::domain::inventory::{AssetTypeId, FieldId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    pub id: AssetTypeId,
    pub key: String,
    pub name: String,
}

fn type_select() -> sea_query::SelectStatement {
    Query::select()
        .columns([Alias::new("id"), Alias::new("key"), Alias::new("name")])
        .from(Alias::new("asset_types"))
        .to_owned()
}

fn decode_type(r: &Row) -> Result<TypeRef, DbError> {
    Ok(TypeRef {
        id: AssetTypeId(r.get("id")?),
        key: r.get("key")?,
        name: r.get("name")?,
    })
}

pub async fn type_by_id(e: &mut impl Exec, id: AssetTypeId) -> Result<Option<TypeRef>, DbError> {
    let stmt = type_select()
        .and_where(Expr::col(Alias::new("id")).eq(id.0))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_type)
        .transpose()
}

pub async fn type_by_key(e: &mut impl Exec, key: &str) -> Result<Option<TypeRef>, DbError> {
    let stmt = type_select()
        .and_where(Expr::col(Alias::new("key")).eq(key))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_type)
        .transpose()
}

/// Every type, by key (bulk work resolves many rows against them).
pub async fn all_types(e: &mut impl Exec) -> Result<Vec<TypeRef>, DbError> {
    let stmt = type_select().order_by(Alias::new("key"), Order::Asc).to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_type).collect()
}

/// A type's field definitions in display order, ready for `check_all`.
pub async fn load_defs(e: &mut impl Exec, type_id: AssetTypeId) -> Result<Vec<FieldDef>, DbError> {
    let stmt = Query::select()
        .columns(
            [
                "id",
                "key",
                "label",
                "kind",
                "required",
                "unique_values",
                "pattern",
                "min_value",
                "max_value",
                "choices",
                "default_value",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("asset_type_fields"))
        .and_where(Expr::col(Alias::new("type_id")).eq(type_id.0))
        .order_by(Alias::new("position"), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_def).collect()
}

pub fn decode_def(r: &Row) -> Result<FieldDef, DbError> {
    let bad = |what: &str| DbError::Other(format!("asset_type_fields.{what} is malformed"));
    let pattern = r
        .get::<Option<String>>("pattern")?
        .map(|p| compile_pattern(&p).map_err(|_| bad("pattern")))
        .transpose()?;
    let choices = match r.get::<Option<String>>("choices")? {
        None => Vec::new(),
        Some(text) => serde_json::from_str(&text).map_err(|_| bad("choices"))?,
    };
    let default = r
        .get::<Option<String>>("default_value")?
        .map(|text| serde_json::from_str::<Value>(&text).map_err(|_| bad("default_value")))
        .transpose()?;
    Ok(FieldDef {
        id: FieldId(r.get("id")?),
        key: r.get("key")?,
        label: r.get("label")?,
        kind: r.get::<String>("kind")?.parse().map_err(DbError::Other)?,
        required: r.get("required")?,
        unique: r.get("unique_values")?,
        pattern,
        min: r.get("min_value")?,
        max: r.get("max_value")?,
        choices,
        default,
    })
}
