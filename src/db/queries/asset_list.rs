//! Asset lists, search, export chunks and the summary counts.
//!
//! Every value a client sends is bound as a parameter; the only SQL text
//! built here comes from the closed `SortColumn` set and fixed fragments.
//! A list is two statements (count + page), an export chunk one, whatever
//! the page size: joins, no per-row queries.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Iden, JoinType, Order, Query, SelectStatement};

use super::asset_search::{self, AssetSearch};
use super::assets::{AssetFieldValues, AssetRow, Assets, decode, select};
use super::field_defs::decode_def;
use super::ts;
use crate::db::{Backend, DbError, Exec, Row};
use crate::domain::inventory::fields::FieldDef;
use crate::domain::inventory::{AssetId, AssetStatus, AssetTypeId, FieldId, LocationId};

/// What a list or an export is narrowed to, resolved to ids and
/// canonical values. Every condition is ANDed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    pub statuses: Vec<AssetStatus>,
    /// `None`: any type.
    pub type_ids: Option<Vec<AssetTypeId>>,
    pub location: Option<LocationScope>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    /// Upper case, as stored.
    pub tag: Option<String>,
    pub hostname: Option<String>,
    /// Canonical text form.
    pub ip: Option<String>,
    pub parent_id: Option<AssetId>,
    pub updated_since: Option<DateTime<Utc>>,
    /// One entry per `cf_` filter: the asset must hold one of these
    /// (field, index text) pairs. A key defined by several types with
    /// different kinds canonicalises differently per field.
    pub custom: Vec<Vec<(FieldId, String)>>,
    /// Lower-cased search text (`q`).
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationScope {
    /// At this location only.
    Exactly(LocationId),
    /// At the location with this lineage ("/1/5/9/") or anywhere below it.
    Subtree(String),
}

/// The columns a list may be sorted by (an allow-list: nothing else
/// reaches ORDER BY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Tag,
    Name,
    Type,
    Status,
    Location,
    Manufacturer,
    Model,
    Serial,
    Hostname,
    Ip,
    UpdatedAt,
    CreatedAt,
    PurchaseDate,
    WarrantyEnd,
    Id,
}

impl SortColumn {
    pub const ALL: &'static [SortColumn] = &[
        Self::Tag,
        Self::Name,
        Self::Type,
        Self::Status,
        Self::Location,
        Self::Manufacturer,
        Self::Model,
        Self::Serial,
        Self::Hostname,
        Self::Ip,
        Self::UpdatedAt,
        Self::CreatedAt,
        Self::PurchaseDate,
        Self::WarrantyEnd,
        Self::Id,
    ];

    /// The name clients use in `sort=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Name => "name",
            Self::Type => "type",
            Self::Status => "status",
            Self::Location => "location",
            Self::Manufacturer => "manufacturer",
            Self::Model => "model",
            Self::Serial => "serial",
            Self::Hostname => "hostname",
            Self::Ip => "ip",
            Self::UpdatedAt => "updated_at",
            Self::CreatedAt => "created_at",
            Self::PurchaseDate => "purchase_date",
            Self::WarrantyEnd => "warranty_end",
            Self::Id => "id",
        }
    }

    /// No two assets share a value of this column.
    fn is_unique(self) -> bool {
        matches!(self, Self::Tag | Self::Id)
    }

    fn expr(self) -> Expr {
        use Assets as A;
        let a = |c: A| Expr::col((A::Table, c));
        match self {
            Self::Tag => a(A::Tag),
            Self::Name => a(A::Name),
            // The joined type and location of `assets::select()`.
            Self::Type => Expr::col((Alias::new("t"), Alias::new("key"))),
            Self::Location => Expr::col((Alias::new("l"), Alias::new("path"))),
            Self::Status => a(A::Status),
            Self::Manufacturer => a(A::Manufacturer),
            Self::Model => a(A::Model),
            Self::Serial => a(A::Serial),
            Self::Hostname => a(A::Hostname),
            Self::Ip => a(A::Ip),
            Self::UpdatedAt => a(A::UpdatedAt),
            Self::CreatedAt => a(A::CreatedAt),
            Self::PurchaseDate => a(A::PurchaseDate),
            Self::WarrantyEnd => a(A::WarrantyEnd),
            Self::Id => a(A::Id),
        }
    }
}

