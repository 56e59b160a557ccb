#!/usr/bin/env bash
# Build the static (musl) release binary of shopdb and describe it.
#
#   scripts/build-musl.sh            # cargo build --release --locked --target x86_64-unknown-linux-musl
#   PROFILE=dist scripts/build-musl.sh   # same, with another cargo profile
#
# Prerequisites (checked, never installed by this script):
#   - a musl C compiler (x86_64-linux-musl-gcc or musl-gcc): apt-get install musl-tools
#     (the bundled SQLite is C code and is compiled for the musl target)
#   - the Rust target: rustup target add x86_64-unknown-linux-musl
#   - Node.js + npm: build.rs runs `npm ci` / `npm run build` in web/
#     (or set SHOPDB_WEB_DIST=DIR to embed a UI built beforehand, as
#     scripts/release.sh and the Dockerfile do, or SHOPDB_SKIP_WEB_BUILD=1
#     to build without the UI)
#
# The release profile uses thin LTO; on 2 cores expect several minutes.
set -euo pipefail

TARGET=x86_64-unknown-linux-musl
PROFILE=${PROFILE:-release}

cd "$(dirname "$0")/.."

missing=0
if command -v x86_64-linux-musl-gcc >/dev/null 2>&1; then
    :
elif command -v musl-gcc >/dev/null 2>&1; then
    # cc-rs looks for x86_64-linux-musl-gcc first, then musl-gcc.
    export CC_x86_64_unknown_linux_musl=${CC_x86_64_unknown_linux_musl:-musl-gcc}
else
    echo "error: no musl C compiler (x86_64-linux-musl-gcc or musl-gcc) found." >&2
    echo "       install it with: sudo apt-get install musl-tools" >&2
    missing=1
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install Rust from https://rustup.rs" >&2
    missing=1
elif command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        echo "error: Rust target $TARGET is not installed." >&2
        echo "       install it with: rustup target add $TARGET" >&2
        missing=1
    fi
else
    # No rustup: ask rustc where the target's std would live.
    sysroot=$(rustc --print sysroot)
    if [ ! -d "$sysroot/lib/rustlib/$TARGET" ]; then
        echo "error: Rust std for $TARGET not found under $sysroot/lib/rustlib." >&2
        echo "       install it with: rustup target add $TARGET (or your distro's rust-std-$TARGET package)" >&2
        missing=1
    fi
fi

if [ -z "${SHOPDB_WEB_DIST:-}" ] && [ "${SHOPDB_SKIP_WEB_BUILD:-0}" != "1" ] \
    && ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found; build.rs builds the web UI with Node.js." >&2
    echo "       install Node.js (LTS), set SHOPDB_WEB_DIST to a built UI (web/dist)," >&2
    echo "       or set SHOPDB_SKIP_WEB_BUILD=1 to build without the UI." >&2
    missing=1
fi

if [ "$missing" -ne 0 ]; then
    exit 1
fi

if [ "$PROFILE" = "release" ]; then
    cargo build --release --locked --target "$TARGET"
else
    cargo build --profile "$PROFILE" --locked --target "$TARGET"
fi

target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-target}
bin="$target_dir/$TARGET/$PROFILE/shopdb"

if [ ! -x "$bin" ]; then
    echo "error: build finished but $bin is missing" >&2
    exit 1
fi

size=$(stat -c %s "$bin")
echo
echo "binary: $bin"
awk -v b="$size" 'BEGIN { printf "size:   %d bytes (%.2f MiB)\n", b, b / 1048576 }'
if command -v file >/dev/null 2>&1; then
    echo "file:   $(file -b "$bin")"
else
    echo "file:   (the 'file' command is not installed)"
fi
