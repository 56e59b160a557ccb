//! `assets`, their custom field index rows and their search text.
//!
//! Reads join the type and location so one statement returns what an
//! asset page or a list row shows.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, ExprTrait, Iden, JoinType, Query, SelectStatement};
use serde_json::{Map, Value};

use super::now_ts;
use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::{AssetId, AssetStatus, AssetTypeId, FieldId, LocationId};

#[derive(Iden, Clone, Copy)]
pub enum Assets {
    Table,
    Id,
    Tag,
    Name,
    TypeId,
    Status,
    LocationId,
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

#[derive(Iden)]
pub enum AssetFieldValues {
    Table,
    AssetId,
    FieldId,
    Value,
    UniqueKey,
}

/// The columns a write sets (everything but id, version and stamps).
#[derive(Debug, Clone, PartialEq)]
pub struct AssetFields {
    pub tag: String,
    pub name: String,
    pub type_id: AssetTypeId,
    pub status: AssetStatus,
    pub location_id: Option<LocationId>,
    pub parent_id: Option<AssetId>,
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

impl AssetFields {
    /// The fields as a flat JSON object, custom fields as
    /// `custom_fields.<key>`: what the change log diffs.
    pub fn to_flat(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        put("tag", self.tag.clone().into());
        put("name", self.name.clone().into());
        put("type_id", self.type_id.0.into());
        put("status", self.status.as_str().into());
        put("location_id", self.location_id.map(|l| l.0).into());
        put("parent_id", self.parent_id.map(|p| p.0).into());
        for (k, v) in [
            ("manufacturer", &self.manufacturer),
            ("model", &self.model),
            ("serial", &self.serial),
            ("hostname", &self.hostname),
            ("ip", &self.ip),
            ("mac", &self.mac),
            ("owner", &self.owner),
            ("department", &self.department),
            ("purchase_date", &self.purchase_date),
            ("warranty_end", &self.warranty_end),
            ("notes", &self.notes),
        ] {
            put(k, v.clone().into());
        }
        for (k, v) in &self.custom_fields {
            m.insert(format!("custom_fields.{k}"), v.clone());
        }
        m
    }

    /// What `q=` searches: tag, name, serial, hostname, ip, model,
    /// manufacturer, notes and custom field values, lower-cased.
    pub fn search_body(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.tag, &self.name];
        for v in [
            &self.serial,
            &self.hostname,
            &self.ip,
            &self.mac,
            &self.manufacturer,
            &self.model,
            &self.notes,
        ]
        .into_iter()
        .flatten()
        {
            parts.push(v);
        }
        let custom: Vec<String> = self
            .custom_fields
            .values()
            .map(crate::domain::inventory::fields::index_text)
            .collect();
        let mut body = parts.join("\n");
        for c in custom {
            body.push('\n');
            body.push_str(&c);
        }
        let mut body = body.to_lowercase();
        if body.len() > 4000 {
            let mut cut = 4000;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        body
    }
}

/// A stored asset with its type and location names.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    pub id: AssetId,
    pub fields: AssetFields,
    pub type_key: String,
    pub type_name: String,
    pub location_path: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// Every asset column, the type's key and name, and the location path.
pub fn select() -> SelectStatement {
    use Assets as A;
    let t = Alias::new("t");
    let l = Alias::new("l");
    Query::select()
        .columns(
            [
                A::Id,
                A::Tag,
                A::Name,
                A::TypeId,
                A::Status,
                A::LocationId,
                A::ParentId,
                A::Manufacturer,
                A::Model,
                A::Serial,
                A::Hostname,
                A::Ip,
                A::Mac,
                A::Owner,
                A::Department,
                A::PurchaseDate,
                A::WarrantyEnd,
                A::Notes,
                A::CustomFields,
                A::Version,
                A::CreatedAt,
                A::CreatedBy,
                A::UpdatedAt,
                A::UpdatedBy,
            ]
            .map(|c| (A::Table, c)),
        )
        .expr_as(Expr::col((t.clone(), Alias::new("key"))), "type_key")
        .expr_as(Expr::col((t.clone(), Alias::new("name"))), "type_name")
        .expr_as(Expr::col((l.clone(), Alias::new("path"))), "location_path")
        .from(A::Table)
        .join_as(
            JoinType::InnerJoin,
            Alias::new("asset_types"),
            t.clone(),
            Expr::col((t, Alias::new("id"))).equals((A::Table, A::TypeId)),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("locations"),
            l.clone(),
            Expr::col((l, Alias::new("id"))).equals((A::Table, A::LocationId)),
        )
        .to_owned()
}

pub fn decode(r: &Row) -> Result<AssetRow, DbError> {
    let custom: String = r.get("custom_fields")?;
    let custom_fields = match serde_json::from_str(&custom) {
        Ok(Value::Object(m)) => m,
        _ => return Err(DbError::Other("assets.custom_fields is not a JSON object".into())),
    };
    Ok(AssetRow {
        id: AssetId(r.get("id")?),
        fields: AssetFields {
            tag: r.get("tag")?,
            name: r.get("name")?,
            type_id: AssetTypeId(r.get("type_id")?),
            status: r.get::<String>("status")?.parse().map_err(DbError::Other)?,
            location_id: r.get::<Option<i64>>("location_id")?.map(LocationId),
            parent_id: r.get::<Option<i64>>("parent_id")?.map(AssetId),
            manufacturer: r.get("manufacturer")?,
            model: r.get("model")?,
            serial: r.get("serial")?,
            hostname: r.get("hostname")?,
            ip: r.get("ip")?,
            mac: r.get("mac")?,
            owner: r.get("owner")?,
            department: r.get("department")?,
            purchase_date: r.get("purchase_date")?,
            warranty_end: r.get("warranty_end")?,
            notes: r.get("notes")?,
            custom_fields,
        },
        type_key: r.get("type_key")?,
        type_name: r.get("type_name")?,
        location_path: r.get("location_path")?,
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        created_by: r.get("created_by")?,
        updated_at: r.get("updated_at")?,
        updated_by: r.get("updated_by")?,
    })
}

pub async fn find(e: &mut impl Exec, id: AssetId) -> Result<Option<AssetRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Assets::Table, Assets::Id)).eq(id.0))
        .to_owned();
    e.fetch_lookup(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn find_by_tag(e: &mut impl Exec, tag: &str) -> Result<Option<AssetRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Assets::Table, Assets::Tag)).eq(tag))
        .to_owned();
    e.fetch_lookup(&stmt).await?.as_ref().map(decode).transpose()
}

