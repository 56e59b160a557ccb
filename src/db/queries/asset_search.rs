//! The search index behind `q=` (ADR 0006): one search text per asset,
//! written in the same transaction as the asset.
//!
//! - SQLite: an FTS5 trigram table, `asset_search(body)`, rowid = asset id.
//! - MySQL / MariaDB: `asset_search(block, asset_id, tag, body)`, clustered
//!   by block (`asset_id DIV 64`), and `asset_search_blocks(block, body)`:
//!   the texts of a block's 64 assets in one row. A search finds the blocks
//!   holding the text (about 1,600 rows for 100,000 assets instead of
//!   100,000), then checks only those blocks' assets. A write locks its
//!   blocks before it writes a text, and the transaction rebuilds them just
//!   before it commits (`Tx::commit`), so a block always holds every text
//!   of its assets once they are visible.

use std::collections::BTreeSet;

use sea_query::{Alias, Expr, ExprTrait, Iden, JoinType, OnConflict, Query, SelectStatement};

use super::asset_bulk::{IN_LIST, rows_per_statement};
use super::assets::{self, AssetFields, Assets};
use crate::db::{Backend, DbError, Tx};
use crate::domain::inventory::AssetId;

/// Assets per MySQL search block: enough to make the first pass read a
/// few thousand rows, few enough that a block's text (at most 64 × 4,000
/// bytes) stays small and a matching block's assets are a short range.
pub const BLOCK_SIZE: i64 = 64;

#[derive(Iden)]
pub enum AssetSearch {
    Table,
    Block,
    AssetId,
    Tag,
    Body,
}

#[derive(Iden)]
enum AssetSearchBlocks {
    Table,
    Block,
    Body,
}

/// The block an asset's search text belongs to (MySQL).
pub fn block_of(id: AssetId) -> i64 {
    id.0.div_euclid(BLOCK_SIZE)
}

/// One asset's entry in the index.
#[derive(Debug, Clone)]
pub struct SearchText {
    pub id: AssetId,
    /// Upper case, as stored: MySQL pages a tag-sorted search from it.
    pub tag: String,
    pub body: String,
}

impl SearchText {
    pub fn of(id: AssetId, fields: &AssetFields) -> Self {
        Self {
            id,
            tag: fields.tag.clone(),
            body: fields.search_body(),
        }
    }
}

/// Writes search texts; `replace` when the assets may already have one.
pub async fn put(tx: &mut Tx, rows: &[SearchText], replace: bool) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx.backend() {
        Some(Backend::Sqlite) => {
            let rowid = Alias::new("rowid");
            if replace {
                for part in rows.chunks(IN_LIST) {
                    let del = Query::delete()
                        .from_table(AssetSearch::Table)
                        .and_where(Expr::col(rowid.clone()).is_in(part.iter().map(|r| r.id.0)))
                        .to_owned();
                    tx.execute(&del).await?;
                }
            }
            for part in rows.chunks(rows_per_statement(2)) {
                let mut ins = Query::insert();
                ins.into_table(AssetSearch::Table)
                    .columns([rowid.clone(), Alias::new("body")]);
                for r in part {
                    ins.values_panic([r.id.0.into(), r.body.clone().into()]);
                }
                tx.execute(&ins).await?;
            }
        }
        _ => {
            lock_blocks(tx, rows.iter().map(|r| block_of(r.id)).collect()).await?;
            use AssetSearch as S;
            for part in rows.chunks(rows_per_statement(4)) {
                let mut ins = Query::insert();
                ins.into_table(S::Table)
                    .columns([S::Block, S::AssetId, S::Tag, S::Body]);
                for r in part {
                    ins.values_panic([
                        block_of(r.id).into(),
                        r.id.0.into(),
                        r.tag.clone().into(),
                        r.body.clone().into(),
                    ]);
                }
                if replace {
                    ins.on_conflict(
                        OnConflict::column(S::AssetId)
                            .update_columns([S::Tag, S::Body])
                            .to_owned(),
                    );
                }
                tx.execute(&ins).await?;
            }
        }
    }
    Ok(())
}

/// Removes an asset's search text: before the asset itself is deleted
/// (MySQL's cascade then removes the row, under the block's lock; FTS5
/// has no foreign keys).
pub async fn delete(tx: &mut Tx, id: AssetId) -> Result<(), DbError> {
    if tx.backend() == Some(Backend::Sqlite) {
        let del = Query::delete()
            .from_table(AssetSearch::Table)
            .and_where(Expr::col(Alias::new("rowid")).eq(id.0))
            .to_owned();
        tx.execute(&del).await?;
    } else {
        lock_blocks(tx, BTreeSet::from([block_of(id)])).await?;
    }
    Ok(())
}

/// Locks the blocks (creating missing ones) before their assets' texts
/// are written, in block order, and notes them for the rebuild at commit.
/// Two writers of one block queue here; the rebuild then reads every
/// committed text of the block and none in flight elsewhere.
async fn lock_blocks(tx: &mut Tx, blocks: BTreeSet<i64>) -> Result<(), DbError> {
    use AssetSearchBlocks as B;
    let all: Vec<i64> = blocks.into_iter().collect();
    for part in all.chunks(rows_per_statement(2)) {
        let mut ins = Query::insert();
        ins.into_table(B::Table).columns([B::Block, B::Body]);
        for b in part {
            ins.values_panic([(*b).into(), "".into()]);
        }
        // A no-op update of an existing block still locks it.
        ins.on_conflict(OnConflict::column(B::Block).update_column(B::Block).to_owned());
        tx.execute(&ins).await?;
    }
    tx.touch_search_blocks(all);
    Ok(())
}

