//! Migrations on both backends: applied once, refused when unsafe, and the
//! two backend folders produce the same schema.

use std::collections::BTreeMap;

use mysql_async::prelude::Queryable;
use shopdb::db::migrate::{self, MigrateError};
use shopdb::startup::StartupError;

use crate::dual_test;
use crate::helpers::{Backend, TestDb, spawn_app, spawn_app_with, start, test_config};

const SCOPES: &[&str] = &["core"];

async fn raw(app: &crate::helpers::TestApp, sql: &str) {
    let mut conn = app.state.db.acquire().await.unwrap();
    conn.execute_raw(sql).await.unwrap();
}

/// Starts on the database again and returns the startup error.
async fn restart_error(app: crate::helpers::TestApp) -> String {
    let db = app.stop().await;
    let config = test_config(&db.url);
    match start(db, config).await {
        Ok(_) => panic!("startup should have been refused"),
        Err((_, e)) => {
            assert!(matches!(e, StartupError::Migrate(_)), "{e}");
            assert_eq!(e.exit_code(), 1);
            e.to_string()
        }
    }
}

async fn every_step_is_recorded_once(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let status = migrate::status(&app.state.db, SCOPES).await.unwrap();
    let known = migrate::embedded(app.state.db.backend(), SCOPES).unwrap();
    assert_eq!(status.len(), known.len());
    assert!(
        status
            .iter()
            .all(|s| s.state == "applied" && s.applied_at.is_some()),
        "{status:?}"
    );
    // Running again applies nothing.
    assert!(
        migrate::up(&app.state.db, SCOPES, false)
            .await
            .unwrap()
            .is_empty()
    );
}
dual_test!(every_step_is_recorded_once);

async fn a_changed_migration_stops_startup(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    raw(
        &app,
        "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1",
    )
    .await;
    let msg = restart_error(app).await;
    assert!(
        msg.contains("core/0001_settings was changed after it was applied"),
        "{msg}"
    );
    assert!(msg.contains("deadbeef"), "{msg}");
}
dual_test!(a_changed_migration_stops_startup);

async fn a_newer_database_stops_startup(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    raw(
        &app,
        "INSERT INTO schema_migrations (scope, version, name, checksum, state, started_at, applied_at) \
         VALUES ('core', 9999, 'from_the_future', 'abc', 'applied', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
    )
    .await;
    let msg = restart_error(app).await;
    assert!(msg.contains("core/9999_from_the_future"), "{msg}");
    assert!(
        msg.contains("newer release") && msg.contains("downgrades are not supported"),
        "{msg}"
    );
}
dual_test!(a_newer_database_stops_startup);

async fn a_step_left_in_progress_stops_startup_until_retried(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    raw(
        &app,
        "UPDATE schema_migrations SET state = 'in_progress', applied_at = NULL WHERE version = 1",
    )
    .await;
    let db = app.stop().await;
    let url = db.url.clone();
    let db = match start(db, test_config(&url)).await {
        Ok(_) => panic!("startup should have been refused"),
        Err((db, e)) => {
            let msg = e.to_string();
            assert!(
                msg.contains("left in progress") && msg.contains("--retry-in-progress"),
                "{msg}"
            );
            db
        }
    };
    // What `shopdb migrate up --retry-in-progress` does.
    let conn = shopdb::db::Db::connect(&test_config(&url).database)
        .await
        .unwrap();
    assert!(matches!(
        migrate::up(&conn, SCOPES, false).await,
        Err(MigrateError::InProgress { .. })
    ));
    assert_eq!(migrate::up(&conn, SCOPES, true).await.unwrap().len(), 1);
    conn.close().await;
    let app = start(db, test_config(&url))
        .await
        .ok()
        .expect("starts after the retry");
    assert_eq!(app.get("/readyz").await.status, 200);
}
dual_test!(a_step_left_in_progress_stops_startup_until_retried);

async fn concurrent_starts_apply_each_step_once(b: Backend) {
    let Some(db) = TestDb::new(b).await else { return };
    let c1 = test_config(&db.url);
    let c2 = test_config(&db.url);
    let (a, b2) = tokio::join!(
        shopdb::startup::Application::build(c1),
        shopdb::startup::Application::build(c2)
    );
    let a = a.expect("first instance starts");
    let _b = b2.expect("second instance starts");
    let known = migrate::embedded(a.state().db.backend(), SCOPES).unwrap();
    let status = migrate::status(&a.state().db, SCOPES).await.unwrap();
    assert_eq!(status.len(), known.len(), "{status:?}");
    assert!(status.iter().all(|s| s.state == "applied"));
    drop(db);
}
dual_test!(concurrent_starts_apply_each_step_once);

/// (column name → (type family, nullable)), primary key, other indexes.
#[derive(Debug, PartialEq, Eq)]
struct TableShape {
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    indexes: BTreeMap<String, (bool, Vec<String>)>,
}

fn family(decl: &str) -> String {
    let t = decl.to_ascii_lowercase();
    let f = if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") || t.contains("json") {
        "text"
    } else if t.contains("date") || t.contains("time") {
        // SQLite stores timestamps as TEXT in the shared format.
        "text"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t.contains("dec") {
        "real"
    } else if t.contains("blob") || t.contains("binary") {
        "blob"
    } else {
        "other"
    };
    f.to_owned()
}

