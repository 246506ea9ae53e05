#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: a temp directory, a free port, run as the `postgres`
# user (PostgreSQL refuses to run as root), stopped and removed on exit even when the command
# fails.
#
#   scripts/pg-cluster.sh CMD [ARGS…]
#
# runs CMD with EVERRUNS_TEST_PG_URL=postgres://postgres@127.0.0.1:PORT/postgres (a superuser
# URL; tests create one database each) and exits with CMD's status. PG_FSYNC=on keeps fsync
# (the default is off: tests need no durability across a power cut; the bench does). Installs the Debian
# `postgresql` package only when `initdb`/`pg_ctl` are missing.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

find_bin() {
  local name=$1 d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return 0; fi
  done
  command -v "$name" 2>/dev/null || return 1
}

if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
  echo "pg-cluster: PostgreSQL binaries missing; apt-get install -y postgresql" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)

PG_USER=${PG_USER:-postgres}
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

DIR=$(mktemp -d /tmp/everruns-pg.XXXXXX)
chmod 755 "$DIR"
if [ "$(id -u)" = 0 ]; then chown "$PG_USER" "$DIR"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  local rc=$?
  as_pg "$PG_CTL" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  exit $rc
}
trap cleanup EXIT INT TERM

as_pg "$INITDB" -D "$DIR/data" -A trust -U postgres -E UTF8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_pg "$PG_CTL" -D "$DIR/data" -l "$DIR/server.log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-off}" -w start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 1; }
echo "pg-cluster: PostgreSQL on 127.0.0.1:$PORT (data in $DIR/data)" >&2

export EVERRUNS_TEST_PG_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
set +e
"$@"
rc=$?
set -e
exit $rc
