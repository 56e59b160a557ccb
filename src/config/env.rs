//! The `SHOPDB_*` environment layer.
//!
//! figment's own `Env` provider parses values as typed data, which turns a
//! secret like `0042` into the integer 42. This provider keeps every value as
//! the text the operator wrote; typed fields are read with
//! `Figment::extract_lossy`, which converts "true"/"8" where a bool or number
//! is expected.

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

pub const PREFIX: &str = "SHOPDB_";

/// Variables with the prefix that are not config keys: read by other parts
/// of the program (CLI, build script, tests), never reported as unknown.
pub const NOT_CONFIG: &[&str] = &[
    "SHOPDB_CONFIG",
    "SHOPDB_SKIP_WEB_BUILD",
    "SHOPDB_WEB_DIST",
    "SHOPDB_GIT_COMMIT",
    "SHOPDB_TEST_MYSQL_URL",
];

pub struct ShopdbEnv {
    vars: Vec<(String, String)>,
}

impl ShopdbEnv {
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with(PREFIX) && !NOT_CONFIG.contains(&k.as_str()))
            .collect();
        vars.sort();
        Self { vars }
    }

    /// `SHOPDB_DATABASE__URL` → `["database", "url"]`.
    pub fn key_path(var: &str) -> Vec<String> {
        var[PREFIX.len()..]
            .split("__")
            .map(|s| s.to_ascii_lowercase())
            .collect()
    }
}

pub fn var_name(keys: &[&str]) -> String {
    format!("{PREFIX}{}", keys.join("__").to_ascii_uppercase())
}

impl Provider for ShopdbEnv {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable").interpolater(|_: &Profile, keys: &[&str]| var_name(keys))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut root = Dict::new();
        for (var, value) in &self.vars {
            let path = Self::key_path(var);
            if path.iter().any(String::is_empty) {
                return Err(Error::from(format!(
                    "environment variable {var}: empty key segment (use `__` only between section and key)"
                )));
            }
            insert(&mut root, &path, Value::from(value.clone()));
        }
        Ok(Profile::Default.collect(root))
    }
}

fn insert(dict: &mut Dict, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_on_double_underscore_and_keeps_text() {
        let env = ShopdbEnv::new([
            (
                "SHOPDB_DATABASE__URL".to_owned(),
                "mysql://u:0042@h/db".to_owned(),
            ),
            ("SHOPDB_SITE__CODE".to_owned(), "0042".to_owned()),
            ("SHOPDB_CONFIG".to_owned(), "/etc/shopdb.toml".to_owned()),
            ("OTHER".to_owned(), "x".to_owned()),
        ]);
        let data = env.data().unwrap();
        let dict = &data[&Profile::Default];
        assert!(!dict.contains_key("config"));
        let site = dict["site"].as_dict().unwrap();
        assert_eq!(site["code"].as_str(), Some("0042"));
        assert_eq!(var_name(&["server", "body_limit"]), "SHOPDB_SERVER__BODY_LIMIT");
    }
}