/// Serials are not unique (two vendors may collide), so this is a list.
pub async fn find_by_serial(e: &mut impl Exec, serial: &str, limit: u64) -> Result<Vec<AssetRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Assets::Table, Assets::Serial)).eq(serial))
        .order_by((Assets::Table, Assets::Id), sea_query::Order::Asc)
        .limit(limit)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

pub(crate) fn values(f: &AssetFields) -> Vec<sea_query::SimpleExpr> {
    vec![
        f.tag.clone().into(),
        f.name.clone().into(),
        f.type_id.0.into(),
        f.status.as_str().into(),
        f.location_id.map(|l| l.0).into(),
        f.parent_id.map(|p| p.0).into(),
        f.manufacturer.clone().into(),
        f.model.clone().into(),
        f.serial.clone().into(),
        f.hostname.clone().into(),
        f.ip.clone().into(),
        f.mac.clone().into(),
        f.owner.clone().into(),
        f.department.clone().into(),
        f.purchase_date.clone().into(),
        f.warranty_end.clone().into(),
        f.notes.clone().into(),
        Value::Object(f.custom_fields.clone()).to_string().into(),
    ]
}

pub(crate) const WRITE_COLUMNS: [Assets; 18] = [
    Assets::Tag,
    Assets::Name,
    Assets::TypeId,
    Assets::Status,
    Assets::LocationId,
    Assets::ParentId,
    Assets::Manufacturer,
    Assets::Model,
    Assets::Serial,
    Assets::Hostname,
    Assets::Ip,
    Assets::Mac,
    Assets::Owner,
    Assets::Department,
    Assets::PurchaseDate,
    Assets::WarrantyEnd,
    Assets::Notes,
    Assets::CustomFields,
];

/// Inserts an asset (version 1). `id` restores a deleted asset under its
/// old id (revert of a delete); otherwise the database picks one.
pub async fn insert(
    e: &mut impl Exec,
    f: &AssetFields,
    id: Option<AssetId>,
    actor: &str,
) -> Result<AssetId, DbError> {
    use Assets as A;
    let now = now_ts();
    let mut cols: Vec<A> = WRITE_COLUMNS.to_vec();
    let mut vals = values(f);
    cols.extend([A::Version, A::CreatedAt, A::CreatedBy, A::UpdatedAt, A::UpdatedBy]);
    vals.extend([
        1i64.into(),
        now.clone().into(),
        actor.into(),
        now.into(),
        actor.into(),
    ]);
    if let Some(id) = id {
        cols.push(A::Id);
        vals.push(id.0.into());
    }
    let stmt = Query::insert()
        .into_table(A::Table)
        .columns(cols)
        .values_panic(vals)
        .to_owned();
    let res = e.execute(&stmt).await?;
    Ok(id.unwrap_or(AssetId(res.last_insert_id)))
}

