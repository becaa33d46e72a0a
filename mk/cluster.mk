# Several nodes on one PostgreSQL behind nginx (issue 27): `make cluster`, `make cluster-stop`, `make nginx`.
#   make cluster [PORT=3004] [CLUSTER_PORTS="3011 3012 3013"]   three nodes and nginx in front; Ctrl-C stops them
# nginx runs as a plain process from the sample deploy/nginx/orders-cluster.conf (scripts/nginx-local.sh), never as
# the system service. PostgreSQL is the project-local one of `make run` (.data/pg) unless DATABASE_URL is set.
.PHONY: cluster cluster-stop nginx

CLUSTER_PORTS ?= 3011 3012 3013

# Installed with apt when missing, as `make chromium` does for Chromium. (On a machine with systemd the package
# also starts the system nginx on port 80; nothing here uses it.)
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx; }

cluster: orders-build nginx
	@export PORT="$(PORT)" CLUSTER_PORTS="$(CLUSTER_PORTS)" $(ORDERS_AUTH_ENV) $(ORDERS_RUNTIME_ENV); \
	exec scripts/cluster.sh run

cluster-stop:
	@scripts/cluster.sh stop

# The cluster tests in harness/test/orders start nginx themselves.
test-live: nginx
