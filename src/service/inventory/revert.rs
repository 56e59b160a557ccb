//! Reverting one change: a new change that restores the old values,
//! validated like any write. A field changed again since is a conflict,
//! never silently overwritten.

use serde_json::{Map, Value};

use super::ExpectedVersion;
use super::assets::draft::{AssetDraft, Lookups, validate};
use super::assets::{delete_in, insert_valid, update_valid};
use super::history::{action, entity};
use super::locations;
use super::relations::{add_in, from_values, record_removal};
use crate::db::Tx;
use crate::db::queries::changes::{self, ChangeRow, Filter};
use crate::db::queries::{assets, relations};
use crate::domain::Role;
use crate::domain::inventory::{AssetId, LocationId, RelationId};
use crate::plugins::Plugins;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

fn side<'a>(c: &'a ChangeRow, which: &'a str) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
    c.changes
        .iter()
        .map(move |(k, v)| (k, v.get(which).unwrap_or(&Value::Null)))
}

fn values(c: &ChangeRow, which: &str) -> Map<String, Value> {
    side(c, which).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Reverts change `id`; returns the change that did it.
pub async fn revert(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    id: i64,
) -> Result<ChangeRow, ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let c = changes::find(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("change {id}")))?;
    match (c.entity.as_str(), c.action.as_str()) {
        (entity::ASSET, action::UPDATE) => revert_asset_update(&state.plugins, &mut tx, who, ctx, &c).await?,
        (entity::ASSET, action::CREATE) => {
            // Undoing a creation is a hard delete: admins only.
            who.require(Role::Admin)?;
            let later = changes::later_for_entity(&mut tx, entity::ASSET, c.entity_id, c.id).await?;
            if let Some(l) = later.first() {
                return Err(ServiceError::Conflict(format!(
                    "asset {} was changed after it was created (change {}); revert the later changes first",
                    c.summary, l.id
                )));
            }
            delete_in(
                &state.plugins,
                &mut tx,
                who,
                ctx,
                AssetId(c.entity_id),
                None,
                Some(c.id),
            )
            .await?;
        }
        (entity::ASSET, action::DELETE) => {
            let asset = AssetId(c.entity_id);
            if assets::exists(&mut tx, asset).await? {
                return Err(ServiceError::Conflict(format!(
                    "asset {} exists again",
                    c.summary
                )));
            }
            let mut d = AssetDraft::default();
            for (k, v) in side(&c, "before") {
                d.set_flat(k, v).map_err(ServiceError::Internal)?;
            }
            let v = validate(&mut tx, &mut Lookups::default(), &d, None, false).await?;
            insert_valid(&state.plugins, &mut tx, who, ctx, &v, Some(asset), Some(c.id)).await?;
        }
        (entity::LOCATION, action::UPDATE) => revert_location_update(&mut tx, who, ctx, &c).await?,
        (entity::LOCATION, action::CREATE) => {
            // Undone by deleting it: refused while it holds anything, like
            // any delete, and if it changed since.
            let later = changes::later_for_entity(&mut tx, entity::LOCATION, c.entity_id, c.id).await?;
            if let Some(l) = later.first() {
                return Err(ServiceError::Conflict(format!(
                    "location {} was changed after it was created (change {}); revert the later changes first",
                    c.summary, l.id
                )));
            }
            locations::delete_in(&mut tx, ctx, who, LocationId(c.entity_id), None, Some(c.id)).await?;
        }
        (entity::LOCATION, action::DELETE) => {
            let id = LocationId(c.entity_id);
            if locations::flat_of(&mut tx, id).await?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "location {} exists again",
                    c.summary
                )));
            }
            let n = locations::NewLocation::from_values(&values(&c, "before"));
            locations::create_in(&mut tx, ctx, who, n, Some(id), Some(c.id)).await?;
        }
        (entity::RELATION, action::CREATE) => {
            let r = relations::find(&mut tx, RelationId(c.entity_id))
                .await?
                .ok_or_else(|| {
                    ServiceError::Conflict(format!("the relation ({}) was already removed", c.summary))
                })?;
            record_removal(&mut tx, who, ctx, &r, Some(c.id)).await?;
        }
        (entity::RELATION, action::DELETE) => {
            let (source, req) = from_values(&values(&c, "before"))
                .ok_or_else(|| ServiceError::Internal(format!("change {id} does not describe a relation")))?;
            add_in(
                &mut tx,
                who,
                ctx,
                source,
                &req,
                Some(RelationId(c.entity_id)),
                Some(c.id),
            )
            .await?;
        }
        (e, a) => {
            return Err(ServiceError::Conflict(format!(
                "a {a} of a {} cannot be reverted; asset, relation and location changes can",
                e.replace('_', " ")
            )));
        }
    }
    let filter = Filter {
        entity: Some(c.entity.clone()),
        entity_id: Some(c.entity_id),
        ..Filter::default()
    };
    let done = changes::list(&mut tx, &filter, 1, 0)
        .await?
        .into_iter()
        .next()
        .filter(|n| n.reverts_id == Some(c.id))
        .ok_or_else(|| ServiceError::Internal("the revert recorded no change".into()))?;
    tx.commit().await?;
    Ok(done)
}

