# Two commands matter to a newcomer: `make run` and `make test`. Everything else is reachable from them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CONFIG ?= Release
PORT ?= 3004
DOTNET := dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: help restore build test test-dotnet test-harness test-live conformance clean

# Each area keeps its own targets (orders service, harness, benchmarks) in mk/.
-include mk/*.mk

help:
	@echo "make run             the orders service on PORT=$(PORT) (starts a project-local PostgreSQL)"
	@echo "make cluster         three service nodes on one PostgreSQL behind nginx on PORT (make cluster-stop)"
	@echo "make test            every suite: NUnit, harness protocol tests, live QA scripts and the browser test"
	@echo "make token USER=u    a signed access token (ROLE=admin for an admin)"
	@echo "make flow            the QA smoke flow against a running service (FLOW=cancel for cancellation)"
	@echo "make e2e             the browser test against a running service"
	@echo "make conformance     the Socket.IO/Engine.IO conformance host on PORT"
	@echo "make bench           benchmarks against Node's socket.io (bench-smoke: seconds; bench-micro: BenchmarkDotNet)"
	@echo "make fuzz            coverage-guided fuzzing of the protocol parsers with afl++ (FUZZ_SECONDS per target)"

restore: harness-deps harness-web-deps
	$(DOTNET) restore orders.sln

build: restore
	$(DOTNET) build orders.sln -c $(CONFIG) --no-restore

test: build
	$(MAKE) --no-print-directory test-dotnet test-harness test-live

test-dotnet:
	$(DOTNET) test orders.sln -c $(CONFIG) --no-build --logger "trx;LogFileName=nunit.trx" --results-directory artifacts/test-results

test-harness:
	cd harness && npm test

# The harness against the real service: the example QA scripts, the live client tests (restart included) and
# the browser test. The harness starts Orders.Api itself on LIVE_PORT, on a throwaway project-local PostgreSQL
# (.data/pg-test) that is stopped again afterwards, so a `make run` cluster is never touched.
LIVE_PORT ?= 3914
LIVE_PG_PORT ?= 54339
test-live: harness-deps harness-web-deps chromium
	@export PG_DATA="$(CURDIR)/.data/pg-test" PG_PORT=$(LIVE_PG_PORT) $(ORDERS_AUTH_ENV); \
	DATABASE_URL="$$(scripts/pg-local.sh start)" || exit 1; export DATABASE_URL; \
	trap 'scripts/pg-local.sh stop >/dev/null 2>&1' EXIT; \
	export ORDERS_API_START=1 ORDERS_API_PORT=$(LIVE_PORT) ORDERS_API_URL=http://localhost:$(LIVE_PORT); \
	status=0; \
	(cd harness && npm run test:orders) || status=1; \
	(cd harness/web && npm run build >/dev/null && npm run e2e) || status=1; \
	exit $$status

conformance: build
	$(DOTNET) Orders.Conformance/bin/$(CONFIG)/net10.0/Orders.Conformance.dll --port $(PORT) $(ARGS)

clean:
	$(DOTNET) clean orders.sln
	rm -rf artifacts
