//! Benchmark (not a test): rendering label sheets through the real labels
//! service on a real SQLite database (the selection's one SELECT, a QR code
//! and a laid-out label per asset, the page).
//!
//!     cargo bench --bench labels
//!
//! Prints latency percentiles per sheet of 100 labels. Results:
//! docs/PERFORMANCE.md, section "Plugins: labels".
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use shopdb::config::Config;
use shopdb::domain::{Role, UserId};
use shopdb::plugins::labels::service::{self, Selection};
use shopdb::service::auth::principal::{Credential, Principal, RequestCtx};
use shopdb::service::inventory::assets::{self, draft::AssetDraft, draft::TypeSel};
use shopdb::startup::Application;

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "{name:<44} n={:<4} p50={:>9.2?} p95={:>9.2?} max={:>9.2?}",
        samples.len(),
        at(0.50),
        at(0.95),
        samples[samples.len() - 1]
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.server.public_url = "https://shopdb.plant1.example".into();
    config.database.url = format!("sqlite://{}/bench.sqlite", dir.path().display());
    config.admin.password = "Benchmark admin pass".into();
    config.log.level = "error".into();
    config.plugins.enabled = vec!["labels".into()];
    let app = Application::build(config).await.expect("starts");
    let state = app.state().clone();
    let who = Principal {
        user_id: UserId(1),
        username: "admin".into(),
        role: Role::Admin,
        credential: Credential::ApiToken { token_id: 0 },
    };
    let ctx = RequestCtx::default();
    let mut ids = Vec::new();
    for i in 0..100 {
        let draft = AssetDraft {
            tag: format!("CNC-{i:04}"),
            name: format!("DMG Mori CTX 450 lathe number {i}"),
            type_sel: Some(TypeSel::Key("machine".into())),
            ..AssetDraft::default()
        };
        ids.push(
            assets::create(&state, &who, &ctx, draft)
                .await
                .expect("asset")
                .id
                .0,
        );
    }
    let sel = Selection {
        ids,
        ..Selection::default()
    };

    for template in ["a4-21", "50x25", "4x6in"] {
        let mut samples = Vec::new();
        for round in 0..60 {
            let t = Instant::now();
            let out = service::sheet_html(&state, &who, &sel, Some(template), 0)
                .await
                .expect("sheet");
            // The first rounds warm caches and the connection.
            if round >= 10 {
                samples.push(t.elapsed());
            }
            assert_eq!(out.labels, 100);
        }
        percentiles(&format!("HTML sheet, 100 labels, {template}"), samples);
    }
    let mut samples = Vec::new();
    for round in 0..60 {
        let t = Instant::now();
        let out = service::sheet_zpl(&state, &who, &sel, Some("50x25"), Some(203))
            .await
            .expect("zpl");
        if round >= 10 {
            samples.push(t.elapsed());
        }
        assert_eq!(out.labels, 100);
    }
    percentiles("ZPL, 100 labels, 50x25 at 203 dpi", samples);
    let mut samples = Vec::new();
    for round in 0..210 {
        let t = Instant::now();
        service::qr_png(&state, &who, shopdb::domain::inventory::AssetId(sel.ids[0]), 8, 4)
            .await
            .expect("png");
        if round >= 10 {
            samples.push(t.elapsed());
        }
    }
    percentiles("QR PNG of one asset (scale 8)", samples);
}
