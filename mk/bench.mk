# Benchmarks (issue 5): ours against Node's socket.io on the same machine, same run. See README, "Benchmarks".
#   make bench                    the whole comparison (< 10 min): table + bench/results/bench-*.json
#   make bench-smoke              the same scenarios with a few hundred clients and ~1 s phases (CI); fails if one breaks
#   make bench-server PORT=N      our server in benchmark mode (production options, the benchmark contract)
#   make bench-node PORT=N        the Node reference on the same contract
#   make bench-micro              BenchmarkDotNet micro benchmarks of the hot paths (short job; MICRO_FILTER='*FanOut*')
# BENCH_ARGS passes runner options, e.g. BENCH_ARGS="--scenarios fanout,broadcast --reps 3 --warmup 5".
# GC=server runs our server with Server GC instead of the default workstation GC.
.PHONY: bench bench-smoke bench-build bench-server bench-node bench-micro

BENCH_OUT := bench/Orders.LoadGen/bin/$(CONFIG)/net10.0
BENCH_RUN = env DOTNET_TC_CallCountingDelayMs=0 taskset -c 1 $(DOTNET) $(BENCH_OUT)/Orders.LoadGen.dll bench --root $(CURDIR) --config $(CONFIG) $(if $(GC),--gc $(GC))
GC ?=
# BenchmarkDotNet filters, e.g. MICRO_FILTER='*FanOut* *Footprint*'
MICRO_FILTER ?= '*'

bench-build: bench/node-ref/node_modules/.package-lock.json
	$(DOTNET) build bench/bench.slnf -c $(CONFIG) --nologo -v q

# npm ci only when the lock changed: node_modules is ignored by git and installed here.
bench/node-ref/node_modules/.package-lock.json: bench/node-ref/package-lock.json
	cd bench/node-ref && npm ci --no-audit --no-fund --loglevel=error

bench: bench-build
	$(BENCH_RUN) $(BENCH_ARGS)

bench-smoke: bench-build
	timeout 600 $(BENCH_RUN) --smoke $(BENCH_ARGS)

bench-server:
	$(DOTNET) build bench/Orders.BenchServer -c $(CONFIG) --nologo -v q
	$(if $(filter server,$(GC)),DOTNET_gcServer=1 )DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_TC_CallCountingDelayMs=0 $(DOTNET) bench/Orders.BenchServer/bin/$(CONFIG)/net10.0/Orders.BenchServer.dll --port $(PORT) $(ARGS)

bench-node: bench/node-ref/node_modules/.package-lock.json
	node --expose-gc bench/node-ref/server.js --port $(PORT) $(ARGS)

bench-micro:
	$(DOTNET) run -c Release --project bench/Orders.Bench -- --filter $(MICRO_FILTER) --job short $(ARGS)
