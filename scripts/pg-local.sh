#!/usr/bin/env bash
# Project-local PostgreSQL for `make run`: a cluster under .data/pg, loopback only, trust auth, never a system service.
#   scripts/pg-local.sh start   initdb on first use, start if not running, print the DATABASE_URL on stdout
#   scripts/pg-local.sh stop    stop it (the data stays)
#   scripts/pg-local.sh url     print the DATABASE_URL of the running cluster
# PG_PORT (default 54329) picks the port on first start; PG_DATA moves the cluster.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
data="${PG_DATA:-$root/.data/pg}"
port="${PG_PORT:-54329}"
database="${PG_DATABASE:-orders}"

# initdb refuses to run as root: run the server as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { as_pg pg_ctl -D "$data" status >/dev/null 2>&1; }

# The port a running cluster really listens on (line 4 of postmaster.pid), whatever PG_PORT says now.
running_port() { sed -n 4p "$data/postmaster.pid"; }

url() { echo "postgres://postgres@127.0.0.1:$(running_port)/$database"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  for tool in initdb pg_ctl; do
    command -v "$tool" >/dev/null || { echo "pg-local: $tool not found; install PostgreSQL server binaries or set DATABASE_URL" >&2; exit 1; }
  done
  if [ ! -s "$data/PG_VERSION" ]; then
    echo "pg-local: creating a cluster in $data" >&2
    mkdir -p "$data"
    chmod 700 "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
    as_pg initdb -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-instructions >/dev/null
  fi
  if running; then
    echo "pg-local: already running on port $(running_port)" >&2
  else
    if port_in_use "$port"; then
      echo "pg-local: port $port is taken; choose another with PG_PORT=..." >&2
      exit 1
    fi
    echo "pg-local: starting on 127.0.0.1:$port" >&2
    as_pg pg_ctl -D "$data" -l "$data/server.log" -w -t 30 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data" start >/dev/null
  fi
  # The service's migrations would create it too; doing it here keeps a failed existence probe out of its log.
  if command -v psql >/dev/null; then
    local p; p="$(running_port)"
    if [ "$(psql -h 127.0.0.1 -p "$p" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
      psql -h 127.0.0.1 -p "$p" -U postgres -d postgres -qc "CREATE DATABASE \"$database\"" >/dev/null
    fi
  fi
  url
}

case "${1:-start}" in
  start) start ;;
  stop)
    if running; then as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null && echo "pg-local: stopped" >&2
    else echo "pg-local: not running" >&2; fi ;;
  url) running && url || { echo "pg-local: not running" >&2; exit 1; } ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
