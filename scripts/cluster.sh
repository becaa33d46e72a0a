#!/usr/bin/env bash
# `make cluster`: several Orders.Api nodes on one PostgreSQL behind nginx, on loopback, from the Release build.
#   scripts/cluster.sh run    start PostgreSQL (scripts/pg-local.sh, unless DATABASE_URL is set), the nodes and nginx,
#                             wait until each node is ready, print the URL and stay; Ctrl-C stops the nodes and nginx
#   scripts/cluster.sh stop   stop the nodes and nginx a `run` left behind (from another terminal, or after a crash)
# PORT (default 3004) is nginx's port, CLUSTER_PORTS (default "3011 3012 3013") the nodes'. The nodes get the
# environment as it is (ACCESS_TOKEN_SECRET, ISSUER, FRONTEND_URL: mk/cluster.mk passes the development values).
# Pids and logs go to .data/cluster, nginx's files to .data/nginx. PostgreSQL keeps running afterwards (make db-stop).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.data/cluster"
port="${PORT:-3004}"
nodes="${CLUSTER_PORTS:-3011 3012 3013}"
dll="${ORDERS_API_DLL:-$root/Orders.Api/bin/Release/net10.0/Orders.Api.dll}"
ready_timeout="${CLUSTER_READY_TIMEOUT:-120}"

say() { echo "cluster: $*" >&2; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A pid file's process, if it is still the node this script started (a pid may have been reused since).
node_pid() {
  local file="$1" pid
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'Orders.Api.dll' && echo "$pid"
}

stop_nodes() {
  local file pid
  for file in "$state"/node-*.pid; do
    [ -e "$file" ] || continue
    if pid="$(node_pid "$file")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then say "node pid $pid did not stop in 10 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
      say "stopped node $(basename "$file" .pid | sed 's/^node-//')"
    fi
    rm -f "$file"
  done
}

stop() {
  stop_nodes
  NGINX_PREFIX="$root/.data/nginx" "$root/scripts/nginx-local.sh" stop || true
}

# The status code of GET /readyz on a node, without curl (a fresh Debian machine may have none).
readyz_status() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    read -r -t 2 _ code _ <&3 && echo "$code"
  ) 2>/dev/null
}

wait_ready() {
  local p="$1" deadline=$((SECONDS + ready_timeout))
  until [ "$(readyz_status "$p")" = 200 ]; do
    if ! node_pid "$state/node-$p.pid" >/dev/null; then
      say "node $p exited before it was ready; last lines of $state/node-$p.log:"; tail -n 20 "$state/node-$p.log" >&2; return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "node $p not ready after ${ready_timeout} s; last lines of $state/node-$p.log:"; tail -n 20 "$state/node-$p.log" >&2; return 1
    fi
    sleep 0.5
  done
}

start_node() {
  local p="$1"
  PORT="$p" nohup "${DOTNET:-dotnet}" "$dll" >"$state/node-$p.log" 2>&1 &
  echo $! > "$state/node-$p.pid"
}

run() {
  [ -f "$dll" ] || { say "$dll does not exist; build it first (make build)"; exit 1; }
  mkdir -p "$state"
  local p
  for p in $port $nodes; do
    if port_in_use "$p"; then say "port $p is taken (another make run or make cluster? make cluster-stop); choose others with PORT=… CLUSTER_PORTS=…"; exit 1; fi
  done
  if [ -z "${DATABASE_URL:-}" ] && [ -z "${ConnectionStrings__Orders:-}" ]; then
    DATABASE_URL="$("$root/scripts/pg-local.sh" start)"; export DATABASE_URL
  fi

  trap stop EXIT
  # Ctrl-C is the way to stop it: the EXIT trap stops the nodes and nginx.
  trap 'exit 0' INT TERM
  # The first node applies the database migrations; the others start once it is ready, so they never race for them.
  local first="${nodes%% *}" rest="${nodes#* }"
  [ "$rest" = "$nodes" ] && rest=""
  say "starting node $first (logs in ${state#"$root"/})"
  start_node "$first"
  wait_ready "$first"
  for p in $rest; do say "starting node $p"; start_node "$p"; done
  for p in $rest; do wait_ready "$p"; done

  local url
  url="$(NGINX_PREFIX="$root/.data/nginx" NGINX_PORT="$port" NODE_PORTS="$nodes" "$root/scripts/nginx-local.sh" start)"
  say "nodes ready on $(for p in $nodes; do printf 'http://127.0.0.1:%s ' "$p"; done)"
  echo "Orders cluster: $url (nginx in front of $(echo "$nodes" | wc -w) nodes; Ctrl-C or make cluster-stop stops them)"
  # Stay until the nodes are gone: Ctrl-C, make cluster-stop, or every node killed. A node that dies is reported
  # (nginx sends its clients to the others, which recover their sessions).
  local gone=" "
  while :; do
    local alive=0
    for p in $nodes; do
      if node_pid "$state/node-$p.pid" >/dev/null; then alive=$((alive + 1))
      elif [[ "$gone" != *" $p "* ]]; then gone+="$p "; say "node $p is gone (log: ${state#"$root"/}/node-$p.log)"; fi
    done
    [ "$alive" -gt 0 ] || { say "no node is running any more; stopping nginx"; exit 0; }
    sleep 1
  done
}

case "${1:-run}" in
  run) run ;;
  stop) stop ;;
  *) echo "usage: $0 run|stop" >&2; exit 2 ;;
esac
