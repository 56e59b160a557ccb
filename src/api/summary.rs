//! The dashboard summary: `GET /api/v1/summary`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::asset_dto::AssetStatusDto;
use super::problem::ApiError;
use super::security::Auth;
use crate::service::inventory::listing::summary;
use crate::state::AppState;

#[derive(Object, Debug)]
#[oai(rename = "StatusCount")]
pub struct StatusCount {
    pub status: AssetStatusDto,
    pub count: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "TypeCount")]
pub struct TypeCount {
    pub type_id: i64,
    pub key: String,
    pub name: String,
    pub count: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "LocationCount")]
pub struct LocationCount {
    /// A root location (its whole subtree counted), or `null` for assets
    /// without a location.
    #[oai(nullable)]
    pub location_id: Option<i64>,
    /// The root location's name; `null` for assets without a location.
    #[oai(nullable)]
    pub name: Option<String>,
    pub count: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "RecentChange")]
pub struct RecentChange {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Username of who made it.
    #[oai(nullable)]
    pub actor: Option<String>,
    /// `asset`, `location`, `asset_type`, `asset_type_field`, `relation`.
    pub entity: String,
    /// `create`, `update`, `delete`.
    pub action: String,
    /// Short description: the asset tag, the location path …
    pub summary: String,
    /// The asset the change concerns, if any.
    #[oai(nullable)]
    pub asset_id: Option<i64>,
}

/// What a dashboard (or a fleet roll-up across sites) shows.
#[derive(Object, Debug)]
#[oai(rename = "Summary")]
pub struct SummaryDto {
    pub generated_at: DateTime<Utc>,
    /// All assets.
    pub total: i64,
    /// Every status, in life-cycle order (zero counts included).
    pub by_status: Vec<StatusCount>,
    /// Every asset type, by key (zero counts included).
    pub by_type: Vec<TypeCount>,
    /// Every root location by name, then one entry (`location_id: null`)
    /// for assets without a location.
    pub by_location: Vec<LocationCount>,
    /// The 10 latest inventory changes, newest first.
    pub recent_changes: Vec<RecentChange>,
}

impl From<summary::Summary> for SummaryDto {
    fn from(s: summary::Summary) -> Self {
        Self {
            generated_at: s.generated_at,
            total: s.total,
            by_status: s
                .by_status
                .into_iter()
                .map(|(status, count)| StatusCount {
                    status: status.into(),
                    count,
                })
                .collect(),
            by_type: s
                .by_type
                .into_iter()
                .map(|t| TypeCount {
                    type_id: t.id.0,
                    key: t.key,
                    name: t.name,
                    count: t.count,
                })
                .collect(),
            by_location: s
                .by_location
                .into_iter()
                .map(|l| LocationCount {
                    location_id: l.id.map(|i| i.0),
                    name: l.name,
                    count: l.count,
                })
                .collect(),
            recent_changes: s
                .recent_changes
                .into_iter()
                .map(|c| RecentChange {
                    id: c.id,
                    at: c.at,
                    actor: c.actor,
                    entity: c.entity,
                    action: c.action,
                    summary: c.summary,
                    asset_id: c.asset_id,
                })
                .collect(),
        }
    }
}

pub struct SummaryApi;

#[OpenApi(prefix_path = "/api/v1/summary", tag = "ApiTags::Summary")]
impl SummaryApi {
    /// Inventory summary
    ///
    /// Requires role: viewer. Asset counts by status, type and top-level
    /// location, and the latest changes. Cheap (a few grouped counts on
    /// indexed columns) and stable in shape: dashboards and fleet roll-ups
    /// poll it.
    #[oai(path = "/", method = "get", operation_id = "getSummary")]
    async fn get(&self, state: Data<&AppState>, auth: Auth) -> Result<Json<SummaryDto>, ApiError> {
        Ok(Json(summary::get(&state, auth.principal()).await?.into()))
    }
}
