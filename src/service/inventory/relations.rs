//! Relations between assets: typed, directed, visible from both ends.

use serde_json::{Map, Value, json};

use super::history::{self, action, entity};
use crate::db::Tx;
use crate::db::queries::assets;
use crate::db::queries::changes::NewChange;
use crate::db::queries::relations::{self, RelationRow, RelationView};
use crate::domain::Role;
use crate::domain::inventory::{AssetId, RelationId, RelationKind};
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

pub async fn list(
    state: &AppState,
    who: &Principal,
    asset: AssetId,
) -> Result<Vec<RelationView>, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    if !assets::exists(&mut db, asset).await? {
        return Err(ServiceError::NotFound(format!("asset {asset}")));
    }
    Ok(relations::for_asset(&mut db, asset).await?)
}

pub struct NewRelation {
    pub kind: String,
    pub target_id: i64,
    pub note: Option<String>,
}

/// What a relation change records: enough to put it back.
fn values(r: &RelationRow) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!(r.kind.as_str()));
    m.insert("source_id".into(), json!(r.source_id.0));
    m.insert("target_id".into(), json!(r.target_id.0));
    m.insert("note".into(), json!(r.note));
    m
}

async fn summary(tx: &mut Tx, r: &RelationRow) -> Result<String, ServiceError> {
    let tag = |row: Option<assets::AssetRow>, id: AssetId| row.map_or(format!("#{id}"), |a| a.fields.tag);
    let s = assets::find(tx, r.source_id).await?;
    let t = assets::find(tx, r.target_id).await?;
    Ok(format!(
        "{} {} {}",
        tag(s, r.source_id),
        r.kind.label(),
        tag(t, r.target_id)
    ))
}

/// Links `source` to a target (inside `tx`); `id` restores a removed
/// relation under its old id (revert).
pub(crate) async fn add_in(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    source: AssetId,
    req: &NewRelation,
    id: Option<RelationId>,
    reverts: Option<i64>,
) -> Result<RelationRow, ServiceError> {
    let mut errors = Vec::new();
    let kind = req.kind.trim().parse::<RelationKind>().map_err(|m| {
        errors.push(FieldError::new("kind", m));
    });
    let target = AssetId(req.target_id);
    if target == source {
        errors.push(FieldError::new(
            "target_id",
            "an asset cannot be related to itself",
        ));
    } else if !assets::exists(tx, target).await? {
        errors.push(FieldError::new(
            "target_id",
            format!("there is no asset {target}"),
        ));
    }
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 1000) {
        errors.push(FieldError::new("note", "must be at most 1000 characters"));
    }
    let Ok(kind) = kind else {
        return Err(ServiceError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    if !assets::exists(tx, source).await? {
        return Err(ServiceError::NotFound(format!("asset {source}")));
    }
    if relations::find_edge(tx, kind, source, target).await?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "asset {source} already {} asset {target}",
            kind.label()
        )));
    }
    let id = relations::insert(tx, kind, source, target, note, &who.username, id).await?;
    let row = relations::find(tx, id)
        .await?
        .ok_or_else(|| ServiceError::Internal("relation vanished inside its transaction".into()))?;
    let summary = summary(tx, &row).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::RELATION,
            entity_id: id.0,
            asset_id: Some(source.0),
            related_asset_id: Some(target.0),
            action: action::CREATE,
            summary,
            changes: history::snapshot(&values(&row), true),
            reverts_id: reverts,
            ..NewChange::default()
        },
    )
    .await?;
    Ok(row)
}

pub async fn add(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    source: AssetId,
    req: NewRelation,
) -> Result<RelationView, ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let row = add_in(&mut tx, who, ctx, source, &req, None, None).await?;
    let view = relations::for_asset(&mut tx, source)
        .await?
        .into_iter()
        .find(|v| v.relation.id == row.id)
        .ok_or_else(|| ServiceError::Internal("relation vanished inside its transaction".into()))?;
    tx.commit().await?;
    Ok(view)
}

/// Deletes a relation and records it (inside `tx`).
pub(crate) async fn record_removal(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    r: &RelationRow,
    reverts: Option<i64>,
) -> Result<(), ServiceError> {
    let summary = summary(tx, r).await?;
    relations::delete(tx, r.id).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::RELATION,
            entity_id: r.id.0,
            asset_id: Some(r.source_id.0),
            related_asset_id: Some(r.target_id.0),
            action: action::DELETE,
            summary,
            changes: history::snapshot(&values(r), false),
            reverts_id: reverts,
            ..NewChange::default()
        },
    )
    .await?;
    Ok(())
}

/// Removes a relation seen from `asset` (either end).
pub async fn remove(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    asset: AssetId,
    id: RelationId,
) -> Result<(), ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let r = relations::find(&mut tx, id)
        .await?
        .filter(|r| r.source_id == asset || r.target_id == asset)
        .ok_or_else(|| ServiceError::NotFound(format!("relation {id} of asset {asset}")))?;
    record_removal(&mut tx, who, ctx, &r, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Restores a relation from a change's recorded values (revert).
pub(crate) fn from_values(v: &Map<String, Value>) -> Option<(AssetId, NewRelation)> {
    Some((
        AssetId(v.get("source_id")?.as_i64()?),
        NewRelation {
            kind: v.get("kind")?.as_str()?.to_owned(),
            target_id: v.get("target_id")?.as_i64()?,
            note: v.get("note").and_then(Value::as_str).map(str::to_owned),
        },
    ))
}
