//! The HTTP surface of the foundation: meta, probes, metrics, error shape,
//! headers, CORS, body limits and the embedded UI.

use reqwest::Method;

use crate::dual_test;
use crate::helpers::{Backend, spawn_app, spawn_app_with};

async fn meta_describes_the_instance(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let r = app.get("/api/v1/meta").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let m = r.json();
    assert_eq!(m["product"], "ShopDB");
    assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
    assert!(m["git_commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(m["site"]["code"], "TEST");
    assert_eq!(m["site"]["name"], "Test plant");
    assert_eq!(m["site"]["timezone"], "Europe/Berlin");
    assert_eq!(m["plugins"], serde_json::json!([]));
    let expected = match b {
        Backend::Sqlite => "sqlite",
        Backend::Mysql => "mysql",
    };
    assert_eq!(m["database_backend"], expected);
}
dual_test!(meta_describes_the_instance);

async fn probes_report_liveness_and_readiness(b: Backend) {
    let Some(app) = spawn_app(b).await else { return };
    let h = app.get("/healthz").await;
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "ok");
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["schema"], "current");
}
dual_test!(probes_report_liveness_and_readiness);

async fn readyz_is_503_while_migrations_are_pending(b: Backend) {
    let Some(app) = spawn_app_with(b, |c| c.database.migrate_on_start = false).await else {
        return;
    };
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.header("retry-after"), Some("5"));
    assert!(r.json()["schema"].as_str().unwrap().contains("shopdb migrate up"));
    // Applying them (what `shopdb migrate up` does) makes it ready, live.
    let scopes = app.state.migration_scopes();
    shopdb::db::migrate::up(&app.state.db, &scopes, false)
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.status, 200);
}
dual_test!(readyz_is_503_while_migrations_are_pending);

