# Two commands matter to a newcomer: `make run` and `make test`. Everything else is reachable from them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CONFIG ?= Release
PORT ?= 3004
DOTNET := dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: help restore build test test-dotnet test-harness conformance clean

# Each area keeps its own targets (orders service, harness, benchmarks) in mk/.
-include mk/*.mk

help:
	@echo "make run          run the orders service on PORT=$(PORT) (starts a project-local PostgreSQL)"
	@echo "make test         run every test suite (NUnit + harness node:test)"
	@echo "make conformance  serve the Socket.IO/Engine.IO conformance host on PORT"

restore:
	$(DOTNET) restore orders.sln
	cd harness && npm ci --no-audit --no-fund

build: restore
	$(DOTNET) build orders.sln -c $(CONFIG) --no-restore

test: build
	$(MAKE) --no-print-directory test-dotnet test-harness

test-dotnet:
	$(DOTNET) test orders.sln -c $(CONFIG) --no-build --logger "trx;LogFileName=nunit.trx" --results-directory artifacts/test-results

test-harness:
	cd harness && npm test

conformance: build
	$(DOTNET) Orders.Conformance/bin/$(CONFIG)/net10.0/Orders.Conformance.dll --port $(PORT) $(ARGS)

clean:
	$(DOTNET) clean orders.sln
	rm -rf artifacts
