//! What this instance is: product, build, site identity, plugins, backend.

use crate::build_info;
use crate::db::Backend;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub product: &'static str,
    pub version: &'static str,
    pub git_commit: &'static str,
    pub site_code: String,
    pub site_name: String,
    pub site_timezone: String,
    pub plugins: Vec<String>,
    pub database_backend: Backend,
}

pub fn meta(state: &AppState) -> Meta {
    let cfg = &state.config;
    Meta {
        product: build_info::PRODUCT,
        version: build_info::VERSION,
        git_commit: build_info::GIT_COMMIT,
        site_code: cfg.site.code.clone(),
        site_name: cfg.site.name.clone(),
        site_timezone: cfg.site.timezone.clone(),
        plugins: cfg.plugins.enabled.clone(),
        database_backend: state.db.backend(),
    }
}
