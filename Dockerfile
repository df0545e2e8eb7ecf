# The image of every service, from this one file, built from the repository root:
#   docker build --build-arg SERVICE=orders -t mercato/orders .
# SERVICE names a folder under services/; skaffold.yaml and `npm run check:images` build each
# service's image this way. Production runs the service bundled to plain JavaScript with `node`
# (scripts/build): no tsx, no TypeScript, no dev dependencies in the image.
#
# The base is pinned by version. Where a registry is reachable, pin it by digest too
# (node:24.22.3-slim@sha256:…, from `docker buildx imagetools inspect node:24.22.3-slim`) and let
# Renovate or Dependabot (docker manager) propose each new patch release and digest as a pull request;
# the chart's values pin each service image by digest the same way (image.digest), set by CI from the
# pushed image. No registry is reachable from the machine this was written on: its node:24.22.3-slim is
# built locally (../shared/containers/setup.sh), so it has no registry digest to pin.
ARG NODE_IMAGE=node:24.22.3-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# Only the package manifests of the whole workspace, without their "scripts" (npm ci runs none):
# the layers below change when dependencies do, not when a source file or a script does, so the
# `npm ci` after it stays cached while code changes.
FROM base AS manifests
COPY . /src
RUN cd /src && mkdir -p /manifests \
  && for f in package.json package-lock.json libs/*/package.json services/*/package.json; do \
       mkdir -p "/manifests/$(dirname "$f")" && cp "$f" "/manifests/$f"; \
     done \
  && node -e 'for (const f of process.argv.slice(1)) { \
       const p = JSON.parse(fs.readFileSync(f, "utf8")); delete p.scripts; fs.writeFileSync(f, JSON.stringify(p, null, 2)); }' \
     /manifests/package.json /manifests/*/*/package.json

# Every dependency, dev ones included (esbuild builds): one layer shared by all services' builds.
# --ignore-scripts skips the `node` package's download of a second Node 24 (the image is Node 24) and
# install scripts generally; what the services load needs none (prebuilt binaries come as packages).
FROM base AS deps
COPY --from=manifests /manifests/ ./
RUN npm ci --include=dev --ignore-scripts && npm cache clean --force

# `skaffold dev -p dev` builds this stage: the TypeScript sources run by tsx under node --watch, so
# the sources skaffold syncs into /app restart the service in about a second. Development only: dev
# dependencies, writable sources; production images are the last stage.
FROM deps AS dev
COPY --chown=node:node . .
ARG SERVICE
ENV PORT=8080
WORKDIR /app/services/${SERVICE}
USER node
CMD ["node", "--watch", "--enable-source-maps", "--import", "tsx", "--import", "@mercato/kit/instrument", "src/server.ts"]

# Bundles the service and lays out what it needs at run time in /out: its dist/ and run-time folders,
# and only the npm packages its bundles import, with their dependencies (scripts/build/runtime-tree.ts).
FROM deps AS build
COPY . .
ARG SERVICE
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<folder under services/>' >&2; exit 1; }
RUN node --import tsx scripts/build/index.ts "$SERVICE" --out /out
# Node's compile cache of the service's modules (scripts/build/bundle.ts), so the image's starts skip
# most parsing and compiling: written by one start of the CMD below that stops at the configuration
# check (PORT=-1 is refused) once instrument.js and every module server.js imports are loaded. As
# user node: Node keeps a cache per user id. Made readable: the image's copy is root's, read-only.
RUN install -d -o node -g node "/out/services/$SERVICE/dist/.compile-cache"
USER node
RUN cd "/out/services/$SERVICE" \
  && { PORT=-1 node --enable-source-maps --max-semi-space-size=2 --import ./dist/instrument.js ./dist/server.js 2>&1 | grep -q '^config: '; } \
  && test -n "$(ls -A dist/.compile-cache)" && chmod -R a+rX dist/.compile-cache
USER root

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production
ENV PORT=8080
WORKDIR /app/services/${SERVICE}
# Owned by root and not writable by the service's user: the code cannot be changed at run time even
# where the root file system is writable. node_modules first: it changes less often than the code.
COPY --from=build /out/node_modules /app/node_modules
COPY --from=build /out/services /app/services
EXPOSE 8080
USER node
# Exec form: node itself is the process that gets SIGTERM, and the service handles it
# (close-with-grace: stops taking requests and messages, finishes those in flight, closes
# connections). Run it with an init as PID 1 all the same (`--init`, compose `init: true`) to reap
# any child process. The kit's instrument module starts tracing first; it exports only when
# OTEL_EXPORTER_OTLP_ENDPOINT is set. --enable-source-maps: stack traces name the TypeScript lines.
# --max-semi-space-size=2: V8 sizes the young generation from the heap limit: 64-128 MB measured in an
# idle service here, a third of its RSS; 2 MB semi-spaces cut that for more, cheaper scavenges (orders
# idle: 136 MB with 8, 124 MB with 2). MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas hold freed
# memory; two are plenty for one JavaScript thread and a few helpers (-3 MB). Every service's
# package.json `start` runs this same command (scripts/build/launch.ts; build.test.ts checks).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "--import", "./dist/instrument.js", "./dist/server.js"]
