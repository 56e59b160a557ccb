//! `locations`: the tree. `lineage` ("/1/5/9/") makes a subtree one prefix
//! match and a move one UPDATE of the subtree; `path` ("Plant 1 / Hall B")
//! is kept in step with it.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, ExprTrait, Func, Iden, LikeExpr, LockType, Order, Query, SelectStatement};

use super::assets::Assets;
use super::now_ts;
use crate::db::{DbError, Exec, Row};
use crate::domain::inventory::{LocationId, LocationKind};

#[derive(Iden, Clone, Copy)]
pub enum Locations {
    Table,
    Id,
    ParentId,
    Name,
    Kind,
    Lineage,
    Path,
    Depth,
    FloorX,
    FloorY,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// Joins names into a path: "Plant 1 / Hall B".
pub const PATH_SEPARATOR: &str = " / ";

/// What a write sets directly; lineage, path and depth follow from the parent.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationFields {
    pub name: String,
    pub kind: LocationKind,
    pub parent_id: Option<LocationId>,
    pub floor_x: Option<f64>,
    pub floor_y: Option<f64>,
    pub notes: Option<String>,
}

/// Where a node sits in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub lineage: String,
    pub path: String,
    pub depth: i32,
}

impl Placement {
    /// The placement of `id` named `name` under `parent` (None: a root).
    pub fn under(parent: Option<&LocationRow>, id: LocationId, name: &str) -> Self {
        match parent {
            Some(p) => Self {
                lineage: format!("{}{id}/", p.placement.lineage),
                path: format!("{}{PATH_SEPARATOR}{name}", p.placement.path),
                depth: p.placement.depth + 1,
            },
            None => Self {
                lineage: format!("/{id}/"),
                path: name.to_owned(),
                depth: 0,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocationRow {
    pub id: LocationId,
    pub fields: LocationFields,
    pub placement: Placement,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LocationRow {
    pub fn name(&self) -> &str {
        &self.fields.name
    }

    pub fn path(&self) -> &str {
        &self.placement.path
    }

    pub fn lineage(&self) -> &str {
        &self.placement.lineage
    }

    /// True when `other` is this node or lies below it.
    pub fn contains(&self, other: &LocationRow) -> bool {
        other.lineage().starts_with(self.lineage())
    }
}

/// A location with the number of assets placed directly in it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedLocation {
    pub row: LocationRow,
    pub asset_count: i64,
}

const COLUMNS: [Locations; 13] = [
    Locations::Id,
    Locations::ParentId,
    Locations::Name,
    Locations::Kind,
    Locations::Lineage,
    Locations::Path,
    Locations::Depth,
    Locations::FloorX,
    Locations::FloorY,
    Locations::Notes,
    Locations::Version,
    Locations::CreatedAt,
    Locations::UpdatedAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Locations::Table, c)))
        .from(Locations::Table)
        .to_owned()
}

/// `select()` plus `asset_count`: the assets directly in each location
/// (a correlated count on the `assets_location_type` index, which
/// starts with location_id).
fn select_counted() -> SelectStatement {
    let count = Query::select()
        .expr(Expr::col((Assets::Table, Assets::Id)).count())
        .from(Assets::Table)
        .and_where(Expr::col((Assets::Table, Assets::LocationId)).equals((Locations::Table, Locations::Id)))
        .to_owned();
    select().expr_as(count, "asset_count").to_owned()
}

fn decode(r: &Row) -> Result<LocationRow, DbError> {
    Ok(LocationRow {
        id: LocationId(r.get("id")?),
        fields: LocationFields {
            name: r.get("name")?,
            kind: r.get::<String>("kind")?.parse().map_err(DbError::Other)?,
            parent_id: r.get::<Option<i64>>("parent_id")?.map(LocationId),
            floor_x: r.get("floor_x")?,
            floor_y: r.get("floor_y")?,
            notes: r.get("notes")?,
        },
        placement: Placement {
            lineage: r.get("lineage")?,
            path: r.get("path")?,
            depth: r.get("depth")?,
        },
        version: r.get("version")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

fn decode_counted(r: &Row) -> Result<CountedLocation, DbError> {
    Ok(CountedLocation {
        row: decode(r)?,
        asset_count: r.get("asset_count")?,
    })
}

fn by_id(id: LocationId) -> Expr {
    Expr::col((Locations::Table, Locations::Id)).eq(id.0)
}

fn by_parent(parent: Option<LocationId>) -> Expr {
    let col = Expr::col((Locations::Table, Locations::ParentId));
    match parent {
        Some(p) => col.eq(p.0),
        None => col.is_null(),
    }
}

/// The node whose lineage is `lineage` and everything below it. Lineages
/// hold only digits and `/`, so the pattern needs no escaping.
pub fn in_subtree(lineage: &str) -> Expr {
    Expr::col((Locations::Table, Locations::Lineage)).like(format!("{lineage}%"))
}

/// `SELECT id FROM locations WHERE lineage LIKE '<lineage>%'`: the ids of a
/// location and its descendants, for "location with descendants" filters
/// (`assets.location_id IN (…)`).
pub fn subtree_ids(lineage: &str) -> SelectStatement {
    Query::select()
        .column((Locations::Table, Locations::Id))
        .from(Locations::Table)
        .and_where(in_subtree(lineage))
        .to_owned()
}

pub async fn find(e: &mut impl Exec, id: LocationId) -> Result<Option<LocationRow>, DbError> {
    let stmt = select().and_where(by_id(id)).to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

/// Reads and (on MySQL) locks a row for the rest of the transaction, so
/// concurrent moves and renames of the same node queue. SQLite's writer
/// lock already serialises them.
pub async fn find_for_update(e: &mut impl Exec, id: LocationId) -> Result<Option<LocationRow>, DbError> {
    let stmt = select().and_where(by_id(id)).lock(LockType::Update).to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

pub async fn find_counted(e: &mut impl Exec, id: LocationId) -> Result<Option<CountedLocation>, DbError> {
    let stmt = select_counted().and_where(by_id(id)).to_owned();
    e.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(decode_counted)
        .transpose()
}

/// A location's lineage ("/1/5/9/"), for subtree filters.
pub async fn lineage_of(e: &mut impl Exec, id: LocationId) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(Locations::Lineage)
        .from(Locations::Table)
        .and_where(by_id(id))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<String>("lineage"))
        .transpose()
}

/// The direct children of `parent` (None: the roots), by name. `lock`
/// takes locks on MySQL so a concurrent sibling with the same name waits
/// for this transaction.
pub async fn children(
    e: &mut impl Exec,
    parent: Option<LocationId>,
    lock: bool,
) -> Result<Vec<LocationRow>, DbError> {
    let mut stmt = select()
        .and_where(by_parent(parent))
        .order_by((Locations::Table, Locations::Name), Order::Asc)
        .order_by((Locations::Table, Locations::Id), Order::Asc)
        .to_owned();
    if lock {
        stmt.lock(LockType::Update);
    }
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

/// Splits "Plant 1 / Hall B" (any whitespace around `/`) into trimmed
/// names; None when a segment is empty.
pub fn split_path(path: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    (!parts.iter().any(|p| p.is_empty())).then_some(parts)
}

/// The location at `path` ("plant 1/hall b" finds "Plant 1 / Hall B"):
/// names compared case-insensitively, whitespace around `/` ignored. One
/// indexed statement per level; bulk importers should cache the answers.
pub async fn find_by_path(e: &mut impl Exec, path: &str) -> Result<Option<LocationRow>, DbError> {
    let Some(names) = split_path(path) else {
        return Ok(None);
    };
    let mut parent: Option<LocationId> = None;
    let mut found = None;
    for name in names {
        let wanted = name.to_lowercase();
        let next = children(e, parent, false)
            .await?
            .into_iter()
            .find(|c| c.name().to_lowercase() == wanted);
        match next {
            Some(row) => {
                parent = Some(row.id);
                found = Some(row);
            }
            None => return Ok(None),
        }
    }
    Ok(found)
}

/// What the flat list can be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub parent_id: Option<LocationId>,
    pub kind: Option<LocationKind>,
    /// Substring of the path (which includes the name), case-insensitive.
    pub q: Option<String>,
}

fn filtered(mut stmt: SelectStatement, f: &Filter) -> SelectStatement {
    use Locations as L;
    if let Some(p) = f.parent_id {
        stmt.and_where(by_parent(Some(p)));
    }
    if let Some(k) = f.kind {
        stmt.and_where(Expr::col((L::Table, L::Kind)).eq(k.as_str()));
    }
    if let Some(q) = &f.q {
        // MySQL's collation is case-insensitive; SQLite's LIKE is for ASCII.
        let pattern = format!("%{}%", escape_like(q));
        stmt.and_where(Expr::col((L::Table, L::Path)).like(LikeExpr::new(pattern).escape('!')));
    }
    stmt
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// A page of the flat list, by path (case-insensitively), with asset counts.
pub async fn list(
    e: &mut impl Exec,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<Vec<CountedLocation>, DbError> {
    let stmt = filtered(select_counted(), f)
        .order_by_expr(
            Func::lower(Expr::col((Locations::Table, Locations::Path))).into(),
            Order::Asc,
        )
        .order_by((Locations::Table, Locations::Id), Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode_counted).collect()
}

pub async fn count(e: &mut impl Exec, f: &Filter) -> Result<i64, DbError> {
    let base = Query::select()
        .expr_as(Expr::col((Locations::Table, Locations::Id)).count(), "n")
        .from(Locations::Table)
        .to_owned();
    e.fetch_optional(&filtered(base, f))
        .await?
        .map_or(Ok(0), |r| r.get("n"))
}

/// Every location (the tree view), by depth.
pub async fn all(e: &mut impl Exec) -> Result<Vec<LocationRow>, DbError> {
    let stmt = select()
        .order_by((Locations::Table, Locations::Depth), Order::Asc)
        .order_by((Locations::Table, Locations::Id), Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

/// (location, assets directly in it) for every location holding assets.
pub async fn asset_counts(e: &mut impl Exec) -> Result<Vec<(LocationId, i64)>, DbError> {
    let stmt = Query::select()
        .column(Assets::LocationId)
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .and_where(Expr::col(Assets::LocationId).is_not_null())
        .group_by_col(Assets::LocationId)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((LocationId(r.get("location_id")?), r.get("n")?)))
        .collect()
}

/// How many assets are directly in `id`, and the first `sample` tags.
pub async fn assets_in(
    e: &mut impl Exec,
    id: LocationId,
    sample: u64,
) -> Result<(i64, Vec<String>), DbError> {
    let count = Query::select()
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .and_where(Expr::col(Assets::LocationId).eq(id.0))
        .to_owned();
    let n: i64 = e.fetch_optional(&count).await?.map_or(Ok(0), |r| r.get("n"))?;
    if n == 0 {
        return Ok((0, Vec::new()));
    }
    let tags = Query::select()
        .column(Assets::Tag)
        .from(Assets::Table)
        .and_where(Expr::col(Assets::LocationId).eq(id.0))
        .order_by(Assets::Tag, Order::Asc)
        .limit(sample)
        .to_owned();
    let tags = e
        .fetch_all(&tags)
        .await?
        .iter()
        .map(|r| r.get::<String>("tag"))
        .collect::<Result<_, _>>()?;
    Ok((n, tags))
}

/// The deepest level in the subtree rooted at `lineage`.
pub async fn subtree_max_depth(e: &mut impl Exec, lineage: &str) -> Result<i32, DbError> {
    let stmt = Query::select()
        .expr_as(Func::max(Expr::col(Locations::Depth)), "d")
        .from(Locations::Table)
        .and_where(in_subtree(lineage))
        .to_owned();
    Ok(e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<Option<i32>>("d"))
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

fn field_values(f: &LocationFields, p: &Placement) -> [(Locations, sea_query::Expr); 9] {
    use Locations as L;
    [
        (L::ParentId, f.parent_id.map(|p| p.0).into()),
        (L::Name, f.name.clone().into()),
        (L::Kind, f.kind.as_str().into()),
        (L::Lineage, p.lineage.clone().into()),
        (L::Path, p.path.clone().into()),
        (L::Depth, p.depth.into()),
        (L::FloorX, f.floor_x.into()),
        (L::FloorY, f.floor_y.into()),
        (L::Notes, f.notes.clone().into()),
    ]
}

/// Inserts a location (version 1) under `parent` and returns it. The
/// lineage ends with the node's own id, so without a given `id` (restoring
/// a deleted location keeps its old one) it is written in a second step.
pub async fn insert(
    e: &mut impl Exec,
    f: &LocationFields,
    parent: Option<&LocationRow>,
    id: Option<LocationId>,
) -> Result<LocationId, DbError> {
    use Locations as L;
    let now = now_ts();
    // A placeholder lineage until the id is known; never visible outside
    // the caller's transaction.
    let placement = match id {
        Some(id) => Placement::under(parent, id, &f.name),
        None => Placement {
            lineage: String::new(),
            ..Placement::under(parent, LocationId(0), &f.name)
        },
    };
    let (mut cols, mut vals): (Vec<L>, Vec<Expr>) = field_values(f, &placement).into_iter().unzip();
    cols.extend([L::Version, L::CreatedAt, L::UpdatedAt]);
    vals.extend([1i64.into(), now.clone().into(), now.into()]);
    if let Some(id) = id {
        cols.push(L::Id);
        vals.push(id.0.into());
    }
    let stmt = Query::insert()
        .into_table(L::Table)
        .columns(cols)
        .values(vals)
        .map_err(DbError::other)?
        .to_owned();
    let res = e.execute(&stmt).await?;
    if let Some(id) = id {
        return Ok(id);
    }
    let id = LocationId(res.last_insert_id);
    let lineage = Placement::under(parent, id, &f.name).lineage;
    let stmt = Query::update()
        .table(L::Table)
        .value(L::Lineage, lineage)
        .and_where(Expr::col(L::Id).eq(id.0))
        .to_owned();
    e.execute(&stmt).await?;
    Ok(id)
}

/// Writes a node's fields and placement if its version is still `version`;
/// false when it is not. Descendants follow with `rewrite_subtree`.
pub async fn update(
    e: &mut impl Exec,
    id: LocationId,
    version: i64,
    f: &LocationFields,
    p: &Placement,
) -> Result<bool, DbError> {
    use Locations as L;
    let mut stmt = Query::update();
    stmt.table(L::Table);
    for (c, v) in field_values(f, p) {
        stmt.value(c, v);
    }
    stmt.value(L::Version, version + 1)
        .value(L::UpdatedAt, now_ts())
        .and_where(Expr::col(L::Id).eq(id.0))
        .and_where(Expr::col(L::Version).eq(version));
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

/// Re-roots every descendant of a node that moved or was renamed: the
/// `old` lineage and path prefixes become the `new` ones and depths shift,
/// in one statement whatever the subtree's size. Descendants' versions are
/// untouched: nothing they own changed. Returns how many rows moved.
pub async fn rewrite_subtree(e: &mut impl Exec, old: &Placement, new: &Placement) -> Result<u64, DbError> {
    use Locations as L;
    // SUBSTR and CHAR_LENGTH count characters on both backends; CONCAT
    // exists in MySQL and SQLite ≥ 3.44 (the bundled one is newer).
    let tail = |col: L, prefix: &str| {
        Func::cust(Alias::new("SUBSTR"))
            .arg(Expr::col(col))
            .arg(prefix.chars().count() as i64 + 1)
    };
    let concat = |head: &str, col: L, prefix: &str| {
        Func::cust(Alias::new("CONCAT"))
            .arg(head.to_owned())
            .arg(tail(col, prefix))
    };
    let stmt = Query::update()
        .table(L::Table)
        .value(L::Lineage, concat(&new.lineage, L::Lineage, &old.lineage))
        .value(L::Path, concat(&new.path, L::Path, &old.path))
        .value(L::Depth, Expr::col(L::Depth).add(new.depth - old.depth))
        .value(L::UpdatedAt, now_ts())
        .and_where(Expr::col(L::Lineage).like(format!("{}%", old.lineage)))
        .and_where(Expr::col(L::Lineage).ne(old.lineage.clone()))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}

pub async fn delete(e: &mut impl Exec, id: LocationId) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(Locations::Table)
        .and_where(Expr::col(Locations::Id).eq(id.0))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_slashes_with_any_spacing() {
        assert_eq!(
            split_path(" Plant 1/Hall B  /  Cell 4 "),
            Some(vec!["Plant 1", "Hall B", "Cell 4"])
        );
        assert_eq!(split_path("Plant 1"), Some(vec!["Plant 1"]));
        assert_eq!(split_path("Plant 1 // Hall"), None);
        assert_eq!(split_path(""), None);
        assert_eq!(split_path("/Plant 1"), None);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a!b"), "50!%!_a!!b");
    }

    #[test]
    fn placements_chain_ids_and_names() {
        let root = Placement::under(None, LocationId(1), "Plant 1");
        assert_eq!(root.lineage, "/1/");
        assert_eq!(root.depth, 0);
        let row = LocationRow {
            id: LocationId(1),
            fields: LocationFields {
                name: "Plant 1".into(),
                kind: LocationKind::Site,
                parent_id: None,
                floor_x: None,
                floor_y: None,
                notes: None,
            },
            placement: root,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let hall = Placement::under(Some(&row), LocationId(5), "Hall B");
        assert_eq!(hall.lineage, "/1/5/");
        assert_eq!(hall.path, "Plant 1 / Hall B");
        assert_eq!(hall.depth, 1);
    }
}
