//! The plugin framework on both backends, with the labels plugin as the
//! subject: what a site sees with no plugins and with labels enabled
//! (routes, served spec and docs, `GET /api/v1/plugins`, jobs), plugin
//! migrations (applied once, only when enabled, tables kept when
//! disabled), and config errors naming the plugin and the key.

use std::collections::BTreeSet;

use sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use serde_json::{Value, json};
use shopdb::config::{self, Config, LoadOptions};
use shopdb::db::migrate;
use shopdb::startup::StartupError;

use crate::dual_test;
use crate::helpers::{Backend, TestApp, TestDb, spawn_app, spawn_app_with, start, test_config};

fn with_labels(c: &mut Config) {
    c.plugins.enabled = vec!["labels".into()];
}

/// The labels operations of a spec, by operationId.
fn labels_operations(spec: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let tagged = op["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "plugin:labels");
            assert_eq!(tagged, path.starts_with("/api/v1/plugins/labels/"), "{path}");
            if tagged {
                out.insert(op["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

fn committed_spec() -> Value {
    serde_json::from_str(&shopdb::api::spec_json()).unwrap()
}

/// Whether a table can be read (it exists).
async fn table_exists(app: &TestApp, table: &str) -> bool {
    let stmt = Query::select()
        .column(Asterisk)
        .from(Alias::new(table))
        .limit(1)
        .to_owned();
    app.state.db.fetch_all(&stmt).await.is_ok()
}

async fn count_rows(app: &TestApp, table: &str) -> usize {
    let stmt = Query::select()
        .column(Asterisk)
        .from(Alias::new(table))
        .to_owned();
    app.state.db.fetch_all(&stmt).await.unwrap().len()
}

async fn migration_rows(app: &TestApp, scope: &str) -> usize {
    let stmt = Query::select()
        .column(Asterisk)
        .from(Alias::new("schema_migrations"))
        .and_where(Expr::col(Alias::new("scope")).eq(scope))
        .to_owned();
    app.state.db.fetch_all(&stmt).await.unwrap().len()
}

#[test]
fn the_committed_spec_has_every_plugin_each_under_its_prefix_and_tag() {
    let spec = committed_spec();
    let ops = labels_operations(&spec);
    for op in [
        "listLabelTemplates",
        "createLabelTemplate",
        "updateLabelTemplate",
        "deleteLabelTemplate",
        "getAssetQrSvg",
        "getAssetQrPng",
        "getAssetLabelSvg",
        "getAssetLabelZpl",
        "renderLabelSheet",
        "renderLabelSheetZpl",
        "listLabelQueue",
        "markLabelsPrinted",
    ] {
        assert!(ops.contains(op), "{op} missing from the committed spec");
    }
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"plugin:labels") && tags.contains(&"plugins"),
        "{tags:?}"
    );
    // Every registered plugin's paths live under its own prefix and tag.
    for p in shopdb::plugins::REGISTRY {
        let prefix = format!("/api/v1/plugins/{}/", p.id);
        let tag = format!("plugin:{}", p.id);
        let mut found = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            for op in item.as_object().unwrap().values() {
                let tagged = op["tags"].as_array().unwrap().iter().any(|t| *t == tag.as_str());
                assert_eq!(tagged, path.starts_with(&prefix), "{path}");
                found += usize::from(tagged);
            }
        }
        assert!(
            found > 0,
            "plugin {} has no operations in the committed spec",
            p.id
        );
    }
}

async fn no_plugins_means_no_plugin_anything(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let t = app.admin_token().await;
    let r = app.get_auth("/api/v1/plugins", &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"items": []}));
    // Routes: 404 problem+json, like any unknown path.
    for path in [
        "/api/v1/plugins/labels/templates",
        "/api/v1/plugins/labels/assets/1/qr.png",
        "/api/v1/plugins/labels/sheet?ids=1",
    ] {
        app.get_auth(path, &t).await.problem(404, "not_found");
    }
    let r = app
        .post_auth("/api/v1/plugins/labels/queue", &t, &json!({"asset_ids": [1]}))
        .await;
    r.problem(404, "not_found");
    // The served spec and the docs page leave the plugin out.
    let spec = app.get("/api/openapi.json").await.json();
    assert!(labels_operations(&spec).is_empty());
    assert!(spec["paths"].get("/api/v1/plugins").is_some());
    assert!(
        !spec["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "plugin:labels")
    );
    assert!(
        !spec.to_string().contains("LabelTemplate"),
        "schemas of a disabled plugin remain"
    );
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status, 200);
    assert!(!docs.text.contains("listLabelTemplates") && docs.text.contains("listPlugins"));
    // No job, no tables, no migration rows.
    assert_eq!(app.state.metrics.is_job_running("labels.reconcile"), None);
    assert_eq!(
        app.state.metrics.is_job_running("core.history_retention"),
        Some(true)
    );
    assert!(!table_exists(&app, "labels_templates").await);
    assert!(table_exists(&app, "assets").await);
    assert_eq!(migration_rows(&app, "labels").await, 0);
    assert_eq!(app.get("/api/v1/meta").await.json()["plugins"], json!([]));
}
dual_test!(no_plugins_means_no_plugin_anything);

