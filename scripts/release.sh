#!/usr/bin/env bash
# Build the release tarball of ShopDB, then check it as a site would.
#
#   scripts/release.sh
#
# 1. builds the web UI: `npm ci --no-audit --no-fund` and `npm run build` in web/;
# 2. builds the static binary with that UI embedded as it is:
#    SHOPDB_WEB_DIST=web/dist scripts/build-musl.sh
#    (cargo build --release --locked --target x86_64-unknown-linux-musl).
#    The Dockerfile's two build stages run exactly these commands;
# 3. packs dist/shopdb-<version>-x86_64-linux-musl.tar.gz with the binary,
#    the example config and .env, the deploy files (systemd units, compose
#    variables, Caddy and nginx examples), README, CHANGELOG and docs, and a
#    SHA256SUMS of its files; writes dist/SHA256SUMS for the tarball;
# 4. checks the result: both checksum files verify, and the unpacked binary
#    starts on a fresh SQLite database, serves the real web UI at /, answers
#    /readyz with 200 and `shopdb healthcheck` exits 0.
#
# Prerequisites (checked by scripts/build-musl.sh): musl-tools, the Rust
# target x86_64-unknown-linux-musl, Node.js + npm; curl for the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

TARGET=x86_64-unknown-linux-musl
version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' Cargo.toml | head -n 1)
if [ -z "$version" ]; then
    echo "error: no version found in Cargo.toml" >&2
    exit 1
fi
name="shopdb-$version-x86_64-linux-musl"
if ! command -v curl >/dev/null 2>&1; then
    echo "error: curl not found; the check of the built tarball uses it (apt-get install curl)" >&2
    exit 1
fi

echo "== Web UI"
npm --prefix web ci --no-audit --no-fund
npm --prefix web run build

echo "== Static binary (web UI from web/dist)"
SHOPDB_WEB_DIST="$PWD/web/dist" scripts/build-musl.sh
target_dir=$(cargo metadata --format-version 1 --no-deps \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="${target_dir:-target}/$TARGET/release/shopdb"

echo "== Tarball"
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

root="$work/$name"
mkdir -p "$root/docs" "$root/deploy"
install -m 0755 "$bin" "$root/shopdb"
install -m 0644 config/shopdb.example.toml .env.example README.md CHANGELOG.md "$root/"
install -m 0644 deploy/* "$root/deploy/"
install -m 0644 docs/*.md "$root/docs/"
mkdir -p "$root/docs/adr"
install -m 0644 docs/adr/*.md "$root/docs/adr/"
(cd "$root" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs sha256sum) > "$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$root/SHA256SUMS"

mkdir -p dist
rm -f "dist/$name.tar.gz" dist/SHA256SUMS
# Same bytes for the same commit: fixed order, owner and time stamps.
mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
    -C "$work" -cf - "$name" | gzip -n -9 > "dist/$name.tar.gz"
(cd dist && sha256sum "$name.tar.gz" > SHA256SUMS)

echo "== Check: checksums, then the unpacked binary on a fresh database"
(cd dist && sha256sum -c SHA256SUMS)
check="$work/check"
mkdir -p "$check"
tar -xzf "dist/$name.tar.gz" -C "$check"
(cd "$check/$name" && sha256sum --quiet -c SHA256SUMS)
"$check/$name/shopdb" version

# Only the variables set here: a developer's own SHOPDB_* must not leak in.
run_env=(env -i PATH="$PATH" HOME="$work"
    SHOPDB_SERVER__BIND=127.0.0.1:0
    SHOPDB_DATABASE__URL="sqlite://$check/data/shopdb.sqlite"
    SHOPDB_ADMIN__PASSWORD='Release check admin 1'
    SHOPDB_LOG__JSON=true)
"${run_env[@]}" "$check/$name/shopdb" serve >"$check/serve.out" 2>"$check/serve.log" &
server_pid=$!
addr=""
for _ in $(seq 1 300); do
    addr=$(grep -m 1 '"ShopDB listening"' "$check/serve.log" \
        | sed -n 's/.*"address":"\([^"]*\)".*/\1/p' || true)
    [ -n "$addr" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "error: the unpacked binary exited at start:" >&2
        cat "$check/serve.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$addr" ]; then
    echo "error: the unpacked binary did not start listening within 30 s:" >&2
    cat "$check/serve.log" >&2
    exit 1
fi
page=$(curl -fsS "http://$addr/")
if grep -q 'web UI not built' <<<"$page" || ! grep -q '/assets/' <<<"$page"; then
    echo "error: / does not serve the built web UI:" >&2
    echo "$page" >&2
    exit 1
fi
echo "/ serves the web UI ($(grep -o '/assets/[^"]*\.js' <<<"$page" | head -n 1))"
curl -fsS "http://$addr/readyz"
echo
"${run_env[@]}" "$check/$name/shopdb" healthcheck --url "http://$addr"

echo
echo "release: dist/$name.tar.gz"
cat dist/SHA256SUMS
