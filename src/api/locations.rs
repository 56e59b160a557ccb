//! The location tree: `/api/v1/locations`.

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::accounts::DEFAULT_LIMIT;
use super::auth::NoContent;
use super::json_body::JsonBody;
use super::problem::ApiError;
use super::security::{Auth, request_ctx};
use crate::db::queries::locations::CountedLocation;
use crate::domain::inventory::{LocationId, LocationKind};
use crate::service::inventory::etag;
use crate::service::inventory::locations::{self, ListQuery, LocationPatch, NewLocation, TreeNode};
use crate::state::AppState;

/// A level of the tree.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "LocationKind", rename_all = "snake_case")]
pub enum LocationKindDto {
    Site,
    Building,
    Area,
    Hall,
    Line,
    Cell,
    Station,
    Room,
    Rack,
    Other,
}

impl From<LocationKind> for LocationKindDto {
    fn from(k: LocationKind) -> Self {
        match k {
            LocationKind::Site => Self::Site,
            LocationKind::Building => Self::Building,
            LocationKind::Area => Self::Area,
            LocationKind::Hall => Self::Hall,
            LocationKind::Line => Self::Line,
            LocationKind::Cell => Self::Cell,
            LocationKind::Station => Self::Station,
            LocationKind::Room => Self::Room,
            LocationKind::Rack => Self::Rack,
            LocationKind::Other => Self::Other,
        }
    }
}

/// A place in the plant: a site, building, hall, line, cell, station …
#[derive(Object, Debug, Clone)]
#[oai(rename = "Location")]
pub struct LocationDto {
    pub id: i64,
    /// The enclosing location; null for a root (usually a site).
    #[oai(nullable)]
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: LocationKindDto,
    /// The names from the root down, joined with " / ": "Plant 1 / Hall B / Cell 4".
    pub path: String,
    /// 0 for a root, 1 for its children, …
    pub depth: i32,
    /// Floor-plan coordinates (site-defined units).
    #[oai(nullable)]
    pub floor_x: Option<f64>,
    #[oai(nullable)]
    pub floor_y: Option<f64>,
    #[oai(nullable)]
    pub notes: Option<String>,
    /// Assets placed directly in this location (not below it).
    pub asset_count: i64,
    /// Optimistic concurrency: send it back (or the ETag as `If-Match`) when updating.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CountedLocation> for LocationDto {
    fn from(c: CountedLocation) -> Self {
        let r = c.row;
        Self {
            id: r.id.0,
            parent_id: r.fields.parent_id.map(|p| p.0),
            name: r.fields.name,
            kind: r.fields.kind.into(),
            path: r.placement.path,
            depth: r.placement.depth,
            floor_x: r.fields.floor_x,
            floor_y: r.fields.floor_y,
            notes: r.fields.notes,
            asset_count: c.asset_count,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Object, Debug)]
pub struct LocationList {
    pub items: Vec<LocationDto>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// A location in the tree view, with its children.
#[derive(Object, Debug, Clone)]
#[oai(rename = "LocationNode")]
pub struct LocationNodeDto {
    pub id: i64,
    #[oai(nullable)]
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: LocationKindDto,
    pub path: String,
    pub depth: i32,
    #[oai(nullable)]
    pub floor_x: Option<f64>,
    #[oai(nullable)]
    pub floor_y: Option<f64>,
    pub version: i64,
    /// Assets placed directly here.
    pub asset_count: i64,
    /// Assets here and anywhere below.
    pub total_asset_count: i64,
    /// Child locations, by name.
    pub children: Vec<LocationNodeDto>,
}

impl From<TreeNode> for LocationNodeDto {
    fn from(n: TreeNode) -> Self {
        let r = n.row;
        Self {
            id: r.id.0,
            parent_id: r.fields.parent_id.map(|p| p.0),
            name: r.fields.name,
            kind: r.fields.kind.into(),
            path: r.placement.path,
            depth: r.placement.depth,
            floor_x: r.fields.floor_x,
            floor_y: r.fields.floor_y,
            version: r.version,
            asset_count: n.asset_count,
            total_asset_count: n.total_asset_count,
            children: n.children.into_iter().map(Into::into).collect(),
        }
    }
}

/// The whole location tree.
#[derive(Object, Debug)]
pub struct LocationTree {
    /// The root locations (usually sites), by name, each with its children.
    pub roots: Vec<LocationNodeDto>,
    /// How many locations the tree holds, at every level.
    pub location_count: u64,
}

#[derive(Object, Debug)]
pub struct CreateLocationRequest {
    /// 1-200 characters, without `/`; unique among its siblings (ignoring case).
    pub name: String,
    /// One of: site, building, area, hall, line, cell, station, room, rack, other.
    pub kind: String,
    /// The enclosing location; omit or null for a root.
    pub parent_id: Option<i64>,
    /// Floor-plan coordinate, -1e9 to 1e9.
    pub floor_x: Option<f64>,
    /// Floor-plan coordinate, -1e9 to 1e9.
    pub floor_y: Option<f64>,
    /// Up to 4000 characters.
    pub notes: Option<String>,
}

#[derive(Object, Debug)]
pub struct UpdateLocationRequest {
    /// Renaming also renames the paths of everything below.
    pub name: Option<String>,
    /// One of: site, building, area, hall, line, cell, station, room, rack, other.
    pub kind: Option<String>,
    /// Moves the location with everything below it; null makes it a root.
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<i64>,
    /// null clears it.
    #[oai(nullable)]
    pub floor_x: MaybeUndefined<f64>,
    /// null clears it.
    #[oai(nullable)]
    pub floor_y: MaybeUndefined<f64>,
    /// null clears them.
    #[oai(nullable)]
    pub notes: MaybeUndefined<String>,
    /// The version you read, unless sent as `If-Match`.
    pub version: Option<i64>,
}

fn maybe<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(ApiResponse)]
pub enum LocationResponse {
    /// The location; `ETag` carries its version.
    #[oai(status = 200)]
    Ok(Json<LocationDto>, #[oai(header = "ETag")] String),
}

impl LocationResponse {
    fn of(c: CountedLocation) -> Self {
        let tag = etag(c.row.version);
        Self::Ok(Json(c.into()), tag)
    }
}

#[derive(ApiResponse)]
pub enum CreatedLocation {
    /// Created; `Location` is its URL, `ETag` its version.
    #[oai(status = 201)]
    Created(
        Json<LocationDto>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

pub struct LocationsApi;

#[OpenApi(prefix_path = "/api/v1/locations", tag = "ApiTags::Locations")]
impl LocationsApi {
    /// List locations
    ///
    /// Flat, ordered by path, each with its full path and the number of
    /// assets directly in it. Requires role: viewer.
    #[oai(path = "/", method = "get", operation_id = "listLocations")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        /// Only the direct children of this location.
        parent_id: Query<Option<i64>>,
        /// Only this kind (site, building, area, hall, line, cell, station, room, rack, other).
        kind: Query<Option<String>>,
        /// Substring of the name or path, ignoring case.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Page size, 1-1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Items to skip (at most 1,000,000,000).
        #[oai(validator(maximum(value = "1000000000")))]
        offset: Query<Option<u64>>,
    ) -> Result<Json<LocationList>, ApiError> {
        let (limit, offset) = (limit.0.unwrap_or(DEFAULT_LIMIT), offset.0.unwrap_or(0));
        let query = ListQuery {
            parent_id: parent_id.0,
            kind: kind.0,
            q: q.0,
        };
        let page = locations::list(&state, auth.principal(), query, limit, offset).await?;
        Ok(Json(LocationList {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            limit,
            offset,
        }))
    }

    /// The location tree
    ///
    /// Every location nested under its parent, with the assets directly in
    /// each (`asset_count`) and in its whole subtree (`total_asset_count`).
    /// Requires role: viewer.
    #[oai(path = "/tree", method = "get", operation_id = "getLocationTree")]
    async fn tree(&self, state: Data<&AppState>, auth: Auth) -> Result<Json<LocationTree>, ApiError> {
        let tree = locations::tree(&state, auth.principal()).await?;
        Ok(Json(LocationTree {
            roots: tree.roots.into_iter().map(Into::into).collect(),
            location_count: tree.location_count as u64,
        }))
    }

    /// Get a location
    ///
    /// Requires role: viewer.
    #[oai(path = "/:id", method = "get", operation_id = "getLocation")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        id: Path<i64>,
    ) -> Result<LocationResponse, ApiError> {
        let loc = locations::get(&state, auth.principal(), LocationId(id.0)).await?;
        Ok(LocationResponse::of(loc))
    }

