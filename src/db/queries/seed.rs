//! Statements the demo site seeds with: relations many at a time, and an
//! asset count.

use sea_query::{Alias, Expr, ExprTrait, Func, Query};

use super::now_ts;
use super::relations::AssetRelations;
use crate::db::{DbError, Exec};
use crate::domain::inventory::{AssetId, RelationKind};

pub async fn count_assets(e: &mut impl Exec) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr_as(Func::count(Expr::col(Alias::new("id"))), "n")
        .from(Alias::new("assets"))
        .to_owned();
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<i64>("n"))
        .transpose()?
        .unwrap_or(0))
}

/// Inserts relations, many per statement.
pub async fn insert_relations(
    e: &mut impl Exec,
    rows: &[(RelationKind, AssetId, AssetId)],
    actor: &str,
) -> Result<(), DbError> {
    use AssetRelations as R;
    let now = now_ts();
    for part in rows.chunks(1000) {
        let mut stmt = Query::insert();
        stmt.into_table(R::Table).columns([
            R::Kind,
            R::SourceId,
            R::TargetId,
            R::Note,
            R::CreatedAt,
            R::CreatedBy,
        ]);
        for (kind, source, target) in part {
            stmt.values_panic([
                kind.as_str().into(),
                source.0.into(),
                target.0.into(),
                Option::<String>::None.into(),
                now.clone().into(),
                actor.into(),
            ]);
        }
        e.execute(&stmt).await?;
    }
    Ok(())
}

/// (id, source, target, kind) of every relation of these kinds with a
/// source among `sources`: the ids the change log needs.
pub async fn relation_ids(
    e: &mut impl Exec,
    sources: &[AssetId],
) -> Result<Vec<(i64, AssetId, AssetId, String)>, DbError> {
    use AssetRelations as R;
    let mut out = Vec::new();
    for part in sources.chunks(1000) {
        let stmt = Query::select()
            .columns([R::Id, R::SourceId, R::TargetId, R::Kind])
            .from(R::Table)
            .and_where(Expr::col(R::SourceId).is_in(part.iter().map(|a| a.0)))
            .to_owned();
        for r in e.fetch_all(&stmt).await? {
            out.push((
                r.get("id")?,
                AssetId(r.get("source_id")?),
                AssetId(r.get("target_id")?),
                r.get("kind")?,
            ));
        }
    }
    Ok(out)
}
