//! Set-at-a-time statements for bulk asset work (bulk upserts, CSV
//! imports, the demo site): one statement per chunk of rows instead of one
//! per row, because a round trip to MariaDB costs ~100 µs.

use std::collections::{HashMap, HashSet};

use sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::Value;

use super::assets::{self, AssetFieldValues, AssetFields, AssetRow, Assets, WRITE_COLUMNS};
use super::changes::{ChangeLog, NewChange};
use super::now_ts;
use crate::db::{DbError, Exec};
use crate::domain::inventory::{AssetId, FieldId};

/// Bound parameters per statement: under SQLite's 32,766 and MySQL's 65,535.
const MAX_PARAMS: usize = 30_000;
/// Values per `IN (…)` list.
pub(crate) const IN_LIST: usize = 1000;

pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, 1000)
}

/// The stored assets with these (upper-case) tags. Without the type and
/// location joins of `assets::select` (`type_key`, `type_name` and
/// `location_path` come back empty): MariaDB plans that join with a long
/// `tag IN (…)` as a scan of every asset of every type, 100× slower than
/// the unique index on `tag` this single-table read uses.
pub async fn find_by_tags(e: &mut impl Exec, tags: &[String]) -> Result<Vec<AssetRow>, DbError> {
    use Assets as A;
    let mut out = Vec::with_capacity(tags.len());
    for part in tags.chunks(IN_LIST) {
        let stmt = Query::select()
            .columns([
                A::Id,
                A::Version,
                A::CreatedAt,
                A::CreatedBy,
                A::UpdatedAt,
                A::UpdatedBy,
            ])
            .columns(WRITE_COLUMNS)
            .expr_as(Expr::val(""), "type_key")
            .expr_as(Expr::val(""), "type_name")
            .expr_as(Expr::val(Option::<String>::None), "location_path")
            .from(A::Table)
            .and_where(Expr::col(A::Tag).is_in(part.iter().cloned()))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.push(assets::decode(&r)?);
        }
    }
    Ok(out)
}

/// Tag → id for these tags (the ids of rows just inserted).
pub async fn ids_by_tags(e: &mut impl Exec, tags: &[&str]) -> Result<HashMap<String, AssetId>, DbError> {
    let mut out = HashMap::with_capacity(tags.len());
    for part in tags.chunks(IN_LIST) {
        let stmt = Query::select()
            .columns([Assets::Id, Assets::Tag])
            .from(Assets::Table)
            .and_where(Expr::col(Assets::Tag).is_in(part.iter().map(|t| (*t).to_owned())))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.insert(r.get::<String>("tag")?, AssetId(r.get("id")?));
        }
    }
    Ok(out)
}

/// (id, parent) of the assets among `ids` that exist.
pub async fn parent_ids(
    e: &mut impl Exec,
    ids: &[AssetId],
) -> Result<Vec<(AssetId, Option<AssetId>)>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for part in ids.chunks(IN_LIST) {
        let stmt = Query::select()
            .columns([Assets::Id, Assets::ParentId])
            .from(Assets::Table)
            .and_where(Expr::col(Assets::Id).is_in(part.iter().map(|i| i.0)))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.push((
                AssetId(r.get("id")?),
                r.get::<Option<i64>>("parent_id")?.map(AssetId),
            ));
        }
    }
    Ok(out)
}

/// The ids among `ids` that name a location.
pub async fn existing_locations(e: &mut impl Exec, ids: &[i64]) -> Result<HashSet<i64>, DbError> {
    let mut out = HashSet::with_capacity(ids.len());
    for part in ids.chunks(IN_LIST) {
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("locations"))
            .and_where(Expr::col(Alias::new("id")).is_in(part.iter().copied()))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.insert(r.get::<i64>("id")?);
        }
    }
    Ok(out)
}

/// Every location's id and path (CSV imports name locations by path).
pub async fn location_paths(e: &mut impl Exec) -> Result<Vec<(i64, String)>, DbError> {
    let stmt = Query::select()
        .columns([Alias::new("id"), Alias::new("path")])
        .from(Alias::new("locations"))
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get::<i64>("id")?, r.get::<String>("path")?)))
        .collect()
}

/// A custom field of some type, as an import maps columns to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    pub key: String,
    pub label: String,
    pub type_key: String,
}

/// Every custom field of every type.
pub async fn all_fields(e: &mut impl Exec) -> Result<Vec<FieldName>, DbError> {
    let f = Alias::new("f");
    let t = Alias::new("t");
    let stmt = Query::select()
        .expr_as(Expr::col((f.clone(), Alias::new("key"))), "key")
        .expr_as(Expr::col((f.clone(), Alias::new("label"))), "label")
        .expr_as(Expr::col((t.clone(), Alias::new("key"))), "type_key")
        .from_as(Alias::new("asset_type_fields"), f.clone())
        .join_as(
            sea_query::JoinType::InnerJoin,
            Alias::new("asset_types"),
            t.clone(),
            Expr::col((t, Alias::new("id"))).equals((f.clone(), Alias::new("type_id"))),
        )
        .order_by((f, Alias::new("id")), sea_query::Order::Asc)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(FieldName {
                key: r.get("key")?,
                label: r.get("label")?,
                type_key: r.get("type_key")?,
            })
        })
        .collect()
}

