# syntax=docker/dockerfile:1
# The operand image: PostgreSQL 15 plus pg-instance-manager as PID 1, uid 26, read-only root filesystem.
# Checked in CI by scripts/check-dockerfile.ts (no Docker engine runs there); see image/README.md.
#
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg SOURCE_URL=<repository URL> -t pg-instance-manager:0.1.0 .
#
# Pin the bases by digest in the release pipeline (FROM debian:12.11-slim@sha256:...): the version tags
# below are what CI can check offline.
ARG NODE_VERSION=24.21.0
ARG DEBIAN_VERSION=12.11
ARG PG_MAJOR=15
ARG PG_DEB_VERSION=15.18-0+deb12u1

# ---- build: compile TypeScript and the N-API addon, then keep only production dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json binding.gyp ./
COPY src/ src/
COPY scripts/bundle.mjs scripts/esbuild-plugins.mjs scripts/
# The official node image carries Node's headers under /usr/local: node-gyp needs no download. The bundle
# records the launcher's V8 flags for this stage's Node (dist/bundle/v8-flags), the binary the runtime stage copies.
RUN npx tsc -p tsconfig.json \
 && node scripts/bundle.mjs \
 && npx node-gyp rebuild --nodedir=/usr/local \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Debian slim, PostgreSQL from Debian, the Node binary of the build stage, our files.
FROM debian:${DEBIAN_VERSION}-slim AS runtime
ARG PG_MAJOR
ARG PG_DEB_VERSION
ARG NODE_VERSION
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="pg-instance-manager" \
      org.opencontainers.image.description="PostgreSQL ${PG_MAJOR} with a TypeScript instance manager speaking CloudNativePG's operand contract" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.pg-instance-manager.node-version="${NODE_VERSION}"

# uid/gid 26 as in CloudNativePG's operand images, created before the packages so they reuse it; no
# default cluster (the manager runs initdb into PGDATA itself). libstdc++6: the official Node binary links it.
# barman-cli-cloud (with python3-boto3) takes backups, restores and checks an archive is empty, as in
# CloudNativePG's operand images; python3-azure is its Azure Blob provider (about 0.5 GB installed: drop it from
# an image that only ever uses S3).
RUN groupadd --system --gid 26 postgres \
 && useradd --system --uid 26 --gid 26 --home-dir /var/lib/postgresql --no-create-home --shell /usr/sbin/nologin postgres \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main-cluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}=${PG_DEB_VERSION}" libstdc++6 ca-certificates barman-cli-cloud python3-azure \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log \
 && mkdir -p /controller /var/lib/postgresql/data \
 && chown 26:26 /controller /var/lib/postgresql /var/lib/postgresql/data \
 && chmod 0700 /var/lib/postgresql/data

# Only runtime files: the Node binary (no npm, no corepack), compiled code, production node_modules,
# the addon and image/ assets. Everything is owned by root and read-only to uid 26.
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /src/package.json /opt/pg-instance-manager/package.json
COPY --from=build /src/node_modules/ /opt/pg-instance-manager/node_modules/
COPY --from=build /src/dist/bundle/ /opt/pg-instance-manager/dist/bundle/
COPY --from=build /src/build/Release/os_calls.node /opt/pg-instance-manager/build/Release/os_calls.node
COPY --from=build /src/build/Release/wal-client /opt/pg-instance-manager/build/Release/wal-client
COPY image/ /opt/pg-instance-manager/image/
COPY image/bin/manager /usr/local/bin/manager

# PGIM_CONTAINER=1 tells the manager it runs in this image: started as root it refuses (as postgres does)
# instead of dropping privileges. TMPDIR is on the /controller emptyDir, as in CloudNativePG pods.
ENV PGIM_CONTAINER=1 \
    PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin \
    PGDATA=/var/lib/postgresql/data/pgdata \
    TMPDIR=/controller/tmp \
    LANG=C.UTF-8 \
    NODE_ENV=production
WORKDIR /var/lib/postgresql
USER 26:26
EXPOSE 5432 8000 9187
STOPSIGNAL SIGTERM
# The launcher execs Node, so Node itself is PID 1: no shell left, no tini (the manager reaps orphans through
# its addon).
ENTRYPOINT ["/usr/local/bin/manager"]
CMD ["instance", "run"]
