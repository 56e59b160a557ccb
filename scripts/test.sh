#!/usr/bin/env bash
# The whole test suite: Rust unit + integration tests (every API test on
# SQLite, and on MySQL/MariaDB when SHOPDB_TEST_MYSQL_URL is set), then the
# web UI's type check and unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."

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
