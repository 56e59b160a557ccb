//! The labels plugin: QR labels that open the asset's page when scanned.
//!
//! - Each asset's QR code encodes `<server.public_url>/a/<asset id>` (see
//!   `asset_url`): short (small codes on 25 mm labels), stable when the tag
//!   is renamed, and independent of the SPA's own page routes. The web UI
//!   routes `/a/:id` to the asset page after sign-in.
//! - Templates (`labels_templates`): presets and admin-defined sizes.
//! - Output: QR as SVG and PNG, one label as SVG or ZPL, and sheets of any
//!   selection as print-ready HTML or ZPL.
//! - A print queue (`labels_queue`), kept by asset hooks (new assets; assets
//!   whose tag, name or location changed after their label was printed) and
//!   by a job that catches what hooks cannot see (a location renamed or
//!   moved changes the path printed on the labels of every asset in it).
//!
//! docs/PLUGINS.md walks through this plugin as the worked example.

pub mod api;
mod db;
pub mod layout;
pub mod qr;
pub mod service;
pub mod sheet;
pub mod template;
pub mod zpl;

use std::any::Any;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::config::{PluginKey, Section, typed};
use super::manifest::{AssetPanel, BulkAction, DashboardWidget, MenuEntry, UiManifest, UiRoute, WidgetSize};
use super::{AssetChange, AssetEvent, Job, Plugin, PluginInfo};
use crate::config::HumanDuration;
use crate::db::Tx;
use crate::domain::Role;
use crate::domain::inventory::AssetId;
use crate::service::ServiceError;
use crate::state::AppState;

pub const ID: &str = "labels";

pub static INFO: PluginInfo = PluginInfo {
    id: ID,
    version: "1.0.0",
    description: "QR asset labels: SVG/PNG codes that open the asset's page, label templates, \
                  printable sheets (HTML) and ZPL for Zebra printers, and a print queue.",
    config_keys: KEYS,
    start,
};

const KEYS: &[PluginKey] = &[
    PluginKey::optional(
        "default_template",
        "Key of the label template used when a request names none (a preset: 50x25, 62x29, 4x6in, a4-21, or your own).",
        "\"50x25\"",
    ),
    PluginKey::optional(
        "queue_new_assets",
        "Put every new asset in the label print queue.",
        "true",
    ),
    PluginKey::optional(
        "reconcile_interval",
        "How often to re-queue printed labels whose location path changed (a location renamed or moved). At least 10s.",
        "\"10m\"",
    ),
    PluginKey::optional(
        "max_labels",
        "Most labels one sheet or ZPL request may render (1-10000).",
        "1000",
    ),
    PluginKey::optional(
        "zpl_dpi",
        "Resolution of your Zebra printers in dots per inch (152, 203, 300 or 600), when a ZPL request names none.",
        "203",
    ),
];

/// `[plugins.labels]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelsConfig {
    pub default_template: String,
    pub queue_new_assets: bool,
    pub reconcile_interval: HumanDuration,
    pub max_labels: u32,
    pub zpl_dpi: u32,
}

impl Default for LabelsConfig {
    fn default() -> Self {
        Self {
            default_template: "50x25".into(),
            queue_new_assets: true,
            reconcile_interval: HumanDuration::secs(600),
            max_labels: 1000,
            zpl_dpi: 203,
        }
    }
}

impl LabelsConfig {
    fn check(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.default_template.trim().is_empty() {
            p.push("plugins.labels.default_template must not be empty".to_owned());
        }
        if self.reconcile_interval.0.as_secs() < 10 {
            p.push("plugins.labels.reconcile_interval must be at least 10s".to_owned());
        }
        if !(1..=10_000).contains(&self.max_labels) {
            p.push("plugins.labels.max_labels must be between 1 and 10000".to_owned());
        }
        if !zpl::DPI_CHOICES.contains(&self.zpl_dpi) {
            p.push(format!(
                "plugins.labels.zpl_dpi must be one of {:?}, not {}",
                zpl::DPI_CHOICES,
                self.zpl_dpi
            ));
        }
        p
    }
}

fn start(section: &Section) -> Result<Arc<dyn Plugin>, Vec<String>> {
    let config: LabelsConfig = typed(ID, section)?;
    let problems = config.check();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Arc::new(LabelsPlugin { config }))
}

/// The running plugin.
#[derive(Debug)]
pub struct LabelsPlugin {
    pub config: LabelsConfig,
}