#[derive(Iden)]
enum Locations {
    Table,
    Id,
    ParentId,
    Name,
    Lineage,
}

/// `lineage LIKE '/1/5/%'` as a range, which both backends answer from the
/// lineage index: ids are digits and `/` sorts just before `0`.
fn subtree_range(lineage: &str) -> (String, String) {
    let upper = match lineage.strip_suffix('/') {
        Some(stem) => format!("{stem}0"),
        None => format!("{lineage}\u{10FFFF}"),
    };
    (lineage.to_owned(), upper)
}

/// `%`, `_` and `\` taken literally in a LIKE pattern (escape `\`).
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `(SELECT assets.* FROM (<search>) s STRAIGHT_JOIN assets …) AS assets`:
/// on MySQL/MariaDB a search must drive the query. Given
/// `assets.id IN (<search>)` the optimizer walks `assets` and probes the
/// search table row by row, an order of magnitude slower than one scan of
/// the search table; the derived table is merged, the join order kept.
fn search_driven_assets(q: &str) -> SelectStatement {
    let s = Alias::new("s");
    Query::select()
        .column((Assets::Table, Asterisk))
        .from_subquery(asset_search::matching_ids(Backend::Mysql, q), s.clone())
        .join(
            JoinType::StraightJoin,
            Assets::Table,
            Expr::col((Assets::Table, Assets::Id)).equals((s, AssetSearch::AssetId)),
        )
        .to_owned()
}

