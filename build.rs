//! Build script: records the git commit and builds the web UI (`web/`) so
//! that `cargo build` / `cargo run --release` stay the only commands a user
//! types. The UI is rebuilt only when its sources change.
//!
//! `SHOPDB_SKIP_WEB_BUILD=1` builds without Node.js and embeds a page that
//! says the UI was not built.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    git_commit();
    web_ui();
}

fn git_commit() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BUILD_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves: the branch pointer, or HEAD itself.
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Some(r) = head.trim().strip_prefix("ref: ") {
            let path = Path::new(".git").join(r);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

fn web_ui() {
    println!("cargo:rerun-if-env-changed=SHOPDB_SKIP_WEB_BUILD");
    for p in [
        "web/src",
        "web/public",
        "web/index.html",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.ts",
        "web/tsconfig.json",
        "web/tsconfig.app.json",
        "web/tsconfig.node.json",
        "openapi/openapi.json",
    ] {
        if Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));

    if std::env::var("SHOPDB_SKIP_WEB_BUILD").is_ok_and(|v| v == "1" || v == "true") {
        let dir = out.join("web-not-built");
        write_placeholder(&dir);
        println!("cargo:rustc-env=BUILD_WEB_DIST={}", dir.display());
        return;
    }

    let npm_ok = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !npm_ok {
        panic!(
            "\n\nShopDB embeds its web UI, which is built with Node.js 20+ and npm.\n\
             Install them (Debian/Ubuntu: `apt-get install nodejs npm`), or build without the UI:\n\
             \n    SHOPDB_SKIP_WEB_BUILD=1 cargo build --release\n\n"
        );
    }
    let web = Path::new("web");
    let stamp = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    if !stamp.exists() || modified(&lock) > modified(&stamp) {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(web),
            "npm ci",
        );
    }
    run(
        Command::new("npm").args(["run", "build"]).current_dir(web),
        "npm run build",
    );
    let dist = std::fs::canonicalize(web.join("dist")).unwrap_or_else(|_| web.join("dist"));
    if !dist.join("index.html").exists() {
        panic!("the web build finished but {} has no index.html", dist.display());
    }
    println!("cargo:rustc-env=BUILD_WEB_DIST={}", dist.display());
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn run(cmd: &mut Command, what: &str) {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not start `{what}` in web/: {e}"));
    if !output.status.success() {
        panic!(
            "`{what}` in web/ failed ({}).\n--- stdout ---\n{}\n--- stderr ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn write_placeholder(dir: &Path) {
    let _ = std::fs::create_dir_all(dir);
    let html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>ShopDB: web UI not built</title></head>\
        <body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem\">\
        <h1>ShopDB is running, but its web UI was not built</h1>\
        <p>This binary was built with <code>SHOPDB_SKIP_WEB_BUILD=1</code>, so it carries no web UI. \
        The API works: see the interactive API documentation at <a href=\"/api/docs\">/api/docs</a>.</p>\
        <p>To get the UI, install Node.js 20+ and npm and build again without that variable.</p>\
        </body></html>\n";
    let _ = std::fs::write(dir.join("index.html"), html);
}
