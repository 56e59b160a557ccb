//! `shopdb export` / `shopdb import` as real processes on real databases:
//! a site moved from SQLite to MariaDB (and back) serves identical data,
//! refusals leave the target untouched, a dump taken while the server
//! writes is consistent, and every table of the schema is known to the
//! exporter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use shopdb::config::Config;

use crate::dual_test;
use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp, TestDb, USER_PASSWORD, start, test_config};

fn shopdb(url: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopdb"));
    cmd.args(args).current_dir(dir.path());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPDB_")) {
        cmd.env_remove(k);
    }
    cmd.env("SHOPDB_LOG__LEVEL", "warn")
        .env("SHOPDB_DATABASE__URL", url)
        .env("SHOPDB_ADMIN__PASSWORD", ADMIN_PASSWORD)
        .env("SHOPDB_PLUGINS__ENABLED", "labels");
    cmd.output().expect("run shopdb")
}

fn text(o: &Output) -> String {
    crate::helpers::output_text(o)
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    text(o)
}

fn export(url: &str, out: &Path) -> String {
    ok(&shopdb(url, &["export", "--out", out.to_str().unwrap()]))
}

fn import(url: &str, from: &Path, force: bool) -> Output {
    let mut args = vec!["import", "--from", from.to_str().unwrap()];
    if force {
        args.push("--force");
    }
    shopdb(url, &args)
}

fn labels_on(c: &mut Config) {
    c.plugins.enabled = vec!["labels".into()];
}

async fn serve(db: TestDb) -> TestApp {
    let mut config = test_config(&db.url);
    labels_on(&mut config);
    start(db, config)
        .await
        .map_err(|(_, e)| e)
        .expect("server starts")
}

/// The dump's trailer: every table's count and checksum, i.e. the whole
/// content of a database in one line.
fn fingerprint(url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fp.jsonl");
    export(url, &out);
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned()
}

