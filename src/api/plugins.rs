//! `GET /api/v1/plugins`: the enabled plugins with their versions and UI
//! manifests, for the web UI (which shows only what is enabled) and for
//! integrators probing what a site offers. The plugins' own APIs live under
//! `/api/v1/plugins/<id>/` (see `crate::plugins`).

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::accounts::RoleDto;
use super::problem::ApiError;
use super::security::Auth;
use crate::domain::Role;
use crate::plugins::manifest::{self as m, UiManifest, WidgetSize};
use crate::state::AppState;

/// An enabled plugin.
#[derive(Object, Debug)]
pub struct PluginDto {
    /// The plugin id: its config section `[plugins.<id>]`, its API prefix
    /// `/api/v1/plugins/<id>/` and its tag `plugin:<id>`.
    pub id: String,
    /// The plugin's own version.
    pub version: String,
    pub description: String,
    /// What the plugin adds to the web UI.
    pub ui: UiManifestDto,
}

#[derive(Object, Debug)]
pub struct PluginList {
    /// In the order hooks and jobs run.
    pub items: Vec<PluginDto>,
}

/// A plugin's contributions to the web UI. `component` names a Vue
/// component the SPA registers under that name; entries whose component the
/// SPA does not know are skipped. `min_role` hides an entry from users below
/// that role.
#[derive(Object, Debug)]
pub struct UiManifestDto {
    pub menu: Vec<MenuEntryDto>,
    pub routes: Vec<UiRouteDto>,
    pub asset_panels: Vec<AssetPanelDto>,
    pub dashboard_widgets: Vec<DashboardWidgetDto>,
    /// Actions on a selection of assets in the assets list.
    pub asset_bulk_actions: Vec<BulkActionDto>,
}

/// An entry in the main navigation.
#[derive(Object, Debug)]
pub struct MenuEntryDto {
    pub id: String,
    pub label: String,
    /// The SPA route it opens (one of `routes`).
    pub route: String,
    /// A Material icon name.
    pub icon: String,
    pub min_role: RoleDto,
}

/// A page of the SPA.
#[derive(Object, Debug)]
pub struct UiRouteDto {
    /// `/plugins/<id>/…`.
    pub path: String,
    pub component: String,
    pub title: String,
    pub min_role: RoleDto,
}

/// A panel on the asset page; the component receives the asset id.
#[derive(Object, Debug)]
pub struct AssetPanelDto {
    pub id: String,
    pub title: String,
    pub component: String,
    /// Ascending; core panels come first.
    pub order: i32,
    pub min_role: RoleDto,
}

#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename_all = "lowercase")]
pub enum WidgetSizeDto {
    /// One column.
    Small,
    /// Two columns.
    Wide,
}

/// A widget on the dashboard.
#[derive(Object, Debug)]
pub struct DashboardWidgetDto {
    pub id: String,
    pub title: String,
    pub component: String,
    pub order: i32,
    pub size: WidgetSizeDto,
    pub min_role: RoleDto,
}

/// An action on selected assets; the component receives their ids.
#[derive(Object, Debug)]
pub struct BulkActionDto {
    pub id: String,
    pub label: String,
    pub component: String,
    pub min_role: RoleDto,
}

fn role(r: Role) -> RoleDto {
    r.into()
}

impl From<UiManifest> for UiManifestDto {
    fn from(u: UiManifest) -> Self {
        Self {
            menu: u
                .menu
                .into_iter()
                .map(|e: m::MenuEntry| MenuEntryDto {
                    id: e.id,
                    label: e.label,
                    route: e.route,
                    icon: e.icon,
                    min_role: role(e.min_role),
                })
                .collect(),
            routes: u
                .routes
                .into_iter()
                .map(|r| UiRouteDto {
                    path: r.path,
                    component: r.component,
                    title: r.title,
                    min_role: role(r.min_role),
                })
                .collect(),
            asset_panels: u
                .asset_panels
                .into_iter()
                .map(|p| AssetPanelDto {
                    id: p.id,
                    title: p.title,
                    component: p.component,
                    order: p.order,
                    min_role: role(p.min_role),
                })
                .collect(),
            dashboard_widgets: u
                .dashboard_widgets
                .into_iter()
                .map(|w| DashboardWidgetDto {
                    id: w.id,
                    title: w.title,
                    component: w.component,
                    order: w.order,
                    size: match w.size {
                        WidgetSize::Small => WidgetSizeDto::Small,
                        WidgetSize::Wide => WidgetSizeDto::Wide,
                    },
                    min_role: role(w.min_role),
                })
                .collect(),
            asset_bulk_actions: u
                .asset_bulk_actions
                .into_iter()
                .map(|a| BulkActionDto {
                    id: a.id,
                    label: a.label,
                    component: a.component,
                    min_role: role(a.min_role),
                })
                .collect(),
        }
    }
}

pub struct PluginsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Plugins")]
impl PluginsApi {
    /// List the enabled plugins
    ///
    /// Any role. The plugins switched on in this site's config
    /// (`plugins.enabled`), with version, description and UI manifest. A
    /// plugin that is not listed here has no routes (404) and no operations
    /// in the served spec.
    #[oai(path = "/plugins", method = "get", operation_id = "listPlugins")]
    async fn list(&self, state: Data<&AppState>, auth: Auth) -> Result<Json<PluginList>, ApiError> {
        auth.principal().require(Role::Viewer)?;
        let items = state
            .plugins
            .iter()
            .map(|p| {
                let info = p.info();
                PluginDto {
                    id: info.id.to_owned(),
                    version: info.version.to_owned(),
                    description: info.description.to_owned(),
                    ui: p.ui().into(),
                }
            })
            .collect();
        Ok(Json(PluginList { items }))
    }
}