#[tokio::test]
async fn metrics_count_requests_by_operation_and_show_the_pool() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    app.get("/api/v1/meta").await;
    app.get("/api/v1/meta").await;
    app.get("/api/v1/nope").await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let t = &r.text;
    assert!(
        t.contains("shopdb_http_requests_total{route=\"getMeta\",status=\"200\"} 2"),
        "{t}"
    );
    assert!(
        t.contains("shopdb_http_requests_total{route=\"api_unmatched\",status=\"404\"} 1"),
        "{t}"
    );
    assert!(
        t.contains("shopdb_http_request_duration_seconds_count{route=\"getMeta\"} 2"),
        "{t}"
    );
    assert!(t.contains("shopdb_db_connections{state=\"idle\"}"), "{t}");
    assert!(
        t.contains(&format!(
            "shopdb_build_info{{version=\"{}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{t}"
    );
}

#[tokio::test]
async fn every_response_has_a_request_id_and_security_headers() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    for path in [
        "/api/v1/meta",
        "/",
        "/healthz",
        "/api/v1/missing",
        "/assets/missing.js",
    ] {
        let r = app.get(path).await;
        let id = r.header("x-request-id").unwrap_or_default();
        assert!(id.len() >= 16, "{path}: request id {id:?}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}: {csp}"
        );
    }
    // A caller's plain id is propagated (log correlation); a hostile one is replaced.
    let r = app
        .send(
            app.client
                .get(app.url("/healthz"))
                .header("x-request-id", "lb-1234.abc"),
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("lb-1234.abc"));
    let r = app
        .send(
            app.client
                .get(app.url("/healthz"))
                .header("x-request-id", "a b\"c"),
        )
        .await;
    assert_ne!(r.header("x-request-id"), Some("a b\"c"));
    // The problem body carries the same id as the header.
    let r = app.get("/api/v1/missing").await;
    let p = r.problem(404, "not_found");
    assert_eq!(p["request_id"].as_str(), r.header("x-request-id"));
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_problems() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    app.get("/api/v1/does-not-exist").await.problem(404, "not_found");
    app.get("/api/v2/meta").await.problem(404, "not_found");
    app.get("/api").await.problem(404, "not_found");
    let r = app.send(app.request(Method::DELETE, "/api/v1/meta").await).await;
    r.problem(405, "method_not_allowed");
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_any_work() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.server.body_limit = shopdb::config::ByteSize(4096)
    })
    .await
    else {
        return;
    };
    let big = "x".repeat(5000);
    let r = app.send(app.client.post(app.url("/api/v1/meta")).body(big)).await;
    let p = r.problem(413, "payload_too_large");
    assert!(p["detail"].as_str().unwrap().contains("4096"), "{p}");
    // The unread body makes the connection unusable: the client is told so,
    // and its next request (on a new connection) just works.
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(app.get("/api/v1/meta").await.status, 200);
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.server.cors_allowed_origins = vec!["https://dash.example.com".into()];
    })
    .await
    else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/meta"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
    };
    let ok = app.send(preflight("https://dash.example.com")).await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://dash.example.com")
    );
    let bad = app.send(preflight("https://evil.example.com")).await;
    assert_eq!(bad.header("access-control-allow-origin"), None);
    let simple = app
        .send(
            app.client
                .get(app.url("/api/v1/meta"))
                .header("origin", "https://evil.example.com"),
        )
        .await;
    assert_eq!(simple.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn no_cors_by_default() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let r = app
        .send(
            app.client
                .get(app.url("/api/v1/meta"))
                .header("origin", "https://any.example.com"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn spec_and_docs_are_served() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let spec = app.get("/api/openapi.json").await;
    assert_eq!(spec.status, 200);
    let v = spec.json();
    assert_eq!(v["paths"]["/api/v1/meta"]["get"]["operationId"], "getMeta");
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status, 200);
    assert!(
        docs.text.to_lowercase().contains("swagger"),
        "{}",
        &docs.text[..200.min(docs.text.len())]
    );
}

#[tokio::test]
async fn embedded_ui_is_served_with_spa_fallback_and_caching() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let index = app.get("/").await;
    assert_eq!(index.status, 200);
    assert!(index.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    assert!(index.text.contains("<html"), "{}", index.text);
    let etag = index.header("etag").unwrap().to_owned();

    // Conditional GET.
    let again = app
        .send(app.client.get(app.url("/")).header("if-none-match", &etag))
        .await;
    assert_eq!(again.status, 304);

    // HEAD answers like GET without a body.
    let head = app.send(app.client.head(app.url("/"))).await;
    assert_eq!(head.status, 200);
    assert!(head.text.is_empty());
    assert_eq!(
        head.header("content-length").map(str::to_owned),
        Some(index.text.len().to_string())
    );

    // Client-side routes fall back to index.html.
    let deep = app.get("/assets-list/42").await;
    assert_eq!(deep.status, 200);
    assert_eq!(deep.text, index.text);

    // Hashed assets referenced by index.html are immutable. (With
    // SHOPDB_SKIP_WEB_BUILD the placeholder page references none.)
    if let Some(start) = index.text.find("/assets/") {
        let rest = &index.text[start..];
        let end = rest.find('"').unwrap();
        let asset = &rest[..end];
        let a = app.get(asset).await;
        assert_eq!(a.status, 200, "{asset}");
        assert_eq!(
            a.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        let ct = a.header("content-type").unwrap();
        assert!(ct.contains("javascript") || ct.contains("css"), "{asset}: {ct}");
    }

    // A missing file with an extension is a 404, never index.html.
    app.get("/assets/nope-123.js").await.problem(404, "not_found");
    app.get("/favicon-missing.png").await.problem(404, "not_found");
}

#[tokio::test]
async fn path_traversal_never_leaves_the_bundle() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    for path in [
        "/..%2f..%2fetc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2fCargo.toml",
        "/..%5c..%5cetc%5cpasswd",
        "/%00index.html",
        "/.%2e/.%2e/etc/passwd",
    ] {
        let r = app.get(path).await;
        assert!(!r.text.contains("root:"), "{path}");
        // The client may normalise `%2e%2e` away, leaving a client route
        // that gets the SPA page; anything else must be a 404.
        if r.status == 200 {
            assert!(r.text.contains("<html"), "{path}: {}", r.text);
        } else {
            assert_eq!(r.status, 404, "{path}");
        }
    }
    // reqwest normalises literal `..`; send it raw to be sure.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    assert!(!buf.contains("root:"), "{buf}");
    let status: u16 = buf.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(status == 404 || status == 400 || status == 200, "{buf}");
    if status == 200 {
        // Normalised to a client route: must be the SPA page, not a file.
        assert!(buf.contains("<html"), "{buf}");
    }
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_stops_listening() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let addr = app.addr;
    assert_eq!(app.get("/healthz").await.status, 200);
    let _db = app.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after shutdown"
    );
}
