#!/usr/bin/env bash
# The whole test suite: Rust unit + integration tests (every API test on
# SQLite, and on MySQL/MariaDB when SHOPDB_TEST_MYSQL_URL is set), the web
# UI's type check and unit tests, then the end-to-end run: the real binary
# (with the UI embedded) on a fresh SQLite database, driven through
# Debian's Chromium (never a downloaded browser).
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Checked first, so a missing browser fails in seconds, not after the build.
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "!!! Chromium not found at $CHROMIUM_PATH: the web UI's end-to-end tests need it."
  echo "!!! Install Debian's package (apt-get install chromium) or set CHROMIUM_PATH."
  exit 1
fi
export CHROMIUM_PATH

if [ -z "${SHOPDB_TEST_MYSQL_URL:-}" ]; then
  echo "!!! SHOPDB_TEST_MYSQL_URL is not set: the MySQL variants of the API tests will be SKIPPED."
  echo "!!! To run them: SHOPDB_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 $0"
fi

echo "== Rust tests"
cargo test --locked --lib --bins --tests

echo "== Web UI: type check and unit tests"
if [ ! -f web/node_modules/.package-lock.json ]; then
  npm --prefix web ci --no-audit --no-fund
fi
npm --prefix web run typecheck
npm --prefix web test

echo "== Web UI: end-to-end (real binary, headless Chromium)"
# The binary the e2e run starts, with the UI built and embedded by build.rs.
cargo build --locked --bin shopdb
SHOPDB_BIN="$PWD/target/debug/shopdb" npm --prefix web run e2e