/// Adds the criteria to a statement over `assets` (joined or not).
fn apply(stmt: &mut SelectStatement, backend: Backend, c: &Criteria) {
    use Assets as A;
    let a = |col: A| Expr::col((A::Table, col));
    let search_in_from = match (&c.search, backend) {
        (Some(q), Backend::Mysql) => {
            stmt.from_clear().from_subquery(search_driven_assets(q), A::Table);
            true
        }
        _ => false,
    };
    if !c.statuses.is_empty() {
        stmt.and_where(a(A::Status).is_in(c.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(ids) = &c.type_ids {
        stmt.and_where(a(A::TypeId).is_in(ids.iter().map(|t| t.0)));
    }
    match &c.location {
        None => {}
        Some(LocationScope::Exactly(id)) => {
            stmt.and_where(a(A::LocationId).eq(id.0));
        }
        Some(LocationScope::Subtree(lineage)) => {
            let (low, high) = subtree_range(lineage);
            let inside = Query::select()
                .column(Locations::Id)
                .from(Locations::Table)
                .and_where(Expr::col(Locations::Lineage).gte(low))
                .and_where(Expr::col(Locations::Lineage).lt(high))
                .to_owned();
            stmt.and_where(a(A::LocationId).in_subquery(inside));
        }
    }
    for (col, v) in [
        (A::Manufacturer, &c.manufacturer),
        (A::Model, &c.model),
        (A::Tag, &c.tag),
        (A::Hostname, &c.hostname),
        (A::Ip, &c.ip),
    ] {
        if let Some(v) = v {
            stmt.and_where(a(col).eq(v.clone()));
        }
    }
    if let Some(p) = c.parent_id {
        stmt.and_where(a(A::ParentId).eq(p.0));
    }
    if let Some(t) = c.updated_since {
        stmt.and_where(a(A::UpdatedAt).gte(ts(t)));
    }
    for alternatives in &c.custom {
        use AssetFieldValues as V;
        let mut any = Cond::any();
        for (field, value) in alternatives {
            any = any.add(
                Cond::all()
                    .add(Expr::col(V::FieldId).eq(field.0))
                    .add(Expr::col(V::Value).eq(value.clone())),
            );
        }
        let holders = Query::select()
            .column(V::AssetId)
            .from(V::Table)
            .cond_where(any)
            .to_owned();
        stmt.and_where(a(A::Id).in_subquery(holders));
    }
    if let (Some(q), false) = (&c.search, search_in_from) {
        stmt.and_where(a(A::Id).in_subquery(asset_search::matching_ids(backend, q)));
    }
}

/// How many assets match.
pub async fn count(e: &mut impl Exec, backend: Backend, c: &Criteria) -> Result<i64, DbError> {
    // COUNT(*), not COUNT(id): SQLite answers an unfiltered COUNT(*) from
    // the b-tree's own counts (0.1 ms, against 6 ms for 100,000 ids).
    let mut stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from(Assets::Table)
        .to_owned();
    apply(&mut stmt, backend, c);
    e.fetch_optional(&stmt).await?.map_or(Ok(0), |r| r.get("n"))
}

/// A page as a deferred join: the ids of the page are picked first (the
/// filter, sort and limit over `assets` alone, mostly from indexes), then
/// only those rows are read and joined. Sorting whole rows (custom fields,
/// notes) cost 4-5x as much on both backends.
fn page_stmt(
    backend: Backend,
    c: &Criteria,
    sort: &[(SortColumn, bool)],
    limit: u64,
    offset: u64,
    counted: bool,
) -> SelectStatement {
    let p = Alias::new("p");
    let pick = match search_only_by_key(backend, c, sort) {
        Some((q, by_tag, descending)) => {
            let mut pick = asset_search::mysql_matches_by(q, by_tag, descending, counted);
            pick.limit(limit).offset(offset);
            pick
        }
        None => pick_stmt(backend, c, sort, limit, offset, counted),
    };

    // `FROM (pick) p, assets JOIN t LEFT JOIN l WHERE assets.id = p.id`:
    // the joins of `assets::select()` stay as they are.
    let mut stmt = select();
    stmt.from_clear()
        .from_subquery(pick, p.clone())
        .from(Assets::Table)
        .and_where(Expr::col((Assets::Table, Assets::Id)).equals((p.clone(), Assets::Id)));
    if counted {
        stmt.expr_as(Expr::col((p, Alias::new("total"))), "total");
    }
    order(&mut stmt, sort);
    stmt
}

/// A MySQL search with no other filter, sorted by tag or id: `(q, by_tag,
/// descending)`. Its page is picked from the search tables alone, which
/// hold the tag (both columns compare alike: same collation).
fn search_only_by_key<'a>(
    backend: Backend,
    c: &'a Criteria,
    sort: &[(SortColumn, bool)],
) -> Option<(&'a str, bool, bool)> {
    let q = c.search.as_deref()?;
    let others = Criteria {
        search: None,
        ..c.clone()
    };
    let (by_tag, descending) = match sort.first() {
        Some((SortColumn::Tag, d)) => (true, *d),
        Some((SortColumn::Id, d)) => (false, *d),
        _ => return None,
    };
    (backend == Backend::Mysql && others == Criteria::default()).then_some((q, by_tag, descending))
}

/// The ids of a page (and `total` when `counted`), from `assets` and what
/// the sort joins.
fn pick_stmt(
    backend: Backend,
    c: &Criteria,
    sort: &[(SortColumn, bool)],
    limit: u64,
    offset: u64,
    counted: bool,
) -> SelectStatement {
    let mut pick = Query::select()
        .column((Assets::Table, Assets::Id))
        .from(Assets::Table)
        .to_owned();
    if sort.iter().any(|(col, _)| *col == SortColumn::Type) {
        let t = Alias::new("t");
        pick.join_as(
            JoinType::InnerJoin,
            Alias::new("asset_types"),
            t.clone(),
            Expr::col((t, Alias::new("id"))).equals((Assets::Table, Assets::TypeId)),
        );
    }
    if sort.iter().any(|(col, _)| *col == SortColumn::Location) {
        let l = Alias::new("l");
        pick.join_as(
            JoinType::LeftJoin,
            Alias::new("locations"),
            l.clone(),
            Expr::col((l, Alias::new("id"))).equals((Assets::Table, Assets::LocationId)),
        );
    }
    apply(&mut pick, backend, c);
    order(&mut pick, sort);
    if counted {
        pick.expr_as(Expr::cust("COUNT(*) OVER ()"), "total");
    }
    pick.limit(limit).offset(offset);
    pick
}

/// `ORDER BY` the sort, then id, which breaks ties so pages never overlap.
/// Nothing follows a unique column (tag, id): it has no ties to break, and
/// MariaDB reads `ORDER BY tag LIMIT 50` from the tag index but sorted all
/// 100,000 assets for `ORDER BY tag, id LIMIT 50` (0.8 ms against 62 ms).
fn order(stmt: &mut SelectStatement, sort: &[(SortColumn, bool)]) {
    for (col, desc) in sort {
        stmt.order_by_expr(col.expr(), if *desc { Order::Desc } else { Order::Asc });
        if col.is_unique() {
            return;
        }
    }
    stmt.order_by((Assets::Table, Assets::Id), Order::Asc);
}

/// One page of matching assets; `sort` is (column, descending).
pub async fn page(
    e: &mut impl Exec,
    backend: Backend,
    c: &Criteria,
    sort: &[(SortColumn, bool)],
    limit: u64,
    offset: u64,
) -> Result<Vec<AssetRow>, DbError> {
    let stmt = page_stmt(backend, c, sort, limit, offset, false);
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

/// One page and, in the same statement, the number of all matches
/// (`COUNT(*) OVER ()`; `None` when the page is empty). For searches:
/// the page already reads and sorts every match, and a separate count
/// would scan the search text a second time.
pub async fn page_counted(
    e: &mut impl Exec,
    backend: Backend,
    c: &Criteria,
    sort: &[(SortColumn, bool)],
    limit: u64,
    offset: u64,
) -> Result<(Vec<AssetRow>, Option<i64>), DbError> {
    let stmt = page_stmt(backend, c, sort, limit, offset, true);
    let rows = e.fetch_all(&stmt).await?;
    let total = rows.first().map(|r| r.get("total")).transpose()?;
    let items = rows.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// An exported asset: the row and its parent's tag (what an import keyed
/// by tag reads back).
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub asset: AssetRow,
    pub parent_tag: Option<String>,
}

/// The next `n` matching assets after `after` by id (keyset paging for
/// exports: each chunk is an index range, however deep).
pub async fn chunk_after(
    e: &mut impl Exec,
    backend: Backend,
    c: &Criteria,
    after: Option<AssetId>,
    n: u64,
) -> Result<Vec<ExportRow>, DbError> {
    // The chunk is picked from `assets` alone (an id range), then joined:
    // MariaDB planned the joined form types-first with a sort of every
    // asset per chunk (110 s for 200,000 rows). A derived table with a
    // LIMIT is materialised first on both backends.
    let mut chunk = Query::select()
        .column((Assets::Table, Asterisk))
        .from(Assets::Table)
        .to_owned();
    apply(&mut chunk, backend, c);
    if let Some(after) = after {
        chunk.and_where(Expr::col((Assets::Table, Assets::Id)).gt(after.0));
    }
    chunk.order_by((Assets::Table, Assets::Id), Order::Asc).limit(n);
    let p = Alias::new("p");
    let mut stmt = select();
    stmt.from_clear()
        .from_subquery(chunk, Assets::Table)
        .expr_as(Expr::col((p.clone(), Assets::Tag)), "parent_tag")
        .join_as(
            JoinType::LeftJoin,
            Assets::Table,
            p.clone(),
            Expr::col((p, Assets::Id)).equals((Assets::Table, Assets::ParentId)),
        )
        .order_by((Assets::Table, Assets::Id), Order::Asc);
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(ExportRow {
                asset: decode(r)?,
                parent_tag: r.get("parent_tag")?,
            })
        })
        .collect()
}

/// A location's lineage ("/1/5/9/"), if it exists.
pub async fn lineage(e: &mut impl Exec, id: LocationId) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(Locations::Lineage)
        .from(Locations::Table)
        .and_where(Expr::col(Locations::Id).eq(id.0))
        .to_owned();
    e.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("lineage"))
        .transpose()
}