/// Writes every field if the stored version is still `version`; returns
/// false when it is not (someone else wrote first).
pub async fn update(
    e: &mut impl Exec,
    id: AssetId,
    version: i64,
    f: &AssetFields,
    actor: &str,
) -> Result<bool, DbError> {
    use Assets as A;
    let mut stmt = Query::update();
    stmt.table(A::Table);
    for (c, v) in WRITE_COLUMNS.into_iter().zip(values(f)) {
        stmt.value(c, v);
    }
    stmt.value(A::Version, version + 1)
        .value(A::UpdatedAt, now_ts())
        .value(A::UpdatedBy, actor)
        .and_where(Expr::col(A::Id).eq(id.0))
        .and_where(Expr::col(A::Version).eq(version));
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

pub async fn delete(e: &mut impl Exec, id: AssetId) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(Assets::Table)
        .and_where(Expr::col(Assets::Id).eq(id.0))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Assets whose `parent_id` is this one.
pub async fn children(e: &mut impl Exec, id: AssetId) -> Result<Vec<AssetRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Assets::Table, Assets::ParentId)).eq(id.0))
        .order_by((Assets::Table, Assets::Tag), sea_query::Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

/// The asset directly containing `id`, if any (containment cycle checks
/// walk up with it).
pub async fn parent_of(e: &mut impl Exec, id: AssetId) -> Result<Option<AssetId>, DbError> {
    let stmt = Query::select()
        .column(Assets::ParentId)
        .from(Assets::Table)
        .and_where(Expr::col(Assets::Id).eq(id.0))
        .to_owned();
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<Option<i64>>("parent_id"))
        .transpose()?
        .flatten()
        .map(AssetId))
}

/// Replaces an asset's custom field index rows.
pub async fn replace_field_values(
    e: &mut impl Exec,
    id: AssetId,
    index: &[(FieldId, String, bool)],
) -> Result<(), DbError> {
    use AssetFieldValues as V;
    let del = Query::delete()
        .from_table(V::Table)
        .and_where(Expr::col(V::AssetId).eq(id.0))
        .to_owned();
    e.execute(&del).await?;
    if index.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert();
    ins.into_table(V::Table)
        .columns([V::AssetId, V::FieldId, V::Value, V::UniqueKey]);
    for (field, value, unique) in index {
        let value: String = value.chars().take(1000).collect();
        let unique_key: Option<String> = unique.then(|| unique_key(&value));
        ins.values_panic([id.0.into(), field.0.into(), value.into(), unique_key.into()]);
    }
    e.execute(&ins).await?;
    Ok(())
}

/// What uniqueness compares: lower case (MySQL's collation ignores case,
/// so SQLite must too), cut to the indexed length.
pub fn unique_key(value: &str) -> String {
    value.to_lowercase().chars().take(700).collect()
}

/// The asset holding `value` in a unique field, other than `except`.
pub async fn find_unique_holder(
    e: &mut impl Exec,
    field: FieldId,
    value: &str,
    except: Option<AssetId>,
) -> Result<Option<AssetId>, DbError> {
    use AssetFieldValues as V;
    let key = unique_key(value);
    let mut stmt = Query::select()
        .column(V::AssetId)
        .from(V::Table)
        .and_where(Expr::col(V::FieldId).eq(field.0))
        .and_where(Expr::col(V::UniqueKey).eq(key))
        .to_owned();
    if let Some(x) = except {
        stmt.and_where(Expr::col(V::AssetId).ne(x.0));
    }
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<i64>("asset_id"))
        .transpose()?
        .map(AssetId))
}

pub async fn exists(e: &mut impl Exec, id: AssetId) -> Result<bool, DbError> {
    let stmt = Query::select()
        .column(Assets::Id)
        .from(Assets::Table)
        .and_where(Expr::col(Assets::Id).eq(id.0))
        .to_owned();
    Ok(e.fetch_optional(&stmt).await?.is_some())
}

pub async fn find_id_by_tag(e: &mut impl Exec, tag: &str) -> Result<Option<AssetId>, DbError> {
    let stmt = Query::select()
        .column(Assets::Id)
        .from(Assets::Table)
        .and_where(Expr::col(Assets::Tag).eq(tag))
        .to_owned();
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<i64>("id"))
        .transpose()?
        .map(AssetId))
}

pub async fn location_exists(e: &mut impl Exec, id: LocationId) -> Result<bool, DbError> {
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("locations"))
        .and_where(Expr::col(Alias::new("id")).eq(id.0))
        .to_owned();
    Ok(e.fetch_optional(&stmt).await?.is_some())
}
