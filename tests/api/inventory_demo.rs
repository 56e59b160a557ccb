//! `shopdb demo` as a real process on both backends: the site it seeds is
//! visible through the API, it refuses a database with assets, and the
//! same seed gives the same site.

use std::process::{Command, Output};

use serde_json::Value;

use crate::dual_test;
use crate::helpers::{ADMIN_PASSWORD, Backend, TestDb, start, test_config};

fn demo(url: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopdb"));
    cmd.arg("demo").args(args).current_dir(dir.path());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPDB_")) {
        cmd.env_remove(k);
    }
    cmd.env("SHOPDB_LOG__LEVEL", "warn")
        .env("SHOPDB_DATABASE__URL", url)
        .env("SHOPDB_ADMIN__PASSWORD", ADMIN_PASSWORD);
    cmd.output().expect("run shopdb demo")
}

fn text(o: &Output) -> String {
    crate::helpers::output_text(o)
}

async fn demo_seeds_a_site(b: Backend) {
    let Some(db) = TestDb::new(b).await else { return };
    let o = demo(&db.url, &["--assets", "400", "--seed", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("400 assets"), "{}", text(&o));
    let again = demo(&db.url, &["--assets", "10"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("--force"), "{}", text(&again));

    let config = test_config(&db.url);
    let app = start(db, config)
        .await
        .map_err(|(_, e)| e)
        .expect("server starts");
    let t = app.admin_token().await;
    let cnc = app.get_auth("/api/v1/assets/by-tag/CNC-000001", &t).await.json();
    let pc = app.get_auth("/api/v1/assets/by-tag/PC-000001", &t).await.json();
    assert_eq!(
        pc["parent_id"], cnc["id"],
        "the controller PC sits in its machine"
    );
    assert_eq!(cnc["type"], "machine");
    assert!(
        cnc["location_path"]
            .as_str()
            .unwrap()
            .starts_with("Plant 1 / Hall A / Line 1"),
        "{cnc}"
    );
    let rel = app
        .get_auth(&format!("/api/v1/assets/{}/relations", cnc["id"]), &t)
        .await
        .json();
    let labels: Vec<&str> = rel["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"controlled by"), "{rel}");
    let changes = |q: &str| {
        let app = &app;
        let t = &t;
        let q = q.to_owned();
        async move {
            let v: Value = app.get_auth(&format!("/api/v1/changes?{q}"), t).await.json();
            v["total"].as_i64().unwrap()
        }
    };
    assert_eq!(changes("entity=asset&action=create").await, 400);
    assert!(changes("entity=asset&action=update").await > 0);
    assert!(changes("entity=relation").await > 100);
    assert!(changes("entity=location").await > 100);
    let db = app.stop().await;

    // --force seeds over it: the same seed creates nothing new (the later
    // edits are put back to the seeded values, then made again).
    let o = demo(&db.url, &["--assets", "400", "--seed", "3", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("(0 new,") && text(&o).contains(" 0 new locations, 0 relations"),
        "{}",
        text(&o)
    );
}
dual_test!(demo_seeds_a_site);
