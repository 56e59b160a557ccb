//! Statements the demo site seeds with: locations one by one (lineage
//! needs the id), relations many at a time, and an asset count.

use sea_query::{Alias, Expr, ExprTrait, Func, Query};

use super::now_ts;
use super::relations::AssetRelations;
use crate::db::{DbError, Exec};
use crate::domain::inventory::{AssetId, LocationId, LocationKind, RelationKind};

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

/// Where a new location goes: its parent's lineage, path and depth.
#[derive(Debug, Clone)]
pub struct Placed {
    pub id: LocationId,
    pub lineage: String,
    pub path: String,
    pub depth: i32,
}

/// Every location, placed.
pub async fn all_locations(e: &mut impl Exec) -> Result<Vec<Placed>, DbError> {
    let stmt = Query::select()
        .columns(["id", "lineage", "path", "depth"].map(Alias::new))
        .from(Alias::new("locations"))
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(Placed {
                id: LocationId(r.get("id")?),
                lineage: r.get("lineage")?,
                path: r.get("path")?,
                depth: r.get("depth")?,
            })
        })
        .collect()
}

/// Inserts a location under `parent` (None: a root) and returns where it is.
pub async fn insert_location(
    e: &mut impl Exec,
    parent: Option<&Placed>,
    name: &str,
    kind: LocationKind,
) -> Result<Placed, DbError> {
    let l = |c: &str| Alias::new(c);
    let now = now_ts();
    let (path, depth) = match parent {
        Some(p) => (format!("{} / {name}", p.path), p.depth + 1),
        None => (name.to_owned(), 0),
    };
    // The lineage ends with the node's own id: a placeholder until known.
    let ins = Query::insert()
        .into_table(l("locations"))
        .columns(
            [
                "parent_id",
                "name",
                "kind",
                "lineage",
                "path",
                "depth",
                "version",
                "created_at",
                "updated_at",
            ]
            .map(l),
        )
        .values_panic([
            parent.map(|p| p.id.0).into(),
            name.into(),
            kind.as_str().into(),
            "/".into(),
            path.clone().into(),
            depth.into(),
            1i64.into(),
            now.clone().into(),
            now.into(),
        ])
        .to_owned();
    let id = LocationId(e.execute(&ins).await?.last_insert_id);
    let lineage = format!("{}{}/", parent.map_or("/", |p| p.lineage.as_str()), id.0);
    let upd = Query::update()
        .table(l("locations"))
        .value(l("lineage"), lineage.clone())
        .and_where(Expr::col(l("id")).eq(id.0))
        .to_owned();
    e.execute(&upd).await?;
    Ok(Placed {
        id,
        lineage,
        path,
        depth,
    })
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
