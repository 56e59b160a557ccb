//! Loading and checking the layered configuration.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

use super::env::{NOT_CONFIG, PREFIX, ShopdbEnv, var_name};
use super::{Config, KEYS};

/// Where to read configuration from. `from_process` is what the binary uses;
/// tests pass their own environment so they never touch the process's.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config FILE` / `SHOPDB_CONFIG`. Without it, `./shopdb.toml` if present.
    pub file: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Look for `./shopdb.toml` when no file is given.
    pub default_file: bool,
}

impl LoadOptions {
    pub fn from_process(file: Option<PathBuf>) -> Self {
        Self {
            file,
            env: std::env::vars().collect(),
            default_file: true,
        }
    }
}

/// The effective configuration plus what is needed to explain it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub figment: Figment,
    pub file: Option<PathBuf>,
}

/// Every problem found, each naming its key (or variable) and the rule.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration:")?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn one(msg: String) -> Self {
        Self { problems: vec![msg] }
    }
}

pub fn load(opts: LoadOptions) -> Result<Loaded, ConfigError> {
    let file = match opts.file {
        Some(f) => {
            if !f.is_file() {
                return Err(ConfigError::one(format!(
                    "config file {} does not exist or is not a file",
                    f.display()
                )));
            }
            Some(f)
        }
        None if opts.default_file && Path::new("shopdb.toml").is_file() => Some(PathBuf::from("shopdb.toml")),
        None => None,
    };

    let mut problems = Vec::new();
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = &file {
        let table = read_toml(path)?;
        unknown_file_keys(path, &table, &mut problems);
        figment = figment.merge(Toml::file_exact(path));
    }
    let env = ShopdbEnv::new(opts.env.clone());
    unknown_env_vars(&opts.env, &mut problems);
    figment = figment.merge(env);

    match figment.extract_lossy::<Config>() {
        Ok(config) => {
            problems.extend(config.validate());
            if problems.is_empty() {
                return Ok(Loaded {
                    config,
                    figment,
                    file,
                });
            }
        }
        Err(errors) => {
            for e in errors {
                problems.push(describe_figment_error(&e));
            }
        }
    }
    Err(ConfigError { problems })
}

fn read_toml(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::one(format!("cannot read config file {}: {e}", path.display())))?;
    text.parse::<toml::Table>().map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
        ConfigError::one(format!(
            "{}: TOML syntax error at line {line}, column {col}: {}",
            path.display(),
            e.message()
        ))
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn unknown_file_keys(path: &Path, table: &toml::Table, problems: &mut Vec<String>) {
    let mut leaves = Vec::new();
    collect_leaves("", table, &mut leaves);
    for leaf in leaves {
        if !is_known_key(&leaf) {
            let hint = closest(&leaf, KEYS.iter().map(|k| k.path.to_owned()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(format!("{}: unknown key `{leaf}`{hint}", path.display()));
        }
    }
}

fn collect_leaves(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in table {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            // A table where a known leaf is expected is a type error that
            // extraction reports; only descend into real sections.
            toml::Value::Table(t) if !is_known_key(&p) => collect_leaves(&p, t, out),
            _ => out.push(p),
        }
    }
}

fn unknown_env_vars(vars: &[(String, String)], problems: &mut Vec<String>) {
    for (var, _) in vars {
        if !var.starts_with(PREFIX) || NOT_CONFIG.contains(&var.as_str()) {
            continue;
        }
        let path = ShopdbEnv::key_path(var).join(".");
        if !is_known_key(&path) {
            let hint = closest(var, KEYS.iter().map(|k| k.env_var()))
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_default();
            problems.push(format!("unknown environment variable {var}{hint}"));
        }
    }
}

fn is_known_key(path: &str) -> bool {
    KEYS.iter().any(|k| k.path == path) || crate::plugins::is_plugin_config_key(path)
}

/// The candidate most similar to `word`, if it is similar enough to help.
fn closest(word: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    let word = word.to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn describe_figment_error(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let origin = match &e.metadata {
        Some(md) if md.name == "environment variable" => {
            let keys: Vec<&str> = e.path.iter().map(String::as_str).collect();
            format!("environment variable {}", var_name(&keys))
        }
        Some(md) => match md.source.as_ref().and_then(|s| s.file_path()) {
            Some(p) => format!("`{key}` in {}", p.display()),
            None => format!("`{key}` ({})", md.name),
        },
        None if key.is_empty() => "configuration".to_owned(),
        None => format!("`{key}`"),
    };
    format!("{origin}: {}", e.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("databse.url", KEYS.iter().map(|k| k.path.to_owned())).as_deref(),
            Some("database.url")
        );
        assert_eq!(
            closest("SHOPDB_DATABASE_URL", KEYS.iter().map(|k| k.env_var())).as_deref(),
            Some("SHOPDB_DATABASE__URL")
        );
        assert_eq!(closest("zzzzzz", KEYS.iter().map(|k| k.path.to_owned())), None);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("a = 1\nb = =", 10), (2, 5));
    }
}