async fn labels_enabled_is_served_listed_and_migrated(b: Backend) {
    let Some(app) = spawn_app_with(b, with_labels).await else {
        return;
    };
    let t = app.admin_token().await;
    let r = app.get_auth("/api/v1/plugins", &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let p = &items[0];
    assert_eq!(p["id"], "labels");
    assert_eq!(p["version"], shopdb::plugins::labels::INFO.version);
    assert!(p["description"].as_str().unwrap().contains("QR"));
    let ui = &p["ui"];
    assert_eq!(ui["asset_panels"][0]["title"], "Label");
    assert_eq!(ui["asset_panels"][0]["component"], "labels/AssetLabelPanel");
    assert_eq!(ui["asset_bulk_actions"][0]["label"], "Print labels");
    assert_eq!(ui["menu"][1]["min_role"], "admin");
    assert_eq!(ui["routes"][0]["path"], "/plugins/labels/queue");
    assert_eq!(ui["dashboard_widgets"][0]["size"], "small");
    // The plugin list needs a signed-in user.
    app.get("/api/v1/plugins").await.problem(401, "unauthenticated");

    // Routes answer; the served spec carries exactly the committed labels operations.
    let r = app.get_auth("/api/v1/plugins/labels/templates", &t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let keys: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        keys,
        ["50x25", "62x29", "4x6in", "a4-21"].map(String::from),
        "presets first, in order"
    );
    let served = app.get("/api/openapi.json").await.json();
    assert_eq!(labels_operations(&served), labels_operations(&committed_spec()));
    assert!(app.get("/api/docs").await.text.contains("listLabelTemplates"));
    assert_eq!(app.get("/api/v1/meta").await.json()["plugins"], json!(["labels"]));

    // Its job runs; its migration is recorded under its own scope.
    assert_eq!(app.state.metrics.is_job_running("labels.reconcile"), Some(true));
    let metrics = app.get("/metrics").await.text;
    assert!(
        metrics.contains("shopdb_job_running{job=\"labels.reconcile\"} 1"),
        "{metrics}"
    );
    let status = migrate::status(&app.state.db, &["labels"]).await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|s| s.scope == "labels" && s.state == "applied"));
    assert_eq!(migration_rows(&app, "labels").await, status.len());
    for table in ["labels_templates", "labels_queue", "labels_printed"] {
        assert!(table_exists(&app, table).await, "{table}");
    }
    // Applied once: another run has nothing to do.
    assert!(
        migrate::up(&app.state.db, &["core", "labels"], false)
            .await
            .unwrap()
            .is_empty()
    );

    // Shutdown stops the job.
    let state = app.state.clone();
    app.stop().await;
    assert_eq!(state.metrics.is_job_running("labels.reconcile"), Some(false));
    assert_eq!(
        state.metrics.is_job_running("core.history_retention"),
        Some(false)
    );
}
dual_test!(labels_enabled_is_served_listed_and_migrated);

