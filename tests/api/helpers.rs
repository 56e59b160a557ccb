//! Test harness: a real server on 127.0.0.1:0 over a fresh database, and a
//! typed HTTP client. Every API test runs on SQLite and on MySQL/MariaDB
//! (`SHOPDB_TEST_MYSQL_URL`, e.g. mysql://root@127.0.0.1:3306) with a
//! uniquely named database that is dropped afterwards.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use mysql_async::prelude::Queryable;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use shopdb::config::Config;
use shopdb::startup::{Application, StartupError};
use shopdb::state::AppState;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

/// Generates `<name>::sqlite` and `<name>::mysql` tests calling
/// `async fn <name>(Backend)`.
#[macro_export]
macro_rules! dual_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$name($crate::helpers::Backend::Mysql).await
            }
        }
    };
}

/// The MySQL server URL without a database, or None (with a loud message)
/// when the variable is unset. Under CI a missing URL is a failure.
pub fn mysql_server_url() -> Option<String> {
    match std::env::var("SHOPDB_TEST_MYSQL_URL") {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_owned()),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "SHOPDB_TEST_MYSQL_URL must be set in CI: MySQL tests never skip there"
            );
            eprintln!(
                "\n!!! SKIPPED MySQL variant: set SHOPDB_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 to run it !!!\n"
            );
            None
        }
    }
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    dir: Option<tempfile::TempDir>,
    mysql: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("shopdb.sqlite").display());
                Some(Self {
                    backend,
                    url,
                    dir: Some(dir),
                    mysql: None,
                })
            }
            Backend::Mysql => {
                let server = mysql_server_url()?;
                let name = format!("shopdb_test_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                let mut conn = mysql_async::Conn::from_url(&server)
                    .await
                    .expect("connect to test MySQL");
                conn.query_drop(format!(
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ))
                .await
                .expect("create test database");
                conn.disconnect().await.ok();
                Some(Self {
                    backend,
                    url: format!("{server}/{name}"),
                    dir: None,
                    mysql: Some((server, name)),
                })
            }
        }
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.path().join("shopdb.sqlite"))
    }

    /// The MySQL server URL (no database) for tests that need their own connection.
    pub fn mysql_server(&self) -> Option<&str> {
        self.mysql.as_ref().map(|(s, _)| s.as_str())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.mysql.take() {
            // Drop runs outside async context guarantees: use a thread with
            // its own runtime so it works from any test.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = mysql_async::Conn::from_url(&server).await.ok()?;
                    conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                        .await
                        .ok()?;
                    conn.disconnect().await.ok()
                })
            })
            .join();
        }
    }
}

/// The password of the `admin` account every test server starts with.
pub const ADMIN_PASSWORD: &str = "Plant-floor admin 2026";

/// The password test helpers give the users they create.
pub const USER_PASSWORD: &str = "Shop floor pass 42";

/// Config for tests: port 0, the test database, quiet logs, fast failure.
pub fn test_config(db_url: &str) -> Config {
    let mut c = Config::default();
    c.server.bind = "127.0.0.1:0".into();
    c.database.url = db_url.to_owned();
    c.database.startup_retry_for = shopdb::config::HumanDuration::secs(0);
    c.database.pool_size = 4;
    c.site.code = "TEST".into();
    c.site.name = "Test plant".into();
    c.site.timezone = "Europe/Berlin".into();
    c.log.level = "warn".into();
    c.admin.password = ADMIN_PASSWORD.into();
    c
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A running server on a fresh database of `backend`, or None when the
/// backend is not configured (MySQL without its URL).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let db = TestDb::new(backend).await?;
    let mut config = test_config(&db.url);
    tweak(&mut config);
    match start(db, config).await {
        Ok(app) => Some(app),
        Err((_, e)) => panic!("server failed to start: {e}"),
    }
}

/// Builds and runs the application; the error is returned for tests that
/// expect startup to fail.
pub async fn start(db: TestDb, config: Config) -> Result<TestApp, (TestDb, StartupError)> {
    let app = match Application::build(config).await {
        Ok(a) => a,
        Err(e) => return Err((db, e)),
    };
    let addr = app.local_addr();
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    Ok(TestApp {
        addr,
        base: format!("http://{addr}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        db,
        shutdown: Some(tx),
        server: Some(server),
    })
}

/// A response, read once, with helpers for what tests check.
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code; returns it.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/problem+json"),
            "content-type {ct}; body {}",
            self.text
        );
        let p = self.json();
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["status"], status, "{p}");
        assert_eq!(p["type"], format!("urn:shopdb:problem:{code}"));
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
        assert!(p["title"].is_string(), "{p}");
        p
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let r = req.send().await.expect("request sent");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body read");
        Resp {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post_json(
            "/api/v1/auth/login",
            &serde_json::json!({ "username": username, "password": password }),
        )
        .await
    }

    /// The id of the asset type with this key (as JSON, for paths and bodies).
    pub async fn type_id(&self, token: &str, key: &str) -> Value {
        let types = self.get_auth("/api/v1/asset-types", token).await.json();
        types["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .unwrap_or_else(|| panic!("no asset type `{key}`"))["id"]
            .clone()
    }

    /// An access token of the bootstrap `admin`.
    pub async fn admin_token(&self) -> String {
        let r = self.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a local user with `role` (no forced change) and signs in.
    /// Returns (access token, user id).
    pub async fn user_token(&self, username: &str, role: &str) -> (String, i64) {
        let admin = self.admin_token().await;
        let r = self
            .send(
                self.client
                    .post(self.url("/api/v1/users"))
                    .bearer_auth(&admin)
                    .json(&serde_json::json!({
                        "username": username,
                        "role": role,
                        "password": USER_PASSWORD,
                        "must_change_password": false,
                    })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json()["id"].as_i64().unwrap();
        let l = self.login(username, USER_PASSWORD).await;
        assert_eq!(l.status, 200, "{}", l.text);
        (l.json()["access_token"].as_str().unwrap().to_owned(), id)
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Resp {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post_auth(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.send(self.client.post(self.url(path)).bearer_auth(token).json(body))
            .await
    }

    pub async fn patch_auth(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.send(self.client.patch(self.url(path)).bearer_auth(token).json(body))
            .await
    }

    pub async fn delete_auth(&self, path: &str, token: &str) -> Resp {
        self.send(self.client.delete(self.url(path)).bearer_auth(token))
            .await
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> TestDb {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        // Move the database out so the caller can restart on it.
        std::mem::replace(
            &mut self.db,
            TestDb {
                backend: Backend::Sqlite,
                url: String::new(),
                dir: None,
                mysql: None,
            },
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Everything a CLI run printed: stdout, then stderr.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