fn sqlite_schema(path: &std::path::Path) -> BTreeMap<String, TableShape> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut tables = BTreeMap::new();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in names {
        let mut columns = BTreeMap::new();
        let mut pk: Vec<(i64, String)> = Vec::new();
        let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{t}\")")).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (name, decl, notnull, pk_pos) = row.unwrap();
            // SQLite lets a primary-key column be NULL unless declared; we declare it.
            columns.insert(name.clone(), (family(&decl), notnull == 0 && pk_pos == 0));
            if pk_pos > 0 {
                pk.push((pk_pos, name));
            }
        }
        pk.sort();
        let mut indexes = BTreeMap::new();
        let idx: Vec<(String, i64, String)> = conn
            .prepare(&format!("PRAGMA index_list(\"{t}\")"))
            .unwrap()
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (name, unique, origin) in idx {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<String> = conn
                .prepare(&format!("PRAGMA index_info(\"{name}\")"))
                .unwrap()
                .query_map([], |r| r.get(2))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            indexes.insert(name, (unique == 1, cols));
        }
        tables.insert(
            t,
            TableShape {
                columns,
                primary_key: pk.into_iter().map(|(_, n)| n).collect(),
                indexes,
            },
        );
    }
    tables
}

async fn mysql_schema(server: &str, db: &str) -> BTreeMap<String, TableShape> {
    let mut conn = mysql_async::Conn::from_url(server).await.unwrap();
    let cols: Vec<(String, String, String, String)> = conn
        .exec(
            "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (db,),
        )
        .await
        .unwrap();
    let idx: Vec<(String, String, i64, String)> = conn
        .exec(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            (db,),
        )
        .await
        .unwrap();
    conn.disconnect().await.ok();
    let mut tables: BTreeMap<String, TableShape> = BTreeMap::new();
    for (t, c, ty, nullable) in cols {
        tables
            .entry(t)
            .or_insert_with(|| TableShape {
                columns: BTreeMap::new(),
                primary_key: vec![],
                indexes: BTreeMap::new(),
            })
            .columns
            .insert(c, (family(&ty), nullable == "YES"));
    }
    for (t, name, non_unique, col) in idx {
        let shape = tables.get_mut(&t).unwrap();
        if name == "PRIMARY" {
            shape.primary_key.push(col);
        } else {
            let e = shape.indexes.entry(name).or_insert((non_unique == 0, vec![]));
            e.1.push(col);
        }
    }
    tables
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_produce_the_same_schema() {
    // Every plugin enabled, so plugin migrations are compared too.
    let all = |c: &mut shopdb::config::Config| {
        c.plugins.enabled = shopdb::plugins::REGISTRY
            .iter()
            .map(|p| p.id.to_owned())
            .collect();
    };
    let Some(sq) = spawn_app_with(Backend::Sqlite, all).await else {
        return;
    };
    let Some(my) = spawn_app_with(Backend::Mysql, all).await else {
        return;
    };
    let sqlite = sqlite_schema(&sq.db.sqlite_path().unwrap());
    let db_name = my.db.url.rsplit('/').next().unwrap().to_owned();
    let mysql = mysql_schema(my.db.mysql_server().unwrap(), &db_name).await;
    assert!(sqlite.contains_key("schema_migrations") && sqlite.contains_key("settings"));
    // The search index differs by design (ADR 0006): an FTS5 virtual table
    // (and its shadow tables) on SQLite, a plain table on MySQL.
    let (sqlite, mysql) = (without_search(sqlite), without_search(mysql));
    assert!(sqlite.contains_key("assets") && sqlite.contains_key("change_log"));
    assert!(sqlite.contains_key("labels_templates") && sqlite.contains_key("labels_queue"));
    assert_eq!(sqlite, mysql);
}

fn without_search(mut tables: BTreeMap<String, TableShape>) -> BTreeMap<String, TableShape> {
    tables.retain(|t, _| !t.starts_with("asset_search"));
    tables
}

/// A MySQL site upgraded from core 0004: migration 0005 turns its search
/// texts into search blocks (ADR 0006), and search finds what it found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_blocks_are_built_for_a_site_upgraded_from_0004() {
    let Some(app) = spawn_app(Backend::Mysql).await else {
        return;
    };
    let t = app.admin_token().await;
    let items: Vec<serde_json::Value> = (0..70)
        .map(|i| {
            serde_json::json!({"tag": format!("UP-{i:03}"), "name": format!("Press {i}"),
                               "type": "machine", "notes": if i % 10 == 0 { "old gearbox" } else { "fine" }})
        })
        .collect();
    let r = app
        .post_auth(
            "/api/v1/assets/bulk",
            &t,
            &serde_json::json!({"dry_run": false, "items": items}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Back to the 0004 layout: texts keyed by asset, no blocks, 0005 unapplied.
    raw(&app, "DROP TABLE asset_search_blocks").await;
    raw(
        &app,
        "ALTER TABLE asset_search DROP INDEX asset_search_asset, DROP PRIMARY KEY, \
         ADD PRIMARY KEY (asset_id), DROP COLUMN block, DROP COLUMN tag",
    )
    .await;
    raw(
        &app,
        "DELETE FROM schema_migrations WHERE scope = 'core' AND version = 5",
    )
    .await;

    let db = app.stop().await;
    let url = db.url.clone();
    let app = start(db, test_config(&url))
        .await
        .ok()
        .expect("starts and migrates");
    let t = app.admin_token().await;
    let found = app
        .get_auth("/api/v1/assets?q=gearbox&sort=-tag", &t)
        .await
        .json();
    let tags: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "UP-060", "UP-050", "UP-040", "UP-030", "UP-020", "UP-010", "UP-000"
        ]
    );
    assert_eq!(found["total"], 7);
    // Both blocks (ids 1-63 and 64-70) hold their assets' texts.
    let filtered = app
        .get_auth("/api/v1/assets?q=press%206&type=machine", &t)
        .await
        .json();
    assert_eq!(filtered["total"], 11, "{filtered}");
}