/// Custom field definitions with these keys (of these types, when given),
/// with the type each belongs to.
pub async fn defs_by_keys(
    e: &mut impl Exec,
    keys: &[String],
    types: Option<&[AssetTypeId]>,
) -> Result<Vec<(AssetTypeId, FieldDef)>, DbError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = Query::select()
        .columns(
            [
                "id",
                "type_id",
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
        .and_where(Expr::col(Alias::new("key")).is_in(keys.iter().cloned()))
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    if let Some(types) = types {
        stmt.and_where(Expr::col(Alias::new("type_id")).is_in(types.iter().map(|t| t.0)));
    }
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((AssetTypeId(r.get("type_id")?), decode_def(r)?)))
        .collect()
}

/// The distinct custom field keys of these types (all types when `None`),
/// sorted: an export's `cf_` columns.
pub async fn field_keys(e: &mut impl Exec, types: Option<&[AssetTypeId]>) -> Result<Vec<String>, DbError> {
    let key = Alias::new("key");
    let mut stmt = Query::select()
        .distinct()
        .column(key.clone())
        .from(Alias::new("asset_type_fields"))
        .order_by(key, Order::Asc)
        .to_owned();
    if let Some(types) = types {
        stmt.and_where(Expr::col(Alias::new("type_id")).is_in(types.iter().map(|t| t.0)));
    }
    e.fetch_all(&stmt).await?.iter().map(|r| r.get("key")).collect()
}

