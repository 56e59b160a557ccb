//! When the database fails: at startup (unreachable, wrong password) and
//! while serving (cut, then restored) — against real MariaDB through a small
//! TCP proxy the test can cut. No mocks.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shopdb::config::HumanDuration;
use shopdb::startup::StartupError;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

use crate::helpers::{Backend, TestDb, start, test_config};

/// Forwards 127.0.0.1:<port> to the database. `cut` drops every open
/// connection and refuses new ones until `restore`.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: AbortHandle,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let target = target.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns2.lock().unwrap().push(h);
            }
        })
        .abort_handle();
        Self {
            addr,
            up,
            conns,
            accept,
        }
    }

    /// Returns once every forwarded connection is closed.
    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        let handles: Vec<JoinHandle<()>> = self.conns.lock().unwrap().drain(..).collect();
        for h in handles {
            h.abort();
            let _ = h.await;
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
        self.accept.abort();
    }
}

/// host:port of the MySQL test server.
fn host_port(server_url: &str) -> String {
    let u = url::Url::parse(server_url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(3306))
}

/// Polls `cond` (bounded: 100 × 100 ms) — the server recovers on its own
/// schedule, so the test waits for the observable state, not a fixed time.
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lost_while_serving_gives_503_and_recovers_without_restart() {
    let Some(db) = TestDb::new(Backend::Mysql).await else {
        return;
    };
    let server = db.mysql_server().unwrap().to_owned();
    let proxy = Proxy::start(host_port(&server)).await;
    let u = url::Url::parse(&db.url).unwrap();
    // prefer_socket=false: otherwise the driver notices the server is local
    // and switches to its Unix socket, around the proxy.
    let via_proxy = format!(
        "mysql://{}@{}{}?prefer_socket=false",
        u.username(),
        proxy.addr,
        u.path()
    );
    let mut config = test_config(&via_proxy);
    config.database.connect_timeout = HumanDuration::secs(2);
    let app = start(db, config).await.ok().expect("starts through the proxy");
    assert_eq!(app.get("/readyz").await.status, 200);

    proxy.cut().await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.header("retry-after"), Some("5"));
    assert_ne!(r.json()["database"], "ok");
    // Requests that need the database get a 503 problem with Retry-After.
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}),
        )
        .await;
    login.problem(503, "database_unavailable");
    assert_eq!(login.header("retry-after"), Some("5"));
    // Operations that do not need the database keep working.
    assert_eq!(app.get("/api/v1/meta").await.status, 200);
    assert_eq!(app.get("/healthz").await.status, 200);

    proxy.restore();
    eventually("readyz back to 200 after the database returns", || async {
        app.get("/readyz").await.status == 200
    })
    .await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_at_startup_retries_then_exits_1() {
    // A port with nothing listening: take one, then free it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut config = test_config(&format!("mysql://shopdb@127.0.0.1:{port}/shopdb"));
    config.database.startup_retry_for = HumanDuration(Duration::from_millis(900));
    config.database.connect_timeout = HumanDuration::secs(1);
    let started = std::time::Instant::now();
    let err = match start(db, config).await {
        Ok(_) => panic!("must not start"),
        Err((_, e)) => e,
    };
    assert!(matches!(err, StartupError::Database(_)), "{err}");
    assert_eq!(err.exit_code(), 1);
    let msg = err.to_string();
    assert!(
        msg.contains("gave up after") && msg.contains("startup_retry_for"),
        "{msg}"
    );
    // It did retry (250 ms + 500 ms of backoff) and did not hang.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_mysql_password_says_authentication_failed_without_echoing_it() {
    let Some(db) = TestDb::new(Backend::Mysql).await else {
        return;
    };
    let mut u = url::Url::parse(&db.url).unwrap();
    u.set_password(Some("Wr0ngPassw0rd-xyz")).unwrap();
    let mut config = test_config(u.as_str());
    config.database.startup_retry_for = HumanDuration::secs(30);
    let started = std::time::Instant::now();
    let err = match start(db, config).await {
        Ok(_) => panic!("must not start with a wrong password"),
        Err((_, e)) => e,
    };
    let msg = err.to_string();
    assert!(msg.contains("authentication failed"), "{msg}");
    assert!(!msg.contains("Wr0ngPassw0rd-xyz"), "{msg}");
    // Not retried: a wrong password will not fix itself.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn unopenable_sqlite_path_is_a_clear_startup_error() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let blocker = db.sqlite_path().unwrap().with_file_name("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let config = test_config(&format!("sqlite://{}/shopdb.sqlite", blocker.display()));
    let err = match start(db, config).await {
        Ok(_) => panic!("must not start"),
        Err((_, e)) => e,
    };
    let msg = err.to_string();
    assert!(msg.contains(&blocker.display().to_string()), "{msg}");
    assert_eq!(err.exit_code(), 1);
}
