# syntax=docker/dockerfile:1
# Threadkeeper's container image (README: "Run with Docker").
#   docker build -t threadkeeper .
#   docker run -p 3000:3000 -v threadkeeper:/data threadkeeper          # one person, embedded PGlite
#   docker run --rm -e DATABASE_URL=… threadkeeper node migrate.mjs      # apply migrations, then exit
# The base is the official Node.js image, pinned (the same tag in every stage); bump it for Node fixes.

# 1. Dependencies, exactly as package-lock.json pins them (dev ones too: the build needs them).
FROM node:24.9.0-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# Behind a TLS-inspecting proxy, hand its CA in as a build secret (never a layer):
#   docker build --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt .
# (podman build: add --ulimit nofile=65536:65536, or npm ci runs out of files before Node reads the CA.)
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=npm_ca \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --no-audit --no-fund --loglevel=warn

# 2. The build: `next build` and the standalone folder (server, static files, migrations, migrate.mjs).
FROM node:24.9.0-bookworm-slim AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /src/node_modules ./node_modules
COPY . .
RUN npm run build

# 3. The runtime's base: the official image without the package managers the app never runs (npm,
#    corepack, yarn and Node's C headers: about 20 MB, and tools one less), flattened into one layer so
#    what is removed is really gone from the image.
FROM node:24.9.0-bookworm-slim AS node-runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node && node --version

# 4. The runtime: the standalone folder alone, owned by root and read-only to the app's user.
FROM scratch AS runtime
COPY --from=node-runtime / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_VERSION=24.9.0 \
    NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0
WORKDIR /app
# /data: the embedded database (and, with no BETTER_AUTH_SECRET, the secret made for it) when
# DATABASE_URL is unset. The app keeps both under .data/ in its working directory: a link to the volume.
# .next/cache: Next.js's image-optimisation cache, the only place the app writes besides /data.
RUN mkdir -p /data /app/.next/cache && chown node:node /data /app/.next/cache && ln -s /data /app/.data
COPY --from=build /src/.next/standalone ./
COPY scripts/container-start.mjs ./container-start.mjs
# The official image's unprivileged user (uid 1000).
USER node
VOLUME /data
EXPOSE 3000
# SIGTERM starts the graceful shutdown: /api/ready turns 503, replies in progress get up to
# SHUTDOWN_GRACE_MS (default 25 s) to finish and are stored, then the process exits 0. Give the
# orchestrator a longer stop timeout (docker stop -t 35, compose stop_grace_period: 35s, Kubernetes
# terminationGracePeriodSeconds: 35); docker's default of 10 s would kill replies mid-way.
STOPSIGNAL SIGTERM
# No curl in the slim image: Node asks. Liveness only (/api/ready also checks the database).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT||3000}/api/health`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "container-start.mjs"]
