# Orders service: `make run`, `make token USER=alice [ROLE=admin]`, `make db-start` / `make db-stop`.
ORDERS_API_DLL := Orders.Api/bin/$(CONFIG)/net10.0/Orders.Api.dll
# Development only: the real secret comes from the environment, shared with the auth service.
ORDERS_DEV_SECRET := dev-only-orders-secret-change-me-in-production-0123456789
ORDERS_DEV_ISSUER := http://localhost:3000
# Tier-up without the runtime's startup delay (tenfold on one CPU): README, Configuration. Only an environment variable.
ORDERS_RUNTIME_ENV = DOTNET_TC_CallCountingDelayMs="$${DOTNET_TC_CallCountingDelayMs:-0}"
ORDERS_AUTH_ENV = ACCESS_TOKEN_SECRET="$${ACCESS_TOKEN_SECRET:-$(ORDERS_DEV_SECRET)}" ISSUER="$${ISSUER:-$(ORDERS_DEV_ISSUER)}"

.PHONY: run token db-start db-stop db-url orders-build

# Quiet unless it fails, so `make -s token` prints nothing but the token.
orders-build:
	@out="$$($(DOTNET) build Orders.Api/Orders.Api.csproj -c $(CONFIG) -nologo -v quiet 2>&1)" || { echo "$$out" >&2; exit 1; }

# Without DATABASE_URL or ConnectionStrings__Orders, runs against the project-local cluster in .data/pg.
run: orders-build
	@if [ -z "$${DATABASE_URL:-}" ] && [ -z "$${ConnectionStrings__Orders:-}" ]; then \
	  DATABASE_URL="$$(scripts/pg-local.sh start)" || exit 1; export DATABASE_URL; \
	fi; \
	export PORT="$(PORT)" $(ORDERS_AUTH_ENV) $(ORDERS_RUNTIME_ENV); \
	exec $(DOTNET) $(ORDERS_API_DLL)

token: orders-build
	@$(ORDERS_AUTH_ENV) $(DOTNET) $(ORDERS_API_DLL) token --user "$(USER)" $(if $(ROLE),--role "$(ROLE)") $(if $(MINUTES),--minutes "$(MINUTES)")

db-start:
	@scripts/pg-local.sh start

db-stop:
	@scripts/pg-local.sh stop

db-url:
	@scripts/pg-local.sh url
