//! `Application::build(config)`: the one startup path, used by `main`,
//! `shopdb config check` and the tests. It binds the listener before it
//! returns, so callers know the port (port 0 works) and need no sleeps.
//!
//! Steps: validate config → start the enabled plugins → connect to the
//! database (retrying with backoff) → apply migrations (core, then each
//! enabled plugin) → assemble routes → bind. `run_until` starts the
//! background jobs and stops them on shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use poem::endpoint::BoxEndpoint;
use poem::listener::TcpAcceptor;
use poem::{EndpointExt, Response, Server};

use crate::config::{Config, ConfigError};
use crate::db::migrate::{self, MigrateError};
use crate::db::{Db, DbError};
use crate::ldap::Directory;
use crate::plugins::Plugins;
use crate::service::auth::AuthRuntime;
use crate::service::auth::bootstrap::{self, AdminBootstrap, BootstrapError};
use crate::service::auth::jwt::JwtKeys;
use crate::state::AppState;
use crate::{api, jobs, plugins};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(String),
    #[error("schema migration: {0}")]
    Migrate(#[from] MigrateError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("accounts: {0}")]
    Accounts(String),
}

impl StartupError {
    /// 2 for problems the operator fixes in the configuration, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) => 2,
            Self::Database(_) | Self::Migrate(_) | Self::Bind { .. } | Self::Accounts(_) => 1,
        }
    }
}

