#!/usr/bin/env bash
# Foundation benchmark for the shopdb binary (see docs/PERFORMANCE.md).
#
#   scripts/bench-foundation.sh [BINARY]
#
# BINARY defaults to target/x86_64-unknown-linux-musl/release/shopdb, then
# target/release/shopdb. Build it first (scripts/build-musl.sh, or
# cargo build --release --locked).
#
# Measures, each in a fresh temp dir, on a fresh loopback port:
#   1. binary size;
#   2. cold start: exec -> first /readyz 200 on an empty SQLite database
#      (migrations run), polled with curl in a tight loop; COLD_RUNS times;
#      then the same with a fork-free bash /dev/tcp probe (finer resolution),
#      and a restart on the already-migrated database;
#   3. idle RSS (VmRSS) once ready, and RSS after the load runs;
#   4. wrk -t2 -c64 -d10s --latency on GET /api/v1/meta, WRK_RUNS times
#      (median reported), with log.level=warn (no access log lines), then
#      the same with log.level=info (the default) and the logs sent to
#      /dev/null. Each run also reports the CPU the server and wrk used (per
#      request) and what else kept the machine busy: wrk runs on the same
#      cores, so on a shared machine req/s says as much about the neighbours
#      as about shopdb, while server CPU per request is far steadier.
#
# Environment knobs (defaults in brackets):
#   COLD_RUNS [10]   WRK_RUNS [3]   WRK_DURATION [10s]   WRK_THREADS [2]
#   WRK_CONNECTIONS [64]   READY_TIMEOUT_MS [10000]   SETTLE_S [1]
#   SKIP_INFO=1 skips the log.level=info load run.
# The server gets only the SHOPDB_* variables set here (inherited ones are
# dropped, and it runs in the temp dir, so no ./shopdb.toml); other
# variables pass through, e.g. MIMALLOC_ALLOW_THP=0 for the musl build.
#
# These are benchmarks, not tests: numbers depend on the machine and its
# load. The script exits 1 if the server never becomes ready, 2 on usage
# errors; it never fails because a target is missed.
set -euo pipefail

COLD_RUNS=${COLD_RUNS:-10}
WRK_RUNS=${WRK_RUNS:-3}
WRK_DURATION=${WRK_DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
READY_TIMEOUT_MS=${READY_TIMEOUT_MS:-10000}
SETTLE_S=${SETTLE_S:-1}
SKIP_INFO=${SKIP_INFO:-0}

repo_root=$(cd "$(dirname "$0")/.." && pwd)

# ---------------------------------------------------------------- helpers

die() {
    echo "bench: $*" >&2
    exit 2
}

# Microseconds since the epoch, without forking (bash >= 5 has EPOCHREALTIME).
now_us() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME//[.,]/}
        echo "$t"
    else
        echo $(($(date +%s%N) / 1000))
    fi
}

