# syntax=docker/dockerfile:1
#
# ShopDB container image: the static musl binary (web UI embedded) on a
# minimal base, run as an unprivileged user, data in the /data volume.
#
#   docker build -t shopdb:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) .
#
# Each build stage runs the same commands as CI and scripts/release.sh run
# outside a container (no container engine runs where ShopDB is built and
# tested, so those runs are what proves the commands work):
#   web   -> npm ci --no-audit --no-fund; npm run build        (in web/)
#   build -> SHOPDB_WEB_DIST=<web output> scripts/build-musl.sh
#            = cargo build --release --locked --target x86_64-unknown-linux-musl
# The image is x86_64 only, like the release tarball.
#
# Base images are pinned to exact versions so a rebuild gives the same
# toolchain; bump them on purpose, in one commit, with a test run:
#   node:20.20.2-bookworm-slim  Node 20 LTS, the version CI builds the UI with
#                               (web/package.json accepts ^20.19 or >=22.12)
#   rust:1.95.0-slim-bookworm   Rust 1.95 (Cargo.toml's rust-version) on Debian 12,
#                               the system CI runs on, so musl-tools is the same package
#   alpine:3.23.4               runtime: ~8 MB, has the CA bundle that LDAPS needs
#                               (auth.ldap.ca_file empty = system CAs) and a shell
#                               for `docker compose exec` troubleshooting. The binary
#                               is static, so nothing else from the base is used.

FROM node:20.20.2-bookworm-slim AS web
# playwright-core (the e2e runner) must never download a browser.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
# `npm run build` generates the API client types from ../openapi/openapi.json first.
COPY openapi/openapi.json /src/openapi/openapi.json
COPY web/ ./
RUN npm run build

FROM rust:1.95.0-slim-bookworm AS build
# musl-tools: ring and the bundled SQLite are C code compiled for musl
# (x86_64-linux-musl-gcc). Pinned to Debian 12's version.
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools=1.2.3-1 \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo/config.toml ./.cargo/config.toml
COPY src ./src
COPY migrations ./migrations
# Declared in Cargo.toml: cargo checks that these targets exist even when
# it builds only the binary.
COPY benches ./benches
COPY tests ./tests
COPY scripts/build-musl.sh ./scripts/build-musl.sh
COPY --from=web /src/web/dist /src/web-dist
# The context has no .git: the commit comes in as a build argument.
ARG GIT_COMMIT=""
RUN SHOPDB_WEB_DIST=/src/web-dist SHOPDB_GIT_COMMIT="${GIT_COMMIT}" scripts/build-musl.sh

FROM alpine:3.23.4
ARG VERSION=""
ARG GIT_COMMIT=""
LABEL org.opencontainers.image.title="ShopDB" \
      org.opencontainers.image.description="Shop-floor asset inventory for one manufacturing site: API, web UI and plugins in one static binary." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.documentation="docs/DEPLOY.md"
# A fixed, unprivileged uid/gid (10001), so volume ownership is predictable
# and orchestrators that require a numeric non-root user accept the image.
RUN addgroup -S -g 10001 shopdb \
    && adduser -S -D -H -u 10001 -G shopdb -h /data -s /sbin/nologin shopdb \
    && install -d -o shopdb -g shopdb -m 0750 /data
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/shopdb /usr/local/bin/shopdb
# Listen on every interface inside the container; keep SQLite (when no
# MySQL URL is given) in the volume. Everything else: see .env.example.
ENV SHOPDB_SERVER__BIND=0.0.0.0:8080 \
    SHOPDB_DATABASE__URL=sqlite:///data/shopdb.sqlite
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
# `shopdb healthcheck` GETs /readyz on the configured bind address (0.0.0.0
# becomes 127.0.0.1): 0 ready, 1 not ready or unreachable. The start period
# covers database.startup_retry_for (1m by default) plus migrations.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["shopdb", "healthcheck"]
ENTRYPOINT ["shopdb"]
CMD ["serve"]