/// Writes through the API so every kind of data exists: users, an API
/// token, a custom field with values, edits (history), a deleted asset,
/// a label template and printed labels. Returns the API token's secret.
async fn enrich(app: &TestApp, t: &str) -> String {
    app.user_token("erin", "editor").await;
    app.user_token("vic", "viewer").await;
    let token = app
        .post_auth(
            "/api/v1/tokens",
            t,
            &json!({"name": "ERP sync", "role": "viewer"}),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.text);
    let secret = token.json()["token"].as_str().unwrap().to_owned();
    let machine = app.type_id(t, "machine").await;
    let r = app
        .post_auth(
            &format!("/api/v1/asset-types/{machine}/fields"),
            t,
            &json!({"key": "plc_id", "label": "PLC id", "kind": "text", "unique": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for (i, tag) in ["CNC-000001", "CNC-000002", "CNC-000003"].iter().enumerate() {
        let a = app
            .get_auth(&format!("/api/v1/assets/by-tag/{tag}"), t)
            .await
            .json();
        let r = app
            .patch_auth(
                &format!("/api/v1/assets/{}", a["id"]),
                t,
                &json!({"version": a["version"], "notes": format!("Spindle ✓ retrofit-zq{i} — «ok»"),
                        "custom_fields": {"plc_id": format!("PLC-{i}")}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/templates",
            t,
            &json!({"key": "cab-door", "name": "Cabinet door", "width_mm": 38.1, "height_mm": 19,
                    "sheet": {"page_width_mm": 210, "page_height_mm": 297, "columns": 5, "rows": 13,
                              "margin_top_mm": 10.7, "margin_left_mm": 4.75, "gap_x_mm": 2.5, "gap_y_mm": 0}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let first = app.get_auth("/api/v1/assets?sort=id&limit=5", t).await.json();
    let ids: Vec<Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let r = app
        .post_auth(
            "/api/v1/plugins/labels/printed",
            t,
            &json!({"asset_ids": ids, "template": "cab-door"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The newest asset goes: its id must never be handed out again.
    let last = app.get_auth("/api/v1/assets?sort=-id&limit=1", t).await.json();
    let r = app
        .delete_auth(&format!("/api/v1/assets/{}", last["items"][0]["id"]), t)
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    secret
}

/// The body, less the time the response was made (`generated_at`).
async fn get(app: &TestApp, path: &str, t: &str) -> String {
    let r = app.get_auth(path, t).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    match serde_json::from_str::<Value>(&r.text) {
        Ok(Value::Object(mut m)) => {
            m.remove("generated_at");
            Value::Object(m).to_string()
        }
        _ => r.text,
    }
}

/// Every read a user sees, from both servers, must be identical. `t` is
/// a session of the source: the copy has the same signing secret and
/// users, so it accepts it too (and no new sign-in changes either side).
async fn assert_same_site(a: &TestApp, b: &TestApp, t: &str, api_token: &str) {
    let (ta, tb) = (t, t);
    let mut paths = vec![
        "/api/v1/assets/export?format=csv".to_owned(),
        "/api/v1/users?limit=100".to_owned(),
        "/api/v1/locations/tree".to_owned(),
        "/api/v1/asset-types".to_owned(),
        "/api/v1/summary".to_owned(),
        "/api/v1/assets?q=RETROFIT-ZQ&limit=100".to_owned(),
        "/api/v1/assets?q=cnc-00001&limit=100&sort=tag".to_owned(),
        "/api/v1/assets?cf_plc_id=PLC-1".to_owned(),
        "/api/v1/plugins/labels/templates".to_owned(),
        "/api/v1/plugins/labels/queue?limit=100".to_owned(),
        "/api/v1/tokens".to_owned(),
    ];
    for offset in [0, 200, 5000] {
        paths.push(format!("/api/v1/changes?limit=200&offset={offset}"));
    }
    let types: Value = serde_json::from_str(&get(a, "/api/v1/asset-types", ta).await).unwrap();
    for t in types["items"].as_array().unwrap() {
        paths.push(format!("/api/v1/asset-types/{}", t["id"]));
    }
    for tag in ["CNC-000001", "PC-000001", "SW-000001"] {
        let asset: Value = serde_json::from_str(&get(a, &format!("/api/v1/assets/by-tag/{tag}"), ta).await)
            .unwrap_or(Value::Null);
        if asset["id"].is_null() {
            continue;
        }
        let id = &asset["id"];
        paths.push(format!("/api/v1/assets/{id}"));
        paths.push(format!("/api/v1/assets/{id}/relations"));
        paths.push(format!("/api/v1/assets/{id}/history"));
        paths.push(format!("/api/v1/plugins/labels/assets/{id}"));
    }
    for p in &paths {
        let (x, y) = (get(a, p, ta).await, get(b, p, tb).await);
        if x != y {
            let at = x.bytes().zip(y.bytes()).take_while(|(c, d)| c == d).count();
            let from = x[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
            panic!(
                "{p} differs at byte {at}:\nsource: …{:.400}\ncopy:   …{:.400}",
                &x[from..],
                &y[from..]
            );
        }
    }
    // The comparisons above were not between empty answers.
    let found: Value =
        serde_json::from_str(&get(b, "/api/v1/assets?q=RETROFIT-ZQ&limit=100", tb).await).unwrap();
    assert_eq!(
        found["total"], 3,
        "the rebuilt search index finds the edited notes"
    );
    let queue: Value =
        serde_json::from_str(&get(b, "/api/v1/plugins/labels/queue?limit=100", tb).await).unwrap();
    assert!(queue["total"].as_i64().unwrap() > 0, "{queue}");
    // Sign-in with the same password, and the API token, on the copy.
    let l = b.login("erin", USER_PASSWORD).await;
    assert_eq!(l.status, 200, "{}", l.text);
    let me = b.get_auth("/api/v1/auth/me", api_token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.json()["username"],
        a.get_auth("/api/v1/auth/me", api_token).await.json()["username"]
    );
    // New rows continue after the source's last id (deleted ones included).
    let new = json!({"tag": "NEW-1", "name": "Fresh", "type": "other"});
    let ia = a.post_auth("/api/v1/assets", ta, &new).await.json()["id"].clone();
    let ib = b.post_auth("/api/v1/assets", tb, &new).await.json()["id"].clone();
    assert_eq!(ia, ib, "the copy hands out the same next id");
}

/// The acceptance test: a 10,000-asset SQLite site moved to a new
/// MariaDB database serves identical data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_site_moves_to_mariadb_with_identical_data() {
    let source = TestDb::new(Backend::Sqlite).await.unwrap();
    let Some(target) = TestDb::new(Backend::Mysql).await else {
        return;
    };
    ok(&shopdb(
        &source.url,
        &["demo", "--assets", "10000", "--seed", "7"],
    ));
    let a = serve(source).await;
    let t = a.admin_token().await;
    let api_token = enrich(&a, &t).await;

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("site.jsonl.gz");
    let out = export(&a.db.url, &dump);
    assert!(out.contains("export written"), "{out}");
    assert!(std::fs::read(&dump).unwrap().starts_with(&[0x1f, 0x8b]), "gzip");

    let o = ok(&import(&target.url, &dump, false));
    assert!(o.contains("every count and checksum matches"), "{o}");
    for table in [
        "assets",
        "change_log",
        "users",
        "api_tokens",
        "settings",
        "labels_templates",
    ] {
        assert!(
            o.lines().any(|l| l.starts_with(table) && l.ends_with(" ok")),
            "{table} missing from the summary:\n{o}"
        );
    }
    let b = serve(target).await;
    assert_same_site(&a, &b, &t, &api_token).await;
}

/// And back: MariaDB to SQLite, at a smaller scale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mariadb_site_moves_to_sqlite_with_identical_data() {
    let Some(source) = TestDb::new(Backend::Mysql).await else {
        return;
    };
    let target = TestDb::new(Backend::Sqlite).await.unwrap();
    ok(&shopdb(&source.url, &["demo", "--assets", "400", "--seed", "3"]));
    let a = serve(source).await;
    let t = a.admin_token().await;
    let api_token = enrich(&a, &t).await;
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("site.jsonl");
    export(&a.db.url, &dump);
    ok(&import(&target.url, &dump, false));
    // The same data gives the same checksums whatever the backend.
    assert_eq!(fingerprint(&a.db.url), fingerprint(&target.url));
    let b = serve(target).await;
    assert_same_site(&a, &b, &t, &api_token).await;
}

fn rewrite(from: &Path, to: &Path, f: impl FnOnce(String) -> String) {
    std::fs::write(to, f(std::fs::read_to_string(from).unwrap())).unwrap();
}

/// Refusals: each leaves the target exactly as it was.
async fn refusals_leave_the_target_untouched(b: Backend) {
    let source = TestDb::new(Backend::Sqlite).await.unwrap();
    let Some(target) = TestDb::new(b).await else {
        return;
    };
    ok(&shopdb(&source.url, &["demo", "--assets", "60", "--seed", "5"]));
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("site.jsonl");
    export(&source.url, &dump);

    // An existing output file is never overwritten.
    let again = shopdb(&source.url, &["export", "--out", dump.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    ok(&import(&target.url, &dump, false));
    let loaded = fingerprint(&target.url);
    assert_eq!(loaded, fingerprint(&source.url));

    // A target with data: refused, naming the tables.
    let o = import(&target.url, &dump, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("already holds data") && msg.contains("assets (60 rows)"),
        "{msg}"
    );
    assert!(msg.contains("--force"), "{msg}");
    assert_eq!(fingerprint(&target.url), loaded);

    let bad = |name: &str, f: &dyn Fn(String) -> String| {
        let p: PathBuf = dir.path().join(name);
        rewrite(&dump, &p, f);
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (bad("cut.jsonl", &|s| s[..s.len() * 2 / 3].to_owned()), ""),
        (
            bad("no-trailer.jsonl", &|s| {
                let mut lines: Vec<&str> = s.lines().collect();
                lines.pop();
                lines.join("\n") + "\n"
            }),
            "cut short",
        ),
        (
            bad("v99.jsonl", &|s| {
                s.replacen("\"format_version\":1", "\"format_version\":99", 1)
            }),
            "format version 99",
        ),
        (
            bad("newer.jsonl", &|s| {
                // The header's core schema version, whatever it is now.
                let at = s.find("\"core\":").expect("core version in the header") + 7;
                let digits = s[at..].find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
                format!("{}9999{}", &s[..at], &s[at + digits..])
            }),
            "newer than this ShopDB",
        ),
        (
            bad("tampered.jsonl", &|s| {
                s.replacen("\"CNC-000001\"", "\"CNC-999999\"", 1)
            }),
            "assets: the file holds",
        ),
    ];
    for (file, expect) in &cases {
        let o = import(&target.url, file, true);
        assert_eq!(o.status.code(), Some(1), "{}: {}", file.display(), text(&o));
        assert!(text(&o).contains(expect), "{}: {}", file.display(), text(&o));
        assert_eq!(
            fingerprint(&target.url),
            loaded,
            "{} changed the target",
            file.display()
        );
    }

    // --force empties the target and loads the file.
    let o = ok(&import(&target.url, &dump, true));
    assert!(o.contains("every count and checksum matches"), "{o}");
    assert_eq!(fingerprint(&target.url), loaded);
}
dual_test!(refusals_leave_the_target_untouched);

/// A dump taken while the server keeps writing is one consistent state:
/// it imports with every check passing, and each asset in it has exactly
/// the "create" entry its transaction wrote.
async fn export_while_the_server_writes_is_consistent(b: Backend) {
    let Some(db) = TestDb::new(b).await else { return };
    let app = serve(db).await;
    let t = app.admin_token().await;
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (base, client, t, stop) = (app.base.clone(), app.client.clone(), t.clone(), stop.clone());
        tokio::spawn(async move {
            let mut started_tx = Some(started_tx);
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = client
                    .post(format!("{base}/api/v1/assets"))
                    .bearer_auth(&t)
                    .json(&json!({"tag": format!("LIVE-{n}"), "name": "Written during the export", "type": "other"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                n += 1;
                if n == 20
                    && let Some(s) = started_tx.take()
                {
                    let _ = s.send(());
                }
            }
            n
        })
    };
    started.await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("live.jsonl");
    let url = app.db.url.clone();
    let d = dump.clone();
    tokio::task::spawn_blocking(move || export(&url, &d))
        .await
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();

    let copy = TestDb::new(Backend::Sqlite).await.unwrap();
    let o = ok(&import(&copy.url, &dump, false));
    assert!(o.contains("every count and checksum matches"), "{o}");
    let c = rusqlite::Connection::open(copy.sqlite_path().unwrap()).unwrap();
    let assets: i64 = c
        .query_row("SELECT COUNT(*) FROM assets", [], |r| r.get(0))
        .unwrap();
    let created: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM change_log WHERE entity = 'asset' AND action = 'create'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        assets >= 20 && assets <= i64::from(written),
        "{assets} of {written}"
    );
    assert_eq!(
        assets, created,
        "every asset in the dump has its create entry, and no more"
    );
}
dual_test!(export_while_the_server_writes_is_consistent);

/// Every table a fully migrated database has (core and every plugin) is
/// either exported or skipped for a stated reason, with every column
/// known; a table or column the exporter does not know stops the export.
async fn every_table_is_known_to_the_exporter(b: Backend) {
    use shopdb::db::{Db, catalog};
    use shopdb::service::transfer::tables;

    let Some(db) = TestDb::new(b).await else { return };
    let all = shopdb::plugins::REGISTRY
        .iter()
        .map(|p| p.id)
        .collect::<Vec<_>>()
        .join(",");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopdb"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPDB_")) {
        cmd.env_remove(k);
    }
    let o = cmd
        .args(["migrate", "up"])
        .env("SHOPDB_LOG__LEVEL", "warn")
        .env("SHOPDB_DATABASE__URL", &db.url)
        .env("SHOPDB_PLUGINS__ENABLED", &all)
        .output()
        .unwrap();
    ok(&o);

    let config = test_config(&db.url);
    let mut conn = Db::connect(&config.database).await.unwrap();
    let backend = conn.backend();
    let found = catalog::tables(&mut conn, backend).await.unwrap();
    let plan = tables::plan(&found, backend).unwrap_or_else(|p| panic!("{}", p.join("\n")));
    let planned: Vec<&str> = plan.iter().map(|p| p.name.as_str()).collect();
    for k in tables::KNOWN {
        assert!(
            planned.contains(&k.name),
            "{} is in KNOWN but not in the schema",
            k.name
        );
    }
    for t in &found {
        assert!(
            planned.contains(&t.name.as_str()) || tables::skip_reason(t).is_some(),
            "{} neither exported nor skipped",
            t.name
        );
    }
    assert!(found.iter().any(|t| t.name == "asset_search"));

    let ddl = match b {
        Backend::Sqlite => [
            "CREATE TABLE gizmos (id INTEGER PRIMARY KEY)",
            "ALTER TABLE users ADD COLUMN nickname TEXT",
        ],
        Backend::Mysql => [
            "CREATE TABLE gizmos (id BIGINT PRIMARY KEY)",
            "ALTER TABLE users ADD COLUMN nickname TEXT",
        ],
    };
    let mut w = conn.acquire().await.unwrap();
    for sql in ddl {
        w.execute_raw(sql).await.unwrap();
    }
    drop(w);
    conn.close().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.jsonl");
    let o = shopdb(&db.url, &["export", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let msg = text(&o);
    assert!(msg.contains("table `gizmos` is not known"), "{msg}");
    assert!(msg.contains("column `users.nickname`"), "{msg}");
    assert!(!out.exists(), "no file after a failed export");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no partial file left"
    );
}
dual_test!(every_table_is_known_to_the_exporter);