/// Inserts new assets (version 1), several rows per statement.
pub async fn insert_many(e: &mut impl Exec, rows: &[&AssetFields], actor: &str) -> Result<(), DbError> {
    use Assets as A;
    let now = now_ts();
    let mut cols: Vec<A> = WRITE_COLUMNS.to_vec();
    cols.extend([A::Version, A::CreatedAt, A::CreatedBy, A::UpdatedAt, A::UpdatedBy]);
    for part in rows.chunks(rows_per_statement(cols.len())) {
        let mut stmt = Query::insert();
        stmt.into_table(A::Table).columns(cols.clone());
        for f in part {
            let mut vals = assets::values(f);
            vals.extend([
                1i64.into(),
                now.clone().into(),
                actor.into(),
                now.clone().into(),
                actor.into(),
            ]);
            stmt.values_panic(vals);
        }
        e.execute(&stmt).await?;
    }
    Ok(())
}

/// Sets a freshly inserted asset's parent (one created in the same batch).
pub async fn set_parent(e: &mut impl Exec, id: AssetId, parent: AssetId) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Assets::Table)
        .value(Assets::ParentId, parent.0)
        .and_where(Expr::col(Assets::Id).eq(id.0))
        .to_owned();
    e.execute(&stmt).await?;
    Ok(())
}

/// One custom field index row: (asset, field, index text, unique).
pub type IndexRow = (AssetId, FieldId, String, bool);

/// Replaces the index rows of the assets in `clear` (none for new assets)
/// with `rows`.
pub async fn replace_field_values(
    e: &mut impl Exec,
    clear: &[AssetId],
    rows: &[IndexRow],
) -> Result<(), DbError> {
    use AssetFieldValues as V;
    for part in clear.chunks(IN_LIST) {
        let del = Query::delete()
            .from_table(V::Table)
            .and_where(Expr::col(V::AssetId).is_in(part.iter().map(|i| i.0)))
            .to_owned();
        e.execute(&del).await?;
    }
    for part in rows.chunks(rows_per_statement(4)) {
        let mut ins = Query::insert();
        ins.into_table(V::Table)
            .columns([V::AssetId, V::FieldId, V::Value, V::UniqueKey]);
        for (id, field, value, unique) in part {
            // The same cuts as the single-row write.
            let value: String = value.chars().take(1000).collect();
            let unique_key: Option<String> = unique.then(|| assets::unique_key(&value));
            ins.values_panic([id.0.into(), field.0.into(), value.into(), unique_key.into()]);
        }
        e.execute(&ins).await?;
    }
    Ok(())
}

/// Which assets hold these values of a unique field: (unique key, asset).
pub async fn unique_holders(
    e: &mut impl Exec,
    field: FieldId,
    values: &[String],
) -> Result<Vec<(String, AssetId)>, DbError> {
    use AssetFieldValues as V;
    let mut out = Vec::new();
    for part in values.chunks(IN_LIST) {
        let keys = part.iter().map(|v| assets::unique_key(v));
        let stmt = Query::select()
            .columns([V::AssetId, V::UniqueKey])
            .from(V::Table)
            .and_where(Expr::col(V::FieldId).eq(field.0))
            .and_where(Expr::col(V::UniqueKey).is_in(keys))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.push((r.get::<String>("unique_key")?, AssetId(r.get("asset_id")?)));
        }
    }
    Ok(out)
}

/// Appends change-log rows, stamped now.
pub async fn insert_changes(e: &mut impl Exec, rows: &[NewChange]) -> Result<(), DbError> {
    use ChangeLog as C;
    let cols = || {
        [
            C::At,
            C::ActorId,
            C::Actor,
            C::RequestId,
            C::Entity,
            C::EntityId,
            C::AssetId,
            C::RelatedAssetId,
            C::Action,
            C::Summary,
            C::Changes,
            C::RevertsId,
        ]
    };
    let now = now_ts();
    for part in rows.chunks(rows_per_statement(cols().len())) {
        let mut stmt = Query::insert();
        stmt.into_table(C::Table).columns(cols());
        for c in part {
            stmt.values_panic([
                now.clone().into(),
                c.actor_id.into(),
                c.actor.clone().into(),
                c.request_id.clone().into(),
                c.entity.into(),
                c.entity_id.into(),
                c.asset_id.into(),
                c.related_asset_id.into(),
                c.action.into(),
                c.summary.chars().take(500).collect::<String>().into(),
                Value::Object(c.changes.clone()).to_string().into(),
                c.reverts_id.into(),
            ]);
        }
        e.execute(&stmt).await?;
    }
    Ok(())
}
