# Coverage-guided fuzzing (issue 28) of the parsers a client's bytes reach, with SharpFuzz and afl++. See README,
# "Fuzzing and property tests". Not part of `make test`: a run is bounded by time, not by a verdict.
#   make fuzz                          every target for FUZZ_SECONDS each (default 300)
#   make fuzz FUZZ_TARGETS=socket-packet FUZZ_SECONDS=60
# Findings (crashes, hangs, the grown queue) go to artifacts/fuzz/<target>/, ignored by git; a crash is replayed with
# `dotnet $(FUZZ_RUN)/Orders.Fuzz.dll <target> < artifacts/fuzz/<target>/default/crashes/<file>`.
.PHONY: fuzz fuzz-build fuzz-deps

FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= polling-payload socket-packet websocket-handshake handshake-query
FUZZ_PUBLISH := Orders.Fuzz/bin/publish
FUZZ_RUN := Orders.Fuzz/bin/instrumented
FUZZ_FINDINGS := artifacts/fuzz

# afl-fuzz runs `dotnet`, which is not instrumented itself (SKIP_BIN_CHECK); the machine is shared, so no CPU
# governor or core dump settings are demanded of it, and no core is pinned.
FUZZ_ENV := AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
	AFL_NO_UI=1 AFL_AUTORESUME=1 AFL_FORKSRV_INIT_TMOUT=60000

fuzz-deps:
	@command -v afl-fuzz >/dev/null || { apt-get update -qq && apt-get install -y -qq afl++; }
	$(DOTNET) tool restore

# Only Orders.Protocol is instrumented: coverage is the parsers', not the runtime's. It is instrumented in a fresh
# copy of the published output, because SharpFuzz refuses an assembly it has already rewritten.
fuzz-build: fuzz-deps
	$(DOTNET) publish Orders.Fuzz/Orders.Fuzz.csproj -c $(CONFIG) -o $(FUZZ_PUBLISH) --nologo -v q
	rm -rf $(FUZZ_RUN) && cp -r $(FUZZ_PUBLISH) $(FUZZ_RUN)
	$(DOTNET) sharpfuzz $(FUZZ_RUN)/Orders.Protocol.dll

fuzz: fuzz-build
	@mkdir -p $(FUZZ_FINDINGS); \
	for target in $(FUZZ_TARGETS); do \
		echo "== $$target: $(FUZZ_SECONDS) s"; \
		env $(FUZZ_ENV) afl-fuzz -V $(FUZZ_SECONDS) -t 5000 -m none -i Orders.Fuzz/corpus/$$target -o $(FUZZ_FINDINGS)/$$target \
			-- $(DOTNET) $(FUZZ_RUN)/Orders.Fuzz.dll $$target > $(FUZZ_FINDINGS)/$$target.log 2>&1 \
			|| { tail -20 $(FUZZ_FINDINGS)/$$target.log; exit 1; }; \
	done; \
	status=0; \
	for target in $(FUZZ_TARGETS); do \
		stats=$(FUZZ_FINDINGS)/$$target/default/fuzzer_stats; \
		execs=$$(awk -F' *: *' '$$1=="execs_done"{print $$2}' $$stats); \
		crashes=$$(awk -F' *: *' '$$1=="saved_crashes"{print $$2}' $$stats); \
		paths=$$(awk -F' *: *' '$$1=="corpus_count"{print $$2}' $$stats); \
		printf '%-20s %10s executions %6s queue entries %4s crashes\n' $$target "$$execs" "$$paths" "$$crashes"; \
		[ "$$crashes" = 0 ] || status=1; \
	done; \
	exit $$status
