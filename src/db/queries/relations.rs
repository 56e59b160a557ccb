//! `asset_relations`: typed, directed links between assets.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Cond, Expr, ExprTrait, Iden, JoinType, Order, Query};

use super::now_ts;
use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::{AssetId, AssetStatus, RelationId, RelationKind};

#[derive(Iden)]
pub enum AssetRelations {
    Table,
    Id,
    Kind,
    SourceId,
    TargetId,
    Note,
    CreatedAt,
    CreatedBy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelationRow {
    pub id: RelationId,
    pub kind: RelationKind,
    pub source_id: AssetId,
    pub target_id: AssetId,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

/// A relation seen from one asset, with the other end's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationView {
    pub relation: RelationRow,
    pub other_id: AssetId,
    pub other_tag: String,
    pub other_name: String,
    pub other_status: AssetStatus,
}

const COLUMNS: [AssetRelations; 7] = [
    AssetRelations::Id,
    AssetRelations::Kind,
    AssetRelations::SourceId,
    AssetRelations::TargetId,
    AssetRelations::Note,
    AssetRelations::CreatedAt,
    AssetRelations::CreatedBy,
];

fn decode(r: &Row) -> Result<RelationRow, DbError> {
    Ok(RelationRow {
        id: RelationId(r.get("id")?),
        kind: r.get::<String>("kind")?.parse().map_err(DbError::Other)?,
        source_id: AssetId(r.get("source_id")?),
        target_id: AssetId(r.get("target_id")?),
        note: r.get("note")?,
        created_at: r.get("created_at")?,
        created_by: r.get("created_by")?,
    })
}

pub async fn insert(
    e: &mut impl Exec,
    kind: RelationKind,
    source: AssetId,
    target: AssetId,
    note: Option<&str>,
    actor: &str,
    id: Option<RelationId>,
) -> Result<RelationId, DbError> {
    use AssetRelations as R;
    let mut cols = vec![
        R::Kind,
        R::SourceId,
        R::TargetId,
        R::Note,
        R::CreatedAt,
        R::CreatedBy,
    ];
    let mut vals: Vec<sea_query::SimpleExpr> = vec![
        kind.as_str().into(),
        source.0.into(),
        target.0.into(),
        note.map(str::to_owned).into(),
        now_ts().into(),
        actor.into(),
    ];
    if let Some(id) = id {
        cols.push(R::Id);
        vals.push(id.0.into());
    }
    let stmt = Query::insert()
        .into_table(R::Table)
        .columns(cols)
        .values_panic(vals)
        .to_owned();
    let res = e.execute(&stmt).await?;
    Ok(id.unwrap_or(RelationId(res.last_insert_id)))
}

pub async fn find(e: &mut impl Exec, id: RelationId) -> Result<Option<RelationRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AssetRelations::Table)
        .and_where(Expr::col(AssetRelations::Id).eq(id.0))
        .to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn find_edge(
    e: &mut impl Exec,
    kind: RelationKind,
    source: AssetId,
    target: AssetId,
) -> Result<Option<RelationRow>, DbError> {
    use AssetRelations as R;
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(R::Table)
        .and_where(Expr::col(R::Kind).eq(kind.as_str()))
        .and_where(Expr::col(R::SourceId).eq(source.0))
        .and_where(Expr::col(R::TargetId).eq(target.0))
        .to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn delete(e: &mut impl Exec, id: RelationId) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(AssetRelations::Table)
        .and_where(Expr::col(AssetRelations::Id).eq(id.0))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Every relation touching `asset`, either direction, with the other
/// end's tag and name: one statement.
pub async fn for_asset(e: &mut impl Exec, asset: AssetId) -> Result<Vec<RelationView>, DbError> {
    use AssetRelations as R;
    let a = Alias::new("a");
    let col = |c: &str| Expr::col((a.clone(), Alias::new(c)));
    let stmt = Query::select()
        .columns(COLUMNS.map(|c| (R::Table, c)))
        .expr_as(col("id"), "other_id")
        .expr_as(col("tag"), "other_tag")
        .expr_as(col("name"), "other_name")
        .expr_as(col("status"), "other_status")
        .from(R::Table)
        .join_as(
            JoinType::InnerJoin,
            Alias::new("assets"),
            a.clone(),
            Cond::any()
                .add(
                    Expr::col((R::Table, R::SourceId))
                        .eq(asset.0)
                        .and(col("id").equals((R::Table, R::TargetId))),
                )
                .add(
                    Expr::col((R::Table, R::TargetId))
                        .eq(asset.0)
                        .and(col("id").equals((R::Table, R::SourceId))),
                ),
        )
        .cond_where(
            Cond::any()
                .add(Expr::col((R::Table, R::SourceId)).eq(asset.0))
                .add(Expr::col((R::Table, R::TargetId)).eq(asset.0)),
        )
        .order_by((R::Table, R::Kind), Order::Asc)
        .order_by((R::Table, R::Id), Order::Asc)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(RelationView {
                relation: decode(r)?,
                other_id: AssetId(r.get("other_id")?),
                other_tag: r.get("other_tag")?,
                other_name: r.get("other_name")?,
                other_status: r.get::<String>("other_status")?.parse().map_err(DbError::Other)?,
            })
        })
        .collect()
}
