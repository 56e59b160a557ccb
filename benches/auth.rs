//! Benchmark (not a test): the cost of authenticating a request and of a
//! sign-in, on a real SQLite database through the real service code.
//!
//!     cargo bench --bench auth
//!
//! Prints per-operation latency percentiles. Results: docs/PERFORMANCE.md.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use shopdb::config::Config;
use shopdb::service::auth::authenticate_bearer;
use shopdb::service::auth::principal::RequestCtx;
use shopdb::service::auth::{api_tokens, session};
use shopdb::startup::Application;

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<34} n={:<6} mean={:>9.1?} p50={:>9.1?} p95={:>9.1?} p99={:>9.1?}",
        samples.len(),
        mean,
        at(0.50),
        at(0.95),
        at(0.99)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.database.url = format!("sqlite://{}/bench.sqlite", dir.path().display());
    config.admin.password = "Benchmark admin pass".into();
    config.log.level = "error".into();
    let app = Application::build(config).await.expect("starts");
    let state = app.state().clone();
    let ctx = RequestCtx::default();

    // Sign-in: argon2id verification dominates.
    let mut logins = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        session::login(&state, &ctx, "admin", "Benchmark admin pass")
            .await
            .expect("login");
        logins.push(t.elapsed());
    }
    percentiles("sign-in (local, argon2id)", logins);

    let pair = session::login(&state, &ctx, "admin", "Benchmark admin pass")
        .await
        .expect("login");
    let who = authenticate_bearer(&state, &pair.access_token)
        .await
        .expect("jwt");
    let token = api_tokens::create(&state, &ctx, &who, "bench", shopdb::domain::Role::Viewer, None)
        .await
        .expect("token")
        .secret;

    for (name, credential) in [
        ("check access token (JWT + user row)", &pair.access_token),
        ("check API token (hash lookup)", &token),
    ] {
        // Warm caches and prepared statements first.
        for _ in 0..200 {
            authenticate_bearer(&state, credential).await.expect("auth");
        }
        let mut samples = Vec::with_capacity(5000);
        for _ in 0..5000 {
            let t = Instant::now();
            authenticate_bearer(&state, credential).await.expect("auth");
            samples.push(t.elapsed());
        }
        percentiles(name, samples);
    }
}
