//! The `shopdb` command line, run as a real process: subcommands, exit
//! codes (0 ok, 1 runtime failure, 2 usage/config error) and messages.

use std::process::{Command, Output};

use crate::helpers::{Backend, spawn_app, spawn_app_with};

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
    crate::helpers::output_text(o)
}

#[test]
fn help_lists_every_subcommand_and_each_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let o = shopdb(dir.path(), &["--help"], &[]);
    assert!(o.status.success());
    let t = text(&o);
    for sub in [
        "serve",
        "config",
        "migrate",
        "openapi",
        "backup",
        "export",
        "import",
        "healthcheck",
        "version",
    ] {
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
        &["backup", "--help"],
        &["export", "--help"],
        &["import", "--help"],
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
    assert!(
        text(&o).contains(&format!("not reachable at {addr}")),
        "{}",
        text(&o)
    );
}

/// Runs `shopdb healthcheck ARGS` off the async runtime (it blocks).
async fn healthcheck(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["healthcheck"];
    all.extend_from_slice(args);
    let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        shopdb(dir.path(), &args, &env)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_1_when_the_server_answers_but_is_not_ready() {
    // Up and listening, schema not migrated: /readyz answers 503.
    let app = spawn_app_with(Backend::Sqlite, |c| c.database.migrate_on_start = false)
        .await
        .unwrap();
    let bind = app.addr.to_string();
    let o = healthcheck(&[], &[("SHOPDB_SERVER__BIND", &bind)]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("not ready (HTTP/1.1 503"), "{t}");
    assert!(t.contains("pending migrations"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_reaches_an_all_interfaces_bind_through_loopback_and_takes_a_url() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let port = app.addr.port().to_string();
    // A container binds 0.0.0.0: the check goes to 127.0.0.1 on that port.
    let any = format!("0.0.0.0:{port}");
    let o = healthcheck(&[], &[("SHOPDB_SERVER__BIND", &any)]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(r#"ready: {"database":"ok""#), "{}", text(&o));

    // --url wins over the configured address.
    let url = format!("http://127.0.0.1:{port}");
    let o = healthcheck(&["--url", &url], &[("SHOPDB_SERVER__BIND", "127.0.0.1:1")]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Only plain http to the server itself, and no path: usage errors.
    for bad in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}/shopdb"),
        "127.0.0.1:8080".to_owned(),
    ] {
        let o = healthcheck(&["--url", &bad], &[]).await;
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
        assert!(text(&o).contains("must be http://HOST:PORT"), "{}", text(&o));
    }
}

#[test]
fn an_sqlite_file_that_cannot_be_opened_for_writing_fails_at_once_and_says_what_to_check() {
    // Permissions cannot be taken away from root (the tests' user), so the
    // same SQLite error comes from a database path that is a folder.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data").join("shopdb.sqlite");
    std::fs::create_dir_all(&db).unwrap();
    let url = format!("sqlite://{}", db.display());
    let o = shopdb(
        dir.path(),
        &["migrate", "status"],
        &[("SHOPDB_DATABASE__URL", &url), ("SHOPDB_LOG__LEVEL", "info")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains(&format!(
            "cannot open SQLite database {} for writing",
            db.display()
        )),
        "{t}"
    );
    assert!(
        t.contains("must be able to write that file and its folder"),
        "{t}"
    );
    // Not retried for database.startup_retry_for: waiting would not help.
    assert!(!t.contains("waiting for the database"), "{t}");
}

#[test]
fn user_commands_manage_local_accounts() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/shopdb.sqlite", dir.path().display());
    let env = [
        ("SHOPDB_DATABASE__URL", url.as_str()),
        ("SHOPDB_ADMIN__PASSWORD", "Initial admin pass 1"),
    ];
    let with_stdin = |args: &[&str], input: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopdb"));
        cmd.args(args)
            .current_dir(dir.path())
            .env("SHOPDB_LOG__LEVEL", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = with_stdin(
        &["user", "add", "Operator1", "--role", "editor", "--password-stdin"],
        "Line three operator\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("created user operator1"), "{}", text(&o));
    let o = with_stdin(&["user", "add", "weak", "--password-stdin"], "short\n");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("password: must be at least 12 characters"),
        "{}",
        text(&o)
    );
    let o = with_stdin(
        &["user", "passwd", "operator1", "--password-stdin", "--must-change"],
        "Another long phrase\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = shopdb(dir.path(), &["user", "disable", "operator1"], &env);
    assert!(o.status.success(), "{}", text(&o));
    let o = shopdb(dir.path(), &["user", "list"], &env);
    let t = text(&o);
    assert!(
        t.contains("admin") && t.contains("operator1") && t.contains("disabled"),
        "{t}"
    );
    let o = shopdb(dir.path(), &["user", "disable", "ghost"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn ldap_test_shows_dn_groups_and_role() {
    let slapd = crate::slapd::Slapd::start();
    let l = slapd.ldap_config();
    let dir = tempfile::tempdir().unwrap();
    let admin_groups = l.admin_groups.join(";");
    let editor_groups = l.editor_groups.join(";");
    let env = [
        ("SHOPDB_AUTH__LDAP__ENABLED", "true"),
        ("SHOPDB_AUTH__LDAP__URL", l.url.as_str()),
        ("SHOPDB_AUTH__LDAP__ALLOW_PLAINTEXT", "true"),
        ("SHOPDB_AUTH__LDAP__BIND_DN", l.bind_dn.as_str()),
        ("SHOPDB_AUTH__LDAP__BIND_PASSWORD", l.bind_password.as_str()),
        ("SHOPDB_AUTH__LDAP__USER_BASE", l.user_base.as_str()),
        ("SHOPDB_AUTH__LDAP__USER_FILTER", l.user_filter.as_str()),
        ("SHOPDB_AUTH__LDAP__GROUP_ATTRIBUTE", l.group_attribute.as_str()),
        ("SHOPDB_AUTH__LDAP__ADMIN_GROUPS", admin_groups.as_str()),
        ("SHOPDB_AUTH__LDAP__EDITOR_GROUPS", editor_groups.as_str()),
    ];
    let o = shopdb(dir.path(), &["ldap", "test", "alice"], &env);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("dn:") && t.contains("alice"), "{t}");
    assert!(
        t.contains("shopdb-admins") && t.contains("role:     admin"),
        "{t}"
    );
    let o = shopdb(dir.path(), &["ldap", "test", "bob"], &env);
    assert!(text(&o).contains("role:     none"), "{}", text(&o));
    assert_eq!(o.status.code(), Some(1), "a refused sign-in is a failure");
    let o = shopdb(dir.path(), &["ldap", "test", "nobody"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// A token of the admin and one asset, CNC-9, on the running server.
async fn one_asset(app: &crate::helpers::TestApp) -> String {
    let token = app.admin_token().await;
    let r = app
        .post_auth(
            "/api/v1/assets",
            &token,
            &serde_json::json!({"tag": "CNC-9", "name": "Mill", "type": "machine"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    token
}

/// `shopdb backup --out OUT` against the database at `url`.
fn backup(dir: &std::path::Path, out: &std::path::Path, url: &str) -> Output {
    shopdb(
        dir,
        &["backup", "--out", out.to_str().unwrap()],
        &[("SHOPDB_DATABASE__URL", url)],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_live_sqlite_database() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let token = one_asset(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.db");
    let url = app.db.url.clone();
    // The server keeps running while the copy is taken.
    let o = backup(dir.path(), &out, &url);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("integrity ok; 1 assets"), "{}", text(&o));
    let copy = rusqlite::Connection::open(&out).unwrap();
    let tag: String = copy
        .query_row("SELECT tag FROM assets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tag, "CNC-9");
    assert_eq!(
        app.get_auth("/api/v1/assets/by-tag/CNC-9", &token).await.status,
        200
    );

    // An existing file is never overwritten.
    let o = backup(dir.path(), &out, &url);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_on_mysql_writes_a_logical_dump_that_imports() {
    let Some(app) = spawn_app(Backend::Mysql).await else {
        return;
    };
    one_asset(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.jsonl.gz");
    let url = app.db.url.clone();
    // The server keeps running while the snapshot is read.
    let o = backup(dir.path(), &out, &url);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("export written"), "{}", text(&o));
    assert!(std::fs::read(&out).unwrap().starts_with(&[0x1f, 0x8b]), "gzip");

    // Restores with `shopdb import`, here into SQLite.
    let copy = dir.path().join("restored.sqlite");
    let copy_url = format!("sqlite://{}", copy.display());
    let o = shopdb(
        dir.path(),
        &["import", "--from", out.to_str().unwrap()],
        &[("SHOPDB_DATABASE__URL", &copy_url)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let c = rusqlite::Connection::open(&copy).unwrap();
    let tag: String = c.query_row("SELECT tag FROM assets", [], |r| r.get(0)).unwrap();
    assert_eq!(tag, "CNC-9");

    // An existing file is never overwritten.
    let o = backup(dir.path(), &out, &url);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
}
