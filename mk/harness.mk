# QA harness (harness/: Node, the stock socket.io-client 4.8). See harness/README.md.
#   make flow [FLOW=cancel] [FLOW_USER=alice] [FLOW_API=http://localhost:3004]   smoke flow against a running service
#   make test-orders                                                             example QA scripts against it
# Tokens are minted with ACCESS_TOKEN_SECRET/ISSUER from the environment, falling back to the development values
# `make run` uses (ORDERS_AUTH_ENV from mk/orders.mk, when present); or pass ACCESS_TOKEN and ADMIN_TOKEN.
.PHONY: flow test-orders harness-deps

FLOW ?= happy
FLOW_API ?= http://localhost:$(PORT)
FLOW_TIMEOUT ?= 5000

# npm ci only when the lock file changed since the last install.
harness/node_modules/.package-lock.json: harness/package-lock.json
	cd harness && npm ci --no-audit --no-fund

harness-deps: harness/node_modules/.package-lock.json

flow: harness-deps
	cd harness && $(ORDERS_AUTH_ENV) node bin/order-flow.mjs --api $(FLOW_API) --flow $(FLOW) --timeout $(FLOW_TIMEOUT) $(if $(FLOW_USER),--user $(FLOW_USER))

test-orders: harness-deps
	cd harness && $(ORDERS_AUTH_ENV) ORDERS_API_URL=$${ORDERS_API_URL:-$(FLOW_API)} npm run test:orders

# Browser test of harness/web (React page reproducing the seed's useOrderSocket) in Debian's Chromium through
# playwright-core. Needs a running orders service (ORDERS_API_URL, default FLOW_API) whose FRONTEND_URL allows
# http://localhost:3006; screenshots go to harness/artifacts/ (ignored).
.PHONY: e2e harness-web-deps chromium

harness/web/node_modules/.package-lock.json: harness/web/package-lock.json
	cd harness/web && npm ci --no-audit --no-fund

harness-web-deps: harness/web/node_modules/.package-lock.json

chromium:
	@command -v chromium >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji; }

e2e: harness-deps harness-web-deps chromium
	cd harness/web && npm run build && $(ORDERS_AUTH_ENV) ORDERS_API_URL=$${ORDERS_API_URL:-$(FLOW_API)} npm run e2e
