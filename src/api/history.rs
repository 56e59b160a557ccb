//! The inventory's change history: `/api/v1/changes` and an asset's
//! history; reverting a change.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::accounts::DEFAULT_LIMIT;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::db::queries::changes::{ChangeRow, Filter};
use crate::service::inventory::{history, revert};
use crate::state::AppState;

/// One field's values around a change.
#[derive(Object, Debug)]
pub struct FieldChange {
    pub before: Value,
    pub after: Value,
}

/// One recorded change.
#[derive(Object, Debug)]
#[oai(rename = "Change")]
pub struct ChangeDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    #[oai(nullable)]
    pub actor_id: Option<i64>,
    #[oai(nullable)]
    pub actor: Option<String>,
    /// The request that made it (also in that response's `X-Request-Id`).
    #[oai(nullable)]
    pub request_id: Option<String>,
    /// `asset`, `relation`, `location`, `asset_type`, `asset_type_field`.
    pub entity: String,
    pub entity_id: i64,
    /// The asset it concerns (for relations: the source).
    #[oai(nullable)]
    pub asset_id: Option<i64>,
    /// For relations: the target.
    #[oai(nullable)]
    pub related_asset_id: Option<i64>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// A short description: the asset tag, `PC-7 controls CNC-1`, a location path.
    pub summary: String,
    /// Per field (`name`, `location_id`, `custom_fields.rpm` …): before and after.
    pub changes: BTreeMap<String, FieldChange>,
    /// Set when this change reverted another.
    #[oai(nullable)]
    pub reverts_id: Option<i64>,
}

impl From<ChangeRow> for ChangeDto {
    fn from(c: ChangeRow) -> Self {
        let changes = c
            .changes
            .into_iter()
            .map(|(k, v)| {
                let pick = |side: &str| v.get(side).cloned().unwrap_or(Value::Null);
                let fc = FieldChange {
                    before: pick("before"),
                    after: pick("after"),
                };
                (k, fc)
            })
            .collect();
        Self {
            id: c.id,
            at: c.at,
            actor_id: c.actor_id,
            actor: c.actor,
            request_id: c.request_id,
            entity: c.entity,
            entity_id: c.entity_id,
            asset_id: c.asset_id,
            related_asset_id: c.related_asset_id,
            action: c.action,
            summary: c.summary,
            changes,
            reverts_id: c.reverts_id,
        }
    }
}

#[derive(Object, Debug)]
pub struct ChangePage {
    pub items: Vec<ChangeDto>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(ApiResponse)]
pub enum Reverted {
    /// Reverted; the body is the new change that restored the old values.
    #[oai(status = 201)]
    Created(Json<ChangeDto>),
}

async fn page(
    state: &AppState,
    auth: &Auth,
    filter: Filter,
    limit: u64,
    offset: u64,
) -> Result<ChangePage, ApiError> {
    let p = history::list(state, auth.principal(), &filter, limit, offset).await?;
    Ok(ChangePage {
        items: p.items.into_iter().map(Into::into).collect(),
        total: p.total,
        limit,
        offset,
    })
}

pub struct HistoryApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::History")]
impl HistoryApi {
    /// List changes
    ///
    /// Requires role: viewer. The whole inventory's history, newest first,
    /// filtered by entity, actor, action and time.
    #[oai(path = "/changes", method = "get", operation_id = "listChanges")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// `asset`, `relation`, `location`, `asset_type`, `asset_type_field`.
        #[oai(validator(max_length = 32))]
        entity: Query<Option<String>>,
        /// With `entity`: one record's changes.
        entity_id: Query<Option<i64>>,
        /// Changes concerning this asset (its own and its relations').
        asset_id: Query<Option<i64>>,
        /// Only this user's changes (username).
        #[oai(validator(max_length = 100))]
        actor: Query<Option<String>>,
        /// `create`, `update` or `delete`.
        #[oai(validator(max_length = 32))]
        action: Query<Option<String>>,
        /// At or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<ChangePage>, ApiError> {
        let filter = Filter {
            asset_id: asset_id.0,
            entity: entity.0,
            entity_id: entity_id.0,
            actor: actor.0,
            action: action.0,
            since: since.0,
            until: until.0,
        };
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        Ok(Json(page(&state, &auth, filter, limit, offset).await?))
    }

    /// Get a change
    ///
    /// Requires role: viewer.
    #[oai(path = "/changes/:id", method = "get", operation_id = "getChange")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Json<ChangeDto>, ApiError> {
        Ok(Json(history::get(&state, auth.principal(), id.0).await?.into()))
    }

    /// Revert a change
    ///
    /// Requires role: editor (admin to revert an asset's creation, which
    /// deletes it). Makes a new change that restores the old values,
    /// validated like any write. If a field was changed again since, nothing
    /// is written and the 409 lists those fields. Asset, relation and
    /// location changes can be reverted: a deletion comes back under its old
    /// id, a creation is deleted (a location only while it is empty); changes
    /// to asset types and their fields cannot (409).
    #[oai(path = "/changes/:id/revert", method = "post", operation_id = "revertChange")]
    async fn revert(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Reverted, ApiError> {
        let c = revert::revert(&state, auth.principal(), &request_ctx(req), id.0).await?;
        Ok(Reverted::Created(Json(c.into())))
    }

    /// An asset's history
    ///
    /// Requires role: viewer. Its own changes and its relations', newest
    /// first.
    #[oai(
        path = "/assets/:id/history",
        method = "get",
        operation_id = "listAssetHistory"
    )]
    async fn asset_history(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<ChangePage>, ApiError> {
        let filter = Filter {
            asset_id: Some(id.0),
            ..Filter::default()
        };
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        Ok(Json(page(&state, &auth, filter, limit, offset).await?))
    }
}