    /// Create a location
    ///
    /// Requires role: editor. All field errors are reported at once (422);
    /// a sibling with the same name (ignoring case) is a 409.
    #[oai(path = "/", method = "post", operation_id = "createLocation")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        body: JsonBody<CreateLocationRequest>,
    ) -> Result<CreatedLocation, ApiError> {
        let b = body.0;
        let loc = locations::create(
            &state,
            &request_ctx(req),
            auth.principal(),
            NewLocation {
                name: b.name,
                kind: b.kind,
                parent_id: b.parent_id,
                floor_x: b.floor_x,
                floor_y: b.floor_y,
                notes: b.notes,
            },
        )
        .await?;
        let url = format!("/api/v1/locations/{}", loc.row.id);
        let tag = etag(loc.row.version);
        Ok(CreatedLocation::Created(Json(loc.into()), url, tag))
    }

    /// Update or move a location
    ///
    /// Requires role: editor, and `If-Match` (or `version` in the body): a
    /// stale one is refused (412 / 409), none at all is a 428. Setting
    /// `parent_id` moves the location with everything below it in one
    /// step; moving it under itself or its own descendant is refused (422).
    #[oai(path = "/:id", method = "patch", operation_id = "updateLocation")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        /// The ETag you read (`"3"`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateLocationRequest>,
    ) -> Result<LocationResponse, ApiError> {
        let b = body.0;
        let loc = locations::update(
            &state,
            &request_ctx(req),
            auth.principal(),
            LocationId(id.0),
            LocationPatch {
                name: b.name,
                kind: b.kind,
                parent_id: maybe(b.parent_id),
                floor_x: maybe(b.floor_x),
                floor_y: maybe(b.floor_y),
                notes: maybe(b.notes),
                if_match: if_match.0,
                version: b.version,
            },
        )
        .await?;
        Ok(LocationResponse::of(loc))
    }

    /// Delete a location
    ///
    /// Requires role: editor. A location that still holds locations or
    /// assets is refused (409; the detail says what is inside). `If-Match`
    /// is optional here.
    #[oai(path = "/:id", method = "delete", operation_id = "deleteLocation")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: Auth,
        id: Path<i64>,
        /// The ETag you read (`"3"`), to refuse the delete if it changed since.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<NoContent, ApiError> {
        locations::delete(
            &state,
            &request_ctx(req),
            auth.principal(),
            LocationId(id.0),
            if_match.0.as_deref(),
        )
        .await?;
        Ok(NoContent::Done)
    }
}
