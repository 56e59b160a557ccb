//! Build script: records the git commit and builds the web UI (`web/`) so
//! that `cargo build` / `cargo run --release` stay the only commands a user
//! types. The UI is rebuilt only when its sources change.
//!
//! `SHOPDB_WEB_DIST=/path/to/dist` embeds an already built UI as it is,
//! without running npm: the release script and the Dockerfile build the UI
//! in a step of its own and hand its output over. `SHOPDB_SKIP_WEB_BUILD=1`
//! builds without Node.js and embeds a page that says the UI was not built.
//! `SHOPDB_GIT_COMMIT` names the commit where there is no git checkout (a
//! container build context leaves `.git` out).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    git_commit();
    web_ui();
}

fn git_commit() {
    println!("cargo:rerun-if-env-changed=SHOPDB_GIT_COMMIT");
    let given = std::env::var("SHOPDB_GIT_COMMIT")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let commit = given.unwrap_or_else(git_head);
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

fn git_head() -> String {
    Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn web_ui() {
    println!("cargo:rerun-if-env-changed=SHOPDB_SKIP_WEB_BUILD");
    println!("cargo:rerun-if-env-changed=SHOPDB_WEB_DIST");
    let skip = std::env::var("SHOPDB_SKIP_WEB_BUILD").is_ok_and(|v| v == "1" || v == "true");
    if let Some(given) = std::env::var_os("SHOPDB_WEB_DIST").filter(|v| !v.is_empty()) {
        if skip {
            panic!(
                "\n\nSHOPDB_WEB_DIST and SHOPDB_SKIP_WEB_BUILD are both set: embed a built UI or none, not both.\n\n"
            );
        }
        let dist = prebuilt_dist(Path::new(&given));
        println!("cargo:rerun-if-changed={}", dist.display());
        println!("cargo:rustc-env=BUILD_WEB_DIST={}", dist.display());
        return;
    }
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

    if skip {
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

/// The directory `SHOPDB_WEB_DIST` names (relative paths are taken from the
/// crate root, where cargo runs this script), checked to hold a built UI.
fn prebuilt_dist(given: &Path) -> PathBuf {
    let dist = std::fs::canonicalize(given).unwrap_or_else(|e| {
        panic!(
            "\n\nSHOPDB_WEB_DIST={}: {e}.\n\
             It must name the web UI's build output (`npm ci && npm run build` in web/ writes web/dist).\n\n",
            given.display()
        )
    });
    if !dist.is_dir() {
        panic!("\n\nSHOPDB_WEB_DIST={}: not a directory.\n\n", given.display());
    }
    if !dist.join("index.html").is_file() {
        panic!(
            "\n\nSHOPDB_WEB_DIST={}: no index.html in {}, so it is not a built web UI.\n\
             Build it first (`npm ci && npm run build` in web/ writes web/dist) and point there.\n\n",
            given.display(),
            dist.display()
        );
    }
    dist
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
