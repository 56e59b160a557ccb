#!/usr/bin/env bash
# Inventory benchmark (see docs/PERFORMANCE.md, section "Inventory").
#
#   scripts/bench-inventory.sh [sqlite|mysql]
#
# Builds the release binary (SKIP_BUILD=1 or BIN=path to use one), seeds
# a fresh database with `shopdb demo --assets $ASSETS`, starts the server
# on a free loopback port and measures, all on 127.0.0.1:
#   1. demo seed time;
#   2. GET /api/v1/assets/{id} (random ids): throughput and p50/p95/p99;
#   3. a list page: limit=50, three filters (status, type, location
#      subtree) and a sort: p50/p95/p99;
#   4. q= substring search: p50/p95/p99 (on $LIST_CONNECTIONS connections
#      and on one; a common word, a common IP prefix, one serial);
#   5. CSV import of $IMPORT_ROWS new rows, committed (one request);
#   6. CSV and JSON Lines export of every asset (GET /api/v1/assets/export),
#      with the server's resident memory before and at its peak meanwhile.
# Lists, search and export are skipped with a message when the server
# lacks them (they are built separately).
#
# mysql uses a new database on $MYSQL_URL (default mysql://root@127.0.0.1:3306),
# dropped afterwards. Knobs (defaults in brackets): ASSETS [100000]
# IMPORT_ROWS [100000] WRK_DURATION [10s] WRK_THREADS [2] WRK_CONNECTIONS [32]
# LIST_CONNECTIONS [4] LOG_LEVEL [warn] (shopdb::service::inventory::bulk=debug
# prints where bulk runs spend their time). Needs curl, wrk, awk (and the mariadb client for mysql).
#
# Benchmarks, not tests: the script never fails because a target is missed.
set -euo pipefail

BACKEND=${1:-sqlite}
ASSETS=${ASSETS:-100000}
IMPORT_ROWS=${IMPORT_ROWS:-100000}
WRK_DURATION=${WRK_DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
LIST_CONNECTIONS=${LIST_CONNECTIONS:-4}
MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306}
PASSWORD='Bench admin password 2026'

repo_root=$(cd "$(dirname "$0")/.." && pwd)

die() {
    echo "bench: $*" >&2
    exit 2
}

case $BACKEND in
    sqlite | mysql) ;;
    *) die "usage: $0 [sqlite|mysql]" ;;
esac
for tool in curl wrk awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install $tool)"
done
if [ "$BACKEND" = mysql ]; then
    command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1 || die "the mariadb (or mysql) client is required"
fi

if [ -n "${BIN:-}" ]; then
    :
elif [ "${SKIP_BUILD:-0}" = 1 ]; then
    BIN=$repo_root/target/release/shopdb
else
    echo "== building the release binary"
    (cd "$repo_root" && SHOPDB_SKIP_WEB_BUILD=${SHOPDB_SKIP_WEB_BUILD:-1} cargo build --release --locked)
    BIN=$repo_root/target/release/shopdb
fi
[ -x "$BIN" ] || die "no binary at $BIN"

# Only the variables set here configure the server.
while IFS= read -r v; do
    unset "$v"
done < <(env | sed -n 's/^\(SHOPDB_[A-Za-z0-9_]*\)=.*/\1/p')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shopdb-bench-inv.XXXXXX")
SERVER_PID=""
MYSQL_DB=""

