//! A plugin's contributions to the web UI, as plain data. The SPA reads
//! them from `GET /api/v1/plugins` and shows only what enabled plugins
//! declare. `component` names a Vue component the SPA registers under that
//! name (`web/src/plugins/<id>/…`); an SPA that does not know a component
//! skips the entry, so an older UI never breaks on a newer plugin.
//! `min_role` hides an entry from users below that role (the API checks
//! roles again on every call).

use crate::domain::Role;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UiManifest {
    /// Entries in the main navigation.
    pub menu: Vec<MenuEntry>,
    /// SPA routes (pages) the plugin adds, under `/plugins/<id>/`.
    pub routes: Vec<UiRoute>,
    /// Panels on the asset page.
    pub asset_panels: Vec<AssetPanel>,
    /// Widgets on the dashboard.
    pub dashboard_widgets: Vec<DashboardWidget>,
    /// Actions on a selection in the assets list.
    pub asset_bulk_actions: Vec<BulkAction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MenuEntry {
    /// Unique: `<plugin id>.<name>`.
    pub id: String,
    pub label: String,
    /// An SPA route path (one of `routes`).
    pub route: String,
    /// A Material icon name, e.g. `qr_code_2`.
    pub icon: String,
    pub min_role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiRoute {
    /// `/plugins/<id>/…`.
    pub path: String,
    pub component: String,
    /// The page title.
    pub title: String,
    pub min_role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssetPanel {
    pub id: String,
    pub title: String,
    pub component: String,
    /// Panels are shown by ascending order, core panels first.
    pub order: i32,
    pub min_role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardWidget {
    pub id: String,
    pub title: String,
    pub component: String,
    pub order: i32,
    /// `small` (one column) or `wide` (two).
    pub size: WidgetSize,
    pub min_role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetSize {
    Small,
    Wide,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkAction {
    pub id: String,
    pub label: String,
    /// The component (usually a dialog) that receives the selected asset ids.
    pub component: String,
    pub min_role: Role,
}

impl UiManifest {
    /// Entry ids must be unique and start with `<id>.`; routes must live
    /// under `/plugins/<id>/` and menu entries must point at one of them.
    /// A unit test runs this for every registered plugin.
    pub fn problems(&self, id: &str) -> Vec<String> {
        let prefix = format!("{id}.");
        let base = format!("/plugins/{id}/");
        let mut out = Vec::new();
        let ids = self
            .menu
            .iter()
            .map(|m| &m.id)
            .chain(self.asset_panels.iter().map(|p| &p.id))
            .chain(self.dashboard_widgets.iter().map(|w| &w.id))
            .chain(self.asset_bulk_actions.iter().map(|a| &a.id));
        let mut seen = std::collections::BTreeSet::new();
        for e in ids {
            if !e.starts_with(&prefix) {
                out.push(format!("entry `{e}` must start with `{prefix}`"));
            }
            if !seen.insert(e.clone()) {
                out.push(format!("entry `{e}` appears twice"));
            }
        }
        for r in &self.routes {
            if !r.path.starts_with(&base) {
                out.push(format!("route `{}` must be under {base}", r.path));
            }
        }
        for m in &self.menu {
            if !self.routes.iter().any(|r| r.path == m.route) {
                out.push(format!("menu entry `{}` points at no declared route", m.id));
            }
        }
        out
    }
}