// --- Summary ---------------------------------------------------------------

/// (status, count) for statuses in use.
pub async fn count_by_status(e: &mut impl Exec) -> Result<Vec<(String, i64)>, DbError> {
    let stmt = Query::select()
        .column(Assets::Status)
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .group_by_col(Assets::Status)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("status")?, r.get("n")?)))
        .collect()
}

pub struct TypeCount {
    pub id: AssetTypeId,
    pub key: String,
    pub name: String,
    pub count: i64,
}

/// Every type with its asset count (zero included), by key.
pub async fn count_by_type(e: &mut impl Exec) -> Result<Vec<TypeCount>, DbError> {
    let c = Alias::new("c");
    let t = Alias::new("t");
    // Counted per type_id from the index first, then named.
    let counts = Query::select()
        .column(Assets::TypeId)
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .group_by_col(Assets::TypeId)
        .to_owned();
    let stmt = Query::select()
        .expr_as(Expr::col((t.clone(), Alias::new("id"))), "id")
        .expr_as(Expr::col((t.clone(), Alias::new("key"))), "key")
        .expr_as(Expr::col((t.clone(), Alias::new("name"))), "name")
        .expr_as(Expr::col((c.clone(), Alias::new("n"))), "n")
        .from_as(Alias::new("asset_types"), t.clone())
        .join_subquery(
            JoinType::LeftJoin,
            counts,
            c.clone(),
            Expr::col((c, Alias::new("type_id"))).equals((t.clone(), Alias::new("id"))),
        )
        .order_by((t, Alias::new("key")), Order::Asc)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(TypeCount {
                id: AssetTypeId(r.get("id")?),
                key: r.get("key")?,
                name: r.get("name")?,
                count: r.get::<Option<i64>>("n")?.unwrap_or(0),
            })
        })
        .collect()
}

/// Asset counts per location in use, with the location's lineage (`None`
/// for assets without a location). Rows are per location, not per asset.
pub async fn count_by_location(e: &mut impl Exec) -> Result<Vec<(Option<String>, i64)>, DbError> {
    let c = Alias::new("c");
    let l = Alias::new("l");
    let counts = Query::select()
        .column(Assets::LocationId)
        .expr_as(Expr::col(Assets::Id).count(), "n")
        .from(Assets::Table)
        .group_by_col(Assets::LocationId)
        .to_owned();
    let stmt = Query::select()
        .expr_as(Expr::col((l.clone(), Locations::Lineage)), "lineage")
        .expr_as(Expr::col((c.clone(), Alias::new("n"))), "n")
        .from_subquery(counts, c.clone())
        .join_as(
            JoinType::LeftJoin,
            Locations::Table,
            l.clone(),
            Expr::col((l, Locations::Id)).equals((c, Alias::new("location_id"))),
        )
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("lineage")?, r.get("n")?)))
        .collect()
}

