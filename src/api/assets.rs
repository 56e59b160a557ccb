//! Assets: `/api/v1/assets/{id}` — read, update, delete, scanner lookups,
//! containment and relations. (The collection — list, create, export —
//! lives in `asset_list`.)

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::asset_dto::{AssetDto, AssetStatusDto};
use super::auth::NoContent;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::db::queries::assets::AssetRow;
use crate::db::queries::relations::RelationView;
use crate::domain::inventory::{AssetId, RelationId};
use crate::service::inventory::assets::draft::{AssetDraft, TypeSel};
use crate::service::inventory::assets::{self, AssetPatch};
use crate::service::inventory::relations::{self, NewRelation};
use crate::service::inventory::{ExpectedVersion, etag};
use crate::state::AppState;

/// A new asset. Only `tag`, `name` and `type` are required; every rule is
/// checked and all errors are reported at once (422).
#[derive(Object, Debug)]
pub struct CreateAssetRequest {
    /// 1-64 characters: letters, digits, `-`, `_`, `.`, `/`; unique; stored upper case.
    #[oai(validator(max_length = 256))]
    pub tag: String,
    #[oai(validator(max_length = 1000))]
    pub name: String,
    /// The asset type's key (e.g. `machine`); or give `type_id`.
    #[oai(rename = "type", validator(max_length = 64))]
    pub type_key: Option<String>,
    pub type_id: Option<i64>,
    /// `planned`, `in_service` (default), `maintenance`, `spare`, `retired`, `disposed`.
    #[oai(validator(max_length = 64))]
    pub status: Option<String>,
    pub location_id: Option<i64>,
    /// The asset this one sits inside.
    pub parent_id: Option<i64>,
    #[oai(validator(max_length = 1000))]
    pub manufacturer: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub model: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub serial: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub hostname: Option<String>,
    /// IPv4 or IPv6.
    #[oai(validator(max_length = 100))]
    pub ip: Option<String>,
    /// `00:1a:2b:3c:4d:5e`, `00-1A-…`, `001a.2b3c.4d5e` or 12 hex digits.
    #[oai(validator(max_length = 100))]
    pub mac: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub owner: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub department: Option<String>,
    /// `YYYY-MM-DD`.
    #[oai(validator(max_length = 100))]
    pub purchase_date: Option<String>,
    /// `YYYY-MM-DD`.
    #[oai(validator(max_length = 100))]
    pub warranty_end: Option<String>,
    #[oai(validator(max_length = 20000))]
    pub notes: Option<String>,
    /// Values for the type's custom fields, by key.
    pub custom_fields: Option<BTreeMap<String, Value>>,
}

/// A partial update: only the properties present change; `null` clears an
/// optional one. Send the version you read as `If-Match` (the ETag) or as
/// `version`.
#[derive(Object, Debug)]
pub struct UpdateAssetRequest {
    pub version: Option<i64>,
    #[oai(validator(max_length = 256))]
    pub tag: Option<String>,
    #[oai(validator(max_length = 1000))]
    pub name: Option<String>,
    /// Changing the type re-checks the custom fields against the new type.
    #[oai(rename = "type", validator(max_length = 64))]
    pub type_key: Option<String>,
    #[oai(validator(max_length = 64))]
    pub status: Option<String>,
    #[oai(nullable)]
    pub location_id: MaybeUndefined<i64>,
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<i64>,
    #[oai(nullable, validator(max_length = 1000))]
    pub manufacturer: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub model: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub serial: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub hostname: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub ip: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub mac: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub owner: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 1000))]
    pub department: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub purchase_date: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 100))]
    pub warranty_end: MaybeUndefined<String>,
    #[oai(nullable, validator(max_length = 20000))]
    pub notes: MaybeUndefined<String>,
    /// Merged into the stored values: a key set to `null` clears that field.
    pub custom_fields: Option<BTreeMap<String, Value>>,
}

fn patch_of(b: UpdateAssetRequest) -> AssetPatch {
    fn opt<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
        match v {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v)),
        }
    }
    let text = [
        ("manufacturer", b.manufacturer),
        ("model", b.model),
        ("serial", b.serial),
        ("hostname", b.hostname),
        ("ip", b.ip),
        ("mac", b.mac),
        ("owner", b.owner),
        ("department", b.department),
        ("purchase_date", b.purchase_date),
        ("warranty_end", b.warranty_end),
        ("notes", b.notes),
    ]
    .into_iter()
    .filter_map(|(k, v)| opt(v).map(|v| (k, v)))
    .collect();
    AssetPatch {
        tag: b.tag,
        name: b.name,
        type_key: b.type_key,
        status: b.status,
        location_id: opt(b.location_id),
        parent_id: opt(b.parent_id),
        text,
        custom_fields: b.custom_fields.map(|m| m.into_iter().collect()),
    }
}