async fn disabling_keeps_the_data_and_enabling_finds_it(b: Backend) {
    let Some(app) = spawn_app_with(b, with_labels).await else {
        return;
    };
    let t = app.admin_token().await;
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/templates",
            &t,
            &json!({"key": "cabinet", "name": "Cabinet door", "width_mm": 40, "height_mm": 20}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let asset = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": "PC-1", "name": "Line PC", "type": "computer"}),
        )
        .await;
    assert_eq!(asset.status, 201, "{}", asset.text);
    let doomed = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": "PC-2", "name": "Spare PC", "type": "computer"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let applied_at = migrate::status(&app.state.db, &["labels"]).await.unwrap()[0]
        .applied_at
        .clone();
    let db = app.stop().await;

    // Off: no routes, tables and rows untouched; core deletes still work
    // although plugin rows reference the asset (they cascade).
    let app = restart(db, None).await;
    let t = app.admin_token().await;
    app.get_auth("/api/v1/plugins/labels/templates", &t)
        .await
        .problem(404, "not_found");
    assert_eq!(count_rows(&app, "labels_queue").await, 2);
    assert_eq!(migration_rows(&app, "labels").await, 1);
    let r = app.delete_auth(&format!("/api/v1/assets/{doomed}"), &t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Written while off: no hook ran.
    let r = app
        .post_auth(
            "/api/v1/assets",
            &t,
            &json!({"tag": "PC-3", "name": "New PC", "type": "computer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let db = app.stop().await;

    // On again: the data is there, the migration was not re-run.
    let app = restart(db, Some("labels")).await;
    let t = app.admin_token().await;
    let r = app.get_auth("/api/v1/plugins/labels/templates", &t).await;
    assert_eq!(r.status, 200);
    assert!(
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "cabinet")
    );
    let q = app.get_auth("/api/v1/plugins/labels/queue", &t).await.json();
    assert_eq!(q["total"], 1, "{q}");
    assert_eq!(q["items"][0]["tag"], "PC-1");
    let status = migrate::status(&app.state.db, &["labels"]).await.unwrap();
    assert_eq!(status[0].applied_at, applied_at);
    assert_eq!(migration_rows(&app, "labels").await, 1);
}
dual_test!(disabling_keeps_the_data_and_enabling_finds_it);

/// Starts again on the same database with `plugin` enabled (or none).
async fn restart(db: TestDb, plugin: Option<&str>) -> TestApp {
    let mut c = test_config(&db.url);
    c.plugins.enabled = plugin.map(|p| vec![p.to_owned()]).unwrap_or_default();
    match start(db, c).await {
        Ok(app) => app,
        Err((_, e)) => panic!("restart failed: {e}"),
    }
}

async fn startup_refuses_unknown_plugins_and_bad_sections(b: Backend) {
    let Some(db) = TestDb::new(b).await else { return };
    let mut c = test_config(&db.url);
    c.plugins.enabled = vec!["labels".into(), "teleporter".into()];
    let Err((db, e)) = start(db, c).await else {
        panic!("an unknown plugin must stop startup")
    };
    assert!(matches!(e, StartupError::Config(_)), "{e}");
    assert_eq!(e.exit_code(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("unknown plugin `teleporter`; known plugins: labels"),
        "{msg}"
    );

    let mut c = test_config(&db.url);
    with_labels(&mut c);
    c.plugins.settings.insert(
        "labels".into(),
        toml::from_str::<toml::Value>("zpl_dpi = 299\nprinter = \"zebra-1\"").unwrap(),
    );
    let Err((db, e)) = start(db, c).await else {
        panic!("a bad [plugins.labels] must stop startup")
    };
    let msg = e.to_string();
    assert!(msg.contains("plugins.labels: unknown key `printer`"), "{msg}");
    assert!(msg.contains("plugins.labels.zpl_dpi must be one of"), "{msg}");
    // Nothing was migrated for the plugin.
    let app = restart(db, None).await;
    assert_eq!(migration_rows(&app, "labels").await, 0);
}
dual_test!(startup_refuses_unknown_plugins_and_bad_sections);

fn load(toml_text: Option<&str>, vars: &[(&str, &str)]) -> Result<config::Loaded, config::ConfigError> {
    let file = toml_text.map(|text| {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f
    });
    let r = config::load(LoadOptions {
        file: file.as_ref().map(|f| f.path().to_path_buf()),
        env: vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        default_file: false,
    });
    drop(file);
    r
}

#[test]
fn plugin_sections_from_file_and_environment() {
    // TOML section and env variables, typed from text.
    let loaded = load(
        Some("[plugins]\nenabled = [\"labels\"]\n[plugins.labels]\ndefault_template = \"a4-21\"\n"),
        &[
            ("SHOPDB_PLUGINS__LABELS__ZPL_DPI", "300"),
            ("SHOPDB_PLUGINS__LABELS__QUEUE_NEW_ASSETS", "false"),
        ],
    )
    .unwrap();
    let plugins = shopdb::plugins::Plugins::start(&loaded.config).unwrap();
    let labels = plugins.get::<shopdb::plugins::labels::LabelsPlugin>().unwrap();
    assert_eq!(labels.config.default_template, "a4-21");
    assert_eq!(labels.config.zpl_dpi, 300);
    assert!(!labels.config.queue_new_assets);
    let report = config::report::render(&loaded);
    assert!(report.contains("Plugin labels (enabled)"), "{report}");
    assert!(report.contains("env SHOPDB_PLUGINS__LABELS__ZPL_DPI"), "{report}");

    // Enabled from the environment, comma-separated.
    let loaded = load(None, &[("SHOPDB_PLUGINS__ENABLED", "labels")]).unwrap();
    assert_eq!(loaded.config.plugins.enabled, ["labels"]);
}

#[test]
fn plugin_config_errors_name_the_plugin_and_the_key() {
    let msg = load(
        Some("[plugins.labels]\ndefualt_template = \"x\"\n"),
        &[("SHOPDB_PLUGINS__ENABLED", "labels")],
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("plugins.labels: unknown key `defualt_template`")
            && msg.contains("did you mean `default_template`?"),
        "{msg}"
    );
    // A disabled plugin's section is still checked for typos.
    let msg = load(None, &[("SHOPDB_PLUGINS__LABELS__ZPL_DPY", "300")])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("SHOPDB_PLUGINS__LABELS__ZPL_DPY"), "{msg}");
    // Wrong types, from the environment.
    let msg = load(
        None,
        &[
            ("SHOPDB_PLUGINS__ENABLED", "labels"),
            ("SHOPDB_PLUGINS__LABELS__MAX_LABELS", "lots"),
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("plugins.labels.max_labels"), "{msg}");
    // A section for a plugin this build does not have.
    let msg = load(Some("[plugins.zabbix]\nurl = \"https://z\"\n"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("there is no plugin `zabbix` in this build; known plugins: labels"),
        "{msg}"
    );
    // Unknown ids in plugins.enabled name the known ones.
    let msg = load(None, &[("SHOPDB_PLUGINS__ENABLED", "labels,zabix")])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("unknown plugin `zabix`; known plugins: labels"),
        "{msg}"
    );
}