pub struct Application {
    addr: SocketAddr,
    acceptor: TcpAcceptor,
    endpoint: BoxEndpoint<'static, Response>,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let state = prepare_state(config).await?;
        // Validated by prepare_state; parsed here for the listener.
        let bind = state
            .config
            .bind_addr()
            .map_err(|e| ConfigError { problems: vec![e] })?;
        let endpoint = api::routes(state.clone()).map_to_response().boxed();
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|source| StartupError::Bind {
                addr: bind.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        let acceptor = TcpAcceptor::from_tokio(listener).map_err(|source| StartupError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        Ok(Self {
            addr,
            acceptor,
            endpoint,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish
    /// (up to `server.shutdown_grace`) and closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let grace = self.state.config.server.shutdown_grace.0;
        tracing::info!(address = %self.addr, "ShopDB listening");
        let jobs = jobs::spawn(background_jobs(&self.state), self.state.metrics.clone());
        let result = Server::new_with_acceptor(self.acceptor)
            .name("shopdb")
            .run_with_graceful_shutdown(self.endpoint, shutdown, Some(grace))
            .await;
        // Jobs stop before the pool closes, so a pass in flight can finish.
        let report = jobs.stop(JOB_STOP_GRACE.min(grace)).await;
        tracing::info!(
            stopped = report.stopped,
            aborted = report.aborted.len(),
            "background jobs stopped"
        );
        self.state.db.close().await;
        tracing::info!("ShopDB stopped");
        result
    }
}

/// How long background jobs get to finish their pass at shutdown.
const JOB_STOP_GRACE: Duration = Duration::from_secs(10);

/// Core jobs first, then each enabled plugin's, in registry order.
fn background_jobs(state: &AppState) -> Vec<jobs::Job> {
    let mut all = vec![crate::service::inventory::history::retention_job(state.clone())];
    for p in state.plugins.iter() {
        all.extend(p.jobs(state));
    }
    all
}

/// Everything but the listener: config validation, the database (with
/// retry), migrations and accounts. `Application::build` and the CLI's
/// account commands share it.
pub async fn prepare_state(config: Config) -> Result<AppState, StartupError> {
    let problems = config.validate();
    if !problems.is_empty() {
        return Err(ConfigError { problems }.into());
    }
    let plugins = Plugins::start(&config).map_err(|problems| ConfigError { problems })?;
    tracing::info!(plugins = ?plugins.ids(), "plugins started");
    let db = connect_with_retry(&config).await?;
    tracing::info!(database = %db.describe(), "database connected");

    let scopes = plugins::migration_scopes(&config.plugins.enabled);
    let schema_current = if config.database.migrate_on_start {
        let applied = migrate::up(&db, &scopes, false).await?;
        tracing::info!(applied = applied.len(), "schema is current");
        true
    } else {
        migrate::is_current(&db, &scopes).await?
    };
    if schema_current {
        // Best effort: a failure here costs speed, not correctness.
        if let Err(e) = db.refresh_statistics().await {
            tracing::warn!(error = %e, "refreshing the query planner's statistics");
        }
    }
    if !schema_current {
        tracing::warn!(
            "schema has pending migrations and migrate_on_start = false: run `shopdb migrate up`; /readyz answers 503 until then"
        );
    }

    let auth = prepare_accounts(&db, &config, schema_current).await?;

    Ok(AppState::new(config, db, auth, plugins))
}

/// The signing key, the directory client and, on an empty database, the
/// first admin (its generated password printed once).
async fn prepare_accounts(
    db: &Db,
    config: &Config,
    schema_current: bool,
) -> Result<AuthRuntime, StartupError> {
    let secret = if schema_current {
        bootstrap::jwt_secret(db, config)
            .await
            .map_err(|e| StartupError::Database(format!("reading the JWT secret: {e}")))?
    } else {
        // No tables yet: nobody can sign in anyway. Restart after migrating.
        tracing::warn!(
            "accounts are not ready until the schema is migrated; restart ShopDB after `shopdb migrate up`"
        );
        crate::service::auth::random_token(48).into_bytes()
    };
    // Directory::new logs the TLS warnings (insecure_skip_verify, plaintext).
    let directory = if config.auth.ldap.enabled {
        Some(Directory::new(&config.auth.ldap).map_err(|e| ConfigError {
            problems: vec![format!("auth.ldap: {e}")],
        })?)
    } else {
        None
    };
    let bootstrap = if schema_current {
        bootstrap::ensure_admin(db, config).await
    } else {
        Ok(AdminBootstrap::NotNeeded)
    };
    match bootstrap {
        Ok(AdminBootstrap::NotNeeded) => {}
        Ok(AdminBootstrap::FromConfig) => {
            tracing::info!("created the first user `admin` with the password from admin.password");
        }
        Ok(AdminBootstrap::Generated(password)) => {
            tracing::warn!(
                "created the first user `admin` with a generated password (printed on stdout once; it must be changed at the first sign-in)"
            );
            println!(
                "\n  ShopDB created the first user.\n    username: admin\n    password: {password}\n  This is shown once. Sign in and choose a new password.\n"
            );
        }
        Err(e @ BootstrapError::WeakPassword(_)) => {
            return Err(ConfigError {
                problems: vec![e.to_string()],
            }
            .into());
        }
        Err(e) => return Err(StartupError::Accounts(e.to_string())),
    }
    Ok(AuthRuntime {
        jwt: JwtKeys::new(&secret, &config.auth),
        directory,
    })
}

/// Connects, retrying transient failures with exponential backoff (250 ms
/// doubling to 5 s) for `database.startup_retry_for`. Authentication
/// failures and bad URLs are not retried.
pub async fn connect_with_retry(config: &Config) -> Result<Db, StartupError> {
    let started = Instant::now();
    let limit = config.database.startup_retry_for.0;
    let mut delay = Duration::from_millis(250);
    loop {
        match Db::connect(&config.database).await {
            Ok(db) => return Ok(db),
            Err(e @ DbError::Unavailable(_)) if started.elapsed() + delay <= limit => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = delay.as_millis() as u64,
                    giving_up_after_s = limit.as_secs(),
                    "waiting for the database"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(DbError::AuthFailed(msg)) => {
                return Err(StartupError::Database(format!(
                    "authentication failed: {msg}. Check the user and password in database.url (SHOPDB_DATABASE__URL)"
                )));
            }
            Err(e @ DbError::Unavailable(_)) => {
                return Err(StartupError::Database(format!(
                    "{e} (gave up after {:.1} s; database.startup_retry_for = {})",
                    started.elapsed().as_secs_f64(),
                    config.database.startup_retry_for
                )));
            }
            Err(e) => return Err(StartupError::Database(e.to_string())),
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