#[derive(ApiResponse)]
pub enum CreatedAsset {
    /// Created; `Location` is its URL, `ETag` its version.
    #[oai(status = 201)]
    Created(
        Json<AssetDto>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum AssetResponse {
    /// The asset; `ETag` is its version (send it as `If-Match` to update).
    #[oai(status = 200)]
    Ok(Json<AssetDto>, #[oai(header = "ETag")] String),
}

impl From<AssetRow> for AssetResponse {
    fn from(r: AssetRow) -> Self {
        let tag = etag(r.version);
        Self::Ok(Json(r.into()), tag)
    }
}

#[derive(Object, Debug)]
pub struct AssetItems {
    pub items: Vec<AssetDto>,
}

impl From<Vec<AssetRow>> for AssetItems {
    fn from(rows: Vec<AssetRow>) -> Self {
        Self {
            items: rows.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum RelationDirection {
    /// This asset is the source (`controls` …).
    Outgoing,
    /// This asset is the target (`controlled by` …).
    Incoming,
}

/// The asset at the other end of a relation.
#[derive(Object, Debug)]
pub struct RelatedAsset {
    pub id: i64,
    pub tag: String,
    pub name: String,
    pub status: AssetStatusDto,
}

/// A relation as seen from one asset.
#[derive(Object, Debug)]
pub struct AssetRelation {
    pub id: i64,
    /// `controls`, `connected_to`, `feeds`, `depends_on`.
    pub kind: String,
    pub direction: RelationDirection,
    /// How it reads from this asset: `controls` or `controlled by`.
    pub label: String,
    pub asset: RelatedAsset,
    #[oai(nullable)]
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub created_by: Option<String>,
}

fn relation_dto(from: AssetId, v: RelationView) -> AssetRelation {
    let r = v.relation;
    let outgoing = r.source_id == from;
    AssetRelation {
        id: r.id.0,
        kind: r.kind.as_str().to_owned(),
        direction: if outgoing {
            RelationDirection::Outgoing
        } else {
            RelationDirection::Incoming
        },
        label: if outgoing {
            r.kind.label()
        } else {
            r.kind.inverse_label()
        }
        .to_owned(),
        asset: RelatedAsset {
            id: v.other_id.0,
            tag: v.other_tag,
            name: v.other_name,
            status: v.other_status.into(),
        },
        note: r.note,
        created_at: r.created_at,
        created_by: r.created_by,
    }
}

#[derive(Object, Debug)]
pub struct AssetRelations {
    pub items: Vec<AssetRelation>,
}

/// A new relation from this asset to another.
#[derive(Object, Debug)]
pub struct CreateRelationRequest {
    /// `controls`, `connected_to`, `feeds` or `depends_on`.
    #[oai(validator(max_length = 64))]
    pub kind: String,
    pub target_id: i64,
    #[oai(validator(max_length = 4000))]
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreatedRelation {
    /// Created.
    #[oai(status = 201)]
    Created(Json<AssetRelation>),
}

/// `POST /api/v1/assets`, served by the collection's API struct
/// (`asset_list`) because poem-openapi needs one struct per path.
pub(super) async fn create_asset(
    state: &AppState,
    req: &Request,
    auth: &Auth,
    body: JsonBody<CreateAssetRequest>,
) -> Result<CreatedAsset, ApiError> {
    let b = body.0;
    let type_sel = match (b.type_key, b.type_id) {
        (Some(k), _) => Some(TypeSel::Key(k)),
        (None, Some(i)) => Some(TypeSel::Id(i)),
        (None, None) => None,
    };
    let draft = AssetDraft {
        tag: b.tag,
        name: b.name,
        type_sel,
        status: b.status,
        location_id: b.location_id,
        parent_id: b.parent_id,
        manufacturer: b.manufacturer,
        model: b.model,
        serial: b.serial,
        hostname: b.hostname,
        ip: b.ip,
        mac: b.mac,
        owner: b.owner,
        department: b.department,
        purchase_date: b.purchase_date,
        warranty_end: b.warranty_end,
        notes: b.notes,
        custom_fields: b.custom_fields.unwrap_or_default().into_iter().collect(),
    };
    let row = assets::create(state, auth.principal(), &request_ctx(req), draft).await?;
    let (location, tag) = (format!("/api/v1/assets/{}", row.id), etag(row.version));
    Ok(CreatedAsset::Created(Json(row.into()), location, tag))
}

fn if_match_of(h: &Header<Option<String>>) -> Option<&str> {
    h.0.as_deref()
}

pub struct AssetsApi;

#[OpenApi(prefix_path = "/api/v1/assets", tag = "ApiTags::Assets")]
impl AssetsApi {
    /// Get an asset
    ///
    /// Requires role: viewer.
    #[oai(path = "/:id", method = "get", operation_id = "getAsset")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<AssetResponse, ApiError> {
        Ok(assets::get(&state, auth.principal(), AssetId(id.0)).await?.into())
    }

    /// Update an asset
    ///
    /// Requires role: editor. Needs the version you read: `If-Match` with
    /// the ETag (a stale one is 412) or `version` in the body (a stale one
    /// is 409); both answers carry `current_version`. Neither is 428.
    #[oai(path = "/:id", method = "patch", operation_id = "updateAsset")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateAssetRequest>,
    ) -> Result<AssetResponse, ApiError> {
        let b = body.0;
        let expected = ExpectedVersion::from_request(if_match_of(&if_match), b.version)?;
        let row = assets::update(
            &state,
            auth.principal(),
            &request_ctx(req),
            AssetId(id.0),
            expected,
            patch_of(b),
        )
        .await?;
        Ok(row.into())
    }

    /// Delete an asset
    ///
    /// Requires role: admin (retiring is a status change: `retired` or
    /// `disposed`). Refused (409) while other assets sit inside it. Its
    /// relations are removed and recorded. `If-Match` is optional.
    #[oai(path = "/:id", method = "delete", operation_id = "deleteAsset")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<NoContent, ApiError> {
        let expected = match if_match_of(&if_match) {
            Some(h) => Some(ExpectedVersion::from_request(Some(h), None)?),
            None => None,
        };
        assets::delete(
            &state,
            auth.principal(),
            &request_ctx(req),
            AssetId(id.0),
            expected,
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Find an asset by tag (scanners)
    ///
    /// Requires role: viewer. Case does not matter.
    #[oai(path = "/by-tag/:tag", method = "get", operation_id = "getAssetByTag")]
    async fn by_tag(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        tag: Path<String>,
    ) -> Result<AssetResponse, ApiError> {
        Ok(assets::by_tag(&state, auth.principal(), &tag.0).await?.into())
    }

    /// Find assets by serial number (scanners)
    ///
    /// Requires role: viewer. Serials are not unique across vendors, so
    /// this returns a list (at most 100), possibly empty.
    #[oai(
        path = "/by-serial/:serial",
        method = "get",
        operation_id = "findAssetsBySerial"
    )]
    async fn by_serial(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        serial: Path<String>,
    ) -> Result<Json<AssetItems>, ApiError> {
        Ok(Json(
            assets::by_serial(&state, auth.principal(), &serial.0)
                .await?
                .into(),
        ))
    }

    /// Assets inside this one
    ///
    /// Requires role: viewer. The assets whose `parent_id` is this asset
    /// (e.g. the PCs in a machine's cabinet).
    #[oai(path = "/:id/children", method = "get", operation_id = "listAssetChildren")]
    async fn children(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Json<AssetItems>, ApiError> {
        Ok(Json(
            assets::children(&state, auth.principal(), AssetId(id.0))
                .await?
                .into(),
        ))
    }

    /// An asset's relations, both ways
    ///
    /// Requires role: viewer. Outgoing ones read `controls`, incoming ones
    /// `controlled by`.
    #[oai(path = "/:id/relations", method = "get", operation_id = "listAssetRelations")]
    async fn relations(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<Json<AssetRelations>, ApiError> {
        let from = AssetId(id.0);
        let items = relations::list(&state, auth.principal(), from).await?;
        Ok(Json(AssetRelations {
            items: items.into_iter().map(|v| relation_dto(from, v)).collect(),
        }))
    }

    /// Relate this asset to another
    ///
    /// Requires role: editor. This asset is the source: `PC-7 controls
    /// CNC-1` is created on PC-7 with `kind` `controls` and CNC-1's id.
    #[oai(
        path = "/:id/relations",
        method = "post",
        operation_id = "createAssetRelation"
    )]
    async fn add_relation(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        body: JsonBody<CreateRelationRequest>,
    ) -> Result<CreatedRelation, ApiError> {
        let from = AssetId(id.0);
        let b = body.0;
        let v = relations::add(
            &state,
            auth.principal(),
            &request_ctx(req),
            from,
            NewRelation {
                kind: b.kind,
                target_id: b.target_id,
                note: b.note,
            },
        )
        .await?;
        Ok(CreatedRelation::Created(Json(relation_dto(from, v))))
    }

    /// Remove a relation
    ///
    /// Requires role: editor. Either end may remove it.
    #[oai(
        path = "/:id/relations/:relation_id",
        method = "delete",
        operation_id = "deleteAssetRelation"
    )]
    async fn remove_relation(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        relation_id: Path<i64>,
    ) -> Result<NoContent, ApiError> {
        relations::remove(
            &state,
            auth.principal(),
            &request_ctx(req),
            AssetId(id.0),
            RelationId(relation_id.0),
        )
        .await?;
        Ok(NoContent::Done)
    }
}
