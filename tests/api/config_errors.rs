//! Configuration layering and every bad-input case the operator can hit.

use std::io::Write as _;

use shopdb::config::{self, LoadOptions};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn load(
    file: Option<&tempfile::NamedTempFile>,
    vars: &[(&str, &str)],
) -> Result<config::Loaded, config::ConfigError> {
    config::load(LoadOptions {
        file: file.map(|f| f.path().to_path_buf()),
        env: env(vars),
        default_file: false,
    })
}

fn problems(r: Result<config::Loaded, config::ConfigError>) -> String {
    match r {
        Ok(_) => panic!("expected a configuration error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn layers_defaults_then_file_then_env() {
    let f = file("[site]\ncode = \"PLANT1\"\nname = \"Plant 1\"\n[server]\nbind = \"0.0.0.0:9000\"\n");
    let loaded = load(
        Some(&f),
        &[("SHOPDB_SITE__NAME", "Plant One"), ("PATH", "/usr/bin")],
    )
    .unwrap();
    let c = &loaded.config;
    assert_eq!(c.site.code, "PLANT1"); // file
    assert_eq!(c.site.name, "Plant One"); // env beats file
    assert_eq!(c.server.bind, "0.0.0.0:9000");
    assert_eq!(c.database.url, "sqlite://./data/shopdb.sqlite"); // default
    let report = config::report::render(&loaded);
    assert!(report.contains("env SHOPDB_SITE__NAME"), "{report}");
    assert!(
        report.contains(&format!("file {}", f.path().display())),
        "{report}"
    );
    assert!(report.contains("(default)"), "{report}");
}

#[test]
fn env_values_stay_text_and_lists_split_on_commas() {
    let loaded = load(
        None,
        &[
            ("SHOPDB_SITE__CODE", "0042"),
            ("SHOPDB_DATABASE__POOL_SIZE", "12"),
            ("SHOPDB_DATABASE__MIGRATE_ON_START", "false"),
            (
                "SHOPDB_SERVER__CORS_ALLOWED_ORIGINS",
                "https://a.example.com, https://b.example.com",
            ),
            ("SHOPDB_SERVER__BODY_LIMIT", "512KiB"),
            ("SHOPDB_CONFIG", "/ignored/by/the/env/layer.toml"),
        ],
    )
    .unwrap();
    let c = loaded.config;
    assert_eq!(c.site.code, "0042");
    assert_eq!(c.database.pool_size, 12);
    assert!(!c.database.migrate_on_start);
    assert_eq!(
        c.server.cors_allowed_origins,
        ["https://a.example.com", "https://b.example.com"]
    );
    assert_eq!(c.server.body_limit.0, 512 * 1024);
    let toml_list = load(
        None,
        &[(
            "SHOPDB_SERVER__CORS_ALLOWED_ORIGINS",
            "[\"https://a.example.com\"]",
        )],
    )
    .unwrap();
    assert_eq!(
        toml_list.config.server.cors_allowed_origins,
        ["https://a.example.com"]
    );
}

#[test]
fn malformed_toml_names_line_and_column() {
    let f = file("[server]\nbind = \"127.0.0.1:8080\"\npublic_url = = \"x\"\n");
    let msg = problems(load(Some(&f), &[]));
    assert!(msg.contains("line 3, column"), "{msg}");
    assert!(msg.contains(&f.path().display().to_string()), "{msg}");
}

#[test]
fn wrong_type_in_env_names_the_variable() {
    let msg = problems(load(None, &[("SHOPDB_DATABASE__POOL_SIZE", "lots")]));
    assert!(msg.contains("SHOPDB_DATABASE__POOL_SIZE"), "{msg}");
    let msg = problems(load(None, &[("SHOPDB_SERVER__BODY_LIMIT", "huge")]));
    assert!(msg.contains("SHOPDB_SERVER__BODY_LIMIT"), "{msg}");
}

#[test]
fn wrong_type_in_file_names_the_key_and_file() {
    let f = file("[database]\npool_size = \"many\"\n");
    let msg = problems(load(Some(&f), &[]));
    assert!(msg.contains("database.pool_size"), "{msg}");
    assert!(msg.contains(&f.path().display().to_string()), "{msg}");
}

#[test]
fn unknown_keys_are_reported_with_the_closest_valid_key() {
    let f = file("[databse]\nurl = \"sqlite://x\"\n[server]\nbnd = \"1.2.3.4:1\"\n");
    let msg = problems(load(Some(&f), &[]));
    assert!(
        msg.contains("unknown key `databse.url`; did you mean `database.url`?"),
        "{msg}"
    );
    assert!(
        msg.contains("unknown key `server.bnd`; did you mean `server.bind`?"),
        "{msg}"
    );
    let msg = problems(load(None, &[("SHOPDB_DATABASE_URL", "mysql://x/y")]));
    assert!(
        msg.contains("unknown environment variable SHOPDB_DATABASE_URL; did you mean SHOPDB_DATABASE__URL?"),
        "{msg}"
    );
}

#[test]
fn unknown_plugin_names_the_known_ones() {
    let msg = problems(load(None, &[("SHOPDB_PLUGINS__ENABLED", "labels,teleporter")]));
    assert!(msg.contains("unknown plugin `teleporter`"), "{msg}");
    assert!(msg.contains("known plugins:"), "{msg}");
}

#[test]
fn semantic_rules_are_all_reported_at_once() {
    let f = file(
        "[server]\nbind = \"not-an-address\"\npublic_url = \"ftp://x\"\ncors_allowed_origins = [\"*\"]\n\
         [database]\nurl = \"postgres://db/x\"\npool_size = 0\n[site]\ncode = \"bad code!\"\ntimezone = \"Mars\"\n",
    );
    let msg = problems(load(Some(&f), &[]));
    for needle in [
        "server.bind",
        "server.public_url",
        "server.cors_allowed_origins",
        "database.url: unsupported scheme `postgres://`; accepted: sqlite://",
        "database.pool_size",
        "site.code",
        "site.timezone",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in {msg}");
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let msg = problems(config::load(LoadOptions {
        file: Some("/nonexistent/shopdb.toml".into()),
        env: vec![],
        default_file: false,
    }));
    assert!(msg.contains("/nonexistent/shopdb.toml"), "{msg}");
}

#[test]
fn passwords_never_reach_the_check_output() {
    let loaded = load(
        None,
        &[(
            "SHOPDB_DATABASE__URL",
            "mysql://shop:Sup3rS3cret@db.example:3306/shopdb",
        )],
    )
    .unwrap();
    let report = config::report::render(&loaded);
    assert!(!report.contains("Sup3rS3cret"), "{report}");
    assert!(
        report.contains("mysql://shop:***@db.example:3306/shopdb"),
        "{report}"
    );
}
