//! Generated files that are committed must match what the binary produces:
//! the OpenAPI spec, the example TOML and `.env.example`.

use std::path::Path;

fn committed(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn committed_openapi_spec_is_current() {
    assert!(
        committed("openapi/openapi.json") == shopdb::api::spec_json(),
        "openapi/openapi.json is stale: run `shopdb openapi export -o openapi/openapi.json` (see docs/DEVELOPMENT.md)"
    );
}

#[test]
fn committed_example_config_is_current() {
    assert!(
        committed("config/shopdb.example.toml") == shopdb::config::example::toml_example(),
        "config/shopdb.example.toml is stale: run `shopdb config example --format toml > config/shopdb.example.toml`"
    );
    assert!(
        committed(".env.example") == shopdb::config::example::env_example(),
        ".env.example is stale: run `shopdb config example --format env > .env.example`"
    );
}

#[test]
fn operation_ids_are_camel_case_and_unique() {
    let spec: serde_json::Value = serde_json::from_str(&shopdb::api::spec_json()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.chars().next().unwrap().is_ascii_lowercase() && !id.contains(['_', '-']),
                "{id}"
            );
            assert!(seen.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["tags"].as_array().is_some_and(|t| t.len() == 1),
                "{id} needs exactly one tag"
            );
            let responses = op["responses"].as_object().unwrap();
            for (status, resp) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        resp["content"].get("application/problem+json").is_some(),
                        "{id} {status} is not problem+json"
                    );
                }
            }
        }
    }
}

/// poem-openapi writes one `paths` entry per API struct, so two structs
/// serving the same path produce duplicate JSON keys: valid for serde
/// (last wins), fatal for client generators. Each path must appear once.
#[test]
fn each_path_appears_once_in_the_spec() {
    let spec = shopdb::api::spec_json();
    let value: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let paths = value["paths"].as_object().unwrap();
    let listed = spec
        .lines()
        .filter(|l| l.starts_with("    \"/api/") && l.trim_end().ends_with('{'))
        .count();
    assert_eq!(
        listed,
        paths.len(),
        "a path is declared by more than one API struct"
    );
}