# min / median / max of the numbers on stdin, one a line, printed with $1 decimals.
stats() {
    sort -g | awk -v d="${1:-1}" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            fmt = "min %." d "f  median %." d "f  max %." d "f  (n=%d)\n"
            printf fmt, v[1], med, v[NR], NR
        }'
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# VmRSS / VmHWM of a pid in kB (as /proc reports it).
mem_kb() {
    awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# "VmRSS 12.3 MiB (12.9 MB)" for a pid; appends the kB figure to $3 if given.
mem_line() {
    local kb
    kb=$(mem_kb "$1" "$2")
    if [ -z "$kb" ]; then
        echo "$2 n/a"
        return 0
    fi
    if [ -n "${3:-}" ]; then
        echo "$kb" >>"$3"
    fi
    awk -v n="$2" -v k="$kb" 'BEGIN { printf "%s %.1f MiB (%.1f MB)", n, k / 1024, k * 1024 / 1e6 }'
}

# A free loopback port below the ephemeral range (so no client socket of
# this or any other program can be holding it), checked with ss if present,
# else with a bash connect.
pick_port() {
    local i p lo hi
    lo=20000
    hi=$(awk '{ print $1 - 1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32767)
    if [ "$hi" -le "$lo" ]; then
        lo=10000
    fi
    for i in $(seq 1 50); do
        p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        if command -v ss >/dev/null 2>&1; then
            if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then
                echo "$p"
                return 0
            fi
        elif ! { exec 9<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then
            echo "$p"
            return 0
        else
            exec 9<&- 9>&-
        fi
        : "$i"
    done
    die "no free port found in 50 tries"
}

# Fork-free readiness probe: one HTTP/1.1 request over bash's /dev/tcp.
probe_bash() {
    local line=""
    { exec 8<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&8 2>/dev/null || true
    IFS= read -r -t 2 line <&8 || true
    exec 8<&- 8>&-
    [[ $line == "HTTP/1.1 200"* ]]
}

probe_curl() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/readyz")" = 200 ]
}

SERVER_PID=""
SERVER_LOG=""
SERVER_PORT=""

# start_server DATA_DIR LOG_LEVEL LOG_FILE: starts `shopdb serve` in DATA_DIR
# on a fresh port, sets SERVER_PID / SERVER_PORT, records START_US just
# before the exec.
start_server() {
    local dir=$1 level=$2 log=$3
    SERVER_PORT=$(pick_port)
    SERVER_LOG=$log
    mkdir -p "$dir"
    START_US=$(now_us)
    (
        cd "$dir"
        exec env SHOPDB_SERVER__BIND="127.0.0.1:$SERVER_PORT" \
            SHOPDB_DATABASE__URL="sqlite://$dir/shopdb.sqlite" \
            SHOPDB_LOG__LEVEL="$level" \
            SHOPDB_SERVER__SHUTDOWN_GRACE=2s \
            "$BIN" serve
    ) >"$log" 2>&1 &
    SERVER_PID=$!
}

# wait_ready PROBE: polls until /readyz answers 200 (prints elapsed ms since
# START_US), the server exits, or READY_TIMEOUT_MS passes. Returns 1 on failure.
wait_ready() {
    local probe=$1 deadline t i
    deadline=$((START_US + READY_TIMEOUT_MS * 1000))
    # Bounded twice: by wall time and by iteration count.
    for i in $(seq 1 100000); do
        if "$probe" "$SERVER_PORT"; then
            t=$(now_us)
            awk -v a="$START_US" -v b="$t" 'BEGIN { printf "%.1f\n", (b - a) / 1000 }'
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "bench: the server exited before it became ready; its output:" >&2
            sed 's/^/    /' "$SERVER_LOG" >&2 || true
            return 1
        fi
        if [ "$(now_us)" -gt "$deadline" ]; then
            echo "bench: /readyz not 200 within ${READY_TIMEOUT_MS} ms ($i probes); server output:" >&2
            sed 's/^/    /' "$SERVER_LOG" >&2 || true
            return 1
        fi
    done
    echo "bench: gave up after $i probes" >&2
    return 1
}

# Stops the server started by start_server: SIGTERM, up to 5 s, then SIGKILL.
stop_server() {
    local i
    [ -n "$SERVER_PID" ] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for i in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
            : "$i"
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "bench: server $SERVER_PID ignored SIGTERM for 5 s; killing it" >&2
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

WORK=""
cleanup() {
    stop_server
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# CPU ticks (user + system, all threads) a process has used so far.
proc_ticks() {
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# "BUSY IRQ STEAL" ticks of the whole machine so far. Busy is user..steal
# (guest time is already inside user/nice; idle and iowait are not busy).
# IRQ is irq + softirq: loopback TCP work that no process is charged for.
# STEAL is time the hypervisor gave to other guests.
machine_ticks() {
    awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, $7 + $8, $9; exit }' /proc/stat
}

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# Runs wrk once against /api/v1/meta, prints its output plus where the CPU
# went, appends req/s to $1 and the server's CPU microseconds per request to $2.
run_wrk() {
    local out=$1 cpu_out=$2 url="http://127.0.0.1:$SERVER_PORT/api/v1/meta" res
    local s0 s1 m0 m1 t0 t1 wrk_cpu
    s0=$(proc_ticks "$SERVER_PID")
    m0=$(machine_ticks)
    t0=$(now_us)
    # `times` in the same subshell: its last line is wrk's user and system CPU.
    res=$(
        wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "$url"
        times
    )
    t1=$(now_us)
    wrk_cpu=$(printf '%s\n' "$res" | tail -n1 | awk '{
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        print t }')
    res=$(printf '%s\n' "$res" | head -n -2)
    s1=$(proc_ticks "$SERVER_PID")
    m1=$(machine_ticks)
    printf '%s\n' "$res" | while IFS= read -r line; do echo "    $line"; done
    if echo "$res" | grep -q 'Non-2xx'; then
        echo "    WARNING: non-2xx responses; the req/s figure is not valid"
    fi
    echo "$res" | awk '/^Requests\/sec:/ { print $2 }' >>"$out"
    # Server CPU per request is far less sensitive to other load than req/s.
    echo "$res" | awk -v s="$((s1 - s0))" -v mb="$m1 $m0" -v hz="$CLK_TCK" \
        -v us="$((t1 - t0))" -v n="$(nproc)" -v f="$cpu_out" -v w="$wrk_cpu" '
        / requests in / { req = $1 }
        END {
            split(mb, m, " ")
            wall = us / 1e6; srv = s / hz
            busy = (m[1] - m[4]) / hz; irq = (m[2] - m[5]) / hz; steal = (m[3] - m[6]) / hz
            if (req > 0) {
                printf "    server CPU: %.2f s = %.2f cores, %.1f us per request\n", srv, srv / wall, srv * 1e6 / req
                printf "%.1f\n", srv * 1e6 / req >> f
            }
            printf "    wrk CPU: %.2f s = %.2f cores", w, w / wall
            if (req > 0) printf ", %.1f us per request", w * 1e6 / req
            printf "\n    machine: %.2f of %d cores busy = server %.2f + wrk %.2f + irq/softirq %.2f + steal %.2f + other processes %.2f\n", \
                busy / wall, n, srv / wall, w / wall, irq / wall, steal / wall, (busy - srv - w - irq - steal) / wall
        }'
}

# ---------------------------------------------------------------- setup

if [ $# -gt 1 ]; then
    die "usage: $0 [BINARY]"
fi
if [ $# -eq 1 ]; then
    BIN=$1
elif [ -x "$repo_root/target/x86_64-unknown-linux-musl/release/shopdb" ]; then
    BIN=$repo_root/target/x86_64-unknown-linux-musl/release/shopdb
elif [ -x "$repo_root/target/release/shopdb" ]; then
    BIN=$repo_root/target/release/shopdb
else
    die "no binary: build with scripts/build-musl.sh (or cargo build --release --locked), or pass a path"
fi
[ -x "$BIN" ] || die "not executable: $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

for tool in curl wrk awk sort; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install $tool)"
done
case $COLD_RUNS$WRK_RUNS in
    *[!0-9]*) die "COLD_RUNS and WRK_RUNS must be whole numbers" ;;
esac
if [ "$COLD_RUNS" -lt 1 ] || [ "$COLD_RUNS" -gt 1000 ]; then
    die "COLD_RUNS must be 1..1000"
fi
if [ "$WRK_RUNS" -lt 1 ] || [ "$WRK_RUNS" -gt 100 ]; then
    die "WRK_RUNS must be 1..100"
fi

# Only the variables set here configure the server: no config file (the
# server runs in the temp dir, so no ./shopdb.toml) and no inherited SHOPDB_*.
while IFS= read -r v; do
    unset "$v"
done < <(env | sed -n 's/^\(SHOPDB_[A-Za-z0-9_]*\)=.*/\1/p')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shopdb-bench.XXXXXX")

echo "== ShopDB foundation benchmark"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:     $(uname -srm), $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "memory:   $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "binary:   $BIN"
echo "version:  $("$BIN" version 2>/dev/null || echo '?')"
echo "tools:    $(wrk --version 2>&1 | head -n1 | cut -c1-60); $(curl --version | head -n1 | cut -d' ' -f1-2)"
echo "work dir: $WORK"

# ---------------------------------------------------------------- 1. size

echo
echo "== 1. binary size"
size=$(stat -L -c %s "$BIN")
awk -v b="$size" 'BEGIN { printf "size: %d bytes = %.2f MiB\n", b, b / 1048576 }'
if command -v file >/dev/null 2>&1; then
    echo "file: $(file -b -L "$BIN")"
fi

# ---------------------------------------------------------------- 2. cold start

# Cost of one failed curl probe (connection refused): the polling resolution.
probe_cost=$(
    p=$(pick_port)
    for i in $(seq 1 10); do
        a=$(now_us)
        probe_curl "$p" || true
        b=$(now_us)
        echo $(((b - a) / 1000)).$((((b - a) % 1000) / 100))
        : "$i"
    done | median
)

echo
echo "== 2. cold start: exec -> first /readyz 200, empty SQLite DB, log.level=warn"
echo "curl probe cost (refused connection), median of 10: ${probe_cost} ms; the figures below include up to ~2 probes"
: >"$WORK/cold-curl.txt"
for i in $(seq 1 "$COLD_RUNS"); do
    start_server "$WORK/cold-$i" warn "$WORK/cold-$i.log"
    ms=$(wait_ready probe_curl) || exit 1
    echo "$ms" >>"$WORK/cold-curl.txt"
    stop_server
done
echo "curl probe (ms):      $(stats 1 <"$WORK/cold-curl.txt")"
echo "  runs: $(tr '\n' ' ' <"$WORK/cold-curl.txt")"

: >"$WORK/cold-bash.txt"
for i in $(seq 1 "$COLD_RUNS"); do
    start_server "$WORK/coldb-$i" warn "$WORK/coldb-$i.log"
    ms=$(wait_ready probe_bash) || exit 1
    echo "$ms" >>"$WORK/cold-bash.txt"
    stop_server
done
echo "/dev/tcp probe (ms):  $(stats 1 <"$WORK/cold-bash.txt")"
echo "  runs: $(tr '\n' ' ' <"$WORK/cold-bash.txt")"

# Restart on the database the first curl run migrated: no migrations to apply.
: >"$WORK/warm-bash.txt"
for i in $(seq 1 "$COLD_RUNS"); do
    start_server "$WORK/cold-1" warn "$WORK/warm-$i.log"
    ms=$(wait_ready probe_bash) || exit 1
    echo "$ms" >>"$WORK/warm-bash.txt"
    stop_server
done
echo "restart, schema already current, /dev/tcp probe (ms): $(stats 1 <"$WORK/warm-bash.txt")"

if command -v hyperfine >/dev/null 2>&1; then
    echo "process floor: \`shopdb version\` (exec, parse args, print, exit):"
    hyperfine -N --warmup 5 --runs 50 --style basic "$BIN version" 2>&1 \
        | sed -n 's/^ *Time (mean ± σ): */    mean ± σ: /p'
fi

# ---------------------------------------------------------------- 3+4. RSS and load, warn

# load_run LABEL LEVEL LOG RUNS: start, RSS, warm-up, RUNS x wrk, RSS, stop.
load_run() {
    local label=$1 level=$2 log=$3 runs=$4 dir i
    dir="$WORK/load-$level"
    echo
    echo "== $label"
    start_server "$dir" "$level" "$log"
    wait_ready probe_bash >/dev/null || exit 1
    sleep "$SETTLE_S"
    echo "idle RSS after startup (+${SETTLE_S}s): $(mem_line "$SERVER_PID" VmRSS "$WORK/idle-$level.txt"), $(mem_line "$SERVER_PID" VmHWM)"
    echo "  of which $(mem_line "$SERVER_PID" RssAnon), $(mem_line "$SERVER_PID" RssFile) (the binary's pages);" \
        "anonymous huge pages (THP) $(awk '/^AnonHugePages:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$SERVER_PID/smaps_rollup" 2>/dev/null || echo n/a);" \
        "threads $(awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status")"
    curl -fsS "http://127.0.0.1:$SERVER_PORT/api/v1/meta" >"$WORK/meta.json" || {
        echo "bench: GET /api/v1/meta failed" >&2
        exit 1
    }
    echo "GET /api/v1/meta: $(wc -c <"$WORK/meta.json") bytes of JSON"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d2s "http://127.0.0.1:$SERVER_PORT/api/v1/meta" >/dev/null
    echo "(2 s warm-up done)"
    : >"$WORK/rps-$level.txt"
    : >"$WORK/cpu-$level.txt"
    for i in $(seq 1 "$runs"); do
        echo "-- wrk run $i/$runs: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency http://127.0.0.1:PORT/api/v1/meta"
        run_wrk "$WORK/rps-$level.txt" "$WORK/cpu-$level.txt"
    done
    echo "Requests/sec ($level): $(stats 0 <"$WORK/rps-$level.txt")"
    echo "server CPU us/request ($level): $(stats 1 <"$WORK/cpu-$level.txt")"
    echo "RSS right after load: $(mem_line "$SERVER_PID" VmRSS), peak $(mem_line "$SERVER_PID" VmHWM)"
    sleep "$SETTLE_S"
    echo "RSS ${SETTLE_S}s after load: $(mem_line "$SERVER_PID" VmRSS "$WORK/after-$level.txt")"
    stop_server
}

load_run "3/4. idle RSS and GET /api/v1/meta throughput, log.level=warn (no access log)" \
    warn "$WORK/load-warn.log" "$WRK_RUNS"
if [ "$SKIP_INFO" != 1 ]; then
    load_run "4b. the same at log.level=info (default; one access-log line per request, to /dev/null)" \
        info /dev/null "$WRK_RUNS"
fi

# ---------------------------------------------------------------- summary

echo
echo "== summary (targets from the foundation issue)"
cold_med=$(median <"$WORK/cold-curl.txt")
rps_med=$(median <"$WORK/rps-warn.txt")
idle_kb=$(cat "$WORK/idle-warn.txt" 2>/dev/null || echo 0)
after_kb=$(cat "$WORK/after-warn.txt" 2>/dev/null || echo 0)
awk -v c="$cold_med" -v r="$rps_med" -v s="$size" -v i="$idle_kb" -v a="$after_kb" 'BEGIN {
    printf "cold start to /readyz 200 (curl, median): %8.1f ms      target < 300 ms    %s\n", c, (c < 300 ? "met" : "MISSED")
    printf "GET /api/v1/meta, warn (median):          %8.0f req/s   target >= 20000    %s\n", r, (r >= 20000 ? "met" : "MISSED")
    printf "idle RSS after startup, warn:             %8.1f MB      target < 30 MB     %s  (%.1f MiB; %.1f MB after load)\n", i * 1024 / 1e6, (i > 0 && i * 1024 < 30e6 ? "met" : "MISSED"), i / 1024, a * 1024 / 1e6
    printf "binary size:                              %8.1f MB      target < 30 MB     %s  (%.2f MiB)\n", s / 1e6, (s < 30e6 ? "met" : "MISSED"), s / 1048576
}'
echo "server CPU per GET /api/v1/meta, warn (median): $(median <"$WORK/cpu-warn.txt") us"
if [ -s "$WORK/rps-info.txt" ]; then
    awk -v r="$(median <"$WORK/rps-info.txt")" -v c="$(median <"$WORK/cpu-info.txt")" \
        'BEGIN { printf "GET /api/v1/meta, info, logs to /dev/null (median): %.0f req/s, %.1f us server CPU per request\n", r, c }'
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(MB = 10^6 bytes, MiB = 2^20 bytes. The machine may be shared: compare medians across runs.)"