/// Fields that changed since `c` (compared with its `after` values).
fn changed_since(c: &ChangeRow, now: &Map<String, Value>, skip: &[&str]) -> Vec<FieldError> {
    side(c, "after")
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .filter_map(|(k, after)| {
            let cur = now.get(k).unwrap_or(&Value::Null);
            (cur != after).then(|| {
                FieldError::new(
                    k.clone(),
                    format!("changed since: it is now {cur}, this change set it to {after}"),
                )
            })
        })
        .collect()
}

fn conflict(c: &ChangeRow, conflicts: Vec<FieldError>) -> ServiceError {
    ServiceError::ConflictWith(
        format!(
            "{} field(s) of {} changed after this change; revert the later changes first or edit by hand",
            conflicts.len(),
            c.summary
        ),
        conflicts,
    )
}

async fn revert_location_update(
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    c: &ChangeRow,
) -> Result<(), ServiceError> {
    let id = LocationId(c.entity_id);
    let (now, version) = locations::flat_of(tx, id)
        .await?
        .ok_or_else(|| ServiceError::Conflict(format!("location {} has been deleted since", c.summary)))?;
    // The path follows from names and parents (an ancestor may have been
    // renamed since): it is neither compared nor restored.
    let conflicts = changed_since(c, &now, &["path"]);
    if !conflicts.is_empty() {
        return Err(conflict(c, conflicts));
    }
    let mut before = values(c, "before");
    before.remove("path");
    let patch = locations::CheckedPatch::from_values(&before)?;
    let expected = ExpectedVersion {
        version,
        if_match: false,
    };
    locations::update_in(tx, ctx, who, id, expected, patch, Some(c.id)).await?;
    Ok(())
}

async fn revert_asset_update(
    plugins: &Plugins,
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    c: &ChangeRow,
) -> Result<(), ServiceError> {
    let id = AssetId(c.entity_id);
    let current = assets::find(tx, id)
        .await?
        .ok_or_else(|| ServiceError::Conflict(format!("asset {} has been deleted since", c.summary)))?;
    let conflicts = changed_since(c, &current.fields.to_flat(), &[]);
    if !conflicts.is_empty() {
        return Err(conflict(c, conflicts));
    }
    let mut d = AssetDraft::from_fields(&current.fields);
    for (k, before) in side(c, "before") {
        d.set_flat(k, before).map_err(ServiceError::Internal)?;
    }
    let v = validate(tx, &mut Lookups::default(), &d, Some(id), false).await?;
    let expected = ExpectedVersion {
        version: current.version,
        if_match: false,
    };
    update_valid(plugins, tx, who, ctx, &current, &v, expected, Some(c.id)).await?;
    Ok(())
}
