//! Assets: create, read, update, delete, scanner lookups and containment.
//! Every write validates through `draft::validate`, stores the custom
//! field index and search text, records its change and runs the enabled
//! plugins' asset hooks, all in the same transaction.

pub mod draft;

use serde_json::{Map, Value};

use self::draft::{AssetDraft, Lookups, ValidAsset, validate};
use super::ExpectedVersion;
use super::history::{self, action, entity};
use crate::db::queries::asset_search::{self, SearchText};
use crate::db::queries::assets::{self, AssetRow};
use crate::db::queries::changes::NewChange;
use crate::db::queries::relations;
use crate::db::{Exec, Tx};
use crate::domain::Role;
use crate::domain::inventory::{AssetId, AssetTag};
use crate::plugins::{AssetChange, AssetEvent, Plugins, hooks};
use crate::service::ServiceError;
use crate::service::auth::principal::{Principal, RequestCtx};
use crate::state::AppState;

pub async fn get(state: &AppState, who: &Principal, id: AssetId) -> Result<AssetRow, ServiceError> {
    who.require(Role::Viewer)?;
    assets::find(&mut state.db.clone(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("asset {id}")))
}

/// Scanner lookup: tags are stored upper case, so any case finds it.
pub async fn by_tag(state: &AppState, who: &Principal, tag: &str) -> Result<AssetRow, ServiceError> {
    who.require(Role::Viewer)?;
    let not_found = || ServiceError::NotFound(format!("asset with tag `{}`", tag.trim()));
    let tag = AssetTag::parse(tag).map_err(|_| not_found())?;
    assets::find_by_tag(&mut state.db.clone(), tag.as_str())
        .await?
        .ok_or_else(not_found)
}

/// Scanner lookup by serial number (several vendors may share one).
pub async fn by_serial(
    state: &AppState,
    who: &Principal,
    serial: &str,
) -> Result<Vec<AssetRow>, ServiceError> {
    who.require(Role::Viewer)?;
    Ok(assets::find_by_serial(&mut state.db.clone(), serial.trim(), 100).await?)
}

/// Assets contained in this one (`parent_id`).
pub async fn children(state: &AppState, who: &Principal, id: AssetId) -> Result<Vec<AssetRow>, ServiceError> {
    who.require(Role::Viewer)?;
    let mut db = state.db.clone();
    if !assets::exists(&mut db, id).await? {
        return Err(ServiceError::NotFound(format!("asset {id}")));
    }
    Ok(assets::children(&mut db, id).await?)
}

/// Stores a validated asset's side tables: custom field index and search text.
pub(crate) async fn store_side_tables(tx: &mut Tx, id: AssetId, v: &ValidAsset) -> Result<(), ServiceError> {
    assets::replace_field_values(tx, id, &v.index.index).await?;
    asset_search::put(tx, &[SearchText::of(id, &v.fields)], true).await?;
    Ok(())
}

/// Inserts a validated asset, records its creation and runs the plugin
/// hooks (inside `tx`).
pub(crate) async fn insert_valid(
    plugins: &Plugins,
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    v: &ValidAsset,
    id: Option<AssetId>,
    reverts: Option<i64>,
) -> Result<AssetId, ServiceError> {
    let id = assets::insert(tx, &v.fields, id, &who.username).await?;
    store_side_tables(tx, id, v).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET,
            entity_id: id.0,
            asset_id: Some(id.0),
            action: action::CREATE,
            summary: v.fields.tag.clone(),
            changes: history::snapshot(&v.fields.to_flat(), true),
            reverts_id: reverts,
            ..NewChange::default()
        },
    )
    .await?;
    let event = AssetEvent {
        asset: id,
        change: AssetChange::Created { after: &v.fields },
        who,
        ctx,
        reverts,
    };
    hooks::asset_changed(plugins, tx, &event).await?;
    Ok(id)
}

/// Writes a validated asset over `current` if still at `version`, records
/// the diff and runs the plugin hooks (inside `tx`). Returns false when
/// nothing changed (no write, no hooks).
#[allow(clippy::too_many_arguments)] // one write's whole context; callers name each part
pub(crate) async fn update_valid(
    plugins: &Plugins,
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    current: &AssetRow,
    v: &ValidAsset,
    expected: ExpectedVersion,
    reverts: Option<i64>,
) -> Result<bool, ServiceError> {
    let changes = history::diff(&current.fields.to_flat(), &v.fields.to_flat());
    if changes.is_empty() {
        return Ok(false);
    }
    if !assets::update(tx, current.id, current.version, &v.fields, &who.username).await? {
        // Someone wrote between our read and our write.
        let now = assets::find(tx, current.id)
            .await?
            .map_or(current.version, |r| r.version);
        return Err(expected.stale(now));
    }
    store_side_tables(tx, current.id, v).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET,
            entity_id: current.id.0,
            asset_id: Some(current.id.0),
            action: action::UPDATE,
            summary: v.fields.tag.clone(),
            changes,
            reverts_id: reverts,
            ..NewChange::default()
        },
    )
    .await?;
    let event = AssetEvent {
        asset: current.id,
        change: AssetChange::Updated {
            before: &current.fields,
            after: &v.fields,
        },
        who,
        ctx,
        reverts,
    };
    hooks::asset_changed(plugins, tx, &event).await?;
    Ok(true)
}

