//! The `shopdb` command line. Exit codes: 0 success, 1 runtime failure,
//! 2 usage or configuration error.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{self, Config, LoadOptions};
use crate::db::migrate;
use crate::startup::{self, Application, StartupError};
use crate::{api, build_info, plugins, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "shopdb",
    version,
    about = "ShopDB: shop-floor asset inventory for one manufacturing site"
)]
pub struct Cli {
    /// TOML config file. Without it, ./shopdb.toml is read if present.
    #[arg(long, short = 'c', global = true, env = "SHOPDB_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (API, web UI, migrations on start).
    Serve,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Show or apply schema migrations.
    #[command(subcommand)]
    Migrate(MigrateCmd),
    /// The OpenAPI spec.
    #[command(subcommand)]
    Openapi(OpenapiCmd),
    /// Manage local users (works without the server running).
    #[command(subcommand)]
    User(UserCmd),
    /// Directory (LDAP / Active Directory) tools.
    #[command(subcommand)]
    Ldap(LdapCmd),
    /// Seed a demo site (locations, machines, PCs, printers, switches,
    /// relations, history) into the configured database.
    Demo {
        /// How many assets.
        #[arg(long, default_value_t = 2000)]
        assets: usize,
        /// Random seed: the same seed gives the same site.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seed even if the database already has assets.
        #[arg(long)]
        force: bool,
    },
    /// Write a consistent backup while the server runs: a copy of the
    /// SQLite database, or on MySQL a logical dump (as `shopdb export`).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Write a logical dump of every table (core and plugins) from one
    /// consistent snapshot, while the server runs: the way to move a site
    /// between SQLite and MySQL/MariaDB (docs/BACKUP.md).
    Export {
        /// The file to write; it must not exist yet. Gzip-compressed when
        /// the name ends in `.gz`.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Load a dump written by `shopdb export` into the configured database
    /// (migrated first), all or nothing, and verify every table.
    Import {
        /// The dump to read (plain or gzip).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Empty the target's tables first when it already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 if the server at the configured address answers /readyz with 200, else 1.
    Healthcheck {
        /// Base URL to check instead of the configured bind address.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Print version and build information.
    Version,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Validate the configuration like a start would; print the effective
    /// values (secrets redacted) and where each came from.
    Check,
    /// Print an example file with every key and its default.
    Example {
        #[arg(long, value_enum, default_value = "toml")]
        format: ExampleFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ExampleFormat {
    /// config/shopdb.example.toml
    Toml,
    /// .env.example
    Env,
}

#[derive(Subcommand, Debug)]
pub enum MigrateCmd {
    /// List applied and pending migrations per scope.
    Status,
    /// Apply pending migrations.
    Up {
        /// Re-run a step that an earlier crash left in progress.
        #[arg(long)]
        retry_in_progress: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a local user. Asks for the password (or reads it from stdin).
    Add {
        username: String,
        #[arg(long, value_enum, default_value = "viewer")]
        role: RoleArg,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Require a new password at the first sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// Set a local user's password (ends their sessions).
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        /// Require a new password at the next sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// Disable a user (ends their sessions and API tokens' access).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// List users.
    List,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Viewer,
    Editor,
    Admin,
}

#[derive(Subcommand, Debug)]
pub enum LdapCmd {
    /// Show what signing in as USER would resolve to: DN, groups, role.
    /// With --password-stdin, also checks the password.
    Test {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OpenapiCmd {
    /// Write the OpenAPI spec (JSON) to a file or stdout.
    Export {
        /// Output file; stdout when absent.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that need neither config nor runtime.
    match &cli.command {
        Command::Version => {
            println!(
                "{} {} (commit {}, plugins: {})",
                build_info::PRODUCT,
                build_info::VERSION,
                build_info::GIT_COMMIT,
                plugins::known_list()
            );
            return ExitCode::SUCCESS;
        }
        Command::Openapi(OpenapiCmd::Export { out }) => return export_spec(out.as_ref()),
        Command::Config(ConfigCmd::Example { format }) => {
            let text = match format {
                ExampleFormat::Toml => config::example::toml_example(),
                ExampleFormat::Env => config::example::env_example(),
            };
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        _ => {}
    }

    let loaded = match config::load(LoadOptions::from_process(cli.config.clone())) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("shopdb: {e}");
            return ExitCode::from(2);
        }
    };
    if let Command::Config(ConfigCmd::Check) = cli.command {
        print!("{}", config::report::render(&loaded));
        return ExitCode::SUCCESS;
    }
    let config = loaded.config;
    telemetry::init(&config.log);

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shopdb: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate(cmd) => migrate_cmd(config, cmd).await,
            Command::Healthcheck { url } => healthcheck(&config, url).await,
            Command::Backup { out } => crate::cli_backup::backup(&config, &out).await,
            Command::Export { out } => crate::cli_transfer::export_to(&config, &out).await,
            Command::Import { from, force } => crate::cli_transfer::import_from(&config, &from, force).await,
            Command::User(cmd) => crate::cli_accounts::user(config, cmd).await,
            Command::Ldap(cmd) => crate::cli_accounts::ldap(&config, cmd).await,
            Command::Demo { assets, seed, force } => crate::cli_demo::demo(config, assets, seed, force).await,
            Command::Version | Command::Openapi(_) | Command::Config(_) => ExitCode::SUCCESS,
        }
    })
}

pub(crate) fn fail(e: &StartupError) -> ExitCode {
    tracing::error!(error = %e, "startup failed");
    eprintln!("shopdb: {e}");
    ExitCode::from(e.exit_code())
}

async fn serve(config: Config) -> ExitCode {
    tracing::info!(
        version = build_info::VERSION,
        commit = build_info::GIT_COMMIT,
        site = %config.site.code,
        plugins = ?config.plugins.enabled,
        ui_built = crate::web::ui_built(),
        "starting ShopDB"
    );
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => return fail(&e),
    };
    match app.run_until(startup::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shopdb: server error: {e}");
            ExitCode::from(1)
        }
    }
}

async fn migrate_cmd(config: Config, cmd: MigrateCmd) -> ExitCode {
    let db = match startup::connect_with_retry(&config).await {
        Ok(db) => db,
        Err(e) => return fail(&e),
    };
    let scopes = plugins::migration_scopes(&config.plugins.enabled);
    let code = match cmd {
        MigrateCmd::Status => match migrate::status(&db, &scopes).await {
            Ok(lines) => {
                println!(
                    "{:<10} {:>7}  {:<32} {:<12} applied at",
                    "scope", "version", "name", "state"
                );
                for l in &lines {
                    println!(
                        "{:<10} {:>7}  {:<32} {:<12} {}",
                        l.scope,
                        format!("{:04}", l.version),
                        l.name,
                        l.state,
                        l.applied_at.as_deref().unwrap_or("-")
                    );
                }
                let pending = lines.iter().filter(|l| l.state != "applied").count();
                println!("{} applied, {pending} not applied", lines.len() - pending);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&StartupError::Migrate(e)),
        },
        MigrateCmd::Up { retry_in_progress } => match migrate::up(&db, &scopes, retry_in_progress).await {
            Ok(applied) => {
                for m in &applied {
                    println!("applied {}", m.id());
                }
                println!("schema is current ({} applied now)", applied.len());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&StartupError::Migrate(e)),
        },
    };
    db.close().await;
    code
}

fn export_spec(out: Option<&PathBuf>) -> ExitCode {
    let spec = api::spec_json();
    let result = match out {
        Some(path) => std::fs::write(path, spec.as_bytes()),
        None => std::io::stdout().write_all(spec.as_bytes()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shopdb: cannot write the spec: {e}");
            ExitCode::from(1)
        }
    }
}

/// A plain HTTP/1.1 GET of `/readyz`: no TLS needed on the local address.
async fn healthcheck(config: &Config, url: Option<String>) -> ExitCode {
    let target = match url {
        Some(u) => match url::Url::parse(&u) {
            // ShopDB serves /readyz at the root only, so a path would be ignored: refuse it.
            Ok(u) if u.scheme() == "http" && u.path() == "/" && u.query().is_none() => {
                let host = u.host_str().unwrap_or("127.0.0.1").to_owned();
                format!("{host}:{}", u.port().unwrap_or(80))
            }
            _ => {
                eprintln!(
                    "shopdb: --url `{u}` must be http://HOST:PORT without a path (/readyz is added; \
                     for https, check through your proxy)"
                );
                return ExitCode::from(2);
            }
        },
        None => match config.bind_addr() {
            Ok(mut addr) => {
                if addr.ip().is_unspecified() {
                    addr.set_ip(if addr.is_ipv4() {
                        std::net::Ipv4Addr::LOCALHOST.into()
                    } else {
                        std::net::Ipv6Addr::LOCALHOST.into()
                    });
                }
                addr.to_string()
            }
            Err(e) => {
                eprintln!("shopdb: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(&target).await?;
        let req = format!("GET /readyz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).into_owned())
    };
    match tokio::time::timeout(Duration::from_secs(5), check).await {
        Ok(Ok(resp)) => {
            let status_line = resp.lines().next().unwrap_or_default().to_owned();
            let body = resp
                .split("\r\n\r\n")
                .nth(1)
                .unwrap_or_default()
                .trim()
                .to_owned();
            if status_line.split_whitespace().nth(1) == Some("200") {
                println!("ready: {body}");
                ExitCode::SUCCESS
            } else {
                println!("not ready ({status_line}): {body}");
                ExitCode::from(1)
            }
        }
        Ok(Err(e)) => {
            println!("not reachable at {target}: {e}");
            ExitCode::from(1)
        }
        Err(_) => {
            println!("no answer from {target} within 5 s");
            ExitCode::from(1)
        }
    }
}