/// The root locations (id, name), by name.
pub async fn roots(e: &mut impl Exec) -> Result<Vec<(LocationId, String)>, DbError> {
    let stmt = Query::select()
        .columns([Locations::Id, Locations::Name])
        .from(Locations::Table)
        .and_where(Expr::col(Locations::ParentId).is_null())
        .order_by(Locations::Name, Order::Asc)
        .order_by(Locations::Id, Order::Asc)
        .to_owned();
    e.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r: &Row| Ok((LocationId(r.get("id")?), r.get("name")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{MysqlQueryBuilder, SqliteQueryBuilder};

    /// The criteria with every value replaced by a harmless one of the
    /// same shape (the SQLite search form depends on the query's length).
    fn neutral(c: &Criteria) -> Criteria {
        let x = |v: &Option<String>| v.as_ref().map(|_| "x".to_owned());
        Criteria {
            statuses: c.statuses.clone(),
            type_ids: c.type_ids.clone(),
            location: c.location.as_ref().map(|l| match l {
                LocationScope::Exactly(_) => LocationScope::Exactly(LocationId(1)),
                LocationScope::Subtree(_) => LocationScope::Subtree("/1/".into()),
            }),
            manufacturer: x(&c.manufacturer),
            model: x(&c.model),
            tag: x(&c.tag),
            hostname: x(&c.hostname),
            ip: x(&c.ip),
            parent_id: c.parent_id.map(|_| AssetId(1)),
            updated_since: c.updated_since.map(|_| DateTime::<Utc>::default()),
            custom: c
                .custom
                .iter()
                .map(|alts| alts.iter().map(|_| (FieldId(1), "x".to_owned())).collect())
                .collect(),
            search: c
                .search
                .as_ref()
                .map(|q| if q.chars().count() >= 3 { "xxx" } else { "x" }.to_owned()),
        }
    }

    fn sql(backend: Backend, c: &Criteria, sort: &[(SortColumn, bool)]) -> [String; 3] {
        let mut count = Query::select().from(Assets::Table).to_owned();
        apply(&mut count, backend, c);
        let mut chunk = select();
        apply(&mut chunk, backend, c);
        let page = page_stmt(backend, c, sort, 50, 0, c.search.is_some());
        [count, chunk, page].map(|s| match backend {
            Backend::Sqlite => s.build(SqliteQueryBuilder).0,
            Backend::Mysql => s.build(MysqlQueryBuilder).0,
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The SQL text depends only on which filters are set, never on
        /// their values: every value is a bound parameter.
        #[test]
        fn values_never_reach_the_sql_text(
            text in proptest::option::of(".{0,40}|'[-;\"%_\\ ]{0,10}--"),
            q in proptest::option::of(".{1,12}"),
            lineage in ".{0,12}",
            ids in proptest::collection::vec(proptest::prelude::any::<i64>(), 0..3),
            sort in proptest::sample::subsequence(SortColumn::ALL.to_vec(), 0..4),
            desc in proptest::prelude::any::<bool>(),
        ) {
            let c = Criteria {
                statuses: vec![AssetStatus::Spare],
                type_ids: Some(ids.iter().map(|i| AssetTypeId(*i)).collect()),
                location: Some(LocationScope::Subtree(lineage)),
                manufacturer: text.clone(),
                model: text.clone(),
                tag: text.clone(),
                hostname: text.clone(),
                ip: text.clone(),
                parent_id: ids.first().map(|i| AssetId(*i)),
                updated_since: Some(Utc::now()),
                custom: vec![ids.iter().map(|i| (FieldId(*i), text.clone().unwrap_or_default())).collect()],
                search: q,
            };
            let sort: Vec<(SortColumn, bool)> = sort.into_iter().map(|s| (s, desc)).collect();
            let n = neutral(&c);
            for backend in [Backend::Sqlite, Backend::Mysql] {
                proptest::prop_assert_eq!(sql(backend, &c, &sort), sql(backend, &n, &sort));
            }
        }
    }

    #[test]
    fn subtrees_are_index_ranges() {
        assert_eq!(subtree_range("/1/5/"), ("/1/5/".to_owned(), "/1/50".to_owned()));
        // "/1/5/9/" is inside, "/1/50/" (another node) is not.
        let (lo, hi) = subtree_range("/1/5/");
        assert!(lo.as_str() <= "/1/5/9/" && "/1/5/9/" < hi.as_str());
        assert!("/1/50/" >= hi.as_str());
    }

    #[test]
    fn values_are_bound_never_spliced() {
        let c = Criteria {
            manufacturer: Some("x' OR 1=1 --".into()),
            search: Some("50%_\"off".into()),
            custom: vec![vec![(FieldId(3), "a'b".into())]],
            ..Criteria::default()
        };
        for backend in [Backend::Sqlite, Backend::Mysql] {
            let mut stmt = select();
            apply(&mut stmt, backend, &c);
            let (sql, values) = match backend {
                Backend::Sqlite => stmt.build(SqliteQueryBuilder),
                Backend::Mysql => stmt.build(MysqlQueryBuilder),
            };
            assert!(!sql.contains("OR 1=1"), "{sql}");
            assert!(!sql.contains("off"), "{sql}");
            assert!(!sql.contains("a'b"), "{sql}");
            let texts: Vec<String> = values.0.iter().map(|v| format!("{v:?}")).collect();
            assert!(texts.iter().any(|t| t.contains("OR 1=1")), "{texts:?}");
        }
        // On MySQL the search drives the statement; filters still apply.
        let mut stmt = select();
        apply(&mut stmt, Backend::Mysql, &c);
        let sql = stmt.to_string(MysqlQueryBuilder);
        assert!(
            sql.contains(
                "FROM (SELECT `assets`.* FROM (SELECT `s`.`asset_id` FROM `asset_search_blocks` AS `b` \
                 STRAIGHT_JOIN `asset_search` AS `s` ON `s`.`block` = `b`.`block` WHERE (LOCATE("
            ) && sql.contains("`s`.`body`) > 0)) AS `s` STRAIGHT_JOIN")
                && sql.contains(
                    "STRAIGHT_JOIN `assets` ON `assets`.`id` = `s`.`asset_id`) AS `assets` INNER JOIN"
                )
                && sql.contains("WHERE `assets`.`manufacturer` = "),
            "{sql}"
        );
        let (sql, values) = asset_search::matching_ids(Backend::Sqlite, "ab\"c").build(SqliteQueryBuilder);
        assert!(sql.contains("MATCH ?"), "{sql}");
        assert!(format!("{values:?}").contains(r#"\"ab\"\"c\""#), "{values:?}");
        // MySQL: a byte search with the text as it is (no wildcards).
        let (sql, values) = asset_search::matching_ids(Backend::Mysql, "5%").build(MysqlQueryBuilder);
        assert!(sql.contains("LOCATE(?, `b`.`body`) > 0"), "{sql}");
        assert_eq!(format!("{values:?}").matches("\"5%\"").count(), 2, "{values:?}");
    }

    #[test]
    fn a_search_only_page_is_picked_from_the_search_tables_on_mysql() {
        let c = Criteria {
            search: Some("trubend".into()),
            ..Criteria::default()
        };
        let by_tag = [(SortColumn::Tag, true)];
        let sql = page_stmt(Backend::Mysql, &c, &by_tag, 50, 0, true).to_string(MysqlQueryBuilder);
        assert!(
            sql.contains("COUNT(*) OVER () AS `total` FROM `asset_search_blocks`")
                && sql.contains("ORDER BY `s`.`tag` DESC LIMIT 50"),
            "{sql}"
        );
        // Another filter, another sort or SQLite: picked from `assets`.
        let filtered = Criteria {
            statuses: vec![AssetStatus::InService],
            ..c.clone()
        };
        for (backend, c, sort) in [
            (Backend::Mysql, &filtered, &by_tag[..]),
            (Backend::Mysql, &c, &[(SortColumn::Name, false)][..]),
            (Backend::Sqlite, &c, &by_tag[..]),
        ] {
            let sql = page_stmt(backend, c, sort, 50, 0, true).to_string(MysqlQueryBuilder);
            assert!(sql.contains("SELECT `assets`.`id`, COUNT(*) OVER ()"), "{sql}");
        }
    }
}