/// The URL an asset's QR code encodes: `<public_url>/a/<id>`.
pub fn asset_url(public_url: &str, id: AssetId) -> String {
    format!("{}/a/{}", public_url.trim_end_matches('/'), id.0)
}

impl Plugin for LabelsPlugin {
    fn info(&self) -> &'static PluginInfo {
        &INFO
    }

    fn ui(&self) -> UiManifest {
        UiManifest {
            menu: vec![
                MenuEntry {
                    id: "labels.queue".into(),
                    label: "Label queue".into(),
                    route: "/plugins/labels/queue".into(),
                    icon: "qr_code_2".into(),
                    min_role: Role::Viewer,
                },
                MenuEntry {
                    id: "labels.templates".into(),
                    label: "Label templates".into(),
                    route: "/plugins/labels/templates".into(),
                    icon: "label".into(),
                    min_role: Role::Admin,
                },
            ],
            routes: vec![
                UiRoute {
                    path: "/plugins/labels/queue".into(),
                    component: "labels/QueuePage".into(),
                    title: "Labels to print".into(),
                    min_role: Role::Viewer,
                },
                UiRoute {
                    path: "/plugins/labels/templates".into(),
                    component: "labels/TemplatesPage".into(),
                    title: "Label templates".into(),
                    min_role: Role::Admin,
                },
            ],
            asset_panels: vec![AssetPanel {
                id: "labels.label".into(),
                title: "Label".into(),
                component: "labels/AssetLabelPanel".into(),
                order: 50,
                min_role: Role::Viewer,
            }],
            dashboard_widgets: vec![DashboardWidget {
                id: "labels.to_print".into(),
                title: "Labels to print".into(),
                component: "labels/QueueWidget".into(),
                order: 50,
                size: WidgetSize::Small,
                min_role: Role::Viewer,
            }],
            asset_bulk_actions: vec![BulkAction {
                id: "labels.print".into(),
                label: "Print labels".into(),
                component: "labels/PrintLabelsDialog".into(),
                min_role: Role::Viewer,
            }],
        }
    }

    fn on_asset<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a AssetEvent<'a>,
    ) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(service::on_asset(&self.config, tx, event))
    }

    fn jobs(&self, state: &AppState) -> Vec<Job> {
        let state = state.clone();
        vec![Job::every(
            "labels.reconcile",
            self.config.reconcile_interval.0,
            move || {
                let db = state.db.clone();
                async move {
                    let n = service::reconcile(&db).await?;
                    if n > 0 {
                        tracing::info!(queued = n, "labels: queued labels whose location changed");
                    }
                    Ok::<(), ServiceError>(())
                }
            },
        )]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Which asset changes make a printed label wrong.
pub fn label_changed(change: &AssetChange<'_>) -> bool {
    match change {
        AssetChange::Updated { before, after } => {
            before.tag != after.tag || before.name != after.name || before.location_id != after.location_id
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_keys_match_the_settings_and_their_defaults() {
        let defaults = toml::Value::try_from(LabelsConfig::default()).unwrap();
        let table = defaults.as_table().unwrap();
        let names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        let fields: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, fields);
        for k in KEYS {
            assert_eq!(k.default, table[k.name].to_string(), "{}", k.name);
        }
        assert!(LabelsConfig::default().check().is_empty());
    }

    #[test]
    fn settings_are_checked() {
        let section: Section = "zpl_dpi = \"250\"\nmax_labels = 0\nbogus = 1".parse().unwrap();
        // Unknown keys are the framework's job; typed parsing refuses them too.
        assert!(start(&section).is_err());
        let section: Section = "zpl_dpi = \"250\"\nmax_labels = 0".parse().unwrap();
        let e = start(&section).err().unwrap();
        assert!(e.iter().any(|m| m.contains("zpl_dpi")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("max_labels")), "{e:?}");
    }

    #[test]
    fn urls_and_manifest() {
        assert_eq!(
            asset_url("https://shopdb.plant1.example/", AssetId(42)),
            "https://shopdb.plant1.example/a/42"
        );
        assert_eq!(
            asset_url("http://10.0.0.5:8080/shopdb", AssetId(7)),
            "http://10.0.0.5:8080/shopdb/a/7"
        );
        let p = LabelsPlugin {
            config: LabelsConfig::default(),
        };
        assert_eq!(p.ui().problems(ID), Vec::<String>::new());
    }
}
