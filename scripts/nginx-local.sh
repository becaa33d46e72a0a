#!/usr/bin/env bash
# Project-local nginx in front of several Orders.Api nodes (`make cluster`, the harness's cluster tests): the sample
# deploy/nginx/orders-cluster.conf rendered for loopback ports, run as a plain process with its pid, logs and temp
# files under .data/nginx; loopback only, never the system service.
#   scripts/nginx-local.sh render   write $prefix/nginx.conf (and the rendered sample beside it), print its path
#   scripts/nginx-local.sh start    render, start nginx in the background (pid file $prefix/nginx.pid), print the URL
#   scripts/nginx-local.sh stop     stop the nginx started with this prefix
#   scripts/nginx-local.sh run      render and run nginx in the foreground (for a caller that owns the process)
# NGINX_PORT (default 3004) is where it listens, NODE_PORTS (default "3011 3012 3013") the nodes on 127.0.0.1,
# NGINX_PREFIX (default .data/nginx) its directory, NGINX the binary (default: nginx on PATH, else /usr/sbin/nginx),
# NGINX_ERROR_LOG (default $prefix/logs/error.log) where its errors go (`stderr` for a caller that keeps its output).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${NGINX_PREFIX:-$root/.data/nginx}"
port="${NGINX_PORT:-3004}"
nodes="${NODE_PORTS:-3011 3012 3013}"
sample="$root/deploy/nginx/orders-cluster.conf"
conf="$prefix/nginx.conf"
error_log="${NGINX_ERROR_LOG:-$prefix/logs/error.log}"

nginx_bin() {
  [ -n "${NGINX:-}" ] && { echo "$NGINX"; return; }
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || {
    echo "nginx-local: nginx not found; install it with \`apt-get install -y nginx\` (make nginx does)" >&2; exit 1; }
}

render() {
  mkdir -p "$prefix/logs" "$prefix/temp"
  local servers="" p
  for p in $nodes; do servers+="server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"$'\n    '; done
  # Placeholders in the sample: @@ORDERS_NODES@@ (the upstream's servers), @@ORDERS_LISTEN@@ (the listen address).
  awk -v servers="$servers" -v listen="127.0.0.1:$port" \
    '!/^[[:space:]]*#/ { gsub(/@@ORDERS_NODES@@/, servers); gsub(/@@ORDERS_LISTEN@@/, listen) } { print }' "$sample" > "$prefix/orders-cluster.conf"
  # The main file: everything nginx would otherwise put under /var (pid, logs, temp files) stays in the prefix.
  # Run as root, nginx gives its workers to `nobody` and makes the temp directories theirs.
  cat > "$conf" <<EOF
# Written by scripts/nginx-local.sh from deploy/nginx/orders-cluster.conf; edit the sample, not this file.
worker_processes 1;
pid $prefix/nginx.pid;
error_log $error_log warn;
events { worker_connections 4096; }
http {
    access_log $prefix/logs/access.log;
    client_body_temp_path $prefix/temp/client_body;
    proxy_temp_path $prefix/temp/proxy;
    fastcgi_temp_path $prefix/temp/fastcgi;
    uwsgi_temp_path $prefix/temp/uwsgi;
    scgi_temp_path $prefix/temp/scgi;
    include $prefix/orders-cluster.conf;
}
EOF
  local out
  if ! out="$("$(nginx_bin)" -t -q -p "$prefix" -c "$conf" -e "$error_log" 2>&1)"; then
    echo "$out" >&2; echo "nginx-local: $conf does not pass nginx -t" >&2; exit 1
  fi
  echo "$conf"
}

running() { [ -s "$prefix/nginx.pid" ] && kill -0 "$(cat "$prefix/nginx.pid")" 2>/dev/null; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if running; then
    echo "nginx-local: already running (pid $(cat "$prefix/nginx.pid")); stop it first to change its ports" >&2
  else
    if port_in_use "$port"; then
      echo "nginx-local: port $port is taken; choose another with PORT=..." >&2
      exit 1
    fi
    render >/dev/null
    "$(nginx_bin)" -p "$prefix" -c "$conf" -e "$error_log"
    for _ in $(seq 50); do port_in_use "$port" && break; sleep 0.1; done
    port_in_use "$port" || { echo "nginx-local: not listening on $port; see $prefix/logs/error.log" >&2; exit 1; }
    echo "nginx-local: listening on 127.0.0.1:$port in front of ports $nodes" >&2
  fi
  echo "http://localhost:$port"
}

stop() {
  if running; then
    local pid; pid="$(cat "$prefix/nginx.pid")"
    kill -QUIT "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "nginx-local: stopped" >&2
  else
    echo "nginx-local: not running" >&2
  fi
}

case "${1:-start}" in
  render) render ;;
  start) start ;;
  stop) stop ;;
  run) render >/dev/null; exec "$(nginx_bin)" -p "$prefix" -c "$conf" -e "$error_log" -g 'daemon off;' ;;
  *) echo "usage: $0 render|start|stop|run" >&2; exit 2 ;;
esac