pub async fn create(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    draft: AssetDraft,
) -> Result<AssetRow, ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let v = validate(&mut tx, &mut Lookups::default(), &draft, None, true).await?;
    let id = insert_valid(&state.plugins, &mut tx, who, ctx, &v, None, None).await?;
    let row = read_back(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

async fn read_back(e: &mut impl Exec, id: AssetId) -> Result<AssetRow, ServiceError> {
    assets::find(e, id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("asset {id} vanished inside its own transaction")))
}

/// A partial update: only the fields present change. `custom_fields`
/// merges: a key set to null clears that field.
#[derive(Debug, Clone, Default)]
pub struct AssetPatch {
    pub tag: Option<String>,
    pub name: Option<String>,
    pub type_key: Option<String>,
    pub status: Option<String>,
    pub location_id: Option<Option<i64>>,
    pub parent_id: Option<Option<i64>>,
    pub text: Vec<(&'static str, Option<String>)>,
    pub custom_fields: Option<Map<String, Value>>,
}

impl AssetPatch {
    /// Writes the present fields over `d`.
    pub(crate) fn apply(self, d: &mut AssetDraft) {
        if let Some(v) = self.tag {
            d.tag = v;
        }
        if let Some(v) = self.name {
            d.name = v;
        }
        if let Some(v) = self.type_key {
            d.type_sel = Some(draft::TypeSel::Key(v));
        }
        if let Some(v) = self.status {
            d.status = Some(v);
        }
        if let Some(v) = self.location_id {
            d.location_id = v;
        }
        if let Some(v) = self.parent_id {
            d.parent_id = v;
        }
        for (k, v) in self.text {
            // Only the plain text columns come through here.
            if let Some(slot) = d.text_field(k) {
                *slot = v;
            }
        }
        if let Some(cf) = self.custom_fields {
            for (k, v) in cf {
                if v.is_null() {
                    d.custom_fields.remove(&k);
                } else {
                    d.custom_fields.insert(k, v);
                }
            }
        }
    }
}

pub async fn update(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    id: AssetId,
    expected: ExpectedVersion,
    patch: AssetPatch,
) -> Result<AssetRow, ServiceError> {
    who.require(Role::Editor)?;
    let mut tx = state.db.begin().await?;
    let current = assets::find(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("asset {id}")))?;
    expected.check(current.version)?;
    let mut d = AssetDraft::from_fields(&current.fields);
    patch.apply(&mut d);
    let v = validate(&mut tx, &mut Lookups::default(), &d, Some(id), false).await?;
    if !update_valid(&state.plugins, &mut tx, who, ctx, &current, &v, expected, None).await? {
        return Ok(current);
    }
    let row = read_back(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// Hard delete (admins; retiring is a status change). Refused while other
/// assets sit inside it. Its relations go too, each recorded.
pub async fn delete(
    state: &AppState,
    who: &Principal,
    ctx: &RequestCtx,
    id: AssetId,
    expected: Option<ExpectedVersion>,
) -> Result<(), ServiceError> {
    who.require(Role::Admin)?;
    let mut tx = state.db.begin().await?;
    delete_in(&state.plugins, &mut tx, who, ctx, id, expected, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes inside `tx`: relations, search text, the row, its change-log
/// entry, then the plugin hooks (plugin rows that reference the asset are
/// gone already: their foreign keys cascade, see docs/PLUGINS.md).
pub(crate) async fn delete_in(
    plugins: &Plugins,
    tx: &mut Tx,
    who: &Principal,
    ctx: &RequestCtx,
    id: AssetId,
    expected: Option<ExpectedVersion>,
    reverts: Option<i64>,
) -> Result<(), ServiceError> {
    let current = assets::find(tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("asset {id}")))?;
    if let Some(x) = expected {
        x.check(current.version)?;
    }
    let inside = assets::children(tx, id).await?;
    if !inside.is_empty() {
        let tags: Vec<&str> = inside.iter().take(10).map(|a| a.fields.tag.as_str()).collect();
        return Err(ServiceError::Conflict(format!(
            "{} still contains {} asset(s) ({}); move them out first",
            current.fields.tag,
            inside.len(),
            tags.join(", ")
        )));
    }
    for r in relations::for_asset(tx, id).await? {
        super::relations::record_removal(tx, who, ctx, &r.relation, None).await?;
    }
    asset_search::delete(tx, id).await?;
    assets::delete(tx, id).await?;
    history::record(
        tx,
        who,
        ctx,
        NewChange {
            entity: entity::ASSET,
            entity_id: id.0,
            asset_id: Some(id.0),
            action: action::DELETE,
            summary: current.fields.tag.clone(),
            changes: history::snapshot(&current.fields.to_flat(), false),
            reverts_id: reverts,
            ..NewChange::default()
        },
    )
    .await?;
    let event = AssetEvent {
        asset: id,
        change: AssetChange::Deleted {
            before: &current.fields,
        },
        who,
        ctx,
        reverts,
    };
    hooks::asset_changed(plugins, tx, &event).await?;
    Ok(())
}
