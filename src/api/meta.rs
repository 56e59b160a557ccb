//! `GET /api/v1/meta`: what this instance is.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::problem::ApiError;
use crate::db::Backend;
use crate::service;
use crate::state::AppState;

/// The site this instance serves (one instance per site).
#[derive(Object, Debug, Clone)]
pub struct SiteInfo {
    /// Short site code, e.g. `PLANT1`.
    pub code: String,
    /// Human name of the site.
    pub name: String,
    /// IANA time zone of the site; API timestamps are UTC regardless.
    pub timezone: String,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum DatabaseBackend {
    Sqlite,
    Mysql,
}

/// Product, build, site and configuration facts about this instance.
#[derive(Object, Debug, Clone)]
pub struct Meta {
    /// Always `ShopDB`.
    pub product: String,
    /// Release version (semver).
    pub version: String,
    /// The git commit the binary was built from (`unknown` outside git).
    pub git_commit: String,
    pub site: SiteInfo,
    /// Ids of the enabled plugins.
    pub plugins: Vec<String>,
    /// The database engine in use.
    pub database_backend: DatabaseBackend,
}

pub struct MetaApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Meta")]
impl MetaApi {
    /// About this instance
    ///
    /// Product version, site identity, enabled plugins and database backend.
    /// Public: needs no authentication, so clients can probe compatibility.
    #[oai(path = "/meta", method = "get", operation_id = "getMeta")]
    async fn get_meta(&self, state: Data<&AppState>) -> Result<Json<Meta>, ApiError> {
        let m = service::meta::meta(&state);
        Ok(Json(Meta {
            product: m.product.to_owned(),
            version: m.version.to_owned(),
            git_commit: m.git_commit.to_owned(),
            site: SiteInfo {
                code: m.site_code,
                name: m.site_name,
                timezone: m.site_timezone,
            },
            plugins: m.plugins,
            database_backend: match m.database_backend {
                Backend::Mysql => DatabaseBackend::Mysql,
                Backend::Sqlite => DatabaseBackend::Sqlite,
            },
        }))
    }
}