sql() {
    local client
    client=$(command -v mariadb || command -v mysql)
    # mysql://user[:password]@host:port
    local rest=${MYSQL_URL#mysql://} creds host port user pass
    creds=${rest%@*}
    host=${rest#*@}
    port=${host##*:}
    host=${host%%:*}
    user=${creds%%:*}
    pass=""
    [ "$creds" != "$user" ] && pass=${creds#*:}
    "$client" -h "$host" -P "$port" -u "$user" ${pass:+-p"$pass"} -e "$1"
}

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$MYSQL_DB" ]; then
        sql "DROP DATABASE IF EXISTS \`$MYSQL_DB\`" || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$BACKEND" = mysql ]; then
    MYSQL_DB="shopdb_bench_$(date +%s)_$$"
    sql "CREATE DATABASE \`$MYSQL_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    DB_URL="$MYSQL_URL/$MYSQL_DB"
else
    DB_URL="sqlite://$WORK/shopdb.sqlite"
fi

PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
export SHOPDB_DATABASE__URL=$DB_URL
export SHOPDB_ADMIN__PASSWORD=$PASSWORD
export SHOPDB_LOG__LEVEL=${LOG_LEVEL:-warn}
export SHOPDB_SERVER__BIND=127.0.0.1:$PORT
export SHOPDB_SERVER__SHUTDOWN_GRACE=2s
BASE=http://127.0.0.1:$PORT

echo "== ShopDB inventory benchmark ($BACKEND)"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:     $(uname -srm), $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "binary:   $BIN ($("$BIN" version 2>/dev/null || echo '?'))"
echo "commit:   $(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "tools:    $(wrk --version 2>&1 | head -n1 | cut -c1-40); $(curl --version | head -n1 | cut -d' ' -f1-2)"

echo
echo "== 1. shopdb demo --assets $ASSETS"
t0=$(date +%s.%N)
(cd "$WORK" && "$BIN" demo --assets "$ASSETS" --seed 1) 2>&1 | sed 's/^/    /'
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "    seed wall time: %.1f s\n", b - a }'

(cd "$WORK" && exec "$BIN" serve) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; die "the server exited"; }
    sleep 0.1
    : "$i"
done

access=$(curl -sf -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" \
    | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$access" ] || die "cannot sign in as admin"
TOKEN=$(curl -sf -H "authorization: Bearer $access" -H 'content-type: application/json' \
    -d '{"name":"bench","role":"admin"}' "$BASE/api/v1/tokens" \
    | sed -n 's/.*"token":"\(shp_[^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || die "cannot create an API token"
AUTH="Authorization: Bearer $TOKEN"

first_id=$(curl -sf -H "$AUTH" "$BASE/api/v1/assets/by-tag/CNC-000001" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
[ -n "$first_id" ] || die "the demo site has no CNC-000001"

# wrk reporting p50/p95/p99 and non-2xx counts.
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
    io.write(string.format("    requests: %d in %.1f s = %.0f req/s, non-2xx or errors: %d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
    io.write(string.format("    latency: p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
EOF

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# CPU ticks (user + system) the server has used so far.
server_ticks() {
    sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk '{ print $12 + $13 }'
}
# Busy ticks of the whole machine so far (all but idle and iowait).
machine_ticks() {
    awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6; exit }' /proc/stat
}
# cpu_report T0 M0 WALL_S [REQUESTS]: the server's CPU since T0, and how
# busy the machine was: on a shared machine req/s measures the neighbours
# too, the server's CPU per request far less so.
cpu_report() {
    awk -v s="$(($(server_ticks) - $1))" -v m="$(($(machine_ticks) - $2))" -v hz="$CLK_TCK" \
        -v wall="$3" -v req="${4:-0}" -v n="$(nproc)" 'BEGIN {
        printf "    server CPU: %.2f s (%.2f cores)", s / hz, s / hz / wall
        if (req > 0) printf ", %.0f us per request", s / hz * 1e6 / req
        printf "; machine: %.2f of %d cores busy\n", m / hz / wall, n
    }'
}

# The server's resident memory now, in KiB: "anonymous total". Anonymous
# is what the server allocated; the rest is file pages mapped in (on
# SQLite the database file, through mmap_size), which the kernel shares
# and reclaims like any page cache.
server_rss_kib() {
    awk '/^RssAnon:/ { a = $2 } /^VmRSS:/ { t = $2 } END { print a, t }' "/proc/$SERVER_PID/status"
}
# sample_rss FILE: the server's RSS every 50 ms until killed.
sample_rss() {
    while :; do
        server_rss_kib >>"$1"
        sleep 0.05
    done
}

# run_wrk CONNECTIONS SCRIPT URL [THREADS]: wrk's report plus the server's CPU.
run_wrk() {
    local t0 m0 out
    t0=$(server_ticks)
    m0=$(machine_ticks)
    out=$(wrk -t"${4:-$WRK_THREADS}" -c"$1" -d"$WRK_DURATION" -H "$AUTH" -s "$2" "$3" | sed -n '/^    requests:/,$p')
    printf '%s\n' "$out"
    cpu_report "$t0" "$m0" "$(printf '%s\n' "$out" | awk '/requests:/ { print $4 }')" \
        "$(printf '%s\n' "$out" | awk '/requests:/ { print $2 }')"
}

curl -sf "$BASE/api/openapi.json" >"$WORK/openapi.json"
# has OPERATION_ID: the server has that operation.
has() {
    grep -q "\"operationId\": *\"$1\"" "$WORK/openapi.json"
}

echo
echo "== 2. GET /api/v1/assets/{id}, random ids, $WRK_CONNECTIONS connections"
cat >"$WORK/get.lua" <<EOF
math.randomseed(42)
request = function()
    return wrk.format(nil, "/api/v1/assets/" .. math.random($first_id, $((first_id + ASSETS - 1))))
end
EOF
cat "$WORK/report.lua" >>"$WORK/get.lua"
run_wrk "$WRK_CONNECTIONS" "$WORK/get.lua" "$BASE"

plain_script() {
    cat >"$WORK/$1.lua" <<EOF
request = function() return wrk.format(nil, "$2") end
EOF
    cat "$WORK/report.lua" >>"$WORK/$1.lua"
    echo "$WORK/$1.lua"
}

# Location 2 is the demo's Hall A (the plant is 1).
list_path="/api/v1/assets?limit=50&status=in_service&type=machine&location=2&include_descendants=true&sort=-updated_at"
echo
echo "== 3. list: $list_path, $LIST_CONNECTIONS connections"
if has listAssets; then
    echo "    first page: HTTP $(curl -s -o /dev/null -w '%{http_code}, %{size_download} bytes' -H "$AUTH" "$BASE$list_path")"
    run_wrk "$LIST_CONNECTIONS" "$(plain_script list "$list_path")" "$BASE"
else
    echo "    skipped: listAssets is not built into this binary"
fi

q_path="/api/v1/assets?q=trubend&limit=50"
echo
echo "== 4. substring search: $q_path, $LIST_CONNECTIONS connections"
if has listAssets; then
    run_wrk "$LIST_CONNECTIONS" "$(plain_script search "$q_path")" "$BASE"
    echo "   the same, 1 connection (one search at a time)"
    run_wrk 1 "$WORK/search.lua" "$BASE" 1
    q2="/api/v1/assets?q=10.0.1&limit=50"
    echo "   $q2"
    run_wrk "$LIST_CONNECTIONS" "$(plain_script search2 "$q2")" "$BASE"
    # The digits of one demo serial (a scanner's or a person's exact lookup).
    q3="/api/v1/assets?q=$(printf '%08d' $((ASSETS / 2)))&limit=50"
    echo "   $q3 (a single match)"
    run_wrk "$LIST_CONNECTIONS" "$(plain_script search3 "$q3")" "$BASE"
else
    echo "    skipped: listAssets (q=) is not built into this binary"
fi

echo
echo "== 5. CSV import: $IMPORT_ROWS new rows, committed"
awk -v n="$IMPORT_ROWS" 'BEGIN {
    print "tag,name,type,status,location,manufacturer,model,serial,hostname,ip,mac,owner,department,purchase_date,notes"
    for (i = 1; i <= n; i++) {
        printf "IMP-%07d,Imported machine %d,%s,%s,Plant 1 / Hall A / Line %d / Cell %d,Maker %d,Model %d,SN-I-%07d,imp-%07d,10.%d.%d.%d,02:00:00:%02x:%02x:%02x,Owner %d,Production,2024-%02d-%02d,\"Imported, row %d\"\n",
            i, i, (i % 3 ? "machine" : "computer"), (i % 10 ? "in_service" : "spare"), i % 5 + 1, i % 6 + 1,
            i % 20, i % 50, i, i, 200 + int(i / 65536) % 50, int(i / 256) % 256, i % 256,
            int(i / 65536) % 256, int(i / 256) % 256, i % 256, i % 30, i % 12 + 1, i % 28 + 1, i
    }
}' >"$WORK/import.csv"
echo "    file: $(stat -c %s "$WORK/import.csv") bytes"
t0=$(server_ticks)
m0=$(machine_ticks)
took=$(curl -s -o "$WORK/import.json" -w '%{http_code} %{time_total}' \
    -H "$AUTH" -H 'content-type: text/csv' --data-binary @"$WORK/import.csv" "$BASE/api/v1/assets/import")
echo "    HTTP ${took% *} in ${took#* } s"
cpu_report "$t0" "$m0" "${took#* }"
head -c 300 "$WORK/import.json"
echo

echo
echo "== 6. export of every asset: CSV, then JSON Lines"
if ! has exportAssets; then
    echo "    skipped: exportAssets (GET /api/v1/assets/export) is not built into this binary"
else
    for format in csv jsonl; do
        echo "   format=$format"
        rss0=$(server_rss_kib)
        sample_rss "$WORK/rss.$format" &
        sampler=$!
        t0=$(server_ticks)
        m0=$(machine_ticks)
        took=$(curl -s -o "$WORK/export.$format" -w '%{http_code} %{time_total} %{size_download}' \
            -H "$AUTH" "$BASE/api/v1/assets/export?format=$format")
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        read -r code secs bytes <<<"$took"
        echo "    HTTP $code in $secs s, $bytes bytes"
        cpu_report "$t0" "$m0" "$secs"
        awk -v before="${rss0% *}" '{ if ($1 > anon) anon = $1; if ($2 > total) total = $2; n++ }
            END { printf "    server memory: anonymous %.1f MiB before, peak %.1f MiB while streaming; all resident (with mapped file pages) peak %.1f MiB; %d samples, every 50 ms\n", before / 1024, anon / 1024, total / 1024, n }' \
            "$WORK/rss.$format"
        if [ "$format" = csv ]; then
            echo "    rows: $(($(wc -l <"$WORK/export.csv") - 1)) (lines minus the header; quoted multi-line cells count extra)"
        else
            echo "    rows: $(wc -l <"$WORK/export.jsonl")"
        fi
    done
fi

if grep -q '"bulk run"\|bulk run' "$WORK/server.log"; then
    echo
    echo "== bulk runs (server log)"
    grep 'bulk run' "$WORK/server.log" | sed 's/^/    /'
fi

echo
echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg) (at end)"
