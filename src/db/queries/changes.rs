//! `change_log`: the append-only history of inventory changes.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use serde_json::{Map, Value};

use super::{now_ts, ts};
use crate::db::{DbError, Exec, Row};

#[derive(Iden)]
pub enum ChangeLog {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    RequestId,
    Entity,
    EntityId,
    AssetId,
    RelatedAssetId,
    Action,
    Summary,
    Changes,
    RevertsId,
}

/// One change to write.
#[derive(Debug, Clone, Default)]
pub struct NewChange {
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    /// `asset`, `location`, `asset_type`, `asset_type_field`, `relation`.
    pub entity: &'static str,
    pub entity_id: i64,
    /// The asset the change concerns (for per-asset history), if any.
    pub asset_id: Option<i64>,
    /// The other end of a relation change.
    pub related_asset_id: Option<i64>,
    /// `create`, `update`, `delete`.
    pub action: &'static str,
    /// A short human description: the asset tag, the location path …
    pub summary: String,
    /// `{"field": {"before": …, "after": …}}`.
    pub changes: Map<String, Value>,
    /// The change this one reverts.
    pub reverts_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    pub entity: String,
    pub entity_id: i64,
    pub asset_id: Option<i64>,
    pub related_asset_id: Option<i64>,
    pub action: String,
    pub summary: String,
    pub changes: Map<String, Value>,
    pub reverts_id: Option<i64>,
}

pub async fn insert(e: &mut impl Exec, c: &NewChange) -> Result<i64, DbError> {
    use ChangeLog as C;
    let stmt = Query::insert()
        .into_table(C::Table)
        .columns([
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
        ])
        .values_panic([
            now_ts().into(),
            c.actor_id.into(),
            c.actor.clone().into(),
            c.request_id.clone().into(),
            c.entity.into(),
            c.entity_id.into(),
            c.asset_id.into(),
            c.related_asset_id.into(),
            c.action.into(),
            truncate(&c.summary, 500).into(),
            Value::Object(c.changes.clone()).to_string().into(),
            c.reverts_id.into(),
        ])
        .to_owned();
    Ok(e.execute(&stmt).await?.last_insert_id)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// What the history feed can be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Changes concerning this asset (its own, and relations at either end).
    pub asset_id: Option<i64>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

fn select() -> SelectStatement {
    use ChangeLog as C;
    Query::select()
        .columns([
            C::Id,
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
        ])
        .from(C::Table)
        .to_owned()
}

fn filtered(mut stmt: SelectStatement, f: &Filter) -> SelectStatement {
    use ChangeLog as C;
    if let Some(a) = f.asset_id {
        stmt.cond_where(
            Cond::any()
                .add(Expr::col(C::AssetId).eq(a))
                .add(Expr::col(C::RelatedAssetId).eq(a)),
        );
    }
    if let Some(v) = &f.entity {
        stmt.and_where(Expr::col(C::Entity).eq(v.clone()));
    }
    if let Some(v) = f.entity_id {
        stmt.and_where(Expr::col(C::EntityId).eq(v));
    }
    if let Some(v) = &f.actor {
        stmt.and_where(Expr::col(C::Actor).eq(v.clone()));
    }
    if let Some(v) = &f.action {
        stmt.and_where(Expr::col(C::Action).eq(v.clone()));
    }
    if let Some(v) = f.since {
        stmt.and_where(Expr::col(C::At).gte(ts(v)));
    }
    if let Some(v) = f.until {
        stmt.and_where(Expr::col(C::At).lt(ts(v)));
    }
    stmt
}

fn decode(r: &Row) -> Result<ChangeRow, DbError> {
    let text: String = r.get("changes")?;
    let changes = match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => m,
        _ => return Err(DbError::Other("change_log.changes is not a JSON object".into())),
    };
    Ok(ChangeRow {
        id: r.get("id")?,
        at: r.get("at")?,
        actor_id: r.get("actor_id")?,
        actor: r.get("actor")?,
        request_id: r.get("request_id")?,
        entity: r.get("entity")?,
        entity_id: r.get("entity_id")?,
        asset_id: r.get("asset_id")?,
        related_asset_id: r.get("related_asset_id")?,
        action: r.get("action")?,
        summary: r.get("summary")?,
        changes,
        reverts_id: r.get("reverts_id")?,
    })
}

/// Newest first.
pub async fn list(e: &mut impl Exec, f: &Filter, limit: u64, offset: u64) -> Result<Vec<ChangeRow>, DbError> {
    let stmt = filtered(select(), f)
        .order_by(ChangeLog::Id, Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

pub async fn count(e: &mut impl Exec, f: &Filter) -> Result<i64, DbError> {
    let base = Query::select()
        .expr_as(Expr::col(ChangeLog::Id).count(), "n")
        .from(ChangeLog::Table)
        .to_owned();
    e.fetch_optional(&filtered(base, f))
        .await?
        .map_or(Ok(0), |r| r.get("n"))
}

pub async fn find(e: &mut impl Exec, id: i64) -> Result<Option<ChangeRow>, DbError> {
    let stmt = select().and_where(Expr::col(ChangeLog::Id).eq(id)).to_owned();
    e.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

/// Later changes to the same entity (for revert conflict checks).
pub async fn later_for_entity(
    e: &mut impl Exec,
    entity: &str,
    entity_id: i64,
    after_id: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    use ChangeLog as C;
    let stmt = select()
        .and_where(Expr::col(C::Entity).eq(entity))
        .and_where(Expr::col(C::EntityId).eq(entity_id))
        .and_where(Expr::col(C::Id).gt(after_id))
        .order_by(C::Id, Order::Asc)
        .to_owned();
    e.fetch_all(&stmt).await?.iter().map(decode).collect()
}

/// Retention: deletes changes older than `before`; returns how many.
pub async fn purge_before(e: &mut impl Exec, before: DateTime<Utc>) -> Result<u64, DbError> {
    let stmt = Query::delete()
        .from_table(ChangeLog::Table)
        .and_where(Expr::col(ChangeLog::At).lt(ts(before)))
        .to_owned();
    Ok(e.execute(&stmt).await?.rows_affected)
}
