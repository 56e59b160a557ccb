#!/usr/bin/env bash
# Check the files in deploy/ with the tools that will read them:
#
# 1. the systemd units: `systemd-analyze verify` (any warning fails) and
#    `systemd-analyze security` (exposure of shopdb.service at most 2.0),
#    in a scratch root so nothing is installed on this machine;
# 2. deploy/Caddyfile: `caddy validate` and `caddy fmt` (no diff);
# 3. deploy/nginx.conf: `nginx -t` inside a minimal main config, with a
#    throwaway self-signed certificate in place of the site's.
#
# Prerequisites: systemd (systemd-analyze), caddy, nginx (nginx-light is
# enough), openssl. Debian: apt-get install systemd caddy nginx-light openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
for tool in systemd-analyze caddy nginx openssl; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] \
        || { echo "error: $tool not found" >&2; missing=1; }
done
[ "$missing" -eq 0 ] || exit 1
PATH="$PATH:/usr/sbin"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== systemd units"
# A scratch root: the system's own units (targets the ours refer to), the
# programs ExecStart= names, and ours.
root="$tmp/root"
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/local/bin" "$root/usr/bin" "$root/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\n' > "$root/usr/local/bin/shopdb"
chmod 0755 "$root/usr/local/bin/shopdb"
cp /bin/sh "$root/bin/sh"
cp /usr/bin/find "$root/usr/bin/find"
cp deploy/*.service deploy/*.timer "$root/etc/systemd/system/"
units=()
for f in deploy/*.service deploy/*.timer; do units+=("$(basename "$f")"); done
systemd-analyze verify --root="$root" "${units[@]}" >"$tmp/verify.out" 2>&1 || { cat "$tmp/verify.out" >&2; exit 1; }
if [ -s "$tmp/verify.out" ]; then
    echo "error: systemd-analyze verify reported:" >&2
    cat "$tmp/verify.out" >&2
    exit 1
fi
echo "verify: ok (${units[*]})"
systemd-analyze security --offline=true --root="$root" --threshold=20 shopdb.service \
    >"$tmp/security.out" 2>&1 || { cat "$tmp/security.out" >&2; echo "error: shopdb.service exposure above 2.0" >&2; exit 1; }
grep 'Overall exposure level' "$tmp/security.out"

echo "== deploy/Caddyfile"
(cd "$tmp" && caddy validate --config "$OLDPWD/deploy/Caddyfile" --adapter caddyfile >"$tmp/caddy.out" 2>&1) \
    || { cat "$tmp/caddy.out" >&2; exit 1; }
caddy fmt deploy/Caddyfile | diff -u deploy/Caddyfile - \
    || { echo "error: deploy/Caddyfile is not formatted as 'caddy fmt' writes it" >&2; exit 1; }
echo "ok"

echo "== deploy/nginx.conf"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=shopdb.plant1.example \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
sed -e "s|/etc/ssl/shopdb/fullchain.pem|$tmp/cert.pem|" -e "s|/etc/ssl/shopdb/privkey.pem|$tmp/key.pem|" \
    deploy/nginx.conf > "$tmp/site.conf"
cat > "$tmp/nginx.conf" <<EOF
pid $tmp/nginx.pid;
error_log stderr;
events {}
http { access_log off; include $tmp/site.conf; }
EOF
nginx -t -q -p "$tmp" -c "$tmp/nginx.conf"
echo "ok"