/// Rewrites each block's text from its assets' texts (MySQL; called by
/// `Tx::commit` with the blocks the transaction wrote).
pub(crate) async fn rebuild_blocks(tx: &mut Tx, blocks: &BTreeSet<i64>) -> Result<(), DbError> {
    let all: Vec<i64> = blocks.iter().copied().collect();
    for part in all.chunks(IN_LIST) {
        let ids = part.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // Block numbers are integers we computed: inlined, not client text.
        let stmt = Query::update()
            .table(AssetSearchBlocks::Table)
            .value(
                AssetSearchBlocks::Body,
                Expr::cust(
                    "COALESCE((SELECT GROUP_CONCAT(`s`.`body` ORDER BY `s`.`asset_id` SEPARATOR '\\n') \
                     FROM `asset_search` AS `s` WHERE `s`.`block` = `asset_search_blocks`.`block`), '')",
                ),
            )
            .and_where(Expr::cust(format!("`block` IN ({ids})")))
            .to_owned();
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// Rebuilds every asset's search text from the stored assets, with the
/// same `search_body` and `put` the writes use (after a bulk load, which
/// does not go through them). Returns how many assets were indexed.
pub async fn rebuild(tx: &mut Tx) -> Result<u64, DbError> {
    let clear = Query::delete().from_table(AssetSearch::Table).to_owned();
    tx.execute(&clear).await?;
    if tx.backend() == Some(Backend::Mysql) {
        let clear = Query::delete().from_table(AssetSearchBlocks::Table).to_owned();
        tx.execute(&clear).await?;
    }
    let mut last = 0i64;
    let mut done = 0u64;
    loop {
        let page = assets::select()
            .and_where(Expr::col((Assets::Table, Assets::Id)).gt(last))
            .order_by((Assets::Table, Assets::Id), sea_query::Order::Asc)
            .limit(1000)
            .to_owned();
        let rows = tx.fetch_all(&page).await?;
        let Some(tail) = rows.last() else { break };
        last = tail.get("id")?;
        let texts = rows
            .iter()
            .map(|r| assets::decode(r).map(|a| SearchText::of(a.id, &a.fields)))
            .collect::<Result<Vec<_>, _>>()?;
        put(tx, &texts, false).await?;
        done += texts.len() as u64;
    }
    Ok(done)
}

/// `q` as a bound value in `LOCATE(?, <col>) > 0`: a plain byte search
/// (the texts are VARBINARY, both sides lower case), with no wildcards to
/// escape.
fn contains(col: &str, q: &str) -> Expr {
    Expr::cust_with_values(format!("LOCATE(?, {col}) > 0"), [q.to_owned()])
}

/// The MySQL search's rows: `asset_search AS s` of the blocks holding `q`,
/// narrowed to the assets whose own text holds it. Selects nothing yet.
fn mysql_matches(q: &str) -> SelectStatement {
    let (b, s) = (Alias::new("b"), Alias::new("s"));
    Query::select()
        .from_as(AssetSearchBlocks::Table, b.clone())
        .join_as(
            JoinType::StraightJoin,
            AssetSearch::Table,
            s.clone(),
            Expr::col((s, AssetSearch::Block)).equals((b, AssetSearchBlocks::Block)),
        )
        .and_where(contains("`b`.`body`", q))
        .and_where(contains("`s`.`body`", q))
        .to_owned()
}

/// The ids (as `asset_id`) of assets whose search text contains `q`
/// (lower case).
pub fn matching_ids(backend: Backend, q: &str) -> SelectStatement {
    match backend {
        Backend::Sqlite => {
            let cond = if q.chars().count() >= 3 {
                // A trigram phrase query is a case-insensitive substring
                // match answered from the index. The phrase is a bound value.
                let phrase = format!("\"{}\"", q.replace('"', "\"\""));
                Expr::cust_with_values("\"asset_search\" MATCH ?", [phrase])
            } else {
                // Too short for a trigram: a scan of the (small) FTS text.
                let pattern =
                    sea_query::LikeExpr::new(format!("%{}%", super::asset_list::like_escape(q))).escape('\\');
                Expr::col(Alias::new("body")).like(pattern)
            };
            Query::select()
                .expr_as(Expr::col(Alias::new("rowid")), "asset_id")
                .from(AssetSearch::Table)
                .and_where(cond)
                .to_owned()
        }
        Backend::Mysql => mysql_matches(q)
            .column((Alias::new("s"), AssetSearch::AssetId))
            .to_owned(),
    }
}

/// MySQL: the ids (as `id`) of matching assets, sorted by tag (or id) from
/// the search table alone, with `total` when `counted`. For a search
/// without other filters: joining every match to `assets` only to sort by
/// its tag cost as much as finding it.
pub fn mysql_matches_by(q: &str, by_tag: bool, descending: bool, counted: bool) -> SelectStatement {
    let s = Alias::new("s");
    let mut stmt = mysql_matches(q);
    stmt.expr_as(Expr::col((s.clone(), AssetSearch::AssetId)), "id");
    if counted {
        stmt.expr_as(Expr::cust("COUNT(*) OVER ()"), "total");
    }
    let order = if descending {
        sea_query::Order::Desc
    } else {
        sea_query::Order::Asc
    };
    let col = if by_tag {
        AssetSearch::Tag
    } else {
        AssetSearch::AssetId
    };
    stmt.order_by((s, col), order);
    stmt
}
