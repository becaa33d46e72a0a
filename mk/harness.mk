# QA harness (harness/: Node, the stock socket.io-client 4.8). See harness/README.md.
#   make flow [FLOW=cancel] [FLOW_USER=alice] [FLOW_API=http://localhost:3004]   smoke flow against a running service
#   make test-orders                                                             example QA scripts against it
# Both need the service's ACCESS_TOKEN_SECRET (and ISSUER) in the environment to mint tokens, or ACCESS_TOKEN
# (customer) and ADMIN_TOKEN (admin) instead.
.PHONY: flow test-orders harness-deps

FLOW ?= happy
FLOW_API ?= http://localhost:$(PORT)
FLOW_TIMEOUT ?= 5000

# npm ci only when the lock file changed since the last install.
harness/node_modules/.package-lock.json: harness/package-lock.json
	cd harness && npm ci --no-audit --no-fund

harness-deps: harness/node_modules/.package-lock.json

flow: harness-deps
	cd harness && node bin/order-flow.mjs --api $(FLOW_API) --flow $(FLOW) --timeout $(FLOW_TIMEOUT) $(if $(FLOW_USER),--user $(FLOW_USER))

test-orders: harness-deps
	cd harness && ORDERS_API_URL=$${ORDERS_API_URL:-$(FLOW_API)} npm run test:orders
