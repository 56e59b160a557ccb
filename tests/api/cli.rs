//! The `shopdb` command line, run as a real process: subcommands, exit
//! codes (0 ok, 1 runtime failure, 2 usage/config error) and messages.

use std::process::{Command, Output};

use crate::helpers::{Backend, spawn_app};

fn shopdb(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopdb"));
    cmd.args(args).current_dir(dir);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPDB_")) {
        cmd.env_remove(k);
    }
    cmd.env("SHOPDB_LOG__LEVEL", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run shopdb")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn help_lists_every_subcommand_and_each_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let o = shopdb(dir.path(), &["--help"], &[]);
    assert!(o.status.success());
    let t = text(&o);
    for sub in ["serve", "config", "migrate", "openapi", "healthcheck", "version"] {
        assert!(t.contains(sub), "{sub} missing from --help:\n{t}");
    }
    for args in [
        &["serve", "--help"][..],
        &["config", "check", "--help"],
        &["config", "example", "--help"],
        &["migrate", "status", "--help"],
        &["migrate", "up", "--help"],
        &["openapi", "export", "--help"],
        &["healthcheck", "--help"],
        &["version", "--help"],
    ] {
        let o = shopdb(dir.path(), args, &[]);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(shopdb(dir.path(), &["frobnicate"], &[]).status.code(), Some(2));
    assert_eq!(
        shopdb(dir.path(), &["migrate", "sideways"], &[]).status.code(),
        Some(2)
    );
}

#[test]
fn version_prints_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let o = shopdb(dir.path(), &["version"], &[]);
    assert!(o.status.success());
    assert!(text(&o).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn config_check_prints_redacted_values_with_sources_or_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shopdb.toml"), "[site]\ncode = \"PLANT7\"\n").unwrap();
    let o = shopdb(
        dir.path(),
        &["config", "check"],
        &[("SHOPDB_DATABASE__URL", "mysql://shop:TopSecret1@db:3306/shopdb")],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("PLANT7") && t.contains("file shopdb.toml"), "{t}");
    assert!(t.contains("env SHOPDB_DATABASE__URL"), "{t}");
    assert!(!t.contains("TopSecret1"), "{t}");

    let o = shopdb(dir.path(), &["config", "check"], &[("SHOPDB_SERVER__BINDD", "x")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("did you mean SHOPDB_SERVER__BIND?"),
        "{}",
        text(&o)
    );
}

#[test]
fn bad_config_stops_every_command_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server\nbind = 1").unwrap();
    let bad = bad.to_str().unwrap();
    for args in [
        &["serve"][..],
        &["migrate", "status"],
        &["config", "check"],
        &["healthcheck"],
    ] {
        let mut all = vec!["--config", bad];
        all.extend_from_slice(args);
        let o = shopdb(dir.path(), &all, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("line 1, column"), "{}", text(&o));
    }
    let o = shopdb(dir.path(), &["serve"], &[("SHOPDB_PLUGINS__ENABLED", "nope")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("unknown plugin `nope`"), "{}", text(&o));
    let o = shopdb(
        dir.path(),
        &["serve"],
        &[("SHOPDB_DATABASE__URL", "oracle://db/x")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("accepted: sqlite://"), "{}", text(&o));
}

#[test]
fn migrate_up_and_status_on_a_fresh_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db/shopdb.sqlite", dir.path().display());
    let env = [("SHOPDB_DATABASE__URL", url.as_str())];
    let o = shopdb(dir.path(), &["migrate", "status"], &env);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pending"), "{}", text(&o));
    let o = shopdb(dir.path(), &["migrate", "up"], &env);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("applied core/0001_settings"), "{}", text(&o));
    let o = shopdb(dir.path(), &["migrate", "status"], &env);
    let t = text(&o);
    assert!(t.contains("applied") && !t.contains("pending"), "{t}");
}

#[test]
fn openapi_export_writes_the_committed_spec() {
    let dir = tempfile::tempdir().unwrap();
    let o = shopdb(dir.path(), &["openapi", "export"], &[]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), shopdb::api::spec_json());
    let o = shopdb(dir.path(), &["openapi", "export", "--out", "spec.json"], &[]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("spec.json")).unwrap(),
        shopdb::api::spec_json()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_0_when_ready_and_1_when_down() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bind = app.addr.to_string();
    let d = dir.path().to_path_buf();
    let o =
        tokio::task::spawn_blocking(move || shopdb(&d, &["healthcheck"], &[("SHOPDB_SERVER__BIND", &bind)]))
            .await
            .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("ready"));
    let addr = app.addr;
    drop(app.stop().await);
    let d = dir.path().to_path_buf();
    let bind = addr.to_string();
    let o =
        tokio::task::spawn_blocking(move || shopdb(&d, &["healthcheck"], &[("SHOPDB_SERVER__BIND", &bind)]))
            .await
            .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
